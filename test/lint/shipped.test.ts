// The shipped godex.yaml and mappings/ lint clean; breaking a shipped mapping is caught where it is written.
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { lintPaths } from "../../src/lint/index.ts";

const KEYS = { DEEPSEEK_API_KEY: "k1", ZHIPU_API_KEY: "k2", MINIMAX_API_KEY: "k3", XIAOMI_API_KEY: "k4" };

describe("shipped configuration", () => {
  it("godex.yaml and every mapping it uses: no errors; warnings only for unset keys and the one unpriced model", async () => {
    const r = await lintPaths({ config: "godex.yaml", env: {} });
    expect(r.couldNotRun).toBe(false);
    expect(r.errors).toBe(0);
    expect(r.findings.every((f) => (f.rule === "env-unset" || f.rule === "price") && f.severity === "warning")).toBe(true);
    expect(r.warnings).toBe(5);
    expect(r.files).toEqual([
      "godex.yaml",
      "mappings/deepseek.yaml",
      "mappings/zhipu.yaml",
      "mappings/minimax.yaml",
      "mappings/xiaomi.yaml",
      "mappings/openai-chat.yaml",
    ]);
  });

  it("with the keys set only the model without a published price is left", async () => {
    const r = await lintPaths({ config: "godex.yaml", env: KEYS, strict: true });
    expect(r.findings.map((f) => `${f.rule}: ${f.message.split(" has no price")[0]}`)).toEqual(["price: minimax/MiniMax-M3.1-Flash-Preview"]);
  });

  it("every shipped mapping file, linted directly, is clean", async () => {
    const files = ["openai-chat", "deepseek", "zhipu", "minimax", "xiaomi"].map((n) => `mappings/${n}.yaml`);
    const r = await lintPaths({ files, env: {} });
    expect(r.findings).toEqual([]);
  });
});

describe("breaking a shipped mapping", () => {
  const dir = mkdtempSync(join(tmpdir(), "godex-lint-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** Copies mappings/<name>.yaml into a scratch dir with one textual edit, and lints it. */
  async function broken(name: string, from: string, to: string) {
    const text = readFileSync(`mappings/${name}.yaml`, "utf8");
    expect(text).toContain(from);
    const file = join(dir, `${name}.yaml`);
    writeFileSync(file, text.replace(from, to));
    const lines = text.replace(from, to).split("\n");
    const r = await lintPaths({ files: [file], env: {} });
    return { r, lines };
  }

  it("a wrong example expectation in deepseek.yaml is an examples error", async () => {
    const { r, lines } = await broken(
      "deepseek",
      "expect: { thinking: { type: enabled }, reasoning_effort: max }",
      "expect: { thinking: { type: enabled }, reasoning_effort: high }",
    );
    expect(r.findings.map((f) => f.rule)).toEqual(["examples"]);
    expect(lines[r.findings[0]!.line - 1]).toContain("- name: effort xhigh enables thinking at max");
    expect(r.findings[0]!.message).toContain('reasoning_effort: expected "high", got "max"');
  });

  it("a broken error rule in zhipu.yaml points into the expression", async () => {
    const { r, lines } = await broken("zhipu", `when: 'code = "1113"'`, `when: 'code = = "1113"'`);
    expect(r.findings.map((f) => f.rule)).toEqual(["jsonata-syntax"]);
    const f = r.findings[0]!;
    expect(lines[f.line - 1]!.slice(f.col - 1)).toMatch(/^= "1113"'/);
  });

  it("an effort table missing an effort in minimax.yaml", async () => {
    copyFileSync("mappings/openai-chat.yaml", join(dir, "openai-chat.yaml"));
    const { r, lines } = await broken("minimax", "      medium: { set: { reasoning_effort: medium }, thinking: true }\n", "");
    expect(r.findings.map((f) => `${f.rule}:${f.severity}`)).toEqual(["effort-coverage:error"]);
    expect(lines[r.findings[0]!.line - 1]).toMatch(/^\s+m3\.1-flash:/);
  });
});
