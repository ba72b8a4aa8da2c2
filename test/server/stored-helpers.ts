// Stored-response tests shared by the SQLite and PostgreSQL runs: a GodeX (or two) on the DeepSeek
// emulator with a given `store:` config, and small fetch helpers.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfigFromObject } from "../../src/config/load.ts";
import { startGateway, type RunningGateway } from "../../src/server/start.ts";
import type { MockUpstreams } from "../../src/mock/server.ts";
import type { Logger } from "../../src/server/log.ts";

export async function startStoreGateway(mock: MockUpstreams, store: Record<string, unknown>, dir = mkdtempSync(join(tmpdir(), "godex-store-")), log?: Logger): Promise<RunningGateway & { dir: string; stop(): Promise<void> }> {
  const config = loadConfigFromObject(
    {
      server: { host: "127.0.0.1", port: 0, carrier_secret: "a-shared-carrier-secret-for-tests" },
      store,
      models: { aliases: { "gpt-5.5": "deepseek/deepseek-v4-pro" } },
      providers: { deepseek: { credentials: { api_key: "mock-deepseek-key" }, endpoint: { base_url: mock.baseUrl("deepseek") }, retry: { max_attempts: 1 } } },
      logging: { level: "silent" },
    },
    {},
  );
  const gw = await startGateway(config, { carrierKeyFile: join(dir, "carrier.key"), log });
  return Object.assign(gw, {
    dir,
    async stop() {
      await gw.close();
      rmSync(dir, { recursive: true, force: true });
    },
  });
}

export async function post(url: string, body: Record<string, unknown>): Promise<{ status: number; json: any }> {
  const r = await fetch(`${url}/v1/responses`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ model: "gpt-5.5", ...body }) });
  if (body.stream) {
    const text = await r.text();
    const events = text.split("\n").filter((l) => l.startsWith("data: ")).map((l) => JSON.parse(l.slice(6)));
    const last = events.at(-1);
    return { status: r.status, json: last?.response ?? last };
  }
  return { status: r.status, json: await r.json() };
}

export async function call(method: string, url: string): Promise<{ status: number; json: any }> {
  const r = await fetch(url, { method });
  return { status: r.status, json: await r.json() };
}
