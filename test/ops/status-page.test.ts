// The status page (GET /) in a real headless browser: Debian's Chromium driven by playwright-core
// (installed by test/setup/chromium.ts when missing; this test fails, never skips, without it).
// Providers with their key set / missing, the shipped alias table, the last requests with status,
// latency, tokens and diagnostics, the 2 s auto-refresh, and a screenshot that really shows the tables.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import { parse as parseYaml } from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfigFromObject } from "../../src/config/load.ts";
import { startMockUpstreams, type MockUpstreams } from "../../src/mock/server.ts";
import { startGateway, type RunningGateway } from "../../src/server/start.ts";
import { createLogger } from "../../src/server/log.ts";
import { CHROMIUM_ARGS, ensureChromium } from "../setup/chromium.ts";
import { KEYS, RATE_LIMITED, SHIPPED_CONFIG, completion, decodePng, distinctColors, pixelsNear, postJson, postStream, userInput, waitFor } from "./helpers.ts";

const shipped = parseYaml(readFileSync(SHIPPED_CONFIG, "utf8")) as { models: { aliases: Record<string, string> }; providers: Record<string, any> };
const VIEWPORT = { width: 1280, height: 900 };

let tmp: string;
let mock: MockUpstreams;
let gw: RunningGateway;
let context: BrowserContext;
let page: Page;
const pageErrors: string[] = [];
/** Every HTTP error the page's loads got (e.g. `404 /favicon.ico`). */
const failedLoads: string[] = [];
/** The path of every request the page made. */
const requestedPaths: string[] = [];
const ids: Record<string, string> = {};

/** Shipped godex.yaml, every provider pointed at the emulators; DeepSeek and Zhipu keyed, MiniMax and MiMo not. */
async function startShippedGateway(): Promise<void> {
  mock = await startMockUpstreams({ keys: { deepseek: KEYS.deepseek, zhipu: KEYS.zhipu } });
  const doc = structuredClone(shipped) as any;
  doc.server = { ...doc.server, host: "127.0.0.1", port: 0 };
  for (const [name, p] of Object.entries<any>(doc.providers)) {
    p.endpoint = { ...p.endpoint, base_url: mock.baseUrl(p.spec ?? name) };
    p.retry = { max_attempts: 1 };
  }
  const env: NodeJS.ProcessEnv = { ...process.env, DEEPSEEK_API_KEY: KEYS.deepseek, ZHIPU_API_KEY: KEYS.zhipu };
  delete env.MINIMAX_API_KEY;
  delete env.XIAOMI_API_KEY;
  const config = loadConfigFromObject(doc, env, SHIPPED_CONFIG);
  gw = await startGateway(config, { carrierKeyFile: join(tmp, "carrier.key"), log: createLogger("silent") });
}

/** The text of every cell, row by row, of a table's body. */
async function rows(id: string): Promise<string[][]> {
  return page.$$eval(`#${id} tbody tr`, (trs) => trs.map((tr) => [...tr.querySelectorAll("td")].map((td) => (td.textContent ?? "").trim())));
}

beforeAll(async () => {
  // Fails (with the reason) when Chromium cannot be made available: the browser test never skips.
  const executablePath = ensureChromium();
  tmp = mkdtempSync(join(tmpdir(), "godex-ops-status-"));
  await startShippedGateway();

  // 1. JSON OK with exact usage.
  mock.enqueue("deepseek", { status: 200, json: completion("Hello there", { prompt: 120, completion: 30, cached: 40, reasoning: 10 }) });
  const r1 = await postJson(gw.url, { model: "gpt-5.5", input: userInput("hello") });
  expect(r1.status).toBe(200);
  ids.ok = r1.headers.get("x-request-id")!;
  // 2. A stream with diagnostics (an unknown field), through Zhipu's emulator.
  const r2 = await postStream(gw.url, { model: "gpt-5.4-mini", input: userInput("hello"), some_future_field: { on: true } });
  expect(r2.events.at(-1)?.event).toBe("response.completed");
  ids.diag = r2.headers.get("x-request-id")!;
  // 3. An upstream failure (429).
  mock.enqueue("deepseek", RATE_LIMITED);
  const r3 = await postJson(gw.url, { model: "gpt-5.5", input: userInput("hello") });
  expect(r3.status).toBe(429);
  // 4. A provider without a key.
  const r4 = await postJson(gw.url, { model: "minimax/MiniMax-M3", input: userInput("hello") });
  expect(r4.status).toBe(401);

  const userDataDir = join(tmp, "chromium-profile");
  mkdirSync(userDataDir);
  context = await chromium.launchPersistentContext(userDataDir, {
    executablePath,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: VIEWPORT,
    deviceScaleFactor: 1,
    timeout: 60_000,
  });
  page = context.pages()[0] ?? (await context.newPage());
  page.on("pageerror", (e) => pageErrors.push(`pageerror: ${e.message}`));
  page.on("console", (m) => {
    if (m.type() === "error") pageErrors.push(`console.error: ${m.text()} (${m.location().url})`);
  });
  page.on("request", (r) => requestedPaths.push(new URL(r.url()).pathname));
  page.on("response", (r) => {
    if (r.status() >= 400) failedLoads.push(`${r.status()} ${new URL(r.url()).pathname}`);
  });
  const res = await page.goto(`${gw.url}/`, { waitUntil: "load" });
  expect(res?.status()).toBe(200);
  expect(res?.headers()["content-type"]).toContain("text/html");
  // The page fills its tables from status.json (at once, then every 2 s).
  await page.waitForFunction(() => document.querySelectorAll("#recent tbody tr td").length > 1 && /version/.test(document.getElementById("meta")?.textContent ?? ""), undefined, { timeout: 10_000 });
}, 20 * 60_000);

