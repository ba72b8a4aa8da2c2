// Build-time lint verdicts for the shipped mapping chains. `npm run build` lints every shipped mapping
// chain with these same rules (codegen/lint-verdicts.ts) and records, in dist/lint-verdicts.json, the
// key of each chain found clean (no error, no warning). At run time a chain whose files hash to such a
// key has nothing to report, so the preflight of `godex serve` and `godex lint` skip re-deriving it
// (it was 14-24% of `godex serve`'s start, docs/performance.md). An edited or user-written mapping hashes
// differently and is linted in full; the config file itself is always linted.
import { buildVerdicts, chainFilesKey } from "../util/build-verdicts.ts";
import type { MappingChain } from "./sources.ts";

export const LINT_VERDICTS_FILE = "dist/lint-verdicts.json";

export interface LintVerdicts {
  version: 1;
  /** chainKey of every shipped chain the build found clean. */
  clean: string[];
}

/** What the chain rules see: each file's name (the name rule reads it) and text, leaf first. */
export function chainKey(chain: MappingChain): string {
  return chainFilesKey(chain.files.map((f) => ({ path: f.abs, text: f.text })));
}

/** The clean chain keys, only from the bundle the verdicts were built with (util/build-verdicts.ts). */
export function shippedVerdicts(): Set<string> | null {
  return buildVerdicts(LINT_VERDICTS_FILE, "clean");
}
