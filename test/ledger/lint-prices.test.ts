// `godex lint` on prices: the shape (mapping and config), and a warning for a served model without one.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { lintPaths } from "../../src/lint/index.ts";

const dir = mkdtempSync(join(tmpdir(), "godex-lint-prices-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function write(name: string, text: string): string {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

describe("lint: prices", () => {
  it("warns, at the model, for a served model with no price; a config price silences it", async () => {
    const config = write(
      "godex.yaml",
      [
        "models:",
        "  aliases:",
        "    fast: zhipu/glm-9-turbo",
        "providers:",
        "  zhipu:",
        "    credentials: { api_key: k }",
        "    endpoint: { base_url: https://example.test/v4 }",
        "    models: [glm-5.1, glm-5.3-flash]",
        "  minimax:",
        "    credentials: { api_key: k }",
        "    endpoint: { base_url: https://example.test/v1 }",
        "    models: [MiniMax-M3.1-Flash-Preview]",
        "    prices:",
        "      MiniMax-M3.1*: { input: 0.2, output: 0.8 }",
        "",
      ].join("\n"),
    );
    const r = await lintPaths({ config, env: {} });
    const price = r.findings.filter((f) => f.rule === "price");
    expect(price.map((f) => [f.line, f.col, f.severity, f.message.split(" has no price")[0]])).toEqual([
      [3, 11, "warning", "zhipu/glm-9-turbo"],
      [8, 23, "warning", "zhipu/glm-5.3-flash"],
    ]);
    expect(price[0].message).toContain('providers.zhipu.prices: { "glm-9-turbo"');
  });

  it("checks the shape of a config price", async () => {
    const config = write(
      "bad.yaml",
      ["providers:", "  zhipu:", "    endpoint: { base_url: https://example.test/v4 }", "    prices:", "      glm-5.1: { input: -1, output: 2, currency: usd, checked: yesterday }", ""].join("\n"),
    );
    const r = await lintPaths({ config, env: {} });
    const schema = r.findings.filter((f) => f.rule === "config-schema").map((f) => f.message);
    expect(schema.join("\n")).toMatch(/input/);
    expect(schema.join("\n")).toMatch(/currency/);
    expect(schema.join("\n")).toMatch(/checked/);
    expect(r.findings.every((f) => f.line === 5)).toBe(true);
  });

  it("checks the shape of a mapping price (a missing checked date, an unknown weekday)", async () => {
    const mapping = write(
      "acme.yaml",
      [
        "name: acme",
        "extends: openai-chat",
        "endpoint: { path: /chat/completions }",
        "prices:",
        "  acme-1: { input: 1, cached_input: 0.1, output: 2, currency: USD }",
        "  acme-2:",
        "    input: 1",
        "    cached_input: 0.1",
        "    output: 2",
        "    currency: USD",
        '    checked: "2026-12-01"',
        "    variants:",
        "      - when: { days: [someday] }",
        "        input: 2",
        "",
      ].join("\n"),
    );
    const r = await lintPaths({ files: [mapping], env: {} });
    const msgs = r.findings.filter((f) => f.rule === "mapping-schema").map((f) => `${f.line}: ${f.message}`);
    expect(msgs.some((m) => m.startsWith("5:") && m.includes("checked"))).toBe(true);
    expect(msgs.some((m) => m.startsWith("13:"))).toBe(true);
  });
});