afterAll(async () => {
  await context?.close();
  await gw?.close();
  await mock?.close();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
}, 60_000);

describe("status page in headless Chromium", () => {
  it("has a title and the header line (version, mock mode off)", async () => {
    expect(await page.title()).toBe("GodeX status");
    const meta = await page.textContent("#meta");
    expect(meta).toMatch(/^version \S+ · refreshed /);
  });

  it("lists every provider with its mapping, endpoint and whether its key is set", async () => {
    const got = await rows("providers");
    const names = Object.keys(shipped.providers);
    expect(got.map((r) => r[0])).toEqual(names);
    const byName = Object.fromEntries(got.map((r) => [r[0], r]));
    expect(byName.deepseek).toEqual(["deepseek", "deepseek", new URL(mock.url).origin, "deepseek-v4-pro (chat), deepseek-v4-flash (chat)", "set"]);
    expect(byName.zhipu![4]).toBe("set");
    expect(byName.minimax![4]).toBe("missing (MINIMAX_API_KEY)");
    expect(byName.xiaomi![4]).toBe("missing (XIAOMI_API_KEY)");
    // Colour-coded: set in green (.ok), missing in red (.bad).
    expect(await page.$$eval("#providers td .ok", (els) => els.map((e) => e.textContent))).toEqual(["set", "set"]);
    expect(await page.$$eval("#providers td .bad", (els) => els.length)).toBe(2);
  });

  it("shows the shipped alias table", async () => {
    expect(await rows("aliases")).toEqual(Object.entries(shipped.models.aliases).map(([alias, target]) => [alias, target]));
    expect((await rows("aliases")).map((r) => r[0])).toEqual(expect.arrayContaining(["gpt-5.5", "gpt-5.4", "gpt-5.3-codex", "gpt-5.4-mini", "gpt-5.3-codex-spark"]));
  });

  it("shows the last requests, newest first, with status, latency, tokens and diagnostics", async () => {
    const got = await rows("recent");
    expect(got.length).toBe(4);
    const [missingKey, rateLimited, diag, ok] = got as [string[], string[], string[], string[]];
    for (const r of got) {
      expect(r.length).toBe(7);
      expect(r[0], "time").toMatch(/\d{1,2}:\d{2}:\d{2}/);
      expect(r[3], "latency").toMatch(/^\d+ ms$/);
    }
    expect(ok[1]).toBe("gpt-5.5 → deepseek/deepseek-v4-pro");
    expect(ok[2]).toBe("200");
    expect(ok[4]).toBe("120 (40 cached) / 30 (10 reasoning)");
    expect(ok[5]).toBe("");

    expect(diag[1]).toBe("gpt-5.4-mini → zhipu/glm-5.1 (stream)");
    expect(diag[2]).toBe("200");
    expect(diag[4]).toMatch(/^\d+ \(\d+ cached\) \/ \d+ \(\d+ reasoning\)$/);
    expect(diag[5]).toMatch(/^ignored field_unknown @ some_future_field: .+/);

    expect(rateLimited[1]).toBe("gpt-5.5 → deepseek/deepseek-v4-pro");
    expect(rateLimited[2]).toBe("429 failed:rate_limit_exceeded");
    expect(rateLimited[4]).toBe("");

    expect(missingKey[2]).toBe("401 rejected:missing_api_key");
    expect(missingKey[1]).toBe("minimax/MiniMax-M3 → minimax/MiniMax-M3");
    // Failures are red, successes green.
    expect(await page.$$eval("#recent tbody tr td:nth-child(3)", (tds) => tds.map((td) => td.className))).toEqual(["bad", "bad", "ok", "ok"]);
  });

  it("refreshes by itself: a new request shows up without a reload", async () => {
    const marker = await page.evaluate(() => ((window as any).__opsMarker = Math.random()));
    mock.enqueue("deepseek", { status: 200, json: completion("again", { prompt: 7, completion: 3, cached: 0, reasoning: 0 }) });
    const r = await postJson(gw.url, { model: "gpt-5.3-codex", input: userInput("again") });
    expect(r.status).toBe(200);
    const started = Date.now();
    await page.waitForFunction(() => document.querySelectorAll("#recent tbody tr").length === 5, undefined, { timeout: 6000 });
    expect(Date.now() - started).toBeLessThan(4000);
    expect(await page.evaluate(() => (window as any).__opsMarker), "same document, not a reload").toBe(marker);
    const first = (await rows("recent"))[0]!;
    expect(first[1]).toBe("gpt-5.3-codex → deepseek/deepseek-v4-pro");
    expect(first[4]).toBe("7 (0 cached) / 3 (0 reasoning)");
  });

  it("renders the tables: a real, non-blank screenshot", async () => {
    // Layout: every table has a real box on screen.
    const boxes = await page.$$eval("table", (ts) => ts.map((t) => ({ id: t.id, ...t.getBoundingClientRect().toJSON() })));
    expect(boxes.map((b) => b.id)).toEqual(["providers", "aliases", "targets", "recent"]);
    for (const b of boxes) {
      expect(b.width, `${b.id} width`).toBeGreaterThan(600);
      expect(b.height, `${b.id} height`).toBeGreaterThan(40);
    }

    const file = join(tmp, "status-page.png");
    await page.screenshot({ path: file, fullPage: true });
    const buf = readFileSync(file);
    expect(statSync(file).size).toBeGreaterThan(20_000);
    const png = decodePng(buf);
    expect(png.width).toBe(VIEWPORT.width);
    expect(png.height).toBeGreaterThanOrEqual(VIEWPORT.height);
    // Text, borders and header cells: many colours; the page background is not all there is.
    expect(distinctColors(png)).toBeGreaterThan(50);
    expect(pixelsNear(png, "#fafbfc", 2) / (png.width * png.height)).toBeLessThan(0.9);

    // The providers table itself: header background, green "set", red "missing".
    const providersPng = decodePng(await page.locator("#providers").screenshot());
    const box = boxes.find((b) => b.id === "providers")!;
    expect(Math.abs(providersPng.width - Math.round(box.width))).toBeLessThanOrEqual(1);
    expect(pixelsNear(providersPng, "#eef1f5", 3)).toBeGreaterThan(500);
    expect(pixelsNear(providersPng, "#137333", 40)).toBeGreaterThan(20);
    expect(pixelsNear(providersPng, "#b3261e", 40)).toBeGreaterThan(20);

    // The last-requests table: the diagnostics line is drawn in its own colour.
    const recentPng = decodePng(await page.locator("#recent").screenshot());
    expect(distinctColors(recentPng)).toBeGreaterThan(20);
    expect(pixelsNear(recentPng, "#8a4b00", 40)).toBeGreaterThan(20);
  });

  it("never shows a provider key, and runs without page errors", async () => {
    const html = await page.content();
    for (const key of Object.values(KEYS)) expect(html).not.toContain(key);
    const json = await (await fetch(`${gw.url}/status.json`)).text();
    for (const key of Object.values(KEYS)) expect(json).not.toContain(key);
    // The page declares its own (empty) icon: no /favicon.ico probe, no 404, no console error.
    expect(await page.$eval('link[rel="icon"]', (l) => l.getAttribute("href"))).toBe("data:,");
    expect(requestedPaths.filter((p) => p.endsWith("/favicon.ico"))).toEqual([]);
    expect(failedLoads).toEqual([]);
    expect(pageErrors).toEqual([]);
  });

  it("names the model of a request rejected for a missing provider key", async () => {
    const missingKey = (await rows("recent")).find((r) => r[2] === "401 rejected:missing_api_key");
    expect(missingKey, "the 401 row").toBeDefined();
    expect(missingKey![1]).toBe("minimax/MiniMax-M3 → minimax/MiniMax-M3");
  });
});
