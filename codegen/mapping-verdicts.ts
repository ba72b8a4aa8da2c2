// `npm run build` step (after the bundle): runs the mapping loader's own check (validateMappingDoc) on
// each shipped mapping chain and writes the keys of the valid ones to dist/mapping-verdicts.json
// (src/mapping/verdicts.ts says how they are used). A chain with any problem is left out, so it is
// checked, and reported, at run time as before.
import { existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { resolveMappingChain } from "../src/mapping/load.ts";
import { validateMappingDoc } from "../src/mapping/validate.ts";
import { mappingChainKey, MAPPING_VERDICTS_FILE, type MappingVerdicts } from "../src/mapping/verdicts.ts";

const ROOT = resolve(import.meta.dirname, "..");

export function buildMappingVerdicts(root = ROOT): MappingVerdicts {
  const dir = join(root, "mappings");
  const names = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith(".yaml")).map((f) => f.slice(0, -".yaml".length)).sort() : [];
  const valid: string[] = [];
  for (const name of names) {
    let chain;
    try {
      chain = resolveMappingChain(name, dir);
    } catch {
      continue; // unreadable or a broken extends chain: the loader reports it at run time
    }
    if (validateMappingDoc(chain.merged).length === 0) valid.push(mappingChainKey(chain.files));
  }
  return { version: 1, valid };
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const out = join(ROOT, MAPPING_VERDICTS_FILE);
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, JSON.stringify(buildMappingVerdicts()));
}
