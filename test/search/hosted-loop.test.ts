// The hosted web_search loop through every emulated provider: the model searches, GodeX runs the
// search on the emulated backend, the model answers citing a result; one response, strict shapes.
import request from "supertest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkSseInvariants } from "../golden/harness.ts";
import { asText, parseSse } from "../server/helpers.ts";
import { validateResponseObject, validateStreamEvent } from "./output-schema.ts";
import { PROVIDERS, makeSearchGateway, searchRequest, type SearchGateway } from "./helpers.ts";

let gw: SearchGateway;
beforeAll(async () => {
  gw = await makeSearchGateway();
});
afterAll(() => gw.close());

describe.each(Object.keys(PROVIDERS))("web search through %s", (provider) => {
  it("streams web_search_call, then the answer with a url_citation, usage summed", async () => {
    gw.mock.clear();
    const res = await asText(request(gw.app).post("/v1/responses").send(searchRequest(`m-${provider}`, "search the web for vitest config", { stream: true })));
    expect(res.status).toBe(200);
    const text = res.body as string;
    checkSseInvariants(provider, text);
    const events = parseSse(text).map((f) => f.data);
    for (const e of events) expect(validateStreamEvent(e), `${e.type} matches the output schema`).toEqual([]);
    const types = events.map((e) => e.type);
    const ws = types.indexOf("response.web_search_call.in_progress");
    expect(ws).toBeGreaterThan(0);
    expect(types.slice(ws, ws + 3)).toEqual(["response.web_search_call.in_progress", "response.web_search_call.searching", "response.web_search_call.completed"]);
    const final = events.at(-1).response;
    expect(final.status).toBe("completed");
    const kinds = final.output.map((i: any) => i.type);
    expect(kinds.filter((k: string) => k === "web_search_call")).toHaveLength(1);
    expect(kinds.at(-1)).toBe("message");
    const call = final.output.find((i: any) => i.type === "web_search_call");
    expect(call.action).toMatchObject({ type: "search", query: "vitest config" });
    expect(call.status).toBe("completed");
    const msg = final.output.at(-1);
    const url = "https://docs.example.org/vitest-config/1";
    expect(msg.content[0].text).toContain(url);
    const ann = msg.content[0].annotations;
    expect(ann).toHaveLength(1);
    expect(ann[0]).toMatchObject({ type: "url_citation", url });
    expect(msg.content[0].text.slice(ann[0].start_index, ann[0].end_index)).toBe(url);
    expect(types).toContain("response.output_text.annotation.added");
    // The backend saw the query; the provider was called twice, the second time with the results.
    const searches = gw.mock.requests.filter((r) => r.provider === "searxng");
    expect(searches).toHaveLength(1);
    expect(new URL(searches[0]!.path, "http://x").searchParams.get("q")).toBe("vitest config");
    const calls = gw.mock.requests.filter((r) => r.provider === provider);
    expect(calls).toHaveLength(2);
    const second = JSON.stringify(calls[1]!.body);
    expect(second).toContain("docs.example.org/vitest-config/1");
    // Usage adds up both upstream calls: more than either call alone.
    expect(final.usage.input_tokens).toBeGreaterThan(0);
    expect(final.usage.total_tokens).toBe(final.usage.input_tokens + final.usage.output_tokens);
  });

  it("answers the same as one JSON response", async () => {
    const res = await request(gw.app).post("/v1/responses").send(searchRequest(`m-${provider}`, "search the web for node streams"));
    expect(res.status).toBe(200);
    const kinds = res.body.output.map((i: any) => i.type);
    expect(validateResponseObject(res.body)).toEqual([]);
    expect(kinds).toContain("web_search_call");
    expect(res.body.output.at(-1).content[0].annotations[0].url).toBe("https://docs.example.org/node-streams/1");
  });
});
