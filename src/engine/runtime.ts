// Everything a request needs, built once from a loaded config: providers joined with their
// compiled mappings, the alias resolver and the reasoning carrier. Rebuilt on hot reload.
import { homedir } from "node:os";
import { join } from "node:path";
import type { LoadedConfig, ResolvedModel } from "../config/types.ts";
import { resolveModel } from "../config/resolve-model.ts";
import { compileMapping, type CompiledMapping } from "../mapping/compile.ts";
import { DEFAULT_MAPPINGS_DIR, loadMappingDoc } from "../mapping/load.ts";
import { authHeaders, upstreamUrl, wireFor, type ProviderRuntime } from "./provider-runtime.ts";
import { ReasoningCarrier, carrierSecret } from "./reasoning-carrier.ts";
import { buildHostedSearch, type HostedSearch } from "./hosted/search-runtime.ts";

export interface GatewayRuntime {
  config: LoadedConfig;
  providers: Map<string, ProviderRuntime>;
  carrier: ReasoningCarrier;
  resolve(model: string): ResolvedModel | null;
  /** Set when the providers are GodeX's built-in emulators. */
  mock: boolean;
  /** GodeX-hosted web search (web_search config); undefined = off. */
  search?: HostedSearch;
}

export interface RuntimeOptions {
  mappingsDir?: string;
  carrierKeyFile?: string;
  mock?: boolean;
  /** The search backend's base URL instead of the configured one (godex serve --mock: the emulator). */
  searchBaseUrl?: string;
}

export function buildRuntime(config: LoadedConfig, opts: RuntimeOptions = {}): GatewayRuntime {
  const dir = opts.mappingsDir ?? DEFAULT_MAPPINGS_DIR;
  const compiled = new Map<string, CompiledMapping>();
  const providers = new Map<string, ProviderRuntime>();
  for (const p of Object.values(config.providers)) {
    let mapping = compiled.get(p.spec);
    if (!mapping) {
      mapping = compileMapping(loadMappingDoc(p.spec, dir));
      compiled.set(p.spec, mapping);
    }
    providers.set(p.name, {
      name: p.name,
      mapping,
      url: upstreamUrl(p.baseUrl, p.path ?? mapping.doc.endpoint.path),
      headers: authHeaders(mapping, p.apiKey, p.headers),
      hasKey: Boolean(p.apiKey),
      timeouts: { connectMs: orNever(p.timeouts.connectMs), firstByteMs: orNever(p.timeouts.firstByteMs), idleMs: orNever(p.timeouts.idleMs), totalMs: orNever(p.timeouts.totalMs) },
      retry: { maxAttempts: Math.max(1, p.retry.maxAttempts), maxDelayMs: p.retry.maxDelayMs },
      models: p.models,
      responsesUrl: mapping.responses ? upstreamUrl(p.baseUrl, p.responsesPath ?? mapping.responses.rules.endpoint.path) : null,
      ...(p.wire ? { wireOverride: p.wire } : {}),
    });
  }
  const keyFile = opts.carrierKeyFile ?? join(process.env.GODEX_HOME ?? join(homedir(), ".godex"), "carrier.key");
  return {
    config,
    providers,
    carrier: new ReasoningCarrier(carrierSecret(config.server.carrierSecret, keyFile)),
    resolve: (model) => resolveModel(config, model),
    mock: opts.mock ?? false,
    search: buildHostedSearch(config, opts.searchBaseUrl),
  };
}

/** What /health and the status page say about each provider: never its key, only whether one is set. */
export function providerSummaries(rt: GatewayRuntime) {
  return [...rt.providers.values()].map((p) => ({
    name: p.name,
    spec: p.mapping.name,
    key_configured: p.hasKey,
    key_env: rt.config.providers[p.name]?.apiKeyEnv ?? null,
    endpoint: new URL(p.url).origin,
    models: p.models,
    /** Wire per listed model: the mapping's choice or the user's override. */
    wires: Object.fromEntries(p.models.map((m) => [m, wireFor(p, m)])),
  }));
}

/** 0 means "no limit" in the config; undici wants a number of ms (0 disables there too). */
function orNever(ms: number): number {
  return ms > 0 ? ms : 0;
}
