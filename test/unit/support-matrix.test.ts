// docs/support-matrix.md is generated from the mapping files: this fails when it is stale
// (fix: `npm run matrix`), and checks that the generator reads every cell from the mapping data.
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { compileMapping } from "../../src/mapping/compile.ts";
import { loadMappingDoc } from "../../src/mapping/load.ts";
import { cellText, loadMatrixMappings, modelMatrix, renderSupportMatrix, replyRows } from "../../src/mapping/support-matrix.ts";

const ROOT = resolve(import.meta.dirname, "../..");
const MATRIX = join(ROOT, "docs/support-matrix.md");

describe("docs/support-matrix.md", () => {
  it("is current (regenerate with `npm run matrix`)", () => {
    const expected = renderSupportMatrix(loadMatrixMappings());
    const actual = readFileSync(MATRIX, "utf8");
    if (actual !== expected) {
      const a = actual.split("\n");
      const e = expected.split("\n");
      const i = e.findIndex((line, n) => line !== a[n]);
      throw new Error(
        `docs/support-matrix.md is stale: run \`npm run matrix\` (node --import tsx codegen/support-matrix.ts) and commit it.\n` +
          `first difference at line ${i + 1}:\n  file:      ${a[i] ?? "<end of file>"}\n  generated: ${e[i] ?? "<end of file>"}`,
      );
    }
  });

  it("lists every concrete shipped mapping and no abstract one", () => {
    const names = loadMatrixMappings().map((m) => m.name);
    expect(names).toEqual([...names].sort());
    expect(names).not.toContain("openai-chat");
    const md = readFileSync(MATRIX, "utf8");
    for (const n of names) expect(md).toContain(`\n## ${n}\n`);
  });

  it("is deterministic: same output for the same mappings in any order", () => {
    const mappings = loadMatrixMappings();
    const once = renderSupportMatrix(mappings);
    expect(renderSupportMatrix([...mappings].reverse())).toBe(once);
    expect(renderSupportMatrix(loadMatrixMappings())).toBe(once);
  });

  it("codegen/support-matrix.ts --check agrees", () => {
    const r = spawnSync(process.execPath, ["--import", "tsx", "codegen/support-matrix.ts", "--check"], { cwd: ROOT, encoding: "utf8" });
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
  }, 30_000); // a child node + tsx start: seconds on a loaded 2-core machine
});

