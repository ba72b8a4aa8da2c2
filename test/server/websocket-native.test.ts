// WebSocket mode over a provider's native Responses wire: the warm-up, a turn and its
// previous_response_id continuation are served through DeepSeek's own /responses (deepseek-flash,
// the mapping's native model). GodeX rebuilds the conversation itself: the provider gets the whole
// input and never a previous_response_id of GodeX's.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningGateway } from "../../src/server/start.ts";
import type { MockUpstreams } from "../../src/mock/server.ts";
import { startEmulatedGateway, type GatewayRig } from "./gateway-rig.ts";
import { WsClient } from "./ws-helpers.ts";

let mock: MockUpstreams;
let gateway: RunningGateway;
let rig: GatewayRig;

beforeAll(async () => {
  rig = await startEmulatedGateway((mock) => ({
    models: { aliases: { "gpt-5.5": "deepseek/deepseek-flash" } },
    providers: { deepseek: { credentials: { api_key: "mock-deepseek-key" }, endpoint: { base_url: mock.baseUrl("deepseek") }, retry: { max_attempts: 1 } } },
  }));
  ({ mock, gateway } = rig);
});

afterAll(() => rig.close());

const create = (extra: Record<string, unknown>) => ({ type: "response.create", model: "gpt-5.5", store: false, ...extra });
type NativeBody = { input: { type?: string; role?: string; content?: unknown }[]; previous_response_id?: unknown; stream?: boolean };

describe("WebSocket mode over the native Responses wire", () => {
  it("warm-up, a turn and a continuation: one message per event, the provider's /responses gets the whole conversation", async () => {
    const c = await WsClient.open(gateway.url);
    const warm = await c.turn(create({ generate: false, input: [] }));
    expect(warm.last.type).toBe("response.completed");
    expect(mock.requests).toHaveLength(0);

    const first = await c.turn(create({ previous_response_id: warm.response!.id, input: [{ type: "message", role: "user", content: [{ type: "input_text", text: "Reply with exactly: native one" }] }] }));
    expect(first.last.type, JSON.stringify(first.last)).toBe("response.completed");
    expect(first.events.map((e) => e.sequence_number)).toEqual(first.events.map((_, i) => i));
    expect(first.events.map((e) => e.type)).toContain("response.output_text.delta");
    const text1 = first.response!.output.find((i: { type: string }) => i.type === "message").content[0].text;
    expect(text1).toContain("native one");
    expect(mock.requests).toHaveLength(1);
    const up1 = mock.requests[0]!;
    expect(up1.path).toMatch(/\/responses$/);
    expect(up1.status).toBe(200);
    expect((up1.body as NativeBody).stream).toBe(true);
    expect(up1.body).not.toHaveProperty("previous_response_id");

    const second = await c.turn(create({ previous_response_id: first.response!.id, input: [{ type: "message", role: "user", content: [{ type: "input_text", text: "Reply with exactly: native two" }] }] }));
    expect(second.last.type, JSON.stringify(second.last)).toBe("response.completed");
    expect(second.response!.previous_response_id).toBe(first.response!.id);
    const up2 = mock.requests[1]!;
    expect(up2.path).toMatch(/\/responses$/);
    expect(up2.status).toBe(200);
    expect(up2.body).not.toHaveProperty("previous_response_id");
    // The whole conversation: the first user message, the first answer, the new message.
    const seen = JSON.stringify((up2.body as NativeBody).input);
    expect(seen).toContain("native one");
    expect(seen).toContain(text1);
    expect(seen).toContain("native two");
    expect((up2.body as NativeBody).input.filter((i) => i.role === "user")).toHaveLength(2);
    c.close();
  });
});
