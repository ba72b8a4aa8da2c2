// Build-time verdicts for the shipped mapping chains: `npm run build` runs the loader's own check
// (validateMappingDoc) on every shipped chain (codegen/mapping-verdicts.ts) and records, in
// dist/mapping-verdicts.json, the key of each chain it found valid. At run time a chain whose files
// hash to such a key is known valid, so loading it skips the schema pass, which ran the generated
// validator's code for the first time at every start (~9% of `godex serve`'s start, docs/performance.md).
// An edited or user-written mapping hashes differently and is checked as before.
import { buildVerdicts, chainFilesKey } from "../util/build-verdicts.ts";

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
  return chainFilesKey(files.map((f) => ({ path: f.file, text: f.text })));
}

/** Whether the build found this exact chain valid (only from the bundle it was built with). */
export function knownValidChain(files: readonly ChainFile[]): boolean {
  const valid = buildVerdicts(MAPPING_VERDICTS_FILE, "valid");
  return valid !== null && valid.has(mappingChainKey(files));
}
