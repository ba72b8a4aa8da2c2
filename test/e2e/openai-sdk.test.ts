// The official `openai` SDK (7.x) as a client of GodeX, with the DeepSeek emulator behind it.
// openai 7 declares Node >= 22 in its engines; it runs on GodeX's Node 20 as a test client.
import OpenAI, { APIError } from "openai";
import { VERSION } from "openai/version";
import type { ResponseInputItem, ResponseStreamEvent, Tool } from "openai/resources/responses/responses";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ALIAS, startStack, type Stack } from "./helpers.ts";

const RATE_LIMIT = {
  status: 429,
  json: { error: { message: "Rate Limit Reached", type: "rate_limit_error", param: null, code: "rate_limit_exceeded" } },
};

type Msg = { role: string; content?: unknown; tool_calls?: { id: string; type: string; function: { name: string; arguments: string } }[]; reasoning_content?: string; tool_call_id?: string };
type ChatBody = { model: string; messages: Msg[]; stream?: boolean; tools?: unknown[] };

let stack: Stack;
let client: OpenAI;
/** content-encoding of every reply the SDK received (its fetch asks for gzip by itself). */
const codings: (string | null)[] = [];

beforeAll(async () => {
  stack = await startStack();
  const watch: typeof fetch = async (url, init) => {
    const r = await fetch(url, init);
    codings.push(r.headers.get("content-encoding"));
    return r;
  };
  client = new OpenAI({ apiKey: "sk-local-test", baseURL: `${stack.gatewayUrl}/v1`, maxRetries: 0, timeout: 20_000, fetch: watch });
});

afterAll(async () => {
  await stack?.close();
});

beforeEach(() => {
  stack.mock.clear();
});

