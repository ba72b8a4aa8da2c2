// The TOML reader (smol-toml for meaning, toml-eslint-parser for places) and the text editor behind
// `godex init --write-codex`.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  backupName,
  mergeCodexConfig,
  mergeCodexProfile,
  upsertTable,
  upsertTopLevel,
  viewCodexConfig,
  type CodexSetup,
} from "../../src/cli/codex-config.ts";
import { readToml, type TomlKeyValue } from "../../src/cli/toml-doc.ts";
import { parse as parseToml, TomlDate } from "smol-toml";

const FIXTURES = join(import.meta.dirname, "../fixtures/cli");
const setup: CodexSetup = { baseUrl: "http://127.0.0.1:5678/v1", model: "gpt-5.5", catalogPath: "/home/u/.codex/godex-models.json", websocket: true };

const PROVIDER_BLOCK = [
  "# GodeX: a local gateway from Codex to DeepSeek, Zhipu GLM, MiniMax and Xiaomi MiMo.",
  "# `godex init --write-codex` keeps the keys below up to date; keys you add are kept.",
  "[model_providers.godex]",
  'name = "GodeX"',
  'base_url = "http://127.0.0.1:5678/v1"',
  'wire_api = "responses"',
  "requires_openai_auth = false",
  "supports_websockets = true",
  "",
].join("\n");

describe("readToml", () => {
  const text = [
    "a = \"x\\ty\\u00e9\" # comment",
    "b = 'C:\\raw'",
    'c = """',
    "line1",
    '  line2\\',
    '   joined"""',
    "d = '''",
    "lit ' eral'''",
    "e = 1_000",
    "f = -0.5e3",
    "g = 0xff",
    "h = true",
    "i = 1979-05-27 07:32:00Z",
    "j = [1, [2, 3], { k = 'v' },",
    "  # comment in an array",
    "  4, ]",
    'k = { x.y = 1, "q k" = false }',
    '"quoted.key".bare = 2',
    "[t . 'u']",
    "v = inf",
    "[[arr]]",
    "n = 1",
    "[[arr]]",
    "n = 2",
    "[arr.sub]",
    "m = 3",
  ].join("\n");

  it("reads the value types Codex configs use", () => {
    const doc = readToml(text);
    expect(doc.errors).toEqual([]);
    const obj = doc.value;
    expect(obj.a).toBe("x\tyé");
    expect(obj.b).toBe("C:\\raw");
    expect(obj.c).toBe("line1\n  line2joined");
    expect(obj.d).toBe("lit ' eral");
    expect(obj.e).toBe(1000);
    expect(obj.f).toBe(-500);
    expect(obj.g).toBe(255);
    expect(obj.h).toBe(true);
    expect(obj.i).toBeInstanceOf(TomlDate);
    expect((obj.i as TomlDate).toISOString()).toBe("1979-05-27T07:32:00.000Z");
    expect(obj.j).toEqual([1, [2, 3], { k: "v" }, 4]);
    expect(obj.k).toEqual({ x: { y: 1 }, "q k": false });
    expect(obj["quoted.key"]).toEqual({ bare: 2 });
    expect(obj.t).toEqual({ u: { v: Infinity } });
    expect(obj.arr).toEqual([{ n: 1 }, { n: 2, sub: { m: 3 } }]);
  });

  it("records where each statement is, with the value of each (arrays of tables included)", () => {
    const doc = readToml(text);
    const kv = (key: string, table: string[] = []) =>
      doc.statements.find((s): s is TomlKeyValue => s.kind === "kv" && s.key.join(".") === key && s.table.join(".") === table.join("."));
    expect(text.slice(kv("a")!.valueStart, kv("a")!.valueEnd)).toBe('"x\\ty\\u00e9"');
    expect(kv("a")!.lineEnd).toBe(text.indexOf("\n"));
    expect(text.slice(kv("c")!.valueStart, kv("c")!.valueEnd)).toBe('"""\nline1\n  line2\\\n   joined"""');
    expect(kv("c")).toMatchObject({ line: 3, lineEnd: text.indexOf('joined"""') + 'joined"""'.length });
    expect(kv("quoted.key.bare")).toMatchObject({ key: ["quoted.key", "bare"], value: 2, line: 18 });
    expect(kv("v", ["t", "u"])).toMatchObject({ value: Infinity, line: 20 });
    const ns = doc.statements.filter((s): s is TomlKeyValue => s.kind === "kv" && s.key[0] === "n");
    expect(ns.map((s) => [s.table, s.value, s.line])).toEqual([[["arr"], 1, 22], [["arr"], 2, 24]]);
    const headers = doc.statements.filter((s) => s.kind === "table").map((s) => (s.kind === "table" ? [s.path.join("."), s.array, s.line] : null));
    expect(headers).toEqual([["t.u", false, 19], ["arr", true, 21], ["arr", true, 23], ["arr.sub", false, 25]]);
  });

  it("keeps offsets with a byte-order mark and CRLF line breaks", () => {
    const crlf = "\ufeffa = 1\r\n[p]\r\nx = 'ok'\r\n";
    const doc = readToml(crlf);
    expect(doc.eol).toBe("\r\n");
    const x = doc.statements.find((s): s is TomlKeyValue => s.kind === "kv" && s.key[0] === "x")!;
    expect(x).toMatchObject({ table: ["p"], line: 3, value: "ok" });
    expect(crlf.slice(x.valueStart, x.valueEnd)).toBe("'ok'");
    expect(crlf.slice(x.lineStart, x.lineEnd)).toBe("x = 'ok'");
  });

  it("gives the first error with its line, and no statements", () => {
    const doc = readToml("a = 1\nb = nope\n[x]\nc = 'ok'\r\n");
    expect(doc.errors).toEqual([{ line: 2, message: "invalid value" }]);
    expect(doc.statements).toEqual([]);
    expect(readToml('a = "x').errors[0]?.message).toBe("unfinished string");
    expect(readToml("a =\n").errors[0]?.message).toBe("invalid value");
    expect(readToml("[a\n").errors[0]).toEqual({ line: 1, message: "illegal character in key" });
    expect(readToml("a = 1\na = 2\n").errors[0]?.line).toBe(2);
  });
});