describe("support matrix cells come from the mapping data (acme fixture)", () => {
  const acme = compileMapping(loadMappingDoc("acme", join(ROOT, "test/fixtures/mappings")));
  const { models, rows } = modelMatrix(acme);
  const cell = (feature: string, model: string) => {
    const row = rows.find((r) => r.feature === feature);
    expect(row, feature).toBeDefined();
    return cellText(row!.cells[models.indexOf(model)]!);
  };

  it("has one column per model entry, `*` last", () => {
    expect(models).toEqual(["acme-large", "acme-mini", "*"]);
  });

  it("derives request features per model", () => {
    expect(cell("developer messages", "acme-large")).toBe("~ degraded: sent as role `system`");
    expect(cell("`max_output_tokens`", "acme-large")).toBe("✓ native: sent as `max_completion_tokens`");
    expect(cell("`max_output_tokens`", "acme-mini")).toBe("✓ native: sent as `max_tokens`");
    expect(cell("images (`input_image`)", "acme-large")).toBe("✓ native: sent as `image_url` parts");
    expect(cell("images (`input_image`)", "*")).toBe("✗ unsupported: dropped (diagnostic)");
    expect(cell("`tool_choice: required`", "acme-large")).toBe("~ degraded: sent as `auto` (diagnostic)");
    expect(cell("`tool_choice: none`", "acme-large")).toBe("✓ native: sent as `none`");
    // Named tool_choice is kept unless thinking; acme-mini never thinks, so it is plain native there.
    expect(cell("`tool_choice` function (named tool)", "acme-large")).toBe(
      "~ degraded: while thinking: sent as `auto` (diagnostic); otherwise: native, sent as `{type: function, function: {name}}`",
    );
    expect(cell("`tool_choice` function (named tool)", "acme-mini")).toBe("✓ native: sent as `{type: function, function: {name}}`");
    expect(cell("`temperature`", "acme-large")).toBe("~ degraded: range [0, 1], values outside are clamped (diagnostic); the provider ignores it while thinking (diagnostic)");
    expect(cell("`temperature`", "acme-mini")).toBe("✓ native: range [0, 1], values outside are clamped (diagnostic)");
    expect(cell("`text.format: json_schema`", "acme-large")).toMatch(/^~ degraded: sent as `response_format: json_object`/);
    expect(cell("`user` / `safety_identifier`", "acme-large")).toBe("✗ unsupported: not sent (diagnostic)");
  });

  it("derives every effort level from the effort table (or its absence)", () => {
    expect(cell("reasoning, no effort given", "acme-large")).toBe("nothing sent; the model does not think");
    expect(cell("`reasoning.effort: none`", "acme-large")).toBe('✓ native: sends `{"reasoning_mode":"off"}` (does not think)');
    expect(cell("`reasoning.effort: medium`", "acme-large")).toBe('✓ native: sends `{"reasoning_mode":"on","reasoning_budget":"medium"}` (thinks)');
    expect(cell("`reasoning.effort: xhigh`", "acme-large")).toBe(
      '~ degraded: sends `{"reasoning_mode":"on","reasoning_budget":"high"}` (thinks); Acme\'s largest budget is high; sent reasoning_budget high.',
    );
    expect(cell("`reasoning.effort: high`", "acme-mini")).toBe("✗ unsupported: the model has no reasoning control; nothing is sent (diagnostic)");
  });

  it("derives reply handling: reasoning path, pass-back field, usage names, finish reasons", () => {
    const reply = Object.fromEntries(replyRows(acme).map(([f, c]) => [f, cellText(c)]));
    expect(reply["endpoint"]).toBe("`POST /v2/chat/completions`, header `x-acme-key: <key>`");
    expect(reply["reasoning out"]).toBe("✓ native: stream `choices[0].delta.thinking`; JSON `choices[0].message.thinking`");
    expect(reply["reasoning pass-back"]).toMatch(/replayed as `thinking` on assistant messages with tool calls/);
    expect(reply["usage `input_tokens` / `output_tokens`"]).toBe("✓ native: `input_tokens` / `output_tokens`");
    expect(reply["usage `cached_tokens`"]).toBe("✓ native: `cache_read_tokens`");
    expect(reply["usage `reasoning_tokens`"]).toBe("✓ native: `thinking_tokens`");
    expect(reply["finish_reason `tool_use`"]).toBe("`response.completed`");
    expect(reply["finish_reason `max_tokens`"]).toBe("`response.incomplete`, reason `max_output_tokens`");
    expect(reply["finish_reason `acme_overload`"]).toBe('`response.failed`, code `server_error` — "Acme shed the request under load (acme_overload); retry."');
  });

  it("renders a provider outside mappings/ the same way (no per-provider code)", () => {
    const md = renderSupportMatrix([acme]);
    expect(md).toContain("\n## acme\n");
    expect(md).toContain("| rule `code = \"acme_rate_limited\"` | `rate_limit_exceeded` | `rate_limit_error` | 429 | yes |");
  });
});

describe("support matrix: the native Responses wire", () => {
  const doc = renderSupportMatrix(loadMatrixMappings());
  const section = (provider: string) => doc.slice(doc.indexOf(`## ${provider}`), doc.indexOf("\n## ", doc.indexOf(`## ${provider}`) + 3) >>> 0 || undefined);

  it("shows the wire each model entry uses", () => {
    expect(section("deepseek")).toMatch(/\| upstream wire \(`wire`, overridable in godex.yaml\) \|[^\n]*\*\*responses\*\*/);
    expect(section("minimax")).not.toMatch(/upstream wire[^\n]*\*\*responses\*\*/);
  });

  it("has a native wire section per provider, read from the mapping's responses rules", () => {
    for (const p of ["deepseek", "zhipu", "minimax", "xiaomi"]) expect(section(p)).toContain("### Native Responses wire (`wire: responses`)");
    expect(section("deepseek")).toMatch(/freeform \/ custom tools \| ✓ native: only `apply_patch`/);
    expect(section("zhipu")).toContain("| endpoint | `POST <base_url>/../../v1/responses`");
    expect(section("zhipu")).toMatch(/`text.format: json_schema` \| ~ degraded: sent as `json_object`/);
    expect(section("minimax")).toMatch(/`web_search` \| ~ degraded: GodeX's hosted search loop when `web_search` is on/);
    expect(section("deepseek")).toMatch(/`web_search` \| ✓ native: run server-side by the provider/);
    expect(section("deepseek")).toMatch(/reasoning pass-back \| ✓ native: restored byte-exact[^\n]*every tool-calling turn/);
  });
});
