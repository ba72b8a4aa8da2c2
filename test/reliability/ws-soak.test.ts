// WebSocket soak: 50 connections × 20 sequential responses, each continuing the previous one with
// previous_response_id. Every continuation reaches the provider with the whole conversation, and
// once the connections close their caches are released and the heap is back near its baseline.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import type { RunningGateway } from "../../src/server/start.ts";
import type { MockUpstreams } from "../../src/mock/server.ts";
import { startEmulatedGateway, type GatewayRig } from "../server/gateway-rig.ts";
import { WsClient } from "../server/ws-helpers.ts";

export const CONNECTIONS = Number(process.env.GODEX_SOAK_CONNECTIONS ?? 50);
export const TURNS = Number(process.env.GODEX_SOAK_TURNS ?? 20);

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;
const settledHeap = async () => {
  for (let i = 0; i < 4; i++) {
    gc();
    await new Promise((r) => setTimeout(r, 50));
  }
  return process.memoryUsage().heapUsed;
};

let mock: MockUpstreams;
let gateway: RunningGateway;
let rig: GatewayRig;

beforeAll(async () => {
  rig = await startEmulatedGateway((mock) => ({
    models: { aliases: { "gpt-5.5": "deepseek/deepseek-v4-flash" } },
    providers: { deepseek: { credentials: { api_key: "mock-deepseek-key" }, endpoint: { base_url: mock.baseUrl("deepseek") }, retry: { max_attempts: 1 } } },
  }));
  ({ mock, gateway } = rig);
});

afterAll(() => rig.close());

async function conversation(c: WsClient, n: number): Promise<void> {
  let prev: string | undefined;
  for (let t = 0; t < TURNS; t++) {
    const turn = await c.turn({ type: "response.create", model: "gpt-5.5", store: false, input: `connection ${n} turn ${t}: reply briefly`, ...(prev ? { previous_response_id: prev } : {}) }, 30_000);
    if (turn.last.type !== "response.completed") throw new Error(`connection ${n} turn ${t}: ${JSON.stringify(turn.last).slice(0, 300)}`);
    prev = turn.response!.id;
  }
}

describe("WebSocket soak", () => {
  it(`${CONNECTIONS} connections × ${TURNS} continued responses; memory returns to baseline`, async () => {
    // Warm up the code paths once so the baseline includes compiled code and pools.
    const warm = await WsClient.open(gateway.url);
    await conversation(warm, -1);
    warm.close();
    await warm.waitClosed();
    mock.requests.length = 0;
    const baseline = await settledHeap();

    const clients = await Promise.all(Array.from({ length: CONNECTIONS }, () => WsClient.open(gateway.url)));
    await Promise.all(clients.map((c, n) => conversation(c, n)));
    expect(mock.requests.length).toBe(CONNECTIONS * TURNS);
    // The last turn of every conversation carried all its user turns to the provider.
    const lastTurns = mock.requests.filter((r) => JSON.stringify(r.body).includes(`turn ${TURNS - 1}:`));
    expect(lastTurns.length).toBe(CONNECTIONS);
    for (const r of lastTurns) expect((r.body as { messages: { role: string }[] }).messages.filter((m) => m.role === "user").length).toBe(TURNS);
    const busy = [...gateway.sockets.sessions].reduce((n, s) => n + s.cachedBytes, 0);
    expect(busy).toBeGreaterThan(0);

    for (const c of clients) c.close();
    await Promise.all(clients.map((c) => c.waitClosed()));
    for (let i = 0; i < 50 && gateway.sockets.sessions.size > 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(gateway.sockets.sessions.size).toBe(0);
    mock.requests.length = 0;
    const after = await settledHeap();
    // Back to baseline: what the conversations held (several MB) is gone; a few MB of slack for pools and JIT.
    expect(after - baseline, `baseline ${baseline} after ${after}; held while open ≈ ${busy}`).toBeLessThan(Math.max(4 * 1024 * 1024, busy / 2));
  }, 180_000);
});
