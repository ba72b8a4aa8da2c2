// `godex lint` as a process: output formats and exit codes (0 clean, 1 findings, 2 could not run).
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";

const F = "test/fixtures/lint";

function godex(args: string[], env: Record<string, string> = {}) {
  const base = { ...process.env };
  for (const k of Object.keys(base)) if (k.endsWith("_API_KEY") || k.startsWith("GODEX_")) delete base[k];
  const r = spawnSync(process.execPath, ["bin/godex.mjs", "lint", ...args], { encoding: "utf8", env: { ...base, ...env }, timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("godex lint (CLI)", { timeout: 120_000 }, () => {
  it("no arguments: ./godex.yaml and its mappings; warnings only → exit 0", () => {
    const r = godex([]);
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split("\n");
    // Unset keys, and the one shipped model without a published price.
    expect(lines.slice(0, -1).every((l) => /^godex\.yaml:\d+:\d+: warning (env-unset|price): /.test(l))).toBe(true);
    expect(lines.filter((l) => / warning price: minimax\/MiniMax-M3\.1-Flash-Preview has no price/.test(l))).toHaveLength(1);
    expect(lines.at(-1)).toBe("godex lint: 0 errors, 5 warnings in 6 files");
    expect(r.stdout).not.toMatch(/sk-/);
  });

  it("--strict: the same warnings fail the run", () => {
    expect(godex(["--strict"]).code).toBe(1);
    const keyed = godex(["--strict"], { DEEPSEEK_API_KEY: "a", ZHIPU_API_KEY: "b", MINIMAX_API_KEY: "c", XIAOMI_API_KEY: "d" });
    // With every key set, only the unpriced model is left (a price in godex.yaml would silence it).
    expect(keyed.code).toBe(1);
    const line = readFileSync("godex.yaml", "utf8").split("\n").findIndex((l) => l.includes("MiniMax-M3.1-Flash-Preview")) + 1;
    expect(keyed.stdout.trim().split("\n").slice(0, -1).map((l) => l.replace(/:\d+: error price: minimax.*/, ": error price"))).toEqual([`godex.yaml:${line}: error price`]);
  });

  it("human format: file:line:col: severity rule: message, then a summary", () => {
    const r = godex([`${F}/mappings/coverage-reply.yaml`]);
    expect(r.code).toBe(1);
    expect(r.stdout.split("\n")[0]).toBe(
      `${F}/mappings/coverage-reply.yaml:5:14: error coverage-reply: stream.reasoning is null: the provider's reasoning of a stream chunk would have no destination (give a field path, or a list of fallback paths)`,
    );
    expect(r.stdout.trim().split("\n").at(-1)).toBe("godex lint: 2 errors, 0 warnings in 2 files");
  });

  it("--format json: {findings, errors, warnings}", () => {
    const r = godex(["--format", "json", `${F}/mappings/examples.yaml`, `${F}/config/literal-key.yaml`]);
    expect(r.code).toBe(1);
    const out = JSON.parse(r.stdout);
    expect(Object.keys(out)).toEqual(["findings", "errors", "warnings"]);
    expect(out).toMatchObject({ errors: 1, warnings: 1 });
    expect(out.findings).toEqual([
      { file: `${F}/mappings/examples.yaml`, line: 10, col: 5, rule: "examples", severity: "error", message: expect.any(String) },
      { file: `${F}/config/literal-key.yaml`, line: 5, col: 16, rule: "literal-key", severity: "warning", message: expect.any(String) },
    ]);
  });

  it("--config FILE lints that config and the mappings it uses", () => {
    const r = godex(["--config", `${F}/config/reference.yaml`]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(`${F}/config/reference.yaml:12:11: error reference:`);
  });

  it("exit 2: missing file, unreadable YAML, bad option", () => {
    expect(godex([`${F}/nope.yaml`]).code).toBe(2);
    expect(godex(["--config", `${F}/nope.yaml`]).code).toBe(2);
    const r = godex([`${F}/config/yaml-syntax.yaml`]);
    expect(r.code).toBe(2);
    expect(r.stdout).toContain(`${F}/config/yaml-syntax.yaml:4:3: error yaml-syntax:`);
    expect(godex(["--format", "xml"]).code).toBe(2);
  });

  it("exit 0 on a clean mapping file", () => {
    const r = godex([`${F}/mappings/clean.yaml`]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("godex lint: no findings in 2 files\n");
  });
});