describe("editing by text", () => {
  it("upsertTopLevel adds keys after the last top-level key and replaces values in place", () => {
    const text = "# head\nmodel = \"o3\" # mine\nx = 1\n\n[t]\ny = 2\n";
    const r = upsertTopLevel(text, [
      { key: "model", value: "gpt-5.5", mode: "always" },
      { key: "z", value: true, mode: "if-missing" },
    ]);
    expect(r.text).toBe("# head\nmodel = \"gpt-5.5\" # mine\nx = 1\nz = true\n\n[t]\ny = 2\n");
    expect(r.changes).toEqual(['set model = "gpt-5.5" (was "o3")', "added z = true"]);
  });

  it("upsertTopLevel with only tables goes above the first table and its comment", () => {
    const text = "# file comment\n\n# about t\n[t]\ny = 2\n";
    const r = upsertTopLevel(text, [{ key: "a", value: "b", mode: "if-missing" }]);
    expect(r.text).toBe('# file comment\n\na = "b"\n\n# about t\n[t]\ny = 2\n');
  });

  it("upsertTable keeps the table's other keys and comments, and is idempotent", () => {
    const text = '[p]\nname = "Mine"\nbase_url = "http://old/v1" # note\nextra = 1\n\n[q]\n';
    const keys = [
      { key: "name", value: "GodeX", mode: "if-missing" as const },
      { key: "base_url", value: "http://new/v1", mode: "always" as const },
      { key: "flag", value: false, mode: "always" as const },
    ];
    const r = upsertTable(text, ["p"], keys);
    expect(r.text).toBe('[p]\nname = "Mine"\nbase_url = "http://new/v1" # note\nextra = 1\nflag = false\n\n[q]\n');
    expect(upsertTable(r.text, ["p"], keys).changed).toBe(false);
  });

  it("keeps CRLF line endings and a missing final newline", () => {
    const text = 'a = 1\r\n[p]\r\nx = "y"';
    const r = upsertTable(text, ["p"], [{ key: "z", value: true, mode: "always" }]);
    expect(r.text).toBe('a = 1\r\n[p]\r\nx = "y"\r\nz = true\r\n');
    const t = upsertTopLevel(text, [{ key: "b", value: 2 as unknown as string, mode: "if-missing" }]);
    expect(t.text).toBe('a = 1\r\nb = 2\r\n[p]\r\nx = "y"');
  });

  it("leaves a provider written as dotted keys or an inline table alone, with a note", () => {
    const dotted = 'model_providers.godex.base_url = "http://x/v1"\n';
    const r1 = upsertTable(dotted, ["model_providers", "godex"], [{ key: "wire_api", value: "responses", mode: "always" }]);
    expect(r1.changed).toBe(false);
    expect(r1.notes[0]).toMatch(/model_providers\.godex is written as dotted keys \(line 1\)/);
    const inline = '[model_providers]\ngodex = { base_url = "http://x/v1" }\n';
    const r2 = upsertTable(inline, ["model_providers", "godex"], [{ key: "wire_api", value: "responses", mode: "always" }]);
    expect(r2.changed).toBe(false);
    expect(r2.notes[0]).toMatch(/an inline table \(line 2\)/);
  });

  it("reads every edit back and refuses one that would not be valid TOML", () => {
    // `a` is already a table (through a dotted key): adding `a = "x"` would redefine it.
    const text = "a.b = 1\n";
    const r = upsertTopLevel(text, [{ key: "a", value: "x", mode: "always" }]);
    expect(r).toMatchObject({ text, changed: false, changes: [] });
    expect(r.errors).toEqual(["GodeX's edit would make line 2 invalid (trying to redefine an already defined table or value); nothing was changed"]);
  });

  it("refuses to edit a file it cannot parse", () => {
    const r = mergeCodexConfig("model = \n[ok]\n", setup);
    expect(r.changed).toBe(false);
    expect(r.errors[0]).toMatch(/^line 1: invalid value/);
  });

  it("backupName adds a UTC timestamp and avoids existing names", () => {
    const now = new Date("2026-11-24T06:30:05.123Z");
    expect(backupName("/h/config.toml", now, () => false)).toBe("/h/config.toml.bak-20261124T063005Z");
    const taken = new Set(["/h/config.toml.bak-20261124T063005Z"]);
    expect(backupName("/h/config.toml", now, (p) => taken.has(p))).toBe("/h/config.toml.bak-20261124T063005Z-2");
  });
});

