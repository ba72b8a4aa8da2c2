// WebSocket mode on GET /v1/responses: response.create in, one message per event out, sequential
// responses, previous_response_id continuation from the connection's cache, the spec's errors,
// limits and clean closes. One GodeX + DeepSeek emulator for the file.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningGateway } from "../../src/server/start.ts";
import type { MockUpstreams } from "../../src/mock/server.ts";
import { startEmulatedGateway, type GatewayRig } from "./gateway-rig.ts";
import { WsClient } from "./ws-helpers.ts";

const TOKEN = "ws-test-token-0123456789";
let mock: MockUpstreams;
let gateway: RunningGateway;
let rig: GatewayRig;
const auth = { authorization: `Bearer ${TOKEN}` };

beforeAll(async () => {
  rig = await startEmulatedGateway((mock) => ({
    server: { auth: { tokens: [TOKEN] }, websocket: { max_message: "256kb", max_cached: "1mb", max_cached_responses: 3, idle_timeout_ms: 1500, stall_timeout_ms: 1000 } },
    models: { aliases: { "gpt-5.5": "deepseek/deepseek-v4-pro" } },
    providers: { deepseek: { credentials: { api_key: "mock-deepseek-key" }, endpoint: { base_url: mock.baseUrl("deepseek") }, retry: { max_attempts: 1 } } },
  }));
  ({ mock, gateway } = rig);
});

afterAll(() => rig.close());

const create = (extra: Record<string, unknown>) => ({ type: "response.create", model: "gpt-5.5", store: false, ...extra });
const lastUpstreamMessages = () => (mock.requests.at(-1)!.body as { messages: { role: string; content: unknown }[] }).messages;

