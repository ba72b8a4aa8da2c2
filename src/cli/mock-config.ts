// `--mock`: every provider that has a built-in emulator is pointed at it, with the emulator's key.
import type { LoadedConfig } from "../config/types.ts";
import type { MockUpstreams } from "../mock/server.ts";
import { DIALECTS } from "../mock/dialects.ts";

export function withMockProviders(config: LoadedConfig, mock: MockUpstreams): { config: LoadedConfig; emulated: string[] } {
  const providers = { ...config.providers };
  const emulated: string[] = [];
  for (const [name, p] of Object.entries(providers)) {
    const dialect = DIALECTS[p.spec];
    if (!dialect) continue;
    const copy = { ...p, baseUrl: mock.baseUrl(p.spec), path: undefined };
    // apiKey is non-enumerable on loaded configs; define it the same way.
    Object.defineProperty(copy, "apiKey", { value: dialect.defaultKey, enumerable: false });
    providers[name] = copy;
    emulated.push(name);
  }
  // Web search runs on the SearXNG-shaped emulator, so the offline demo can search too.
  const base = config.webSearch ?? { backend: "searxng", native: "auto" as const, maxResults: 5, maxSearches: 4, timeoutMs: 10_000, maxResultChars: 8000 };
  const webSearch = { ...base, backend: "searxng", baseUrl: mock.searchUrl, searchDir: undefined };
  return { config: { ...config, providers, webSearch }, emulated };
}

export { anyProviderKey } from "./provider-keys.ts";
