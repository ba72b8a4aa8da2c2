// POST /v1/responses/compact: the routed model summarizes with the configured prompt, the reply ends
// with a GodeX-sealed compaction item, and that item comes back later (HTTP or WebSocket) as the
// summary text for the provider; a compaction item GodeX did not seal is dropped with a diagnostic.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startMockUpstreams, type MockUpstreams } from "../../src/mock/server.ts";
import { startStoreGateway, post } from "./stored-helpers.ts";
import { WsClient } from "./ws-helpers.ts";

let mock: MockUpstreams;
let gw: Awaited<ReturnType<typeof startStoreGateway>>;
beforeAll(async () => {
  mock = await startMockUpstreams();
  gw = await startStoreGateway(mock, { backend: "sqlite" });
});
afterAll(async () => {
  await gw.stop();
  await mock.close();
});

type Msg = { role: string; content: unknown };
const lastMessages = () => (mock.requests.at(-1)!.body as { messages: Msg[] }).messages;
const compact = async (body: unknown) => {
  const r = await fetch(`${gw.url}/v1/responses/compact`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  return { status: r.status, json: (await r.json()) as any };
};
const conversation = [
  { type: "message", role: "user", content: [{ type: "input_text", text: "Remember the compaction code word: slate." }] },
  { type: "message", role: "assistant", content: [{ type: "output_text", text: "OK." }] },
];

describe("POST /v1/responses/compact", () => {
  it("returns the compacted window: the user's messages, then a sealed compaction item; the prompt comes from the config", async () => {
    const r = await compact({ model: "gpt-5.5", prompt_cache_key: "k", input: conversation });
    expect(r.status).toBe(200);
    expect(r.json.object).toBe("response.compaction");
    expect(r.json.id).toMatch(/^cmp_/);
    expect(typeof r.json.created_at).toBe("number");
    expect(r.json.usage.total_tokens).toBeGreaterThan(0);
    const items = r.json.output;
    expect(items[0]).toMatchObject({ ...conversation[0], status: "completed" });
    expect(items[0].id).toMatch(/^msg_/);
    expect(items).toHaveLength(2);
    expect(items.at(-1)).toMatchObject({ type: "compaction", created_by: "godex" });
    expect(items.at(-1).encrypted_content).toMatch(/^gdx1\./);
    const sent = lastMessages();
    expect(JSON.stringify(sent.at(-1)!.content)).toContain("You are compacting this conversation");
    expect(mock.requests.at(-1)!.body).not.toHaveProperty("tools");
  });

  it("rejects a missing model with 400, param model, and bad or missing input with 400, param input", async () => {
    const r = await compact({ input: conversation });
    expect(r.status).toBe(400);
    expect(r.json.error).toMatchObject({ type: "invalid_request_error", param: "model", code: "missing_required_parameter" });
    expect((await compact({ model: "no-such", input: conversation })).json.error.code).toBe("model_not_found");
    // Nothing is ignored silently: a bad input, or nothing to compact, is a 400 naming 'input'.
    for (const body of [{ model: "gpt-5.5", input: 42 }, { model: "gpt-5.5", input: { role: "user" } }, { model: "gpt-5.5" }, { model: "gpt-5.5", input: [] }]) {
      const r = await compact(body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.json.error).toMatchObject({ type: "invalid_request_error", param: "input" });
    }
    const bad = await compact({ model: "gpt-5.5", input: [{ type: "message", role: "user", content: 7 }] });
    expect(bad.status).toBe(400);
    expect(bad.json.error.type).toBe("invalid_request_error");
    const unknown = await compact({ model: "gpt-5.5", previous_response_id: "resp_nope", input: [] });
    expect(unknown.status).toBe(400);
    expect(unknown.json.error).toMatchObject({ code: "previous_response_not_found", param: "previous_response_id" });
  });

  it("expands its own compaction item into the summary for the provider, over HTTP and WebSocket", async () => {
    const c = await compact({ model: "gpt-5.5", input: conversation });
    const summaryCall = (mock.requests.at(-1)!.body as any).choices;
    void summaryCall;
    const next = await post(gw.url, { store: false, input: [...c.json.output, { type: "message", role: "user", content: "Continue. What was the code word?" }] });
    expect(next.status).toBe(200);
    const sent = lastMessages().map((m) => JSON.stringify(m.content));
    expect(sent.some((t) => t.includes("Summary of the conversation so far"))).toBe(true);
    expect(sent.join()).not.toContain("gdx1.");
    expect(next.json.godex.diagnostics.map((d: any) => d.path)).not.toContain("input[1]");

    const ws = await WsClient.open(gw.url);
    const turn = await ws.turn({ type: "response.create", model: "gpt-5.5", store: false, tools: [], input: [...c.json.output, { type: "message", role: "user", content: "Continue from here. Reply with exactly: compacted" }] });
    expect(turn.last.type).toBe("response.completed");
    expect(lastMessages().map((m) => JSON.stringify(m.content)).some((t) => t.includes("Summary of the conversation so far"))).toBe(true);
    ws.close();
  });

  it("drops a compaction item GodeX did not seal, with a diagnostic, and never sends it upstream", async () => {
    const foreign = { type: "compaction", id: "cmp_openai", encrypted_content: "gAAAAopenai-blob" };
    const r = await post(gw.url, { store: false, input: [foreign, { type: "message", role: "user", content: "hi" }] });
    expect(r.status).toBe(200);
    const d = r.json.godex.diagnostics.find((x: any) => x.path === "input[0]");
    expect(d).toMatchObject({ action: "ignored" });
    expect(d.message).toMatch(/compaction item GodeX did not seal/);
    expect(JSON.stringify(mock.requests.at(-1)!.body)).not.toContain("gAAAAopenai-blob");
    // A tampered GodeX blob is foreign too.
    const c = await compact({ model: "gpt-5.5", input: conversation });
    const item = c.json.output.at(-1);
    const tampered = { ...item, encrypted_content: item.encrypted_content.slice(0, -3) + "AAA" };
    const t = await post(gw.url, { store: false, input: [tampered, { type: "message", role: "user", content: "hi" }] });
    expect(t.json.godex.diagnostics.some((x: any) => x.path === "input[0]")).toBe(true);
  });

  it("compacts a stored chain named by previous_response_id", async () => {
    const a = await post(gw.url, { input: "Remember the word quartz." });
    const c = await compact({ model: "gpt-5.5", previous_response_id: a.json.id, input: [{ type: "message", role: "user", content: "compact now" }] });
    expect(c.status).toBe(200);
    const sent = lastMessages().map((m) => JSON.stringify(m.content));
    expect(sent.some((t) => t.includes("quartz"))).toBe(true);
    // The window keeps the chain's user messages too, as output items (a string content becomes input_text).
    const users = c.json.output.filter((i: any) => i.type === "message");
    expect(users.map((i: any) => i.content)).toEqual([[{ type: "input_text", text: "Remember the word quartz." }], [{ type: "input_text", text: "compact now" }]]);
    for (const u of users) expect(u).toMatchObject({ role: "user", status: "completed", id: expect.any(String) });
    expect(c.json.output.at(-1).type).toBe("compaction");
  });
});
