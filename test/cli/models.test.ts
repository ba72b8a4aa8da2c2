// `godex models` (text and JSON) and the Codex model catalog built from the same table.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { groupThousands, models } from "../../src/cli/models.ts";
import { BASE_INSTRUCTIONS, buildCodexCatalog } from "../../src/cli/codex-catalog.ts";
import { loadConfig } from "../../src/config/load.ts";
import { memoryIO } from "../fixtures/cli/io.ts";

const REPO = join(import.meta.dirname, "../..");
const SHIPPED = join(REPO, "godex.yaml");

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "godex-models-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function run(args: string[]) {
  const m = memoryIO({ cwd: REPO, env: {} });
  const code = await models(args, m.io);
  return { code, out: m.stdout(), err: m.stderr() };
}

describe("godex models", () => {
  it("text: aliases, then the effort bridge per model with degraded efforts marked", async () => {
    const r = await run(["--config", SHIPPED]);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/^ {2}gpt-5\.5 +→ deepseek\/deepseek-v4-pro +mapping deepseek$/m);
    expect(r.out).toMatch(/^ {2}gpt-5\.3-codex-spark +→ zhipu\/glm-5\.1 +mapping zhipu$/m);
    expect(r.out).toContain("  (other)              → rejected: unknown model");
    expect(r.out).toContain("  deepseek/deepseek-v4-pro  (mapping deepseek, wire chat, effort table thinking, images no, context 1,000,000)");
    expect(r.out).toMatch(/^ {4}none +thinking\.type=disabled +no thinking$/m);
    expect(r.out).toMatch(/^ {4}medium +thinking\.type=enabled reasoning_effort=high +thinking +DEGRADED: DeepSeek has no medium effort; sent reasoning_effort high\.$/m);
    expect(r.out).toMatch(/^ {4}xhigh +thinking\.type=enabled reasoning_effort=max +thinking$/m);
    // Every provider model listed in the config appears, with its context window.
    for (const id of ["zhipu/glm-5.1", "zhipu/glm-5.2", "zhipu/glm-5.3", "minimax/MiniMax-M3", "minimax/MiniMax-M2.7", "minimax/MiniMax-M3.1-Flash-Preview", "xiaomi/mimo-v2.5-pro", "xiaomi/mimo-v2.5"]) {
      expect(r.out).toContain(`  ${id}  (`);
    }
    expect(r.out).toContain("  zhipu/glm-5.1  (mapping zhipu, wire chat, effort table switch, images no, context 200,000)");
    expect(r.out).toContain("  minimax/MiniMax-M2.7  (mapping minimax, wire chat, effort table always, images no, context 204,800)");
  });

  it("json: the same table, machine-readable", async () => {
    const r = await run(["--config", SHIPPED, "--format", "json"]);
    expect(r.code, r.err).toBe(0);
    const data = JSON.parse(r.out);
    expect(data.aliases[0]).toEqual({ alias: "gpt-5.5", provider: "deepseek", model: "deepseek-v4-pro", target: "deepseek/deepseek-v4-pro", mapping: "deepseek", route: [{ target: "deepseek/deepseek-v4-pro", role: "weighted", weight: 1 }] });
    expect(data.wildcard).toBeNull();
    const ds = data.models.find((m: { id: string }) => m.id === "deepseek/deepseek-v4-pro");
    expect(ds).toMatchObject({ mapping: "deepseek", effort_table: "thinking", default_thinking: true, images: false, context_window: 1_000_000, listed: true });
    expect(ds.efforts.none).toEqual({ sends: { thinking: { type: "disabled" } }, thinking: false, degraded: false });
    expect(ds.efforts.medium).toEqual({
      sends: { thinking: { type: "enabled" }, reasoning_effort: "high" },
      thinking: true,
      degraded: true,
      note: "DeepSeek has no medium effort; sent reasoning_effort high.",
    });
    const glm53 = data.models.find((m: { id: string }) => m.id === "zhipu/glm-5.3");
    expect(glm53.efforts.none).toMatchObject({ sends: { reasoning_effort: "low" }, thinking: true, degraded: true });
    const m3 = data.models.find((m: { id: string }) => m.id === "minimax/MiniMax-M3");
    expect(m3).toMatchObject({ effort_table: "m3", images: true });
  });

  it("a wildcard alias and a model only reachable through an alias", async () => {
    const file = join(dir, "w.yaml");
    writeFileSync(
      file,
      'models: { aliases: { mine: deepseek/deepseek-v9, "*": deepseek/deepseek-v4-pro } }\nproviders:\n  deepseek:\n    credentials: { api_key: "${DEEPSEEK_API_KEY}" }\n    endpoint: { base_url: https://api.deepseek.com }\n    models: [deepseek-v4-pro]\n',
    );
    const r = await run(["--config", file, "--format", "json"]);
    expect(r.code, r.err).toBe(0);
    const data = JSON.parse(r.out);
    expect(data.wildcard).toBe("deepseek/deepseek-v4-pro");
    expect(data.models.map((m: { id: string; listed: boolean }) => [m.id, m.listed])).toEqual([
      ["deepseek/deepseek-v4-pro", true],
      ["deepseek/deepseek-v9", false],
    ]);
    const text = await run(["--config", file]);
    expect(text.out).toMatch(/^  \* +→ deepseek\/deepseek-v4-pro \(any other name\)$/m);
    expect(text.out).toMatch(/^  mine +→ deepseek\/deepseek-v9 +mapping deepseek$/m);
  });

  it("--mappings DIR, as godex serve --mappings: a provider GodeX does not ship (its context window from its mapping), and a model without effort control", async () => {
    const file = join(dir, "acme.yaml");
    writeFileSync(
      file,
      'models: { aliases: { gpt-5.5: acme/acme-large } }\nproviders:\n  acme:\n    credentials: { api_key: "${ACME_API_KEY}" }\n    endpoint: { base_url: https://api.acme.example/v1 }\n    models: [acme-large, acme-mini]\n',
    );
    expect((await run(["--config", file])).code).toBe(2);
    const r = await run(["--config", file, "--mappings", join(REPO, "test/fixtures/mappings")]);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain("  acme/acme-large  (mapping acme, wire chat, effort table budget, images yes, context 131,072)");
    expect(r.out).toMatch(/^ {4}medium +reasoning_budget=medium reasoning_mode=on|^ {4}medium +reasoning_mode=on reasoning_budget=medium/m);
    expect(r.out).toContain("  acme/acme-mini  (mapping acme, wire chat, no effort table, images no, context unknown)");
    expect(r.out).toContain("    every effort: ignored (reported as a diagnostic), nothing sent");
    const catalog = buildCodexCatalog(loadConfig(file, {}), join(REPO, "test/fixtures/mappings"));
    const mini = catalog.models.find((m) => m.slug === "acme/acme-mini")!;
    expect(mini.supported_reasoning_levels).toEqual([{ effort: "medium", description: "no reasoning control for this model: nothing is sent" }]);
    expect(mini.context_window).toBeUndefined();
    expect(catalog.models.find((m) => m.slug === "gpt-5.5")!.context_window).toBe(131_072);
  });

  it("usage and config errors", async () => {
    expect((await run(["--format", "yaml", "--config", SHIPPED])).code).toBe(2);
    const missing = await run(["--config", join(dir, "nope.yaml")]);
    expect(missing.code).toBe(2);
    expect(missing.err).toMatch(/cannot read config file \(ENOENT\)/);
  });

  it("through bin/godex.mjs", { timeout: 60_000 }, () => {
    const r = spawnSync(process.execPath, [join(REPO, "bin/godex.mjs"), "models", "--config", SHIPPED, "--format", "json"], { cwd: REPO, encoding: "utf8", env: { PATH: process.env.PATH ?? "" } });
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).aliases).toHaveLength(5);
    const help = spawnSync(process.execPath, [join(REPO, "bin/godex.mjs"), "--help"], { cwd: REPO, encoding: "utf8" });
    expect(help.stdout).toMatch(/^ {2}init +write a commented godex\.yaml/m);
    expect(help.stdout).toMatch(/^ {2}doctor +check/m);
    expect(help.stdout).toMatch(/^ {2}models +the alias table/m);
  });
});

