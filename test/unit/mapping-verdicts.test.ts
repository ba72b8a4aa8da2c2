// Build-time mapping verdicts (src/mapping/verdicts.ts, codegen/mapping-verdicts.ts): a shipped chain
// is recorded only when the loader's own check finds it valid, its key changes with any file of the
// chain (text or name), and from the sources the verdicts are never consulted, so every load is checked.
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { buildMappingVerdicts } from "../../codegen/mapping-verdicts.ts";
import { loadMappingDoc, MappingError, resolveMappingChain } from "../../src/mapping/load.ts";
import { validateMappingDoc } from "../../src/mapping/validate.ts";
import { knownValidChain, mappingChainKey } from "../../src/mapping/verdicts.ts";

const REPO = join(import.meta.dirname, "..", "..");
const tmp = mkdtempSync(join(tmpdir(), "godex-mapping-verdicts-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const names = (root: string) => readdirSync(join(root, "mappings")).filter((f) => f.endsWith(".yaml")).map((f) => f.slice(0, -5));
const keyOf = (root: string, name: string) => mappingChainKey(resolveMappingChain(name, join(root, "mappings")).files);

describe("mapping verdicts", () => {
  it("records exactly the shipped chains the loader's check finds valid", () => {
    const { valid } = buildMappingVerdicts(REPO);
    expect(valid.length).toBeGreaterThan(0);
    for (const name of names(REPO)) {
      const ok = validateMappingDoc(resolveMappingChain(name, join(REPO, "mappings")).merged).length === 0;
      expect(valid.includes(keyOf(REPO, name)), name).toBe(ok);
    }
  });

  it("lists a chain leaf first, and a change anywhere in it changes its key; an invalid chain is left out", () => {
    const root = join(tmp, "pkg");
    cpSync(join(REPO, "mappings"), join(root, "mappings"), { recursive: true });
    const leaf = names(root).find((n) => /^extends:/m.test(readFileSync(join(root, "mappings", `${n}.yaml`), "utf8")))!;
    const parent = /^extends:\s*(\S+)/m.exec(readFileSync(join(root, "mappings", `${leaf}.yaml`), "utf8"))![1]!;
    const { files } = resolveMappingChain(leaf, join(root, "mappings"));
    expect(files.map((f) => f.file)).toEqual([join(root, "mappings", `${leaf}.yaml`), join(root, "mappings", `${parent}.yaml`)]);
    const before = keyOf(root, leaf);
    // A comment in the parent: same value, other text, other key.
    writeFileSync(join(root, "mappings", `${parent}.yaml`), readFileSync(join(root, "mappings", `${parent}.yaml`), "utf8") + "# edited\n");
    expect(keyOf(root, leaf)).not.toBe(before);
    // An unknown key in the leaf: invalid, so no verdict for it, and loading it still fails.
    writeFileSync(join(root, "mappings", `${leaf}.yaml`), readFileSync(join(root, "mappings", `${leaf}.yaml`), "utf8") + "bogus_key: 1\n");
    expect(buildMappingVerdicts(root).valid).not.toContain(keyOf(root, leaf));
    expect(() => loadMappingDoc(leaf, join(root, "mappings"))).toThrow(MappingError);
  });

  it("are not consulted when running from the sources", () => {
    expect(knownValidChain(resolveMappingChain(names(REPO)[0]!).files)).toBe(false);
  });
});
