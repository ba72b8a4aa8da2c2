// Build-time lint verdicts (src/lint/verdicts.ts, codegen/lint-verdicts.ts): a shipped chain is
// recorded only when the rules find it clean, its key changes with any file of the chain (text or
// name), and from the sources the verdicts are never consulted, so the lint tests lint in full.
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { buildLintVerdicts } from "../../codegen/lint-verdicts.ts";
import { lintPaths } from "../../src/lint/index.ts";
import { buildChain, SourceCache } from "../../src/lint/sources.ts";
import { Findings } from "../../src/lint/types.ts";
import { chainKey, shippedVerdicts } from "../../src/lint/verdicts.ts";

const REPO = join(import.meta.dirname, "..", "..");
const tmp = mkdtempSync(join(tmpdir(), "godex-verdicts-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function keyOf(root: string, file: string): string {
  const findings = new Findings();
  const cache = new SourceCache(root, findings);
  const leaf = cache.read(join(root, "mappings", file))!;
  return chainKey(buildChain(leaf, cache, findings, { extendsDirs: () => [join(root, "mappings")] }));
}

describe("lint verdicts", () => {
  it("records exactly the shipped chains that lint clean on their own", async () => {
    const { clean } = await buildLintVerdicts(REPO);
    for (const f of readdirSync(join(REPO, "mappings")).filter((x) => x.endsWith(".yaml"))) {
      const r = await lintPaths({ files: [join(REPO, "mappings", f)], cwd: REPO });
      expect(clean.includes(keyOf(REPO, f)), f).toBe(r.findings.length === 0 && !r.couldNotRun);
    }
  });

  it("leaves out a chain with a finding, and a change anywhere in a chain changes its key", async () => {
    const root = join(tmp, "pkg");
    cpSync(join(REPO, "mappings"), join(root, "mappings"), { recursive: true });
    const leaf = readdirSync(join(root, "mappings")).find((f) => /extends:/.test(readFileSync(join(root, "mappings", f), "utf8")))!;
    const parent = /^extends:\s*(\S+)/m.exec(readFileSync(join(root, "mappings", leaf), "utf8"))![1]!;
    const before = keyOf(root, leaf);
    // A comment in the parent: same value, other text, other key.
    writeFileSync(join(root, "mappings", `${parent}.yaml`), readFileSync(join(root, "mappings", `${parent}.yaml`), "utf8") + "# edited\n");
    expect(keyOf(root, leaf)).not.toBe(before);
    // An unknown key in the leaf: an error, so no verdict for it.
    writeFileSync(join(root, "mappings", leaf), readFileSync(join(root, "mappings", leaf), "utf8") + "bogus_key: 1\n");
    const { clean } = await buildLintVerdicts(root);
    expect(clean).not.toContain(keyOf(root, leaf));
  });

  it("are not consulted when running from the sources", () => {
    expect(shippedVerdicts()).toBeNull();
  });
});