describe("mergeCodexConfig", () => {
  it("into an empty file: GodeX becomes the default, with the catalog", () => {
    const r = mergeCodexConfig("", setup);
    expect(r.godexIsDefault).toBe(true);
    expect(r.text).toBe(
      [
        'model = "gpt-5.5"',
        'model_provider = "godex"',
        "# GodeX model metadata (reasoning levels, apply_patch, context windows); replaces Codex's built-in model list.",
        'model_catalog_json = "/home/u/.codex/godex-models.json"',
        "",
        PROVIDER_BLOCK,
      ].join("\n"),
    );
    expect(mergeCodexConfig(r.text, setup).changed).toBe(false);
  });

  it("with another default provider: only appends [model_providers.godex], byte for byte", () => {
    const original = readFileSync(join(FIXTURES, "codex-home-other/config.toml"), "utf8");
    const r = mergeCodexConfig(original, setup);
    expect(r.errors).toEqual([]);
    expect(r.godexIsDefault).toBe(false);
    expect(r.text).toBe(original + "\n" + PROVIDER_BLOCK);
    expect(r.notes.join("\n")).toMatch(/model_provider = "openai" with model = "gpt-5\.5" \(kept\).*codex -p godex.*codex -c model_provider=godex -m gpt-5\.5/);
    const obj = parseToml(r.text);
    expect(obj.model_catalog_json).toBeUndefined();
    expect(Object.keys(obj.model_providers as object)).toEqual(["local-llm", "azure", "godex"]);
  });

  it("with an older GodeX block: updates it in place and keeps the user's keys", () => {
    const original = readFileSync(join(FIXTURES, "codex-home-godex-old/config.toml"), "utf8");
    const r = mergeCodexConfig(original, setup);
    expect(r.godexIsDefault).toBe(true);
    expect(r.text).toBe(
      [
        'model_provider = "godex"',
        'model = "zhipu/glm-5.3"',
        "# GodeX model metadata (reasoning levels, apply_patch, context windows); replaces Codex's built-in model list.",
        'model_catalog_json = "/home/u/.codex/godex-models.json"',
        "",
        "[model_providers.godex]",
        'name = "My GodeX"',
        'base_url = "http://127.0.0.1:5678/v1"  # old port',
        'wire_api = "responses"',
        "stream_max_retries = 2",
        "requires_openai_auth = false",
        "supports_websockets = true",
        "",
        "[model_providers.other]",
        'name = "Other"',
        'base_url = "http://127.0.0.1:9999/v1"',
        "",
      ].join("\n"),
    );
    expect(r.changes).toEqual([
      'added model_catalog_json = "/home/u/.codex/godex-models.json"',
      'set model_providers.godex.base_url = "http://127.0.0.1:5678/v1" (was "http://127.0.0.1:5000/v1")',
      "added model_providers.godex.requires_openai_auth = false",
      "added model_providers.godex.supports_websockets = true",
    ]);
    expect(mergeCodexConfig(r.text, setup).changed).toBe(false);
  });

  it("keeps a model_catalog_json that points elsewhere, with a note", () => {
    const text = 'model_provider = "godex"\nmodel_catalog_json = "/mine.json"\n';
    const r = mergeCodexConfig(text, setup);
    expect(r.text.startsWith(text)).toBe(true);
    expect(r.notes[0]).toMatch(/model_catalog_json already points to \/mine\.json \(kept\)/);
  });

  it("a model without a provider is another default: left alone", () => {
    const r = mergeCodexConfig('model = "o3"\n', setup);
    expect(r.godexIsDefault).toBe(false);
    expect(r.text.startsWith('model = "o3"\n\n# GodeX')).toBe(true);
  });
});

