// `godex doctor`: the web search backend (definition loads, key set; with --live, one real search).
import type { LoadedConfig } from "../config/types.ts";
import { buildHostedSearch } from "../engine/hosted/search-runtime.ts";
import { runSearch } from "../search/client.ts";
import { searchBackendNames } from "../search/backend.ts";
import type { Check } from "./doctor.ts";

export async function searchCheck(config: LoadedConfig, live: boolean): Promise<Check | null> {
  const ws = config.webSearch;
  if (!ws) return null;
  if (!ws.backend) return { name: "web search", ok: true, detail: `the providers' own search only (web_search.native: ${ws.native}); no backend set`, fix: "set web_search.backend for providers without their own search" };
  const name = `web search (${ws.backend})`;
  let hosted;
  try {
    hosted = buildHostedSearch(config)!;
  } catch (err) {
    return { name, ok: false, detail: (err as Error).message.split("\n")[0]!, fix: `set web_search.backend to one of ${searchBackendNames(ws.searchDir).join(", ")} (search/*.yaml or web_search.search_dir); run 'godex lint'` };
  }
  if (hosted.problem) return { name, ok: false, detail: hosted.problem, fix: `export the key and set web_search.credentials.api_key: "\${${ws.apiKeyEnv ?? "SEARCH_API_KEY"}}"` };
  const key = hosted.keySource === "provider" ? "key of the provider reused" : hosted.keySource === "config" ? "key set" : "no key needed";
  if (!live) return { name, ok: true, detail: `${hosted.settings.baseUrl}, ${key}`, fix: "godex doctor --live runs one search" };
  const out = await runSearch(hosted.settings, "godex doctor", AbortSignal.timeout(ws.timeoutMs + 1000));
  if (!out.ok) return { name, ok: false, detail: out.message, fix: `check web_search.endpoint.base_url and the backend (${hosted.settings.backend.file})` };
  return { name, ok: true, detail: `${hosted.settings.baseUrl} answered with ${out.results.length} result(s), ${key}` };
}
