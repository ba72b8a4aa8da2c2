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
  return { config: { ...config, providers }, emulated };
}

export function anyProviderKey(config: LoadedConfig): boolean {
  return Object.values(config.providers).some((p) => Boolean(p.apiKey));
}
