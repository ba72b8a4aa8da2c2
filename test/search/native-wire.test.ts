// Web search on the native Responses wire: where the mapping says `hosted` (MiMo), GodeX's own
// search loop runs over the provider's /responses (a web_search function, GodeX's backend, the
// results sent back as function_call_output items); where it says `native` (DeepSeek), the
// provider searches server-side and GodeX's backend is never called.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import request from "supertest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkSseInvariants } from "../golden/harness.ts";
import { asText, parseSse } from "../server/helpers.ts";
import { validateResponseObject, validateStreamEvent } from "./output-schema.ts";
import { makeSearchGateway, searchRequest, type SearchGateway } from "./helpers.ts";

let gw: SearchGateway;
beforeAll(async () => {
  gw = await makeSearchGateway();
});
afterAll(() => gw.close());

describe("web search over the native Responses wire", () => {
  it("hosted (MiMo v2.6): GodeX's loop searches, the answer cites the result, both calls go to /responses", async () => {
    gw.mock.clear();
    const res = await asText(request(gw.app).post("/v1/responses").send(searchRequest("n-xiaomi", "search the web for vitest config", { stream: true })));
    expect(res.status).toBe(200);
    const text = res.body as string;
    checkSseInvariants("xiaomi-native", text);
    const events = parseSse(text).map((f) => f.data);
    for (const e of events) expect(validateStreamEvent(e), `${e.type} matches the output schema`).toEqual([]);
    const final = events.at(-1).response;
    expect(final.status, JSON.stringify(final.godex?.diagnostics)).toBe("completed");
    const call = final.output.find((i: any) => i.type === "web_search_call");
    expect(call).toMatchObject({ status: "completed", action: { type: "search", query: "vitest config" } });
    const msg = final.output.at(-1);
    const url = "https://docs.example.org/vitest-config/1";
    expect(msg.content[0].text).toContain(url);
    expect(msg.content[0].annotations[0]).toMatchObject({ type: "url_citation", url });

    const searches = gw.mock.requests.filter((r) => r.provider === "searxng");
    expect(searches).toHaveLength(1);
    const calls = gw.mock.requests.filter((r) => r.provider === "xiaomi");
    expect(calls).toHaveLength(2);
    for (const c of calls) {
      expect(c.path).toMatch(/\/responses$/);
      expect(c.status).toBe(200);
    }
    const first = calls[0]!.body as { tools: { type: string; name?: string }[] };
    expect(first.tools).toContainEqual(expect.objectContaining({ type: "function", name: "web_search" }));
    expect(first.tools.some((t) => t.type === "web_search")).toBe(false);
    const second = calls[1]!.body as { input: { type: string; output?: string }[] };
    const result = second.input.find((i) => i.type === "function_call_output");
    expect(result?.output).toContain("docs.example.org/vitest-config/1");
  });

  it("native (DeepSeek's own search): the provider searches, GodeX's backend is not called", async () => {
    gw.mock.clear();
    const res = await request(gw.app).post("/v1/responses").send(searchRequest("n-deepseek", "search the web for node streams"));
    expect(res.status).toBe(200);
    expect(validateResponseObject(res.body)).toEqual([]);
    const call = res.body.output.find((i: any) => i.type === "web_search_call");
    expect(call).toMatchObject({ status: "completed", action: { type: "search", query: "node streams" } });
    expect(gw.mock.requests.filter((r) => r.provider === "searxng")).toHaveLength(0);
    const calls = gw.mock.requests.filter((r) => r.provider === "deepseek");
    expect(calls).toHaveLength(1);
    expect(calls[0]!.path).toMatch(/\/responses$/);
    expect((calls[0]!.body as { tools: { type: string }[] }).tools).toContainEqual(expect.objectContaining({ type: "web_search" }));
  });

  it("a provider's search action is passed on in the Responses vocabulary only (unknown keys left out)", async () => {
    gw.mock.clear();
    const recorded = readFileSync(join(import.meta.dirname, "../golden/deepseek/native-web-search-stream/upstream-reply.sse"), "utf8");
    const odd = JSON.stringify({ type: "search", query: "GodeX gateway", sources: [{ type: "url", url: "https://example.org/a", score: 0.9 }], provider_internal: { rank: 1 } });
    gw.mock.enqueue("deepseek", { sse: recorded.split('"action":{"type":"search","query":"GodeX gateway"}').join(`"action":${odd}`) });
    const res = await asText(request(gw.app).post("/v1/responses").send(searchRequest("n-deepseek", "search the web for GodeX gateway", { stream: true })));
    expect(res.status).toBe(200);
    const events = parseSse(res.body as string).map((f) => f.data);
    for (const e of events) expect(validateStreamEvent(e), `${e.type} matches the output schema`).toEqual([]);
    const final = events.at(-1).response;
    const call = final.output.find((i: any) => i.type === "web_search_call");
    expect(call.action).toEqual({ type: "search", query: "GodeX gateway", sources: [{ type: "url", url: "https://example.org/a" }] });
  });
});