describe("mergeCodexProfile and viewCodexConfig", () => {
  it("writes the godex profile and keeps a model the user chose there", () => {
    const fresh = mergeCodexProfile("", setup);
    expect(fresh.text).toBe(
      '# Codex profile for GodeX: `codex -p godex`. Written by `godex init --write-codex`.\nmodel_provider = "godex"\nmodel = "gpt-5.5"\nmodel_catalog_json = "/home/u/.codex/godex-models.json"\n',
    );
    const edited = fresh.text.replace('model = "gpt-5.5"', 'model = "zhipu/glm-5.3"\nmodel_reasoning_effort = "high"');
    const again = mergeCodexProfile(edited, setup);
    expect(again.changed).toBe(false);
  });

  it("reads the fields doctor needs, whatever the form", () => {
    const v = viewCodexConfig("/c.toml", 'model_provider = "godex"\nmodel_providers.godex = { base_url = "http://127.0.0.1:1/v1" }\n');
    expect(v).toMatchObject({ exists: true, errors: [], modelProvider: "godex", godex: { base_url: "http://127.0.0.1:1/v1" } });
    expect(viewCodexConfig("/c.toml", null)).toEqual({ file: "/c.toml", exists: false, errors: [] });
    expect(viewCodexConfig("/c.toml", "x = \n").errors).toEqual(["/c.toml:1: invalid value"]);
  });
});

