// `web_search:` → WebSearchConfig. Off unless a backend is set. The earlier GodeX's keys
// (enabled, mode, provider, max_iterations) map onto the new ones, with a deprecation warning
// (the generic deprecated-key warning names the new key).
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import type { ProviderConfig, WebSearchConfig } from "./types.ts";

export interface RawWebSearch {
  backend?: string;
  endpoint?: { base_url?: string };
  credentials?: { api_key?: string; api_key_file?: string };
  max_results?: number;
  max_searches_per_response?: number;
  timeout_ms?: number;
  max_result_chars?: number;
  search_dir?: string;
  enabled?: boolean;
  mode?: "auto" | "provider_native" | "godex_managed" | "disabled";
  provider?: "none" | "mock" | "zhipu";
  max_iterations?: number;
}

type Path = (string | number)[];

export function readWebSearch(
  raw: RawWebSearch | undefined,
  providers: Record<string, ProviderConfig>,
  keyEnv: string | undefined,
  baseDir: string,
  fail: (path: Path, message: string) => void,
  warn: (path: Path, message: string) => void,
): WebSearchConfig | undefined {
  if (!raw) return undefined;
  const off = raw.enabled === false || raw.mode === "disabled" || raw.provider === "none";
  let backend = raw.backend;
  if (!backend && raw.provider && raw.provider !== "none") {
    // The earlier GodeX's mock search is GodeX's SearXNG-shaped emulator (godex serve --mock).
    backend = raw.provider === "mock" ? "searxng" : raw.provider;
  }
  if (!backend && raw.enabled === true) {
    const zhipu = Object.values(providers).some((p) => p.spec === "zhipu");
    if (zhipu) backend = "zhipu";
    else warn(["web_search", "enabled"], "web_search.enabled: true names no search backend: set web_search.backend (searxng, tavily, brave, zhipu); search stays off");
  }
  if (off) {
    if (raw.backend) warn(["web_search"], "web_search is turned off by an earlier GodeX key (enabled: false, mode: disabled or provider: none) although web_search.backend is set");
    return undefined;
  }
  if (!backend) return undefined;
  let apiKey: string | undefined = raw.credentials?.api_key || undefined;
  if (raw.credentials?.api_key_file !== undefined) {
    if (raw.credentials.api_key !== undefined) fail(["web_search", "credentials", "api_key_file"], "web_search.credentials: set api_key or api_key_file, not both");
    try {
      apiKey = readFileSync(resolve(baseDir, raw.credentials.api_key_file), "utf8").trim() || undefined;
    } catch (err) {
      fail(["web_search", "credentials", "api_key_file"], `web_search.credentials.api_key_file: cannot read ${raw.credentials.api_key_file} (${(err as NodeJS.ErrnoException).code ?? "error"})`);
    }
  }
  const baseUrl = raw.endpoint?.base_url?.trim().replace(/\/+$/, "");
  if (baseUrl !== undefined && !/^https?:\/\/[^\s/]+/.test(baseUrl)) fail(["web_search", "endpoint", "base_url"], "web_search.endpoint.base_url must be an http(s) URL");
  const maxSearches = raw.max_searches_per_response ?? (raw.max_iterations && raw.max_iterations > 0 ? raw.max_iterations : 4);
  const ws: WebSearchConfig = {
    backend,
    ...(baseUrl ? { baseUrl } : {}),
    ...(keyEnv ? { apiKeyEnv: keyEnv } : {}),
    maxResults: raw.max_results ?? 5,
    maxSearches,
    timeoutMs: raw.timeout_ms ?? 10_000,
    maxResultChars: raw.max_result_chars ?? 8000,
    ...(raw.search_dir ? { searchDir: resolve(baseDir, raw.search_dir) } : {}),
  };
  if (apiKey) Object.defineProperty(ws, "apiKey", { value: apiKey, enumerable: false, writable: true, configurable: true });
  return ws;
}
