// The attacks of a hostile web page, tried in a real headless Chromium (as test/ops/status-page.test.ts:
// Debian's Chromium driven by playwright-core; fails, never skips, without it):
// - a cross-site "simple" POST (text/plain, no-cors fetch, an HTML form) must not reach the provider;
// - reading GodeX's answers from a foreign page must fail;
// - DNS rebinding (a hostile name resolving to 127.0.0.1, simulated with --host-resolver-rules) must
//   get nothing from GodeX;
// while a page from a listed origin (server.cors.allowed_origins) calls GodeX through a real CORS preflight.
import { createServer, type Server } from "node:http";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { loadConfigFromObject } from "../../src/config/load.ts";
import { startMockUpstreams, type MockUpstreams } from "../../src/mock/server.ts";
import { startGateway, type RunningGateway } from "../../src/server/start.ts";
import { createLogger } from "../../src/server/log.ts";
import { CHROMIUM_ARGS, ensureChromium } from "../setup/chromium.ts";
import { KEYS } from "./helpers.ts";

let tmp: string;
let mock: MockUpstreams;
let gw: RunningGateway;
let context: BrowserContext;
let hostile: Server;
let friendly: Server;
let hostileUrl: string;
let friendlyUrl: string;

const REQUEST = JSON.stringify({ model: "gpt-5.5", input: "spend the user's credits" });

/** A site of its own (another port = another origin) serving one empty page. */
async function pageServer(): Promise<{ server: Server; port: number }> {
  const server = createServer((req, res) => {
    res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
    res.end("<!doctype html><html><head><link rel=\"icon\" href=\"data:,\"><title>some site</title></head><body>a web page</body></html>");
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return { server, port: (server.address() as { port: number }).port };
}

async function openPage(url: string): Promise<Page> {
  const page = await context.newPage();
  const res = await page.goto(url, { waitUntil: "load" });
  expect(res?.status()).toBe(200);
  return page;
}

/** The provider saw nothing, even after a pause for requests still on their way. */
async function expectNoUpstreamCall(): Promise<void> {
  await new Promise((r) => setTimeout(r, 400));
  expect(mock.requests.map((r) => r.path)).toEqual([]);
}

beforeAll(async () => {
  const executablePath = ensureChromium();
  tmp = mkdtempSync(join(tmpdir(), "godex-browser-access-"));
  mock = await startMockUpstreams({ keys: { deepseek: KEYS.deepseek } });
  const h = await pageServer();
  const f = await pageServer();
  hostile = h.server;
  friendly = f.server;
  hostileUrl = `http://127.0.0.1:${h.port}`;
  // The listed site is reached under a name, as a real one would be (localhost: another origin than 127.0.0.1).
  friendlyUrl = `http://localhost:${f.port}`;
  const config = loadConfigFromObject(
    {
      server: { host: "127.0.0.1", port: 0, cors: { allowed_origins: [friendlyUrl] } },
      models: { aliases: { "gpt-5.5": "deepseek/deepseek-v4-pro" } },
      providers: { deepseek: { spec: "deepseek", credentials: { api_key: KEYS.deepseek }, endpoint: { base_url: mock.baseUrl("deepseek") }, models: ["deepseek-v4-pro"], retry: { max_attempts: 1 } } },
      logging: { level: "silent" },
    },
    {},
  );
  gw = await startGateway(config, { carrierKeyFile: join(tmp, "carrier.key"), log: createLogger("silent") });
  const userDataDir = join(tmp, "chromium-profile");
  mkdirSync(userDataDir);
  context = await chromium.launchPersistentContext(userDataDir, {
    executablePath,
    headless: true,
    // evil.example resolves to this machine: what a DNS-rebinding domain does after the page loaded.
    args: [...CHROMIUM_ARGS, "--host-resolver-rules=MAP evil.example 127.0.0.1"],
    timeout: 60_000,
  });
}, 20 * 60_000);

afterAll(async () => {
  await context?.close();
  await gw?.close();
  await mock?.close();
  await new Promise((r) => hostile?.close(r));
  await new Promise((r) => friendly?.close(r));
  if (tmp) rmSync(tmp, { recursive: true, force: true });
}, 60_000);

beforeEach(() => mock.clear());

describe("a hostile web page in Chromium", () => {
  it("cannot spend the user's credits with a no-cors text/plain POST", async () => {
    const page = await openPage(`${hostileUrl}/`);
    const outcome = await page.evaluate(
      async ([url, body]) => {
        const r = await fetch(url, { method: "POST", mode: "no-cors", headers: { "content-type": "text/plain" }, body });
        return r.type;
      },
      [`${gw.url}/v1/responses`, REQUEST] as const,
    );
    expect(outcome).toBe("opaque"); // the browser sent it: only GodeX can stop it
    await expectNoUpstreamCall();
    await page.close();
  });

  it("cannot spend them with an HTML form either (text/plain or urlencoded)", async () => {
    for (const enctype of ["text/plain", "application/x-www-form-urlencoded"]) {
      const page = await openPage(`${hostileUrl}/`);
      const answered = page.waitForResponse((r) => r.url().startsWith(`${gw.url}/v1/responses`));
      await page.evaluate(
        ([url, type, body]) => {
          const form = document.createElement("form");
          form.method = "POST";
          form.action = url;
          form.enctype = type;
          const input = document.createElement("input");
          // The classic trick: name + "=" + value is the JSON request itself.
          input.name = body.slice(0, -1) + ',"pad":"';
          input.value = '"}';
          form.append(input);
          document.body.append(form);
          form.submit();
        },
        [`${gw.url}/v1/responses`, enctype, REQUEST] as const,
      );
      const res = await answered;
      expect(res.status(), enctype).toBe(403);
      await expectNoUpstreamCall();
      await page.close();
    }
  });

  it("cannot read GodeX's status or use it as a proxy with CORS fetches", async () => {
    const page = await openPage(`${hostileUrl}/`);
    const results = await page.evaluate(async (base) => {
      const attempt = async (path: string, init?: RequestInit) => {
        try {
          const r = await fetch(base + path, init);
          return `read ${r.status}: ${(await r.text()).slice(0, 80)}`;
        } catch (e) {
          return `blocked (${(e as Error).name})`;
        }
      };
      return [
        await attempt("/status.json"),
        await attempt("/health"),
        await attempt("/v1/responses", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ model: "gpt-5.5", input: "hi" }) }),
      ];
    }, gw.url);
    expect(results).toEqual(["blocked (TypeError)", "blocked (TypeError)", "blocked (TypeError)"]);
    await expectNoUpstreamCall();
    await page.close();
  });

  it("gets nothing through DNS rebinding (its own name now pointing at 127.0.0.1)", async () => {
    const port = new URL(gw.url).port;
    const page = await context.newPage();
    for (const path of ["/", "/status.json", "/health"]) {
      const res = await page.goto(`http://evil.example:${port}${path}`);
      expect(res?.status(), path).toBe(403);
      const text = await res!.text();
      expect(text).toContain("host_not_allowed");
      expect(text).not.toContain("deepseek");
    }
    // Same-origin to the rebound page, so the browser itself would allow reading the answer: GodeX refuses.
    const answer = await page.evaluate(async () => {
      const r = await fetch("/v1/responses", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ model: "gpt-5.5", input: "hi" }) });
      return { status: r.status, body: await r.json() };
    });
    expect(answer.status).toBe(403);
    expect(answer.body.error.code).toBe("host_not_allowed");
    await expectNoUpstreamCall();
    await page.close();
  });
});