describe("round trips of real-world config files", () => {
  const REAL = join(FIXTURES, "codex-real-world");
  const real = (name: string) => readFileSync(join(REAL, name), "utf8");
  const godexTable = { name: "GodeX", base_url: setup.baseUrl, wire_api: "responses", requires_openai_auth: false, supports_websockets: true };

  /** The lines `result` adds to `original`; fails when a line of the original is lost or moved. */
  function addedLines(original: string, result: string): string[] {
    const a = original.split(/\r?\n/);
    const b = result.split(/\r?\n/);
    const added: string[] = [];
    let j = 0;
    for (const line of a) {
      while (j < b.length && b[j] !== line) added.push(b[j++]!);
      if (j >= b.length) throw new Error(`the original line ${JSON.stringify(line)} is lost`);
      j++;
    }
    return [...added, ...b.slice(j)];
  }

  it("comments, multi-line strings, inline tables, arrays of tables: only GodeX's table is added", () => {
    const original = real("openai-default.toml");
    const r = mergeCodexConfig(original, setup);
    expect(r.errors).toEqual([]);
    expect(r.godexIsDefault).toBe(false);
    expect(r.text).toBe(original + "\n" + PROVIDER_BLOCK);
    const expected = parseToml(original) as Record<string, Record<string, unknown>>;
    expected.model_providers!.godex = godexTable;
    expect(parseToml(r.text)).toEqual(expected);
    expect(mergeCodexConfig(r.text, setup).changed).toBe(false);
  });

  it("the same file with CRLF line breaks keeps them", () => {
    const original = real("openai-default.toml").replace(/\n/g, "\r\n");
    const r = mergeCodexConfig(original, setup);
    expect(r.text).toBe(original + "\r\n" + PROVIDER_BLOCK.replace(/\n/g, "\r\n"));
    expect(r.text.replace(/\r\n/g, "")).not.toContain("\n");
  });

  it("no default yet: GodeX's keys go above the first table's comments, the rest stays in place", () => {
    const original = real("no-default.toml");
    const r = mergeCodexConfig(original, setup);
    expect(r.errors).toEqual([]);
    expect(r.godexIsDefault).toBe(true);
    const top = [
      'model = "gpt-5.5"',
      'model_provider = "godex"',
      "# GodeX model metadata (reasoning levels, apply_patch, context windows); replaces Codex's built-in model list.",
      'model_catalog_json = "/home/u/.codex/godex-models.json"',
      "",
      "",
    ].join("\n");
    expect(r.text).toBe(original.replace("# TUI\n", top + "# TUI\n") + "\n" + PROVIDER_BLOCK);
    expect(addedLines(original, r.text).filter((l) => l !== "")).toHaveLength(4 + PROVIDER_BLOCK.split("\n").filter((l) => l !== "").length);
    expect(r.text.indexOf('model = "gpt-5.5"')).toBeLessThan(r.text.indexOf("# TUI"));
    const expected = parseToml(original) as Record<string, unknown>;
    Object.assign(expected, { model: "gpt-5.5", model_provider: "godex", model_catalog_json: setup.catalogPath });
    (expected.model_providers as Record<string, unknown>).godex = godexTable;
    expect(parseToml(r.text)).toEqual(expected);
    expect(mergeCodexConfig(r.text, setup).changed).toBe(false);
    const profile = mergeCodexProfile(original, setup);
    expect(addedLines(original, profile.text)).toHaveLength(4);
  });

  it("a GodeX table followed by arrays of tables: updated in place, the user's keys and comments kept", () => {
    const original = real("godex-in-the-middle.toml");
    const r = mergeCodexConfig(original, setup);
    expect(r.errors).toEqual([]);
    expect(r.text).toBe(
      original
        .replace('base_url = "http://127.0.0.1:7000/v1"', 'base_url = "http://127.0.0.1:5678/v1"')
        .replace("request_max_retries = 4\n", 'request_max_retries = 4\nwire_api = "responses"\nrequires_openai_auth = false\nsupports_websockets = true\n'),
    );
    const parsed = parseToml(r.text) as { model_providers: { godex: Record<string, unknown> }; mcp_servers: unknown };
    expect(parsed.model_providers.godex).toEqual({ ...godexTable, name: "GodeX (work)", http_headers: { "X-Godex-Client": "laptop" }, request_max_retries: 4 });
    expect(parsed.mcp_servers).toEqual({ files: { roots: [{ path: "/srv/data" }, { path: "/home/u" }] } });
    expect(mergeCodexConfig(r.text, setup).changed).toBe(false);
  });
});
