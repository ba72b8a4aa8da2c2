// Hosted web search failures: each becomes a tool result the model reads plus a diagnostic, the
// response still completes; too many searches are refused; a client that goes away cancels the search.
import http from "node:http";
import type { AddressInfo } from "node:net";
import request from "supertest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { asText, parseSse } from "../server/helpers.ts";
import { makeSearchGateway, searchRequest, type SearchGateway } from "./helpers.ts";

let gw: SearchGateway;
beforeAll(async () => {
  gw = await makeSearchGateway({ max_searches_per_response: 2 });
});
afterAll(() => gw.close());

async function ask(text: string) {
  gw.mock.clear();
  const res = await request(gw.app).post("/v1/responses").send(searchRequest("m-deepseek", text));
  expect(res.status).toBe(200);
  return res.body;
}
const toolResults = () =>
  gw.mock.requests
    .filter((r) => r.provider === "deepseek")
    .flatMap((r) => (r.body as { messages: { role: string; content: string }[] }).messages)
    .filter((m) => m.role === "tool")
    .map((m) => m.content);

describe("hosted web search failures", () => {
  it("a backend 500 becomes a tool result and a diagnostic; the model answers", async () => {
    const body = await ask("search the web for GODEX_SEARCH_500 things");
    expect(body.status).toBe("completed");
    const call = body.output.find((i: any) => i.type === "web_search_call");
    expect(call.status).toBe("failed");
    expect(toolResults().at(-1)).toMatch(/failed: The searxng search backend answered HTTP 500/);
    expect(body.godex.diagnostics.map((d: any) => d.code)).toContain("web_search_failed");
    expect(body.output.at(-1).type).toBe("message");
  });

  it("an empty result says so", async () => {
    const body = await ask("search the web for GODEX_SEARCH_EMPTY");
    expect(body.status).toBe("completed");
    expect(toolResults().at(-1)).toMatch(/^No web results for/);
    expect(body.godex.diagnostics.map((d: any) => d.code)).toContain("web_search_empty");
  });

  it("a backend slower than timeout_ms times out", async () => {
    const started = Date.now();
    const body = await ask("search the web for GODEX_SEARCH_SLOW");
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(toolResults().at(-1)).toMatch(/did not answer within 1500 ms/);
    expect(body.status).toBe("completed");
  });

  it("stops at max_searches_per_response and tells the model to answer", async () => {
    const body = await ask("search the web for rockets GODEX_MOCK_SEARCH_AGAIN");
    expect(body.status).toBe("completed");
    const calls = body.output.filter((i: any) => i.type === "web_search_call");
    expect(calls.filter((c: any) => c.status === "completed")).toHaveLength(2);
    expect(gw.mock.requests.filter((r) => r.provider === "searxng")).toHaveLength(2);
    expect(toolResults().at(-1)).toMatch(/Search limit reached/);
    expect(body.godex.diagnostics.map((d: any) => d.code)).toContain("web_search_limit");
    expect(body.output.at(-1).type).toBe("message");
  });

  it("web_search stays dropped with a diagnostic when search is not configured", async () => {
    const off = await makeSearchGateway(null);
    try {
      const res = await request(off.app).post("/v1/responses").send(searchRequest("m-deepseek", "search the web for rockets"));
      expect(res.status).toBe(200);
      expect(res.body.output.some((i: any) => i.type === "web_search_call")).toBe(false);
      expect(res.body.godex.diagnostics.find((d: any) => d.path === "tools[1]")).toMatchObject({ code: "tool_dropped" });
      const sent = off.mock.requests.find((r) => r.provider === "deepseek")!.body as { tools: { function: { name: string } }[] };
      expect(sent.tools.map((t) => t.function.name)).toEqual(["exec_command"]);
    } finally {
      await off.close();
    }
  });

  it("external_web_access:false is reported when the live backend serves the search", async () => {
    const req = searchRequest("m-deepseek", "search the web for rockets");
    (req.tools[1] as Record<string, unknown>).external_web_access = false;
    const res = await request(gw.app).post("/v1/responses").send(req);
    expect(res.body.godex.diagnostics.map((d: any) => d.code)).toContain("web_search_live");
  });

  it("a client that goes away mid-search cancels the backend request", async () => {
    // A backend that never answers, and a search timeout far away: only the client's abort can end it.
    let closed: (() => void) | undefined;
    const backendClosed = new Promise<void>((r) => (closed = r));
    const seen: string[] = [];
    const backend = http.createServer((req) => {
      seen.push(req.url ?? "");
      req.socket.on("close", () => closed!());
    });
    await new Promise<void>((r) => backend.listen(0, "127.0.0.1", () => r()));
    const slow = await makeSearchGateway({ endpoint: { base_url: `http://127.0.0.1:${(backend.address() as AddressInfo).port}` }, timeout_ms: 60_000 });
    const server = http.createServer(slow.app);
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
    try {
      const port = (server.address() as AddressInfo).port;
      const body = JSON.stringify(searchRequest("m-deepseek", "search the web for abort me", { stream: true }));
      await new Promise<void>((resolve, reject) => {
        const req = http.request({ port, host: "127.0.0.1", method: "POST", path: "/v1/responses", headers: { "content-type": "application/json" } }, (res) => {
          res.setEncoding("utf8");
          res.on("data", (c: string) => {
            if (c.includes("response.web_search_call.searching")) {
              req.destroy();
              resolve();
            }
          });
        });
        req.on("error", () => {});
        req.setTimeout(8000, () => reject(new Error("no searching event")));
        req.end(body);
      });
      const started = Date.now();
      await backendClosed;
      expect(Date.now() - started).toBeLessThan(3000);
      expect(seen).toHaveLength(1);
      expect(seen[0]).toContain("q=abort+me");
    } finally {
      await new Promise<void>((r) => server.close(() => r()));
      backend.closeAllConnections();
      await new Promise<void>((r) => backend.close(() => r()));
      await slow.close();
    }
  });
});

describe("status page", () => {
  it("lists the searches of recent requests", async () => {
    await request(gw.app).post("/v1/responses").send(searchRequest("m-deepseek", "search the web for status page query"));
    const s = await request(gw.app).get("/status.json");
    const recent = (s.body.recent as { searches?: string[] }[]).find((r) => r.searches?.includes("status page query"));
    expect(recent).toBeDefined();
    const html = await request(gw.app).get("/");
    expect(html.text).toContain("web searches");
  });
});
