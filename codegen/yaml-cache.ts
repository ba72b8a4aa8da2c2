// `npm run build` step: the shipped YAML files (mappings/, search/, godex.yaml) parsed once, at build
// time, into dist/yaml-cache.json, keyed by the SHA-256 of their text. At run time a file whose text
// hashes to an entry takes its value from there instead of the YAML parser (src/util/yaml-source.ts):
// parsing the shipped mappings was the largest single cost of `godex serve`'s start (docs/performance.md).
// An edited file hashes differently and is parsed as before, so a stale cache is only slower, never wrong.
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { isDeepStrictEqual } from "node:util";
import { cleanYamlValue, textHash, YAML_CACHE_FILE, type YamlCache } from "../src/util/yaml-source.ts";

const ROOT = resolve(import.meta.dirname, "..");

/** The shipped YAML files, relative to the package root. */
export function shippedYamlFiles(root = ROOT): string[] {
  const inDir = (dir: string) => (existsSync(join(root, dir)) ? readdirSync(join(root, dir)).filter((f) => f.endsWith(".yaml")).sort().map((f) => `${dir}/${f}`) : []);
  return [...inDir("mappings"), ...inDir("search"), "godex.yaml"];
}

export function buildYamlCache(root = ROOT): YamlCache {
  const entries: YamlCache["entries"] = {};
  for (const file of shippedYamlFiles(root)) {
    const text = readFileSync(join(root, file), "utf8");
    const value = cleanYamlValue(text);
    // Only what JSON carries unchanged (YAML's .inf and .nan would come back as null).
    if (value !== undefined && isDeepStrictEqual(JSON.parse(JSON.stringify(value)), value)) entries[textHash(text)] = value;
  }
  return { version: 1, entries };
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const out = join(ROOT, YAML_CACHE_FILE);
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, JSON.stringify(buildYamlCache()));
}
