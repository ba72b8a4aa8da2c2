// Reads a mapping file, resolves its `extends` chain and deep-merges it into one document.
import { readFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import type { MappingDoc } from "./doc.ts";
import { validateMappingDoc } from "./validate.ts";
import { projectPath } from "../util/paths.ts";
import { parseYamlValue } from "../util/yaml-source.ts";
import { knownValidChain, type ChainFile } from "./verdicts.ts";

export const DEFAULT_MAPPINGS_DIR = projectPath("mappings");

export class MappingError extends Error {}

/** Objects merge key by key; arrays and scalars from `over` replace those of `base`. */
export function deepMerge(base: unknown, over: unknown): unknown {
  if (!isPlainObject(base) || !isPlainObject(over)) return over === undefined ? base : over;
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) out[k] = deepMerge(base[k], v);
  return out;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** `<dir>/<name>.yaml`, or the shipped one when `dir` lacks it (so a user's mapping can extend openai-chat). */
export function mappingFile(name: string, dir = DEFAULT_MAPPINGS_DIR): string {
  const own = join(dir, `${name}.yaml`);
  if (existsSync(own) || dir === DEFAULT_MAPPINGS_DIR) return own;
  const shipped = join(DEFAULT_MAPPINGS_DIR, `${name}.yaml`);
  return existsSync(shipped) ? shipped : own;
}

function readMappingText(file: string): { doc: Record<string, unknown>; text: string } {
  if (!existsSync(file)) throw new MappingError(`mapping file not found: ${file}`);
  const text = readFileSync(file, "utf8");
  const doc = parseYamlValue(text);
  if (!isPlainObject(doc)) throw new MappingError(`${file}: a mapping file must be a YAML mapping`);
  return { doc, text };
}

/** Raw document of one file, without resolving `extends`. */
export function readMappingFile(file: string): Record<string, unknown> {
  return readMappingText(file).doc;
}

/** The merged document for `name` and the files it was merged from, leaf first. */
export function resolveMappingChain(name: string, dir = DEFAULT_MAPPINGS_DIR, seen: string[] = []): { merged: Record<string, unknown>; files: ChainFile[] } {
  if (seen.includes(name)) throw new MappingError(`extends cycle: ${[...seen, name].join(" -> ")}`);
  const file = mappingFile(name, dir);
  const { doc: own, text } = readMappingText(file);
  const parent = typeof own.extends === "string" ? resolveMappingChain(own.extends, dir, [...seen, name]) : { merged: {}, files: [] };
  const merged = deepMerge(parent.merged, own) as Record<string, unknown>;
  // `abstract` describes a file, it is not inherited.
  merged.abstract = own.abstract === true;
  return { merged, files: [{ file, text }, ...parent.files] };
}

/** The merged document for `name` (its own file over everything it extends). */
export function resolveMapping(name: string, dir = DEFAULT_MAPPINGS_DIR, seen: string[] = []): Record<string, unknown> {
  return resolveMappingChain(name, dir, seen).merged;
}

/** The merged, validated document; throws MappingError listing every problem. */
export function loadMappingDoc(name: string, dir = DEFAULT_MAPPINGS_DIR): MappingDoc {
  const { merged: doc, files } = resolveMappingChain(name, dir);
  // A shipped chain, unchanged, that the build ran this same check on and found valid (src/mapping/verdicts.ts).
  const problems = knownValidChain(files) ? [] : validateMappingDoc(doc);
  if (problems.length > 0) {
    const lines = problems.map((p) => `  ${p.path.join(".") || "(root)"}: ${p.message} [${p.rule}]`);
    throw new MappingError(`mapping '${name}' (${mappingFile(name, dir)}) is invalid (run 'godex lint' for locations):\n${lines.join("\n")}`);
  }
  return doc as unknown as MappingDoc;
}
