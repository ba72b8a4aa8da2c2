// Verdicts the build records on the shipped mapping chains (dist/lint-verdicts.json,
// dist/mapping-verdicts.json): a chain is named by a hash of its files' names and texts, and a verdict
// file lists the chains the build vouched for. They are read only from the bundle they were built with:
// from the sources (tsx, the tests) the rules may have changed since the last build.
import { readFileSync } from "node:fs";
import { basename } from "node:path";
import { projectPath } from "./paths.ts";
import { textHash } from "./yaml-source.ts";
import { FROM_BUNDLE } from "./bundle.ts";

/** The key of a chain: each file's name (names resolve `extends` and the name rule) and text, leaf first. */
export function chainFilesKey(files: readonly { path: string; text: string }[]): string {
  return textHash(JSON.stringify(files.map((f) => [basename(f.path), textHash(f.text)])));
}

const read = new Map<string, Set<string> | null>();

/**
 * The chain keys listed under `field` of the verdict file `file` (relative to the project), once per
 * process; null from the sources, or when the build wrote none (then every chain is checked).
 */
export function buildVerdicts(file: string, field: string): Set<string> | null {
  const known = read.get(file);
  if (known !== undefined) return known;
  let keys: Set<string> | null = null;
  if (FROM_BUNDLE) {
    try {
      const v = JSON.parse(readFileSync(projectPath(file), "utf8")) as { version?: unknown } & Record<string, unknown>;
      const list = v[field];
      if (v.version === 1 && Array.isArray(list)) keys = new Set(list as string[]);
    } catch {
      // no verdicts (a build without them): every chain is checked
    }
  }
  read.set(file, keys);
  return keys;
}
