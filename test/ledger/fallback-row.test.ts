// A response served by a fallback target is one ledger row naming the target that served it.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Ledger } from "../../src/ledger/ledger.ts";
import type { RunningGateway } from "../../src/server/start.ts";
import type { MockUpstreams } from "../../src/mock/server.ts";
import { startEmulatedGateway, type GatewayRig } from "../server/gateway-rig.ts";
import { waitUntil } from "./helpers.ts";

const retry = { max_attempts: 1 };
let mock: MockUpstreams;
let ledger: Ledger;
let gw: RunningGateway;
let rig: GatewayRig;

beforeAll(async () => {
  rig = await startEmulatedGateway(
    (mock) => ({
      models: { aliases: { routed: ["deepseek/deepseek-v4-pro", "zhipu/glm-5.1"] } },
      providers: {
        deepseek: { credentials: { api_key: "k-ds" }, endpoint: { base_url: mock.baseUrl("deepseek") }, retry },
        zhipu: { credentials: { api_key: "k-zp" }, endpoint: { base_url: mock.baseUrl("zhipu") }, retry },
      },
    }),
    { mock: { keys: { deepseek: "k-ds", zhipu: "k-zp" } }, ledger: true },
  );
  ({ mock, gateway: gw } = rig);
  ledger = rig.ledger!;
});

afterAll(() => rig.close());

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
