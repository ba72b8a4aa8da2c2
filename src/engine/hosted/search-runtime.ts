// The hosted web search as configured: the compiled backend and how to call it, built once per
// config load. Which key a backend takes (its own, or a provider's) comes from its definition.
import type { LoadedConfig } from "../../config/types.ts";
import { DEFAULT_SEARCH_DIR, loadSearchBackend } from "../../search/backend.ts";
import type { SearchSettings } from "../../search/client.ts";

export interface HostedSearch {
  settings: SearchSettings;
  maxSearches: number;
  maxResultChars: number;
  /** Why searches cannot run (a backend needing a key without one), for doctor and diagnostics. */
  problem?: string;
  /** Where the key came from, for doctor: never the key itself. */
  keySource: "config" | "provider" | "none";
}

export function buildHostedSearch(config: LoadedConfig, baseUrlOverride?: string): HostedSearch | undefined {
  const ws = config.webSearch;
  if (!ws?.backend) return undefined;
  const backend = loadSearchBackend(ws.backend, ws.searchDir ?? DEFAULT_SEARCH_DIR);
  let apiKey = ws.apiKey;
  let keySource: HostedSearch["keySource"] = apiKey ? "config" : "none";
  const from = backend.doc.key_from_provider;
  if (!apiKey && from) {
    const provider = Object.values(config.providers).find((p) => p.spec === from && p.apiKey);
    if (provider) {
      apiKey = provider.apiKey;
      keySource = "provider";
    }
  }
  const settings: SearchSettings = {
    backend,
    baseUrl: baseUrlOverride ?? ws.baseUrl ?? backend.doc.default_base_url,
    maxResults: ws.maxResults,
    timeoutMs: ws.timeoutMs,
  };
  if (apiKey) Object.defineProperty(settings, "apiKey", { value: apiKey, enumerable: false });
  const problem =
    backend.doc.key === "required" && !apiKey
      ? `the ${backend.doc.name} search backend needs a key: set web_search.credentials.api_key${from ? ` (or configure a ${from} provider with a key)` : ""}`
      : undefined;
  return { settings, maxSearches: ws.maxSearches, maxResultChars: ws.maxResultChars, keySource, ...(problem ? { problem } : {}) };
}
