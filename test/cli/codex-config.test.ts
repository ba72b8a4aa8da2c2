// The TOML subset reader and the text editor behind `godex init --write-codex`.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  backupName,
  mergeCodexConfig,
  mergeCodexProfile,
  parseToml,
  TomlRaw,
  tomlToObject,
  upsertTable,
  upsertTopLevel,
  viewCodexConfig,
  type CodexSetup,
} from "../../src/cli/codex-config.ts";

const FIXTURES = join(import.meta.dirname, "../fixtures/cli");
const setup: CodexSetup = { baseUrl: "http://127.0.0.1:5678/v1", model: "gpt-5.5", catalogPath: "/home/u/.codex/godex-models.json" };

const PROVIDER_BLOCK = [
  "# GodeX: a local gateway from Codex to DeepSeek, Zhipu GLM, MiniMax and Xiaomi MiMo.",
  "# `godex init --write-codex` keeps the keys below up to date; keys you add are kept.",
  "[model_providers.godex]",
  'name = "GodeX"',
  'base_url = "http://127.0.0.1:5678/v1"',
  'wire_api = "responses"',
  "requires_openai_auth = false",
  "supports_websockets = false",
  "",
].join("\n");

describe("parseToml", () => {
  it("reads the value types Codex configs use", () => {
    const doc = parseToml(
      [
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
      ].join("\n"),
    );
    expect(doc.errors).toEqual([]);
    const obj = tomlToObject(doc);
    expect(obj.a).toBe("x\tyé");
    expect(obj.b).toBe("C:\\raw");
    expect(obj.c).toBe("line1\n  line2joined");
    expect(obj.d).toBe("lit ' eral");
    expect(obj.e).toBe(1000);
    expect(obj.f).toBe(-500);
    expect(obj.g).toBe(255);
    expect(obj.h).toBe(true);
    expect(obj.i).toBeInstanceOf(TomlRaw);
    expect((obj.i as TomlRaw).raw).toBe("1979-05-27 07:32:00Z");
    expect(obj.j).toEqual([1, [2, 3], { k: "v" }, 4]);
    expect(obj.k).toEqual({ x: { y: 1 }, "q k": false });
    expect(obj["quoted.key"]).toEqual({ bare: 2 });
    expect(obj.t).toEqual({ u: { v: Infinity } });
    expect(obj.arr).toEqual([{ n: 1 }, { n: 2, sub: { m: 3 } }]);
  });

  it("records where each statement is, and keeps going after a bad line", () => {
    const text = "a = 1\nb = nope\n[x]\nc = 'ok'\r\n";
    const doc = parseToml(text);
    expect(doc.errors).toEqual([{ line: 2, message: "'nope' is not a TOML value (strings need quotes)" }]);
    const c = doc.statements.find((s) => s.kind === "kv" && s.key[0] === "c");
    expect(c).toMatchObject({ table: ["x"], line: 4 });
    if (c?.kind === "kv") expect(text.slice(c.valueStart, c.valueEnd)).toBe("'ok'");
  });

  it("reports unterminated strings and missing values", () => {
    expect(parseToml('a = "x').errors[0]?.message).toBe("unterminated string");
    expect(parseToml("a =\n").errors[0]?.message).toBe("missing value");
    expect(parseToml("[a\n").errors[0]?.message).toMatch(/expected '\]'/);
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

  it("refuses to edit a file it cannot parse", () => {
    const r = mergeCodexConfig("model = \n[ok]\n", setup);
    expect(r.changed).toBe(false);
    expect(r.errors[0]).toMatch(/^line 1: missing value/);
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
    const obj = tomlToObject(parseToml(r.text));
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
        "supports_websockets = false",
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
      "added model_providers.godex.supports_websockets = false",
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
    expect(viewCodexConfig("/c.toml", "x = \n").errors).toEqual(["/c.toml:1: missing value"]);
  });
});
