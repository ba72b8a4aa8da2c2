// The providers' own web search (mappings' request.web_search): Zhipu's `web_search` tool and MiMo's
// (paid plugin). Chosen under web_search.native: always; the client sees the same web_search_call
// item and url_citation as with GodeX's hosted loop, from what the provider reports (Zhipu's
// web_search[] list, MiMo's annotations), in one upstream call, and the configured backend is not used.
import http from "node:http";
import type { AddressInfo } from "node:net";
import OpenAI from "openai";
import request from "supertest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkSseInvariants } from "../golden/harness.ts";
import { asText, parseSse } from "../server/helpers.ts";
import { validateResponseObject, validateStreamEvent } from "./output-schema.ts";
import { makeSearchGateway, searchRequest, type SearchGateway } from "./helpers.ts";

const NATIVE = ["zhipu", "xiaomi"] as const;
const URLS = [1, 2, 3].map((i) => `https://docs.example.org/vitest-config/${i}`);

let gw: SearchGateway;
let server: http.Server;
let client: OpenAI;
beforeAll(async () => {
  gw = await makeSearchGateway({ native: "always" }, { searchPlugin: ["xiaomi"] });
  server = http.createServer(gw.app);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  client = new OpenAI({ apiKey: "sk-local", baseURL: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`, maxRetries: 0, timeout: 20_000 });
});
afterAll(async () => {
  await new Promise<void>((r) => server.close(() => r()));
  await gw.close();
});

function upstreamTools(provider: string): any[] {
  const calls = gw.mock.requests.filter((r) => r.provider === provider);
  expect(calls).toHaveLength(1);
  return (calls[0]!.body as any).tools;
}

describe.each(NATIVE)("%s's own web search", (provider) => {
  it("sends the provider's search tool and streams its searches as a web_search_call, the answer cited", async () => {
    gw.mock.clear();
    const res = await asText(request(gw.app).post("/v1/responses").send(searchRequest(`m-${provider}`, "search the web for vitest config", { stream: true })));
    expect(res.status).toBe(200);
    const text = res.body as string;
    checkSseInvariants(provider, text);
    const events = parseSse(text).map((f) => f.data);
    for (const e of events) expect(validateStreamEvent(e), `${e.type} matches the output schema`).toEqual([]);
    const types = events.map((e) => e.type);
    const ws = types.indexOf("response.web_search_call.in_progress");
    expect(types.slice(ws - 1, ws + 4)).toEqual([
      "response.output_item.added",
      "response.web_search_call.in_progress",
      "response.web_search_call.searching",
      "response.web_search_call.completed",
      "response.output_item.done",
    ]);
    // The search item comes before the answer, as OpenAI sends it.
    expect(ws).toBeLessThan(types.indexOf("response.output_text.delta"));
    const final = events.at(-1).response;
    expect(final.status).toBe("completed");
    const call = final.output.find((i: any) => i.type === "web_search_call");
    expect(call).toEqual({ id: call.id, type: "web_search_call", status: "completed", action: { type: "search", query: "", sources: URLS.map((url) => ({ type: "url", url })) } });
    const part = final.output.at(-1).content[0];
    expect(part.annotations).toEqual([{ type: "url_citation", start_index: part.text.indexOf(URLS[0]!), end_index: part.text.indexOf(URLS[0]!) + URLS[0]!.length, url: URLS[0], title: "vitest config - result 1" }]);
    // One upstream call with the provider's own tool instead of a web_search function; the backend is not used.
    const tools = upstreamTools(provider);
    expect(tools.at(-1)).toEqual(provider === "zhipu" ? { type: "web_search", web_search: { enable: true, search_result: true } } : { type: "web_search" });
    expect(tools.filter((t: any) => t.function?.name === "web_search")).toEqual([]);
    expect(tools[0].function.name).toBe("exec_command");
    expect(gw.mock.requests.filter((r) => r.provider === "searxng")).toEqual([]);
    expect(final.godex?.diagnostics?.map((d: any) => d.code) ?? []).not.toContain("tool_dropped");
  });

  it("reports the same in one JSON response", async () => {
    gw.mock.clear();
    const res = await request(gw.app).post("/v1/responses").send(searchRequest(`m-${provider}`, "search the web for vitest config"));
    expect(res.status).toBe(200);
    expect(validateResponseObject(res.body)).toEqual([]);
    const call = res.body.output.find((i: any) => i.type === "web_search_call");
    expect(call).toMatchObject({ status: "completed", action: { type: "search", sources: URLS.map((url) => ({ type: "url", url })) } });
    expect(res.body.output.at(-1).content[0].annotations[0]).toMatchObject({ type: "url_citation", url: URLS[0] });
    expect(upstreamTools(provider).at(-1).type).toBe("web_search");
  });

  it("the openai SDK's responses.stream().finalResponse() assembles it", async () => {
    const stream = client.responses.stream({ model: `m-${provider}`, input: "look up the node fetch API", tools: [{ type: "web_search" }] });
    const final = await stream.finalResponse();
    expect(final.status).toBe("completed");
    expect(final.output.find((i) => i.type === "web_search_call")).toMatchObject({ type: "web_search_call", status: "completed", action: { type: "search" } });
    expect(final.output_text).toContain("https://docs.example.org/the-node-fetch-api/1");
  });
});

describe("choosing between the provider's search and GodeX's loop", () => {
  it("a provider without its own search uses the configured backend under native: always", async () => {
    gw.mock.clear();
    const res = await request(gw.app).post("/v1/responses").send(searchRequest("m-deepseek", "search the web for vitest config"));
    expect(res.status).toBe(200);
    expect(gw.mock.requests.filter((r) => r.provider === "searxng")).toHaveLength(1);
    expect(res.body.output.find((i: any) => i.type === "web_search_call").action.query).toBe("vitest config");
  });

  it("native: auto follows the mapping (use: hosted): the backend serves Zhipu's searches", async () => {
    const auto = await makeSearchGateway({});
    try {
      const res = await request(auto.app).post("/v1/responses").send(searchRequest("m-zhipu", "search the web for vitest config"));
      expect(res.status).toBe(200);
      expect(auto.mock.requests.filter((r) => r.provider === "searxng")).toHaveLength(1);
      const first = auto.mock.requests.find((r) => r.provider === "zhipu")!.body as any;
      expect(first.tools.map((t: any) => t.type)).toEqual(["function", "function"]);
      expect(first.tools[1].function.name).toBe("web_search");
    } finally {
      await auto.close();
    }
  });

  it("native: always without a backend: Zhipu searches itself, DeepSeek drops the tool with a diagnostic", async () => {
    const own = await makeSearchGateway({ native: "always", backend: null });
    try {
      const z = await request(own.app).post("/v1/responses").send(searchRequest("m-zhipu", "search the web for vitest config"));
      expect(z.body.output.find((i: any) => i.type === "web_search_call")).toBeDefined();
      const d = await request(own.app).post("/v1/responses").send(searchRequest("m-deepseek", "search the web for vitest config"));
      expect(d.status).toBe(200);
      expect(d.body.godex.diagnostics).toContainEqual(expect.objectContaining({ code: "tool_dropped", path: "tools[1]" }));
      expect(own.mock.requests.filter((r) => r.provider === "searxng")).toEqual([]);
    } finally {
      await own.close();
    }
  });

  it("MiMo without the paid plugin refuses its search tool: a clear 400, not a silent drop", async () => {
    const off = await makeSearchGateway({ native: "always" });
    try {
      const res = await request(off.app).post("/v1/responses").send(searchRequest("m-xiaomi", "search the web for vitest config"));
      expect(res.status).toBe(400);
      expect(res.body.error).toMatchObject({ type: "invalid_request_error" });
      expect(res.body.error.message).toMatch(/webSearchEnabled is false/);
    } finally {
      await off.close();
    }
  });

  it("the status page lists the provider's own searches", async () => {
    await request(gw.app).post("/v1/responses").send(searchRequest("m-zhipu", "search the web for status page native"));
    const s = await request(gw.app).get("/status.json");
    const recent = (s.body.recent as { searches?: string[] }[]).find((r) => r.searches?.includes("(searched by zhipu: 3 pages)"));
    expect(recent).toBeDefined();
  });

  it("external_web_access: false is reported when the provider's live search serves it", async () => {
    const res = await request(gw.app).post("/v1/responses").send({ ...searchRequest("m-zhipu", "search the web for x"), tools: [{ type: "web_search", external_web_access: false }] });
    expect(res.body.godex.diagnostics).toContainEqual(expect.objectContaining({ code: "web_search_live", path: "tools[0].external_web_access" }));
  });
});
