// Build-time verdicts for the shipped mapping chains: `npm run build` runs the loader's own check
// (validateMappingDoc) on every shipped chain (codegen/mapping-verdicts.ts) and records, in
// dist/mapping-verdicts.json, the key of each chain it found valid. At run time a chain whose files
// hash to such a key is known valid, so loading it skips the schema pass, which ran the generated
// validator's code for the first time at every start (~9% of `godex serve`'s start, docs/performance.md).
// An edited or user-written mapping hashes differently and is checked as before.
import { readFileSync } from "node:fs";
import { basename } from "node:path";
import { projectPath } from "../util/paths.ts";
import { textHash } from "../util/yaml-source.ts";

export const MAPPING_VERDICTS_FILE = "dist/mapping-verdicts.json";

export interface MappingVerdicts {
  version: 1;
  /** chainKey of every shipped chain validateMappingDoc found valid at build time. */
  valid: string[];
}

/** One file of an extends chain, as read. */
export interface ChainFile {
  file: string;
  text: string;
}

/** What the merged document depends on: each file's name (extends resolves by name) and text, leaf first. */
export function mappingChainKey(files: readonly ChainFile[]): string {
  return textHash(JSON.stringify(files.map((f) => [basename(f.file), textHash(f.text)])));
}

let loaded: Set<string> | null | undefined;

/**
 * The valid chain keys, only when running from the bundle the verdicts were built with: from the
 * sources (tsx, tests) the schema or the checks may have changed since the last build, so every chain
 * is checked.
 */
function shippedValid(): Set<string> | null {
  if (loaded !== undefined) return loaded;
  loaded = null;
  if (!/\/dist\/(chunks\/)?[^/]+\.mjs$/.test(new URL(import.meta.url).pathname)) return loaded;
  try {
    const v = JSON.parse(readFileSync(projectPath(MAPPING_VERDICTS_FILE), "utf8")) as MappingVerdicts;
    if (v.version === 1 && Array.isArray(v.valid)) loaded = new Set(v.valid);
  } catch {
    // no verdicts (a build without them): every chain is checked
  }
  return loaded;
}

/** Whether the build found this exact chain valid. */
export function knownValidChain(files: readonly ChainFile[]): boolean {
  const valid = shippedValid();
  return valid !== null && valid.has(mappingChainKey(files));
}