describe("Codex model catalog", () => {
  const catalog = buildCodexCatalog(loadConfig(SHIPPED, {}));
  const bySlug = new Map(catalog.models.map((m) => [m.slug, m]));

  it("has an entry for every alias and every provider/model, aliases first", () => {
    expect(catalog.models.map((m) => m.slug)).toEqual([
      "gpt-5.5",
      "gpt-5.4",
      "gpt-5.3-codex",
      "gpt-5.4-mini",
      "gpt-5.3-codex-spark",
      "deepseek/deepseek-v4-pro",
      "deepseek/deepseek-v4-flash",
      "zhipu/glm-5.1",
      "zhipu/glm-5.2",
      "zhipu/glm-5.3",
      "minimax/MiniMax-M3",
      "minimax/MiniMax-M2.7",
      "minimax/MiniMax-M3.1-Flash-Preview",
      "xiaomi/mimo-v2.5-pro",
      "xiaomi/mimo-v2.5",
    ]);
    expect(catalog.models.map((m) => m.priority)).toEqual(catalog.models.map((_, i) => i + 1));
  });

  it("each entry carries the keys Codex 0.169 requires, plus apply_patch and reasoning", () => {
    for (const m of catalog.models) {
      expect(m).toMatchObject({
        display_name: m.slug,
        shell_type: "unified_exec",
        visibility: "list",
        supported_in_api: true,
        base_instructions: BASE_INSTRUCTIONS,
        supports_reasoning_summaries: true,
        support_verbosity: false,
        truncation_policy: { mode: "tokens", limit: 10000 },
        supports_parallel_tool_calls: true,
        experimental_supported_tools: [],
        apply_patch_tool_type: "freeform",
        default_reasoning_level: "medium",
      });
      expect(m.supported_reasoning_levels.map((l) => l.effort)).toEqual(["none", "minimal", "low", "medium", "high", "xhigh"]);
    }
  });

  it("context windows, image input and level descriptions follow the model", () => {
    const ctx = Object.fromEntries(catalog.models.map((m) => [m.slug, m.context_window]));
    expect(ctx).toMatchObject({
      "gpt-5.5": 1_000_000,
      "gpt-5.4-mini": 200_000,
      "deepseek/deepseek-v4-flash": 1_000_000,
      "zhipu/glm-5.1": 200_000,
      "zhipu/glm-5.2": 1_000_000,
      "zhipu/glm-5.3": 1_000_000,
      "minimax/MiniMax-M3": 1_000_000,
      "minimax/MiniMax-M2.7": 204_800,
      "xiaomi/mimo-v2.5-pro": 1_000_000,
    });
    expect(bySlug.get("minimax/MiniMax-M3")!.input_modalities).toEqual(["text", "image"]);
    expect(bySlug.get("gpt-5.5")!.input_modalities).toEqual(["text"]);
    expect(bySlug.get("gpt-5.5")!.description).toBe("GodeX → deepseek/deepseek-v4-pro");
    const levels = Object.fromEntries(bySlug.get("gpt-5.5")!.supported_reasoning_levels.map((l) => [l.effort, l.description]));
    expect(levels.none).toBe("no thinking; sends thinking.type=disabled");
    expect(levels.medium).toBe("DeepSeek has no medium effort; sent reasoning_effort high.");
    expect(levels.xhigh).toBe("thinking; sends thinking.type=enabled reasoning_effort=max");
  });
});

