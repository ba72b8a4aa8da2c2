// `npm run build` step (after the bundle): lints each shipped mapping chain with the lint rules and
// writes the keys of the clean ones to dist/lint-verdicts.json (src/lint/verdicts.ts says how they are
// used). A chain with any finding is left out, so it is linted, and reported, at run time as before.
import { existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { lintChain } from "../src/lint/index.ts";
import { buildChain, SourceCache } from "../src/lint/sources.ts";
import { Findings } from "../src/lint/types.ts";
import { chainKey, LINT_VERDICTS_FILE, type LintVerdicts } from "../src/lint/verdicts.ts";

const ROOT = resolve(import.meta.dirname, "..");

export async function buildLintVerdicts(root = ROOT): Promise<LintVerdicts> {
  const dir = join(root, "mappings");
  const files = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith(".yaml")).sort() : [];
  const clean: string[] = [];
  for (const f of files) {
    const findings = new Findings();
    const cache = new SourceCache(root, findings);
    const leaf = cache.read(join(dir, f));
    if (!leaf) continue;
    const chain = buildChain(leaf, cache, findings, { extendsDirs: () => [dir] });
    if (!chain.complete) continue;
    await lintChain(chain, findings);
    if (findings.list.length === 0 && !findings.couldNotRun) clean.push(chainKey(chain));
  }
  return { version: 1, clean };
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const out = join(ROOT, LINT_VERDICTS_FILE);
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, JSON.stringify(await buildLintVerdicts()));
}
