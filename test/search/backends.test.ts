// Each shipped search backend definition against a recorded reply of that backend, plus a backend
// defined only in a test fixture, served by a throwaway HTTP server (the definition drives everything).
import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadSearchBackend, validateSearchBackend } from "../../src/search/backend.ts";
import { buildSearchRequest, formatResults, readSearchResults, runSearch } from "../../src/search/client.ts";
import { projectPath } from "../../src/util/paths.ts";

const FIX = projectPath("test", "fixtures", "search");
const reply = (name: string) => JSON.parse(readFileSync(join(FIX, `${name}-reply.json`), "utf8"));

describe("shipped search backends", () => {
  it.each(["searxng", "tavily", "brave", "zhipu"])("%s reads its recorded reply", async (name) => {
    const b = loadSearchBackend(name);
    const results = await readSearchResults(b, reply(name), 5);
    expect(results).toHaveLength(2);
    expect(results[0]).toMatchObject({ url: "https://vitest.dev/config/" });
    expect(results[0]!.title).toMatch(/Configuring Vitest/);
    expect(results[0]!.snippet).toMatch(/vite\.config/);
    expect(results[1]!.url).toBe("https://vitest.dev/guide/");
  });

  it("builds each backend's request as its API documents it", async () => {
    const req = async (name: string, apiKey?: string) => {
      const backend = loadSearchBackend(name);
      return buildSearchRequest({ backend, baseUrl: backend.doc.default_base_url, apiKey, maxResults: 3, timeoutMs: 1000 }, "vitest config");
    };
    const s = await req("searxng");
    expect(s.method).toBe("GET");
    expect(s.url).toBe("http://127.0.0.1:8888/search?q=vitest+config&format=json&pageno=1");
    const t = await req("tavily", "tvly-k");
    expect([t.method, t.url, t.headers.authorization]).toEqual(["POST", "https://api.tavily.com/search", "Bearer tvly-k"]);
    expect(JSON.parse(t.body!)).toEqual({ query: "vitest config", max_results: 3, search_depth: "basic" });
    const b = await req("brave", "brv");
    expect(b.url).toBe("https://api.search.brave.com/res/v1/web/search?q=vitest+config&count=3");
    expect(b.headers["x-subscription-token"]).toBe("brv");
    const z = await req("zhipu", "zk");
    expect(z.url).toBe("https://open.bigmodel.cn/api/paas/v4/web_search");
    expect(JSON.parse(z.body!)).toMatchObject({ search_query: "vitest config", count: 3 });
  });

  it("caps the result text sent to the model", () => {
    const big = Array.from({ length: 20 }, (_, i) => ({ title: `t${i}`, url: `https://x.org/${i}`, snippet: "s".repeat(2000) }));
    const text = formatResults("q", big, 1000);
    expect(text.length).toBeLessThanOrEqual(1000);
    expect(text).toMatch(/truncated/);
  });

  it("reports a broken definition with its location", () => {
    expect(validateSearchBackend({ name: "x", key: "none", default_base_url: "http://a", request: { method: "GET", path: "/s" }, results: { list: "a[", title: "t", url: "u", snippet: "s" } })[0]).toMatchObject({ path: ["results", "list"], rule: "jsonata" });
    expect(validateSearchBackend({ name: "x", key: "maybe" })[0]!.rule).toBe("schema");
  });
});

describe("a backend defined only in a test fixture", () => {
  it("is called as its file says and its results are read", async () => {
    const seen: { url: string; key: string | undefined; body: string }[] = [];
    const server = createServer((req, res) => {
      let body = "";
      req.on("data", (c) => (body += c));
      req.on("end", () => {
        seen.push({ url: req.url ?? "", key: req.headers["x-acme-key"] as string | undefined, body });
        res.writeHead(200, { "content-type": "application/json" });
        res.end(JSON.stringify({ data: { hits: [
          { kind: "ad", meta: { heading: "Ad", href: "https://ads.example/1" } },
          { kind: "page", meta: { heading: "Acme docs", href: "https://acme.example/docs", when: "2026-02-01" }, fragments: ["one", "two"] },
        ] } }));
      });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
    try {
      const backend = loadSearchBackend("acme-find", join(FIX, "unseen"));
      const port = (server.address() as AddressInfo).port;
      const out = await runSearch({ backend, baseUrl: `http://127.0.0.1:${port}`, apiKey: "acme-secret", maxResults: 4, timeoutMs: 2000 }, "rockets", new AbortController().signal);
      expect(out).toEqual({ ok: true, results: [{ title: "Acme docs", url: "https://acme.example/docs", snippet: "one … two", date: "2026-02-01" }] });
      expect(seen[0]!.url).toBe("/v2/find?lang=en");
      expect(seen[0]!.key).toBe("acme-secret");
      expect(JSON.parse(seen[0]!.body)).toEqual({ q: { text: "rockets" }, limit: 4 });
    } finally {
      await new Promise<void>((r) => server.close(() => r()));
    }
  });
});