describe("godex models: the upstream wire", () => {
  it("shows the mapping's wire per model and the user's `wire:` override, with the native effort table", async () => {
    const dir = mkdtempSync(join(tmpdir(), "godex-models-wire-"));
    const file = join(dir, "godex.yaml");
    writeFileSync(
      file,
      [
        "models: { aliases: {} }",
        "providers:",
        "  deepseek: { endpoint: { base_url: https://api.deepseek.com }, models: [deepseek-v4-pro, deepseek-flash] }",
        "  zhipu: { endpoint: { base_url: https://open.bigmodel.cn/api/paas/v4 }, models: [glm-5.1, glm-5.3], wire: { glm-5.3: responses } }",
        "",
      ].join("\n"),
    );
    const r = await run(["--config", file]);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain("  deepseek/deepseek-v4-pro  (mapping deepseek, wire chat, effort table thinking,");
    // deepseek-flash: the mapping chooses the native wire.
    expect(r.out).toContain("  deepseek/deepseek-flash  (mapping deepseek, wire responses, effort table responses.native,");
    expect(r.out).toContain("  zhipu/glm-5.1  (mapping zhipu, wire chat,");
    expect(r.out).toContain("  zhipu/glm-5.3  (mapping zhipu, wire responses, effort table responses.native,");
    const j = await run(["--config", file, "--format", "json"]);
    const byId = Object.fromEntries((JSON.parse(j.out).models as { id: string; wire: string }[]).map((m) => [m.id, m.wire]));
    expect(byId).toMatchObject({ "deepseek/deepseek-flash": "responses", "zhipu/glm-5.3": "responses", "zhipu/glm-5.1": "chat" });
  });
});

describe("groupThousands", () => {
  it("writes what toLocaleString(\"en-US\") writes", () => {
    for (const n of [0, 7, 999, 1000, 32768, 128000, 1048576, 2000000000, -4096, 2.5, 1e21]) expect(groupThousands(n), String(n)).toBe(n.toLocaleString("en-US"));
  });
});
