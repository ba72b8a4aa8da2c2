// The hosted search loop over Codex's WebSocket mode (GET /v1/responses, response.create): the same
// web_search_call events and cited answer as over SSE, one message per event, usage over both calls.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningGateway } from "../../src/server/start.ts";
import type { MockUpstreams } from "../../src/mock/server.ts";
import { startEmulatedGateway, type GatewayRig } from "../server/gateway-rig.ts";
import { WsClient } from "../server/ws-helpers.ts";
import { validateStreamEvent } from "./output-schema.ts";
import { searchRequest } from "./helpers.ts";

let mock: MockUpstreams;
let gateway: RunningGateway;
let rig: GatewayRig;

beforeAll(async () => {
  rig = await startEmulatedGateway((mock) => ({
    models: { aliases: { "gpt-5.5": "xiaomi/mimo-v2.5-pro" } },
    providers: { xiaomi: { credentials: { api_key: "mock-xiaomi-key" }, endpoint: { base_url: mock.baseUrl("xiaomi") }, retry: { max_attempts: 1 } } },
    web_search: { backend: "searxng", endpoint: { base_url: mock.searchUrl } },
  }));
  ({ mock, gateway } = rig);
});

afterAll(() => rig.close());

describe("web search over WebSocket mode", () => {
  it("streams the search and the cited answer as over SSE", async () => {
    const c = await WsClient.open(gateway.url, {});
    const { stream: _s, ...body } = searchRequest("gpt-5.5", "search the web for vitest config", { stream: true }) as Record<string, unknown>;
    const turn = await c.turn({ type: "response.create", store: false, ...body });
    for (const e of turn.events) expect(validateStreamEvent(e), `${e.type} matches the output schema`).toEqual([]);
    const types = turn.events.map((e) => e.type);
    const ws = types.indexOf("response.web_search_call.in_progress");
    expect(types.slice(ws, ws + 3)).toEqual(["response.web_search_call.in_progress", "response.web_search_call.searching", "response.web_search_call.completed"]);
    expect(turn.last.type).toBe("response.completed");
    const out = turn.response!.output as any[];
    expect(out.find((i) => i.type === "web_search_call").action.query).toBe("vitest config");
    expect(out.at(-1).content[0].annotations[0].url).toBe("https://docs.example.org/vitest-config/1");
    expect(mock.requests.filter((r) => r.provider === "searxng")).toHaveLength(1);
    expect(mock.requests.filter((r) => r.provider === "xiaomi")).toHaveLength(2);
    c.close();
  });
});
