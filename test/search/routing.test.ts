// Routing and the hosted search loop (docs/routing.md "Web search and routing"): the loop's first
// step is an ordinary routed attempt, so a target that fails before any output hands the whole
// request to the next target. Later steps stay on the target that served the first step; a failure
// there after the client saw output (the stream) ends the response with a retryable
// response.failed, while a whole JSON reply, of which nothing has gone out, is served afresh by the
// next target. Also: usage summed over every inner call, and the reasoning pass-back across them.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import request from "supertest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GOLDEN_ROOT } from "../golden/harness.ts";
import { asText, parseSse } from "../server/helpers.ts";
import { makeSearchGateway, searchRequest, type SearchGateway } from "./helpers.ts";

const ROUTED = "m-routed";
const BUSY = { status: 503, json: { error: { message: "Server busy, please try again later", type: "service_unavailable_error", param: null, code: "service_unavailable" } } };
/** DeepSeek's first step of the golden chain: reasoning, then a web_search call (providers.md §1.6 shapes). */
const DEEPSEEK_SEARCH_STEP = readFileSync(join(GOLDEN_ROOT, "deepseek", "web-search-stream", "upstream-reply.sse"), "utf8");
const DEEPSEEK_ANSWER_STEP = readFileSync(join(GOLDEN_ROOT, "deepseek", "web-search-stream", "upstream-reply-2.sse"), "utf8");

let gw: SearchGateway;
beforeAll(async () => {
  gw = await makeSearchGateway({}, {}, { [ROUTED]: ["deepseek/deepseek-v4-pro", "zhipu/glm-5.1"] });
});
afterAll(() => gw.close());

const of = (p: string) => gw.mock.requests.filter((r) => r.provider === p);

describe("routing across the hosted search loop", () => {
  it("the first step failing before any output: the next target runs the whole loop", async () => {
    gw.mock.clear();
    gw.mock.enqueue("deepseek", BUSY);
    const res = await asText(request(gw.app).post("/v1/responses").send(searchRequest(ROUTED, "search the web for vitest config", { stream: true })));
    expect(res.status).toBe(200);
    const final = parseSse(res.body as string).map((f) => f.data).at(-1).response;
    expect(final.status).toBe("completed");
    expect(final.godex.provider).toBe("zhipu");
    expect(final.godex.diagnostics).toContainEqual(expect.objectContaining({ code: "served_by_fallback" }));
    expect(final.output.find((i: any) => i.type === "web_search_call").action.query).toBe("vitest config");
    expect(of("deepseek")).toHaveLength(1);
    expect(of("zhipu")).toHaveLength(2);
    expect(of("searxng")).toHaveLength(1);
    expect(res.headers["x-godex-served-by"]).toBe("zhipu/glm-5.1");
  });

  it("a later step failing after the client saw the search: response.failed, retryable, no switch mid-answer", async () => {
    gw.mock.clear();
    gw.mock.enqueue("deepseek", { sse: DEEPSEEK_SEARCH_STEP }, BUSY);
    const res = await asText(request(gw.app).post("/v1/responses").send(searchRequest(ROUTED, "search the web for vitest config", { stream: true })));
    const events = parseSse(res.body as string).map((f) => f.data);
    const final = events.at(-1).response;
    expect(events.at(-1).type).toBe("response.failed");
    // Codex retries server_error; the search it already showed stays in the output.
    expect(final.error.code).toBe("server_error");
    expect(final.output.map((i: any) => i.type)).toEqual(["reasoning", "web_search_call"]);
    expect(of("deepseek")).toHaveLength(2);
    expect(of("zhipu")).toHaveLength(0);
  });

  it("a later step failing in a whole JSON reply (nothing sent yet): the next target serves it afresh", async () => {
    gw.mock.clear();
    const step = {
      status: 200,
      json: {
        id: "5b0c3e2a-8f51-4d0e-9a41-2f6c1d7e9b10",
        object: "chat.completion",
        created: 1781470598,
        model: "deepseek-v4-pro",
        choices: [{ index: 0, message: { role: "assistant", content: "", reasoning_content: "I will search the web.", tool_calls: [{ index: 0, id: "call_00_wS3aRcH0vItEsTcOnF1g", type: "function", function: { name: "web_search", arguments: '{"query": "vitest config"}' } }] }, logprobs: null, finish_reason: "tool_calls" }],
        usage: { prompt_tokens: 812, completion_tokens: 41, total_tokens: 853, prompt_tokens_details: { cached_tokens: 768 }, completion_tokens_details: { reasoning_tokens: 17 }, prompt_cache_hit_tokens: 768, prompt_cache_miss_tokens: 44 },
        system_fingerprint: "fp_9954b31ca7_prod0820_fp8_kvcache_20260402",
      },
    };
    gw.mock.enqueue("deepseek", step, BUSY);
    const res = await request(gw.app).post("/v1/responses").send(searchRequest(ROUTED, "search the web for vitest config"));
    expect(res.status).toBe(200);
    expect(res.body.godex.provider).toBe("zhipu");
    expect(res.body.godex.diagnostics).toContainEqual(expect.objectContaining({ code: "served_by_fallback" }));
    // Only zhipu's own steps are in the answer: one search, one cited message.
    expect(res.body.output.filter((i: any) => i.type === "web_search_call")).toHaveLength(1);
    expect(res.body.output.at(-1).content[0].annotations[0].url).toBe("https://docs.example.org/vitest-config/1");
    expect(of("deepseek")).toHaveLength(2);
    expect(of("zhipu")).toHaveLength(2);
    expect(res.headers["x-godex-served-by"]).toBe("zhipu/glm-5.1");
  });
});

describe("inner calls: usage and reasoning", () => {
  it("usage is the exact sum of every inner upstream call", async () => {
    gw.mock.clear();
    gw.mock.enqueue("deepseek", { sse: DEEPSEEK_SEARCH_STEP }, { sse: DEEPSEEK_ANSWER_STEP });
    const res = await asText(request(gw.app).post("/v1/responses").send(searchRequest("m-deepseek", "search the web for vitest config", { stream: true })));
    const final = parseSse(res.body as string).map((f) => f.data).at(-1).response;
    // 812 + 1003 prompt (768 + 896 cached), 41 + 38 completion (17 + 9 reasoning).
    expect(final.usage).toEqual({ input_tokens: 1815, input_tokens_details: { cached_tokens: 1664 }, output_tokens: 79, output_tokens_details: { reasoning_tokens: 26 }, total_tokens: 1894 });
  });

  it.each([
    ["deepseek", "m-deepseek"],
    ["xiaomi", "m-xiaomi"],
  ])("%s: the second inner request carries the first step's reasoning_content on its tool-call turn (the emulator 400s without it)", async (provider, model) => {
    gw.mock.clear();
    const res = await request(gw.app).post("/v1/responses").send(searchRequest(model, "search the web for vitest config"));
    expect(res.status).toBe(200);
    const calls = of(provider);
    expect(calls).toHaveLength(2);
    expect(calls.map((c) => c.status)).toEqual([200, 200]);
    const reasoning = res.body.output.find((i: any) => i.type === "reasoning").summary[0].text;
    const turn = (calls[1]!.body as any).messages.find((m: any) => m.role === "assistant" && m.tool_calls?.length);
    expect(turn.tool_calls[0].function.name).toBe("web_search");
    expect(turn.reasoning_content).toBe(reasoning);
    expect(reasoning).toMatch(/I will search the web/);
  });
});
