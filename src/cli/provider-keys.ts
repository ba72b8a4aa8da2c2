// Whether a config gives any provider a key (without one, `godex serve` runs the emulators). Apart from
// mock-config.ts so that deciding does not load the emulators.
import type { LoadedConfig } from "../config/types.ts";

export function anyProviderKey(config: LoadedConfig): boolean {
  return Object.values(config.providers).some((p) => Boolean(p.apiKey));
}
