// A response served over a provider's native Responses wire fills its ledger row like a Chat one:
// the usage the provider reported in its Response object (streamed or whole) becomes the row's
// tokens, and the mapping's price its cost.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Ledger } from "../../src/ledger/ledger.ts";
import type { RunningGateway } from "../../src/server/start.ts";
import type { MockUpstreams } from "../../src/mock/server.ts";
import { startEmulatedGateway, type GatewayRig } from "../server/gateway-rig.ts";
import { waitUntil } from "./helpers.ts";

const GOLDEN = join(import.meta.dirname, "../golden/zhipu");
/** Zhipu's shipped glm-5.3 price (USD per 1M tokens). */
const GLM53 = { input: 1.4, cached: 0.26, output: 4.4 };
const USAGE = { input_tokens: 1200, input_tokens_details: { cached_tokens: 800 }, output_tokens: 50, output_tokens_details: { reasoning_tokens: 20 }, total_tokens: 1250 };
const COST = (400 * GLM53.input + 800 * GLM53.cached + 50 * GLM53.output) / 1_000_000;

let mock: MockUpstreams;
let ledger: Ledger;
let gw: RunningGateway;
let rig: GatewayRig;

beforeAll(async () => {
  rig = await startEmulatedGateway(
    (mock) => ({
      models: { aliases: { "gpt-5.5": "zhipu/glm-5.3" } },
      providers: { zhipu: { credentials: { api_key: "k-zp" }, endpoint: { base_url: mock.baseUrl("zhipu") }, retry: { max_attempts: 1 }, wire: "responses" } },
    }),
    { mock: { keys: { zhipu: "k-zp" } }, ledger: true },
  );
  ({ mock, gateway: gw } = rig);
  ledger = rig.ledger!;
});

afterAll(() => rig.close());

async function rowFor(requestId: string) {
  return waitUntil(async () => {
    await ledger.writer.flush();
    const all = await ledger.store.scan(0, Date.now() + 1);
    return all.find((r) => r.request_id === requestId) ?? null;
  }, 8000, `the ledger row of ${requestId}`);
}

/** The recorded native reply of the golden case, with USAGE in its terminal Response. */
function streamedReply(): string {
  return readFileSync(join(GOLDEN, "native-text-stream/upstream-reply.sse"), "utf8").replace(/"usage":\{[^}]*\{[^}]*\}[^}]*\{[^}]*\}[^}]*\}/, `"usage":${JSON.stringify(USAGE)}`);
}

describe("ledger row of a native-wire response", () => {
  it("streamed: the usage of the provider's response.completed is the row's tokens and cost", async () => {
    const sse = streamedReply();
    expect(sse).toContain('"cached_tokens":800');
    mock.enqueue("zhipu", { sse });
    const res = await fetch(`${gw.url}/v1/responses`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model: "gpt-5.5", input: "hello there", stream: true, prompt_cache_key: "conv-native-1" }),
    });
    expect(res.status).toBe(200);
    const body = await res.text();
    expect(body).toContain("event: response.completed");
    expect(mock.requests.at(-1)!.path).toMatch(/\/responses$/);
    const row = await rowFor(res.headers.get("x-request-id")!);
    expect(row).toMatchObject({ alias: "gpt-5.5", provider: "zhipu", model: "glm-5.3", served_by: "zhipu/glm-5.3", stream: 1, status: 200, outcome: "completed" });
    expect(row).toMatchObject({ input_tokens: 1200, cached_tokens: 800, output_tokens: 50, reasoning_tokens: 20, conversation: "conv-native-1", currency: "USD" });
    expect(row.cost).toBeCloseTo(COST, 12);
  });

  it("not streamed: the whole Response object's usage fills the row the same way", async () => {
    const json = JSON.parse(readFileSync(join(GOLDEN, "native-text-json/upstream-reply.json"), "utf8"));
    json.usage = USAGE;
    mock.enqueue("zhipu", { status: 200, json });
    const res = await fetch(`${gw.url}/v1/responses`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model: "gpt-5.5", input: "hello there" }),
    });
    expect(res.status).toBe(200);
    const out = (await res.json()) as { usage: typeof USAGE };
    expect(out.usage).toMatchObject({ input_tokens: 1200, output_tokens: 50 });
    const row = await rowFor(res.headers.get("x-request-id")!);
    expect(row).toMatchObject({ stream: 0, status: 200, outcome: "completed", input_tokens: 1200, cached_tokens: 800, output_tokens: 50, reasoning_tokens: 20 });
    expect(row.cost).toBeCloseTo(COST, 12);
  });
});
