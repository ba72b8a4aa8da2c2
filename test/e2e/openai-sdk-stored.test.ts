// The official `openai` SDK (7.x) on the parts of the protocol beyond one request: stored responses
// (previous_response_id chains, retrieve, input_items, delete), compaction (responses.compact and
// the compacted window sent back), and the SDK's own WebSocket client (ResponsesWS). DeepSeek
// emulator behind GodeX; the SDK's own parsing is the check that the shapes are right.
import OpenAI, { APIError } from "openai";
import { ResponsesWS } from "openai/resources/responses/ws";
import type { ResponseInputItem, ResponsesServerEvent } from "openai/resources/responses/responses";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ALIAS, startStack, type Stack } from "./helpers.ts";

type Msg = { role: string; content?: unknown };

let stack: Stack;
let client: OpenAI;

beforeAll(async () => {
  stack = await startStack();
  client = new OpenAI({ apiKey: "sk-local-test", baseURL: `${stack.gatewayUrl}/v1`, maxRetries: 0, timeout: 20_000 });
});

afterAll(async () => {
  await stack?.close();
});

beforeEach(() => {
  stack.mock.clear();
});

const lastMessages = () => (stack.mock.requests.at(-1)!.body as { messages: Msg[] }).messages;
const userTexts = () => lastMessages().filter((m) => m.role === "user").map((m) => JSON.stringify(m.content));

describe("openai SDK: stored responses", () => {
  it("chains with previous_response_id, retrieves, lists input items, deletes", async () => {
    const a = await client.responses.create({ model: ALIAS, input: "My favourite colour is teal." });
    expect((a as { store?: boolean }).store).toBe(true);
    const b = await client.responses.create({ model: ALIAS, previous_response_id: a.id, input: "What is my favourite colour?" });
    expect(b.previous_response_id).toBe(a.id);
    expect(userTexts()).toHaveLength(2);
    expect(userTexts()[0]).toContain("teal");
    // The streamed form continues the chain too.
    const stream = await client.responses.create({ model: ALIAS, previous_response_id: b.id, input: "Once more?", stream: true });
    let completedId = "";
    for await (const ev of stream) if (ev.type === "response.completed") completedId = ev.response.id;
    expect(completedId).toMatch(/^resp_/);
    expect(userTexts()).toHaveLength(3);

    const got = await client.responses.retrieve(b.id);
    expect(got.id).toBe(b.id);
    expect(got.output_text).toBe(b.output_text);
    const items = [];
    for await (const item of client.responses.inputItems.list(b.id)) items.push(item);
    expect(items).toHaveLength(1);
    expect(JSON.stringify(items[0])).toContain("What is my favourite colour?");

    await client.responses.delete(a.id);
    const gone = await client.responses.retrieve(a.id).catch((e: unknown) => e);
    expect(gone).toBeInstanceOf(APIError);
    expect((gone as APIError).status).toBe(404);
    // The chain lost its first link: continuing it is previous_response_not_found, in the OpenAI shape.
    const broken = await client.responses.create({ model: ALIAS, previous_response_id: completedId, input: "x" }).catch((e: unknown) => e);
    expect(broken).toBeInstanceOf(APIError);
    expect(broken).toMatchObject({ status: 400, code: "previous_response_not_found", param: "previous_response_id", type: "invalid_request_error" });
  });
});

describe("openai SDK: compaction", () => {
  it("responses.compact returns the compacted window; sent back, it continues with the summary", async () => {
    const compacted = await client.responses.compact({
      model: ALIAS,
      input: [
        { role: "user", content: "The release code name is heron." },
        { role: "assistant", content: "Noted: heron." },
      ],
    });
    expect(compacted.object).toBe("response.compaction");
    const last = compacted.output.at(-1)!;
    expect(last.type).toBe("compaction");
    expect(compacted.output.filter((i) => i.type === "message").every((i) => (i as { role: string }).role === "user")).toBe(true);
    const next = await client.responses.create({
      model: ALIAS,
      store: false,
      input: [...(compacted.output as unknown as ResponseInputItem[]), { role: "user", content: "What is the code name?" }],
    });
    expect(next.status).toBe("completed");
    expect(userTexts().some((t) => t.includes("Summary of the conversation so far"))).toBe(true);
    expect(JSON.stringify(lastMessages())).not.toContain("gdx1.");
  });
});

/** Events of one response on an SDK WebSocket, up to its terminal event or error. */
function nextResponse(ws: ResponsesWS): Promise<ResponsesServerEvent[]> {
  return new Promise((resolve, reject) => {
    const events: ResponsesServerEvent[] = [];
    const timer = setTimeout(() => reject(new Error(`no terminal event; got ${events.map((e) => e.type).join(",")}`)), 15_000);
    const onEvent = (ev: ResponsesServerEvent) => {
      events.push(ev);
      if (["response.completed", "response.failed", "response.incomplete", "error"].includes(ev.type)) {
        clearTimeout(timer);
        ws.off("event", onEvent);
        resolve(events);
      }
    };
    ws.on("event", onEvent);
  });
}

describe("openai SDK: ResponsesWS (WebSocket mode)", () => {
  it("runs sequential responses on one socket, continues with previous_response_id, and gets previous_response_not_found as an error event", async () => {
    const ws = new ResponsesWS(client);
    ws.on("error", () => {}); // error events are asserted below; the emitter must not throw on them
    try {
      let pending = nextResponse(ws);
      ws.send({ type: "response.create", model: ALIAS, store: false, input: "Remember the number 4711." });
      const first = await pending;
      const done = first.at(-1) as Extract<ResponsesServerEvent, { type: "response.completed" }>;
      expect(done.type).toBe("response.completed");
      expect(first[0].type).toBe("response.created");

      pending = nextResponse(ws);
      ws.send({ type: "response.create", model: ALIAS, store: false, previous_response_id: done.response.id, input: "Which number?" });
      const second = await pending;
      expect(second.at(-1)!.type).toBe("response.completed");
      expect(userTexts()).toHaveLength(2);
      expect(userTexts()[0]).toContain("4711");

      pending = nextResponse(ws);
      ws.send({ type: "response.create", model: ALIAS, store: false, previous_response_id: "resp_never_seen", input: "x" });
      const err = (await pending).at(-1) as { type: string; status?: number; error?: { code?: string; param?: string } };
      expect(err.type).toBe("error");
      expect(err.status).toBe(400);
      expect(err.error).toMatchObject({ code: "previous_response_not_found", param: "previous_response_id" });
    } finally {
      ws.close({ code: 1000, reason: "done" });
    }
  });
});