describe("WebSocket mode", () => {
  it("streams one message per event, the same sequence as SSE, and keeps the connection for the next response", async () => {
    const c = await WsClient.open(gateway.url, auth);
    const first = await c.turn(create({ input: "Reply with exactly: first" }));
    const types = first.events.map((e) => e.type);
    expect(types[0]).toBe("response.created");
    expect(types).toContain("response.output_item.added");
    expect(types).toContain("response.output_item.done");
    expect(types.at(-1)).toBe("response.completed");
    expect(first.events.map((e) => e.sequence_number)).toEqual(first.events.map((_, i) => i));
    const second = await c.turn(create({ input: "Reply with exactly: second" }));
    expect(second.last.type).toBe("response.completed");
    expect(second.response!.id).not.toBe(first.response!.id);
    expect(c.closed).toBeNull();
    c.close();
  });

  it("continues with previous_response_id: the provider gets the whole conversation, the client sent only the new item", async () => {
    const c = await WsClient.open(gateway.url, auth);
    const first = await c.turn(create({ instructions: "Be brief.", input: "Remember the code word: cobalt. Reply with OK." }));
    const firstText = first.response!.output.find((i: any) => i.type === "message").content[0].text;
    const second = await c.turn(create({ instructions: "Be brief.", previous_response_id: first.response!.id, input: "What is the code word?" }));
    expect(second.last.type).toBe("response.completed");
    expect(second.response!.previous_response_id).toBe(first.response!.id);
    const messages = lastUpstreamMessages();
    const texts = messages.map((m) => `${m.role}:${typeof m.content === "string" ? m.content : JSON.stringify(m.content)}`);
    expect(texts[0]).toBe("system:Be brief.");
    expect(texts.some((t) => t.includes("cobalt"))).toBe(true);
    expect(texts.some((t) => t.startsWith("assistant:") && t.includes(firstText))).toBe(true);
    expect(texts.at(-1)).toContain("What is the code word?");
    // A third turn chains on the second.
    const third = await c.turn(create({ previous_response_id: second.response!.id, input: "And again?" }));
    expect(third.last.type).toBe("response.completed");
    expect(lastUpstreamMessages().filter((m) => m.role === "user").length).toBe(3);
    c.close();
  });

  it("replays reasoning exactly: a tool-call continuation gives DeepSeek its reasoning_content back without encrypted_content", async () => {
    const c = await WsClient.open(gateway.url, auth);
    const tools = [{ type: "function", name: "exec_command", description: "run", parameters: { type: "object", properties: { cmd: { type: "string" } }, required: ["cmd"] } }];
    const first = await c.turn(create({ tools, reasoning: { effort: "high" }, input: "run echo hello" }));
    const call = first.response!.output.find((i: any) => i.type === "function_call");
    expect(call).toBeTruthy();
    const reasoning = first.response!.output.find((i: any) => i.type === "reasoning");
    expect(reasoning.encrypted_content).toBeUndefined();
    const second = await c.turn(create({ tools, reasoning: { effort: "high" }, previous_response_id: first.response!.id, input: [{ type: "function_call_output", call_id: call.call_id, output: "hello" }] }));
    expect(second.last.type).toBe("response.completed");
    const assistant = lastUpstreamMessages().find((m: any) => m.role === "assistant") as any;
    expect(assistant.reasoning_content).toBe(reasoning.summary[0].text);
    c.close();
  });

  it("answers an unknown previous_response_id with previous_response_not_found and keeps the connection open", async () => {
    const c = await WsClient.open(gateway.url, auth);
    const turn = await c.turn(create({ previous_response_id: "resp_missing_1", input: "x" }));
    expect(turn.last).toEqual({ type: "error", status: 400, error: { type: "invalid_request_error", code: "previous_response_not_found", message: "Previous response with id 'resp_missing_1' not found.", param: "previous_response_id" } });
    expect((await c.turn(create({ input: "still here?" }))).last.type).toBe("response.completed");
    c.close();
  });

  it("does not carry store:false state across connections (reconnect → not found, then a clean new chain)", async () => {
    const a = await WsClient.open(gateway.url, auth);
    const first = await a.turn(create({ input: "Remember copper." }));
    a.close();
    const b = await WsClient.open(gateway.url, auth);
    const miss = await b.turn(create({ previous_response_id: first.response!.id, input: "continue" }));
    expect(miss.last.error.code).toBe("previous_response_not_found");
    expect((await b.turn(create({ input: [{ type: "message", role: "user", content: "start over" }] }))).last.type).toBe("response.completed");
    b.close();
  });

  it("evicts the previous response after a failed continuation", async () => {
    const c = await WsClient.open(gateway.url, auth);
    const first = await c.turn(create({ input: "Remember ember." }));
    const failed = await c.turn(create({ previous_response_id: first.response!.id, input: [{ type: "function_call_output", call_id: "call_missing", output: "x" }] }));
    expect(failed.last.type).toBe("error");
    expect(failed.last.error.code).toBe("tool_call_not_found");
    const retry = await c.turn(create({ previous_response_id: first.response!.id, input: "stale" }));
    expect(retry.last.error.code).toBe("previous_response_not_found");
    c.close();
  });

  it("answers generate:false with an empty completed response (no provider call) that a continuation can name", async () => {
    const c = await WsClient.open(gateway.url, auth);
    const before = mock.requests.length;
    const warm = await c.turn(create({ generate: false, instructions: "Be brief.", input: [{ type: "message", role: "user", content: "hello there" }] }));
    expect(warm.last.type).toBe("response.completed");
    expect(warm.response!.output).toEqual([]);
    expect(mock.requests.length).toBe(before);
    const real = await c.turn(create({ instructions: "Be brief.", previous_response_id: warm.response!.id, input: "go on" }));
    expect(real.last.type).toBe("response.completed");
    const texts = lastUpstreamMessages().map((m) => JSON.stringify(m.content));
    expect(texts.some((t) => t.includes("hello there"))).toBe(true);
    c.close();
  });

  it("keeps only the most recent responses within the byte and count limits, and frees them on close", async () => {
    const c = await WsClient.open(gateway.url, auth);
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await c.turn(create({ input: `turn ${i}` }))).response!.id);
    // max_cached_responses is 3: the oldest are gone, the newest continues.
    expect((await c.turn(create({ previous_response_id: ids[0], input: "old" }))).last.error.code).toBe("previous_response_not_found");
    expect((await c.turn(create({ previous_response_id: ids[4], input: "new" }))).last.type).toBe("response.completed");
    const [session] = [...gateway.sockets.sessions];
    expect(gateway.sockets.sessions.size).toBe(1);
    expect(session.cachedBytes).toBeGreaterThan(0);
    // A chain whose history outgrows max_cached (1 MB) is still served, but its last response is not kept.
    const big = "x".repeat(200_000);
    let prev: string | undefined;
    let missed = false;
    for (let i = 0; i < 8 && !missed; i++) {
      const t = await c.turn(create({ input: big, ...(prev ? { previous_response_id: prev } : {}) }));
      if (t.last.type === "error") {
        expect(t.last.error.code).toBe("previous_response_not_found");
        expect(t.last.error.message).toMatch(/larger than server\.websocket\.max_cached \(1048576 bytes\)/);
        expect(i).toBeGreaterThanOrEqual(4);
        missed = true;
      } else prev = t.response!.id;
      expect(session.cachedBytes).toBeLessThanOrEqual(1024 * 1024);
    }
    expect(missed).toBe(true);
    c.close();
    await c.waitClosed();
    await new Promise((r) => setTimeout(r, 50));
    expect(gateway.sockets.sessions.size).toBe(0);
    expect(session.cachedBytes).toBe(0);
  });

  it("refuses malformed messages with an error message, not a close", async () => {
    const c = await WsClient.open(gateway.url, auth);
    expect((await c.turn("{not json")).last.error.code).toBe("invalid_json");
    expect((await c.turn({ type: "response.cancel" })).last.error.code).toBe("unknown_event_type");
    const bad = await c.turn(create({ input: 42 }));
    expect(bad.last).toMatchObject({ type: "error", status: 400, error: { type: "invalid_request_error" } });
    expect((await c.turn(create({ model: "no-such-model", input: "x" }))).last.error.code).toBe("model_not_found");
    expect(c.closed).toBeNull();
    c.close();
  });

  it("closes with 1009 on a message over server.websocket.max_message", async () => {
    const c = await WsClient.open(gateway.url, auth);
    c.send(create({ input: "y".repeat(300 * 1024) }));
    expect((await c.waitClosed()).code).toBe(1009);
  });

  it("serves pipelined response.create messages in order, and closes with 1008 when the waiting ones exceed max_message or 16", async () => {
    const ok = await WsClient.open(gateway.url, auth);
    for (let i = 0; i < 3; i++) ok.send(create({ input: `pipelined ${i}` }));
    const turns = [await ok.next(), await ok.next(), await ok.next()];
    expect(turns.map((t) => t.last.type)).toEqual(["response.completed", "response.completed", "response.completed"]);
    expect(ok.closed).toBeNull();
    ok.close();

    // 1 running + 100 kb + 100 kb waiting fit in 256 kb; a third waiting one does not.
    const big = await WsClient.open(gateway.url, auth);
    for (let i = 0; i < 4; i++) big.send(create({ input: "z".repeat(100 * 1024) }));
    expect(await big.waitClosed()).toEqual({ code: 1008, reason: "too many bytes of response.create messages waiting" });

    const many = await WsClient.open(gateway.url, auth);
    for (let i = 0; i < 18; i++) many.send(create({ input: `m${i}` }));
    expect(await many.waitClosed()).toEqual({ code: 1008, reason: "too many response.create messages waiting" });
    for (let i = 0; i < 50 && gateway.sockets.sessions.size > 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(gateway.sockets.sessions.size).toBe(0);
  });

  it("closes an idle connection with 1000 after idle_timeout_ms", async () => {
    const c = await WsClient.open(gateway.url, auth);
    const closed = await c.waitClosed(4000);
    expect(closed).toEqual({ code: 1000, reason: "idle timeout" });
  });

  it("refuses upgrades past server.websocket.max_connections with 426 (Codex falls back to HTTP), and admits again after a close", async () => {
    const smallRig = await startEmulatedGateway((mock) => ({
      server: { websocket: { max_connections: 2 } },
      models: { aliases: { "gpt-5.5": "deepseek/deepseek-v4-pro" } },
      providers: { deepseek: { credentials: { api_key: "mock-deepseek-key" }, endpoint: { base_url: mock.baseUrl("deepseek") }, retry: { max_attempts: 1 } } },
    }));
    const small = smallRig.gateway;
    try {
      const a = await WsClient.open(small.url);
      const b = await WsClient.open(small.url);
      const refused = await WsClient.open(small.url).catch((e: { status: number; body: string }) => e);
      expect(refused).toMatchObject({ status: 426 });
      expect(JSON.parse((refused as { body: string }).body).error).toMatchObject({ type: "invalid_request_error", code: "websocket_connection_limit" });
      // HTTP still serves while the WebSocket slots are taken.
      const http = await fetch(`${small.url}/v1/responses`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ model: "gpt-5.5", store: false, input: "hi" }) });
      expect(http.status).toBe(200);
      a.close();
      await a.waitClosed();
      for (let i = 0; i < 50 && small.sockets.sessions.size > 1; i++) await new Promise((r) => setTimeout(r, 20));
      const c = await WsClient.open(small.url);
      expect((await c.turn(create({ input: "hello again" }))).last.type).toBe("response.completed");
      b.close();
      c.close();
    } finally {
      await smallRig.close();
    }
  });

  it("checks inbound auth on the upgrade like HTTP, and 404s other paths", async () => {
    await expect(WsClient.open(gateway.url, {})).rejects.toMatchObject({ status: 401 });
    await expect(WsClient.open(gateway.url, { authorization: "Bearer wrong" })).rejects.toMatchObject({ status: 401 });
    await expect(WsClient.open(gateway.url, auth, "/v1/models")).rejects.toMatchObject({ status: 404 });
    const ok = await WsClient.open(gateway.url, auth, "/responses");
    ok.close();
  });
});
