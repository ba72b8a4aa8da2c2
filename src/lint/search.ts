// `godex lint` for search backend definitions (search/*.yaml): the schema and JSONata checks the
// loader runs, located in the file; and a config's web_search.backend must name a valid definition.
import { basename, dirname, resolve } from "node:path";
import { searchBackendFile, validateSearchBackend } from "../search/backend.ts";
import type { SourceCache, SourceFile } from "./sources.ts";
import type { Findings } from "./types.ts";

export function lintSearchBackend(file: SourceFile, findings: Findings): void {
  const name = basename(file.abs).replace(/\.ya?ml$/, "");
  for (const p of validateSearchBackend(file.value, name)) {
    const rule = p.rule === "jsonata" ? "jsonata-syntax" : p.rule === "name" ? "reference" : "search-schema";
    findings.error(file.locate(p.path, p.message.startsWith("unknown key") ? "key" : "value"), rule, `${p.path.join(".") || "(root)"}: ${p.message}`);
  }
}

/** The backend a config names exists and is valid. */
export function lintConfigSearchBackend(config: SourceFile, cache: SourceCache, findings: Findings): void {
  const ws = (config.value as { web_search?: { backend?: unknown; search_dir?: unknown } } | null)?.web_search;
  if (!ws || typeof ws.backend !== "string") return;
  const dir = typeof ws.search_dir === "string" ? resolve(dirname(config.abs), ws.search_dir) : undefined;
  const file = dir ? searchBackendFile(ws.backend, dir) : searchBackendFile(ws.backend);
  const source = cache.read(file, false);
  if (!source) {
    findings.error(config.locate(["web_search", "backend"]), "reference", `web_search.backend: no search backend definition '${ws.backend}' (${file})`);
    return;
  }
  lintSearchBackend(source, findings);
}
