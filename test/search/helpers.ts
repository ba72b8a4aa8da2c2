// A gateway over every emulated provider with hosted web search on the SearXNG-shaped emulator.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfigFromObject } from "../../src/config/load.ts";
import { buildRuntime, type GatewayRuntime } from "../../src/engine/runtime.ts";
import { startMockUpstreams, type MockUpstreams, type MockUpstreamsOptions } from "../../src/mock/server.ts";
import { createApp, type GatewayApp } from "../../src/server/app.ts";
import { createLogger } from "../../src/server/log.ts";

export const PROVIDERS: Record<string, string> = {
  deepseek: "deepseek-v4-pro",
  zhipu: "glm-5.1",
  minimax: "MiniMax-M2.7",
  xiaomi: "mimo-v2.5-pro",
};

/** Aliases served over the provider's own /responses endpoint. */
export const NATIVE_ALIASES: Record<string, string> = {
  "n-xiaomi": "xiaomi/mimo-v2.6-pro",
  "n-deepseek": "deepseek/deepseek-flash",
};

export interface SearchGateway {
  app: GatewayApp;
  mock: MockUpstreams;
  runtime: GatewayRuntime;
  close(): Promise<void>;
}

/** `webSearch`: keys over the SearXNG emulator backend (`backend: null` leaves none); null: no web_search config. */
export async function makeSearchGateway(webSearch: Record<string, unknown> | null = {}, mockOptions: MockUpstreamsOptions = {}, moreAliases: Record<string, unknown> = {}): Promise<SearchGateway> {
  const mock = await startMockUpstreams(mockOptions);
  const dir = mkdtempSync(join(tmpdir(), "godex-search-test-"));
  const providers: Record<string, unknown> = {};
  const aliases: Record<string, string> = {};
  for (const [p, model] of Object.entries(PROVIDERS)) {
    providers[p] = { spec: p, credentials: { api_key: `mock-${p}-key` }, endpoint: { base_url: mock.baseUrl(p) }, retry: { max_attempts: 1 } };
    aliases[`m-${p}`] = `${p}/${model}`;
  }
  // The native Responses wire (the mappings' choice for these models): GodeX's loop on MiMo, the provider's own search on DeepSeek.
  Object.assign(aliases, NATIVE_ALIASES);
  const config = loadConfigFromObject(
    {
      server: { host: "127.0.0.1", port: 0 },
      models: { aliases: { ...aliases, ...moreAliases } },
      providers,
      logging: { level: "silent" },
      ...(webSearch ? { web_search: withoutNull({ backend: "searxng", endpoint: { base_url: mock.searchUrl }, timeout_ms: 1500, ...webSearch }) } : {}),
    },
    {},
  );
  const runtime = buildRuntime(config, { carrierKeyFile: join(dir, "carrier.key") });
  const app = createApp({ getRuntime: () => runtime, log: createLogger("silent") });
  return {
    app,
    mock,
    runtime,
    async close() {
      await mock.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export function searchRequest(model: string, text: string, extra: Record<string, unknown> = {}) {
  return {
    model,
    input: [{ type: "message", role: "user", content: [{ type: "input_text", text }] }],
    tools: [
      { type: "function", name: "exec_command", parameters: { type: "object", properties: { cmd: { type: "string" } }, required: ["cmd"] } },
      { type: "web_search", external_web_access: true },
    ],
    include: ["reasoning.encrypted_content"],
    ...extra,
  };
}

/** A key set to null is left out (e.g. no backend: only the providers' own search). */
function withoutNull(o: Record<string, unknown>): Record<string, unknown> {
  const out = Object.fromEntries(Object.entries(o).filter(([, v]) => v !== null));
  if (o.backend === null) delete out.endpoint;
  return out;
}
