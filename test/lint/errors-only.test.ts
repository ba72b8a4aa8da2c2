// `errorsOnly` (the `godex serve` preflight): the same errors, in the same order, as a full lint, and
// no warnings; a full lint still lists its warnings.
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { lintPaths } from "../../src/lint/index.ts";

const REPO = join(import.meta.dirname, "..", "..");
const FIXTURES = join(REPO, "test", "fixtures", "config");

describe("lintPaths errorsOnly", () => {
  const cases: [string, Parameters<typeof lintPaths>[0]][] = [
    ["shipped godex.yaml, no keys set (warnings only)", { config: join(REPO, "godex.yaml"), env: {}, cwd: REPO }],
    ...readdirSync(FIXTURES)
      .filter((f) => f.endsWith(".yaml"))
      .map((f): [string, Parameters<typeof lintPaths>[0]] => [f, { files: [join(FIXTURES, f)], env: {}, cwd: REPO }]),
  ];

  it.each(cases)("%s: the full lint's errors, nothing else", async (_name, opts) => {
    const full = await lintPaths(opts);
    const errorsOnly = await lintPaths({ ...opts, errorsOnly: true });
    expect(errorsOnly.findings).toEqual(full.findings.filter((f) => f.severity === "error"));
    expect(errorsOnly.errors).toBe(full.errors);
    expect(errorsOnly.warnings).toBe(0);
    expect(errorsOnly.couldNotRun).toBe(full.couldNotRun);
  });

  it("the cases include warnings and errors (the comparison above can fail)", async () => {
    const all = await Promise.all(cases.map(([, o]) => lintPaths(o)));
    expect(all.some((r) => r.warnings > 0)).toBe(true);
    expect(all.some((r) => r.errors > 0)).toBe(true);
  });
});
