// A response served by a fallback target is one ledger row naming the target that served it.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfigFromObject } from "../../src/config/load.ts";
import { Ledger } from "../../src/ledger/ledger.ts";
import { createLogger } from "../../src/server/log.ts";
import { startGateway, type RunningGateway } from "../../src/server/start.ts";
import { startMockUpstreams, type MockUpstreams } from "../../src/mock/server.ts";
import { waitUntil } from "./helpers.ts";

let tmp: string;
let mock: MockUpstreams;
let ledger: Ledger;
let gw: RunningGateway;

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), "godex-ledger-fallback-"));
  mock = await startMockUpstreams({ keys: { deepseek: "k-ds", zhipu: "k-zp" } });
  const retry = { max_attempts: 1 };
  const config = loadConfigFromObject(
    {
      server: { host: "127.0.0.1", port: 0 },
      models: { aliases: { routed: ["deepseek/deepseek-v4-pro", "zhipu/glm-5.1"] } },
      providers: {
        deepseek: { credentials: { api_key: "k-ds" }, endpoint: { base_url: mock.baseUrl("deepseek") }, retry },
        zhipu: { credentials: { api_key: "k-zp" }, endpoint: { base_url: mock.baseUrl("zhipu") }, retry },
      },
      ledger: { path: join(tmp, "usage.db") },
      logging: { level: "silent" },
    },
    {},
  );
  ledger = await Ledger.open(config.ledger, { flushMs: 20 });
  gw = await startGateway(config, { carrierKeyFile: join(tmp, "carrier.key"), log: createLogger("silent"), ledger });
});

afterAll(async () => {
  await gw?.close();
  await mock?.close();
  rmSync(tmp, { recursive: true, force: true });
});

describe("ledger row of a fallback-served response", () => {
  it("the first target answers 503: one row, served_by the second target, fallback = 1", async () => {
    mock.enqueue("deepseek", { status: 503, json: { error: { message: "Server busy", type: "server_error" } } });
    const res = await fetch(`${gw.url}/v1/responses`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model: "routed", input: "hello" }),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("x-godex-served-by")).toBe("zhipu/glm-5.1");
    await res.text();
    const rows = await waitUntil(async () => {
      await ledger.writer.flush();
      const all = await ledger.store.scan(0, Date.now() + 1);
      return all.length >= 1 ? all : null;
    }, 8000, "the ledger row");
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ alias: "routed", served_by: "zhipu/glm-5.1", fallback: 1, outcome: "completed", status: 200 });
  });
});