describe("a page from a listed origin in Chromium", () => {
  it("calls GodeX through a real CORS preflight and reads the answer and its exposed headers", async () => {
    const page = await openPage(`${friendlyUrl}/`);
    // JSON and an Authorization header: the browser must ask GodeX first (fetch rejects if the preflight fails).
    const result = await page.evaluate(async (base) => {
      const r = await fetch(`${base}/v1/responses`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: "Bearer not-needed-here", "x-stainless-os": "Linux" },
        body: JSON.stringify({ model: "gpt-5.5", input: "hi" }),
      });
      const body = await r.json();
      const models = await (await fetch(`${base}/v1/models`)).json();
      return { status: r.status, object: body.object, status_field: body.status, requestId: r.headers.get("x-request-id"), models: models.data.length };
    }, gw.url);
    expect(result).toMatchObject({ status: 200, object: "response", status_field: "completed", models: 2 });
    expect(result.requestId).toMatch(/^req_/);
    expect(mock.requests).toHaveLength(1);
    await page.close();
  });

  it("a text/plain POST from the listed origin is still refused (JSON only)", async () => {
    const page = await openPage(`${friendlyUrl}/`);
    const result = await page.evaluate(async ([url, body]) => {
      const r = await fetch(url, { method: "POST", headers: { "content-type": "text/plain" }, body });
      return { status: r.status, code: (await r.json()).error.code };
    }, [`${gw.url}/v1/responses`, REQUEST] as const);
    expect(result).toEqual({ status: 415, code: "unsupported_content_type" });
    await expectNoUpstreamCall();
    await page.close();
  });
});