describe("openai SDK → GodeX → DeepSeek emulator", () => {
  it("is the 7.x SDK", () => {
    expect(VERSION).toMatch(/^7\./);
  });

  it("gets non-streamed replies gzip-coded (its fetch asks) and streams uncoded", async () => {
    codings.length = 0;
    await client.responses.create({ model: ALIAS, input: "say hi" });
    const stream = await client.responses.create({ model: ALIAS, input: "say hi", stream: true });
    for await (const _ of stream);
    expect(codings).toEqual(["gzip", null]);
  });

  it("sees the sampling in effect and complete function tools in the Response", async () => {
    const tools: Tool[] = [{ type: "function", name: "get_weather", strict: null, parameters: { type: "object", properties: { location: { type: "string" } } } }];
    const r = await client.responses.create({ model: ALIAS, input: "say hi", temperature: 0.3, tools, reasoning: { effort: "none" } });
    // temperature as sent; top_p was not sent: DeepSeek's default (mappings/deepseek.yaml).
    expect(r.temperature).toBe(0.3);
    expect(r.top_p).toBe(1);
    expect(r).toMatchObject({ presence_penalty: 0, frequency_penalty: 0 });
    expect(r.tools[0]).toMatchObject({ type: "function", name: "get_weather", description: null, strict: false });
    expect((stack.mock.requests[0]!.body as { temperature?: number; top_p?: number })).toMatchObject({ temperature: 0.3 });
    expect((stack.mock.requests[0]!.body as { top_p?: number }).top_p).toBeUndefined();
  });

  it("responses.create (non-streaming) returns output_text", async () => {
    const r = await client.responses.create({ model: ALIAS, input: "say hi" });
    expect(r.object).toBe("response");
    expect(r.status).toBe("completed");
    expect(r.model).toBe(ALIAS);
    expect(r.output_text).toBe("You said: say hi");
    expect(r.usage?.input_tokens).toBeGreaterThan(0);
    expect(r.usage?.output_tokens).toBeGreaterThan(0);
    expect(stack.mock.requests).toHaveLength(1);
    const body = stack.mock.requests[0]!.body as ChatBody;
    expect(stack.mock.requests[0]!.path).toBe("/deepseek/chat/completions");
    expect(body.model).toBe("deepseek-v4-pro");
    expect(body.messages.at(-1)).toEqual({ role: "user", content: "say hi" });
  });

  it("responses.create({stream:true}) yields created … completed with sequence numbers from 0", async () => {
    const stream = await client.responses.create({ model: ALIAS, input: "say hi", stream: true });
    const events: ResponseStreamEvent[] = [];
    for await (const ev of stream) events.push(ev);
    expect(events.length).toBeGreaterThan(3);
    expect(events[0]!.type).toBe("response.created");
    expect(events.at(-1)!.type).toBe("response.completed");
    expect(events.map((e) => e.sequence_number)).toEqual(events.map((_, i) => i));
    const text = events.flatMap((e) => (e.type === "response.output_text.delta" ? [e.delta] : [])).join("");
    expect(text).toBe("You said: say hi");
    const done = events.at(-1)!;
    if (done.type !== "response.completed") throw new Error("unreachable");
    expect(done.response.status).toBe("completed");
    expect(done.response.usage?.total_tokens).toBeGreaterThan(0);
    expect((stack.mock.requests[0]!.body as ChatBody).stream).toBe(true);
  });

  it("responses.stream().finalResponse() assembles output_text and usage", async () => {
    const final = await client.responses.stream({ model: ALIAS, input: "say hi" }).finalResponse();
    expect(final.status).toBe("completed");
    expect(final.output_text).toBe("You said: say hi");
    const u = final.usage!;
    expect(u.input_tokens).toBeGreaterThan(0);
    expect(u.output_tokens).toBeGreaterThan(0);
    expect(u.total_tokens).toBe(u.input_tokens + u.output_tokens);
    // Thinking is on by default for deepseek-v4-pro: the emulator's reasoning is counted.
    expect(u.output_tokens_details.reasoning_tokens).toBeGreaterThan(0);
    expect(u.output_tokens_details.reasoning_tokens).toBeLessThanOrEqual(u.output_tokens);
    expect(u.input_tokens_details.cached_tokens).toBeGreaterThanOrEqual(0);
  });

  it("models.list() advertises the alias", async () => {
    const ids: string[] = [];
    for await (const m of client.models.list()) ids.push(m.id);
    expect(ids).toContain(ALIAS);
  });

  it("models.retrieve() finds the alias and rejects an unknown model with a 404", async () => {
    const m = await client.models.retrieve(ALIAS);
    expect(m.id).toBe(ALIAS);
    expect(m.object).toBe("model");
    await expect(client.models.retrieve("no-such-model")).rejects.toMatchObject({ status: 404 });
  });

  it("runs a two-turn function-call loop with reasoning pass-back", async () => {
    const tools: Tool[] = [
      {
        type: "function",
        name: "exec_command",
        description: "Run a shell command.",
        strict: false,
        parameters: { type: "object", properties: { cmd: { type: "string" } }, required: ["cmd"], additionalProperties: false },
      },
    ];
    const input: ResponseInputItem[] = [{ role: "user", content: "run echo hi" }];
    const first = await client.responses.create({ model: ALIAS, input, tools, store: false, include: ["reasoning.encrypted_content"] });
    const calls = first.output.filter((o) => o.type === "function_call");
    expect(calls).toHaveLength(1);
    const call = calls[0]!;
    if (call.type !== "function_call") throw new Error("unreachable");
    expect(call.name).toBe("exec_command");
    expect(JSON.parse(call.arguments)).toEqual({ cmd: "echo hi" });
    expect(call.call_id).toMatch(/\S/);
    const reasoning = first.output.find((o) => o.type === "reasoning");
    expect(reasoning, "thinking is on: a reasoning item precedes the call").toBeDefined();
    if (reasoning?.type !== "reasoning") throw new Error("unreachable");
    expect(reasoning.encrypted_content).toMatch(/^gdx1\./);

    const second = await client.responses.create({
      model: ALIAS,
      input: [...input, ...(first.output as ResponseInputItem[]), { type: "function_call_output", call_id: call.call_id, output: "hi\n" }],
      tools,
      store: false,
      include: ["reasoning.encrypted_content"],
    });
    expect(second.status).toBe("completed");
    expect(second.output_text).toBe("Done. The command printed: hi");

    expect(stack.mock.requests).toHaveLength(2);
    const body = stack.mock.requests[1]!.body as ChatBody;
    const assistant = body.messages.find((m) => m.role === "assistant");
    expect(assistant?.tool_calls?.[0]).toMatchObject({ id: call.call_id, type: "function", function: { name: "exec_command" } });
    expect(assistant?.reasoning_content).toBe(reasoning.summary.map((s) => s.text).join(""));
    expect(body.messages.at(-1)).toMatchObject({ role: "tool", tool_call_id: call.call_id, content: "hi\n" });
  });

  it("runs the function-call loop through the responses.stream() helper (which echoes parsed_arguments)", async () => {
    const tools: Tool[] = [
      { type: "function", name: "exec_command", strict: false, parameters: { type: "object", properties: { cmd: { type: "string" } }, required: ["cmd"] } },
    ];
    const input: ResponseInputItem[] = [{ role: "user", content: "run echo hi" }];
    const first = await client.responses.stream({ model: ALIAS, input, tools, store: false, include: ["reasoning.encrypted_content"] }).finalResponse();
    const call = first.output.find((o) => o.type === "function_call");
    if (call?.type !== "function_call") throw new Error(`no function_call in ${JSON.stringify(first.output)}`);
    const second = await client.responses
      .stream({
        model: ALIAS,
        input: [...input, ...(first.output as ResponseInputItem[]), { type: "function_call_output", call_id: call.call_id, output: "hi" }],
        tools,
        store: false,
      })
      .finalResponse();
    expect(second.output_text).toBe("Done. The command printed: hi");
    expect(stack.mock.requests[1]!.rawBody).not.toContain("parsed_arguments");
    const body = stack.mock.requests[1]!.body as ChatBody;
    expect(body.messages.find((m) => m.role === "assistant")?.reasoning_content).toMatch(/run echo hi/);
  });

  it("an upstream 429 becomes an APIError 429 (non-streaming)", async () => {
    stack.mock.enqueue("deepseek", RATE_LIMIT);
    const err = await client.responses.create({ model: ALIAS, input: "say hi" }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(APIError);
    const api = err as APIError;
    expect(api.status).toBe(429);
    expect(api.code).toBe("rate_limit_exceeded");
    expect(api.message).toContain("Rate Limit Reached");
    expect(stack.mock.requests).toHaveLength(1);
  });

  it("an upstream 429 becomes a response.failed event (streaming)", async () => {
    stack.mock.enqueue("deepseek", RATE_LIMIT);
    const stream = await client.responses.create({ model: ALIAS, input: "say hi", stream: true });
    const events: ResponseStreamEvent[] = [];
    for await (const ev of stream) events.push(ev);
    expect(events[0]!.type).toBe("response.created");
    const last = events.at(-1)!;
    expect(last.type).toBe("response.failed");
    if (last.type !== "response.failed") throw new Error("unreachable");
    expect(last.response.status).toBe("failed");
    expect(last.response.error?.code).toBe("rate_limit_exceeded");
    expect(last.response.error?.message).toContain("Rate Limit Reached");
    expect(events.filter((e) => e.type === "response.failed" || e.type === "response.completed")).toHaveLength(1);
    expect(events.map((e) => e.sequence_number)).toEqual(events.map((_, i) => i));
  });
});
