// The golden web-search chains (test/golden/<provider>/web-search-stream) as the openai SDK reads them:
// the pinned client SSE, served byte for byte, goes through responses.stream().finalResponse(), which
// must assemble the same output (reasoning, web_search_call, the cited answer) and the summed usage.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GOLDEN_ROOT, sseEvents } from "./harness.ts";

const PROVIDERS = ["deepseek", "zhipu", "minimax", "xiaomi"];
let server: http.Server;
let client: OpenAI;
let serving = "";
beforeAll(async () => {
  server = http.createServer((_req, res) => {
    res.writeHead(200, { "content-type": "text/event-stream" });
    res.end(serving);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  client = new OpenAI({ apiKey: "sk-local", baseURL: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`, maxRetries: 0 });
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

describe.each(PROVIDERS)("golden web search chain of %s through the openai SDK", (provider) => {
  it("finalResponse() equals the pinned terminal response", async () => {
    serving = readFileSync(join(GOLDEN_ROOT, provider, "web-search-stream", "expected.sse"), "utf8");
    const terminal = sseEvents(serving).at(-1).response;
    const final = await client.responses.stream({ model: "gpt-5.5", input: "x", tools: [{ type: "web_search" }] }).finalResponse();
    expect(final.status).toBe("completed");
    // The SDK adds its own `parsed: null` to output_text parts; everything GodeX sent must be there as sent.
    expect(final.output).toMatchObject(terminal.output);
    expect(final.output.map((i) => i.type)).toEqual(["reasoning", "web_search_call", "reasoning", "message"]);
    expect(final.output[1]).toMatchObject({ type: "web_search_call", status: "completed", action: { type: "search", query: "vitest config" } });
    expect(final.output_text).toContain("https://vitest.dev/config/");
    const part = final.output[3]!.type === "message" ? final.output[3]!.content[0] : undefined;
    expect(part?.type === "output_text" ? part.annotations : []).toEqual([{ type: "url_citation", start_index: 64, end_index: 90, url: "https://vitest.dev/config/", title: "Configuring Vitest | Vitest" }]);
    expect(final.usage).toEqual(terminal.usage);
  });
});
