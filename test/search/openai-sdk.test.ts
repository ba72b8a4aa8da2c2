// The openai SDK reads a hosted-search response: responses.stream().finalResponse() assembles the
// web_search_call item, the cited answer with its url_citation, and the summed usage.
import http from "node:http";
import type { AddressInfo } from "node:net";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PROVIDERS, makeSearchGateway, type SearchGateway } from "./helpers.ts";

let gw: SearchGateway;
let server: http.Server;
let client: OpenAI;
beforeAll(async () => {
  gw = await makeSearchGateway();
  server = http.createServer(gw.app);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  client = new OpenAI({ apiKey: "sk-local", baseURL: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`, maxRetries: 0, timeout: 20_000 });
});
afterAll(async () => {
  await new Promise<void>((r) => server.close(() => r()));
  await gw.close();
});

describe.each(Object.keys(PROVIDERS))("openai SDK through %s", (provider) => {
  it("responses.stream().finalResponse() with a hosted web search", async () => {
    const stream = client.responses.stream({ model: `m-${provider}`, input: "look up the node fetch API", tools: [{ type: "web_search" }] });
    const seen: string[] = [];
    stream.on("event", (e) => seen.push(e.type));
    const final = await stream.finalResponse();
    expect(final.status).toBe("completed");
    const call = final.output.find((i) => i.type === "web_search_call");
    expect(call).toMatchObject({ type: "web_search_call", status: "completed", action: { type: "search", query: "the node fetch API" } });
    expect(final.output_text).toContain("https://docs.example.org/the-node-fetch-api/1");
    const msg = final.output.find((i) => i.type === "message");
    const part = msg?.type === "message" ? msg.content[0] : undefined;
    expect(part?.type === "output_text" ? part.annotations[0] : undefined).toMatchObject({ type: "url_citation", url: "https://docs.example.org/the-node-fetch-api/1" });
    expect(seen).toContain("response.web_search_call.completed");
    expect(final.usage!.total_tokens).toBeGreaterThan(0);
  });
});
