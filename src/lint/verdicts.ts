// Build-time lint verdicts for the shipped mapping chains. `npm run build` lints every shipped mapping
// chain with these same rules (codegen/lint-verdicts.ts) and records, in dist/lint-verdicts.json, the
// key of each chain found clean (no error, no warning). At run time a chain whose files hash to such a
// key has nothing to report, so the preflight of `godex serve` and `godex lint` skip re-deriving it
// (it was 14-24% of `godex serve`'s start, docs/performance.md). An edited or user-written mapping hashes
// differently and is linted in full; the config file itself is always linted.
import { readFileSync } from "node:fs";
import { basename } from "node:path";
import { projectPath } from "../util/paths.ts";
import { textHash } from "../util/yaml-source.ts";
import type { MappingChain } from "./sources.ts";

export const LINT_VERDICTS_FILE = "dist/lint-verdicts.json";

export interface LintVerdicts {
  version: 1;
  /** chainKey of every shipped chain the build found clean. */
  clean: string[];
}

/** What the chain rules see: each file's name (the name rule reads it) and text, leaf first. */
export function chainKey(chain: MappingChain): string {
  return textHash(JSON.stringify(chain.files.map((f) => [basename(f.abs), textHash(f.text)])));
}

let loaded: Set<string> | null | undefined;

/**
 * The clean chain keys, only when running from the bundle the verdicts were built with: from the
 * sources (tsx, tests) the rules may have changed since the last build, so every chain is linted.
 */
export function shippedVerdicts(): Set<string> | null {
  if (loaded !== undefined) return loaded;
  loaded = null;
  if (!/\/dist\/(chunks\/)?[^/]+\.mjs$/.test(new URL(import.meta.url).pathname)) return loaded;
  try {
    const v = JSON.parse(readFileSync(projectPath(LINT_VERDICTS_FILE), "utf8")) as LintVerdicts;
    if (v.version === 1 && Array.isArray(v.clean)) loaded = new Set(v.clean);
  } catch {
    // no verdicts (a build without them): every chain is linted
  }
  return loaded;
}
