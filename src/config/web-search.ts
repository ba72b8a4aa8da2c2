// `web_search:` → WebSearchConfig. Off unless a backend (or the providers' own search) is set. The
// earlier GodeX's keys (enabled, mode, provider, max_iterations) map onto the new ones, with a
// deprecation warning (the generic deprecated-key warning names the new key). Which backend an
// earlier `provider:` value means, and which backend reuses a configured provider's key, is read
// from the backend definitions (search/*.yaml: legacy_names, key_from_provider), never named here.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { projectPath } from "../util/paths.ts";
import type { ProviderConfig, WebSearchConfig } from "./types.ts";
import { yamlLibrary } from "../util/yaml-source.ts";

export interface RawWebSearch {
  backend?: string;
  native?: "auto" | "always" | "never";
  endpoint?: { base_url?: string };
  credentials?: { api_key?: string; api_key_file?: string };
  max_results?: number;
  max_searches_per_response?: number;
  timeout_ms?: number;
  max_result_chars?: number;
  search_dir?: string;
  enabled?: boolean;
  mode?: "auto" | "provider_native" | "godex_managed" | "disabled";
  provider?: string;
  max_iterations?: number;
}

type Path = (string | number)[];

/** What the config loader needs of each backend definition (the search layer compiles them later). */
interface BackendFacts {
  name: string;
  legacy_names?: string[];
  key_from_provider?: string;
}

/** The definitions in `dir`, then the shipped ones it does not override; unreadable files are skipped (lint reports them). */
function backendFacts(dir: string | undefined): BackendFacts[] {
  const seen = new Map<string, BackendFacts>();
  for (const d of [dir, projectPath("search")]) {
    if (!d || !existsSync(d)) continue;
    for (const f of readdirSync(d).filter((n) => n.endsWith(".yaml")).sort()) {
      const name = f.slice(0, -".yaml".length);
      if (seen.has(name)) continue;
      try {
        const doc = yamlLibrary().parse(readFileSync(join(d, f), "utf8")) as BackendFacts;
        if (doc && typeof doc === "object") seen.set(name, { ...doc, name });
      } catch {
        /* lint and the search loader report a broken definition */
      }
    }
  }
  return [...seen.values()];
}

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
  const searchDir = raw.search_dir ? resolve(baseDir, raw.search_dir) : undefined;
  let backend = raw.backend;
  if (!backend && raw.provider && raw.provider !== "none") {
    const facts = backendFacts(searchDir);
    backend = facts.find((b) => b.legacy_names?.includes(raw.provider!))?.name ?? facts.find((b) => b.name === raw.provider)?.name;
    if (!backend) fail(["web_search", "provider"], `web_search.provider: '${raw.provider}' names no search backend (no search/*.yaml lists it under legacy_names): set web_search.backend`);
  }
  if (!backend && raw.enabled === true && raw.native !== "always" && raw.mode !== "provider_native") {
    // The earlier GodeX searched with the key of a configured provider: the backend that reuses one.
    const facts = backendFacts(searchDir);
    const specs = new Set(Object.values(providers).map((p) => p.spec));
    backend = facts.find((b) => b.key_from_provider !== undefined && specs.has(b.key_from_provider))?.name;
    if (!backend) warn(["web_search", "enabled"], `web_search.enabled: true names no search backend: set web_search.backend (${facts.map((b) => b.name).join(", ")}); search stays off`);
  }
  // mode: provider_native asked for the providers' own search; godex_managed for GodeX's loop only.
  const native = raw.native ?? (raw.mode === "provider_native" ? "always" : raw.mode === "godex_managed" ? "never" : "auto");
  if (off) {
    if (raw.backend || raw.native) warn(["web_search"], "web_search is turned off by an earlier GodeX key (enabled: false, mode: disabled or provider: none) although web_search.backend or web_search.native is set");
    return undefined;
  }
  if (!backend && native !== "always") return undefined;
  if (!backend && native === "always" && raw.credentials) warn(["web_search", "credentials"], "web_search.credentials is set but no web_search.backend uses it (native: always searches with the providers' own search only)");
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
    ...(backend ? { backend } : {}),
    native,
    ...(baseUrl ? { baseUrl } : {}),
    ...(keyEnv ? { apiKeyEnv: keyEnv } : {}),
    maxResults: raw.max_results ?? 5,
    maxSearches,
    timeoutMs: raw.timeout_ms ?? 10_000,
    maxResultChars: raw.max_result_chars ?? 8000,
    ...(searchDir ? { searchDir } : {}),
  };
  if (apiKey) Object.defineProperty(ws, "apiKey", { value: apiKey, enumerable: false, writable: true, configurable: true });
  return ws;
}
