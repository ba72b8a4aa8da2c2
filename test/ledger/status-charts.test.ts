// The status page's usage charts in headless Chromium (Debian's, installed by test/setup/chromium.ts
// when missing; the test fails, never skips, without it): a ledger seeded with 30 days of responses
// over three models, the totals, six uPlot charts drawn from the package's own copy of uPlot (no
// CDN), the range switch, and a screenshot (test-output/, and docs/status-page.png for the README).
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CHROMIUM_ARGS, ensureChromium } from "../setup/chromium.ts";
import { decodePng, distinctColors, REPO_ROOT } from "../ops/helpers.ts";
import { openLedgerStore } from "../../src/ledger/store.ts";
import type { LedgerRow } from "../../src/ledger/row.ts";
import { TOKENS, seedRow, startLedgerStack, type LedgerStack } from "./helpers.ts";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const MODELS = [
  { alias: "gpt-5.5", provider: "deepseek", model: "deepseek-v4-pro", price: [0.66, 0.022, 1.98] },
  { alias: "gpt-5.4-mini", provider: "zhipu", model: "glm-5.1", price: [1.4, 0.26, 4.4] },
  { alias: "gpt-5.4", provider: "minimax", model: "MiniMax-M3", price: [0.3, 0.06, 1.2] },
];

/** 30 days of a small team's Codex traffic, deterministic (a fixed LCG), ending now. */
function seed(now: number): LedgerRow[] {
  let s = 42;
  const rnd = () => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const rows: LedgerRow[] = [];
  for (let t = now - 30 * DAY + HOUR; t < now; t += HOUR) {
    for (const [i, m] of MODELS.entries()) {
      if (rnd() < 0.35 + 0.2 * i) continue;
      const input = Math.round(20_000 + rnd() * 60_000);
      const cached = Math.round(input * (0.55 + 0.4 * rnd()));
      const output = Math.round(500 + rnd() * 4000);
      const failed = rnd() < 0.04;
      const conv = `019a-${["7f3c", "2b91", "c04e", "88d2", "5e17", "a6b0"][Math.floor(rnd() * 6)]}`;
      rows.push(
        seedRow({
          ts: Math.min(now - 1000, Math.round(t + rnd() * HOUR)),
          alias: m.alias,
          provider: m.provider,
          model: m.model,
          served_by: `${m.provider}/${m.model}`,
          fallback: rnd() < 0.03 ? 1 : 0,
          token_name: rnd() < 0.6 ? "alice" : "bob",
          conversation: conv,
          status: failed ? 502 : 200,
          outcome: failed ? "failed" : "completed",
          error_code: failed ? "server_error" : null,
          input_tokens: failed ? 0 : input,
          cached_tokens: failed ? 0 : cached,
          output_tokens: failed ? 0 : output,
          reasoning_tokens: failed ? 0 : Math.round(output * 0.3),
          cost: failed ? null : ((input - cached) * m.price[0] + cached * m.price[1] + output * m.price[2]) / 1e6,
          currency: failed ? null : "USD",
          latency_ms: Math.round(800 + rnd() * 6000 * (i + 1)),
          first_token_ms: Math.round(300 + rnd() * 1500),
        }),
      );
    }
  }
  return rows;
}

let tmp: string;
let s: LedgerStack;
let context: BrowserContext;
let page: Page;
let rows: LedgerRow[];
const pageErrors: string[] = [];
const failedLoads: string[] = [];
const loaded: string[] = [];

beforeAll(async () => {
  const executablePath = ensureChromium();
  tmp = mkdtempSync(join(tmpdir(), "godex-charts-"));
  const path = join(tmp, "usage.db");
  const store = await openLedgerStore({ path });
  rows = seed(Date.now());
  await store.insert(rows);
  await store.close();
  s = await startLedgerStack({ ledger: { path } });
  const userDataDir = join(tmp, "profile");
  mkdirSync(userDataDir);
  context = await chromium.launchPersistentContext(userDataDir, {
    executablePath,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 1400, height: 1000 },
    deviceScaleFactor: 1,
    timeout: 60_000,
    extraHTTPHeaders: { authorization: `Bearer ${TOKENS.alice}` },
  });
  page = context.pages()[0] ?? (await context.newPage());
  page.on("pageerror", (e) => pageErrors.push(e.message));
  page.on("console", (m) => m.type() === "error" && pageErrors.push(m.text()));
  page.on("response", (r) => {
    loaded.push(new URL(r.url()).pathname);
    if (r.status() >= 400) failedLoads.push(`${r.status()} ${new URL(r.url()).pathname}`);
  });
  await page.goto(`${s.url}/`, { waitUntil: "load" });
  await page.waitForFunction(() => document.querySelectorAll("#charts .uplot canvas").length === 6, undefined, { timeout: 15_000 });
}, 20 * 60_000);

afterAll(async () => {
  await context?.close();
  await s?.close();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
}, 60_000);

/** Pixels of a chart's canvas that are neither transparent nor white: what uPlot drew. */
async function inkedPixels(id: string): Promise<number> {
  return page.$eval(`#${id} canvas`, (c) => {
    const canvas = c as HTMLCanvasElement;
    const d = canvas.getContext("2d")!.getImageData(0, 0, canvas.width, canvas.height).data;
    let n = 0;
    for (let i = 0; i < d.length; i += 4) if (d[i + 3] > 0 && !(d[i] > 245 && d[i + 1] > 245 && d[i + 2] > 245)) n++;
    return n;
  });
}

async function legend(id: string): Promise<string[]> {
  return page.$$eval(`#${id} .u-legend .u-series th`, (ths) => ths.map((t) => (t.textContent ?? "").trim()).filter(Boolean));
}

describe("status page usage charts in headless Chromium", () => {
  it("loads uPlot from GodeX itself (no CDN) and draws without errors", async () => {
    expect(loaded).toEqual(expect.arrayContaining(["/assets/uplot.js", "/assets/uplot.css", "/status/usage.json"]));
    expect(await page.evaluate(() => typeof (window as any).uPlot)).toBe("function");
    expect(failedLoads).toEqual([]);
    expect(pageErrors).toEqual([]);
  });

  it("shows today / 7 days / 30 days totals computed from the ledger", async () => {
    const cards = await page.$$eval("#totals .card", (cs) => cs.map((c) => ({ period: c.getAttribute("data-period"), big: c.querySelector(".big")!.textContent, text: c.textContent })));
    expect(cards.map((c) => c.period)).toEqual(["today", "7 days", "30 days"]);
    const today = Math.floor(Date.now() / DAY) * DAY;
    const sum = (from: number) => rows.filter((r) => r.ts >= from).reduce((a, r) => a + (r.cost ?? 0), 0);
    const fmt = (v: number) => `${v.toFixed(v >= 1 ? 2 : 4)} USD`;
    expect(cards[0].big).toBe(fmt(sum(today)));
    expect(cards[1].big).toBe(fmt(sum(today - 6 * DAY)));
    expect(cards[2].big).toBe(fmt(sum(today - 29 * DAY)));
    const n30 = rows.filter((r) => r.ts >= today - 29 * DAY).length;
    expect(cards[2].text).toContain(`${n30.toLocaleString("en-US")} requests`);
  });

  it("draws six charts: tokens and cost per model, cache-hit rate over time and per conversation, errors and fallbacks, latency", async () => {
    const ids = await page.$$eval("#charts .chart", (cs) => cs.map((c) => c.id));
    expect(ids).toEqual(["chart-tokens", "chart-cost", "chart-cache", "chart-conversations", "chart-errors", "chart-latency"]);
    const models = MODELS.map((m) => `${m.provider}/${m.model}`);
    expect((await legend("chart-tokens")).slice(1).sort()).toEqual([...models].sort());
    expect((await legend("chart-cost")).slice(1).sort()).toEqual([...models].sort());
    expect(await legend("chart-errors")).toEqual(["Time", "requests", "errors", "fallbacks"]);
    expect(await legend("chart-latency")).toEqual(["Time", "p50", "p95"]);
    for (const id of ids) expect(await inkedPixels(id), `${id} has drawn lines/bars`).toBeGreaterThan(400);
    expect((await legend("chart-conversations")).at(-1)).toBe("cache hit %");
    // One bar per conversation seen today, labelled by its key; 24 hourly buckets.
    const today = await (await fetch(`${s.url}/status/usage.json?range=today`, { headers: { authorization: `Bearer ${TOKENS.alice}` } })).json();
    expect(today.x).toHaveLength(24);
    expect(today.conversations.map((c: { key: string }) => c.key).every((k: string) => k.startsWith("019a-"))).toBe(true);
    expect(today.conversations.length).toBeGreaterThan(2);
  });

  it("switches to 30 days (daily buckets) and keeps drawing", async () => {
    await page.click('#ranges button[data-range="30d"]');
    await page.waitForFunction(() => document.querySelector('#ranges button.on')?.getAttribute("data-range") === "30d");
    await page.waitForFunction(() => document.querySelectorAll("#charts .uplot canvas").length === 6);
    const body = await (await fetch(`${s.url}/status/usage.json?range=30d`, { headers: { authorization: `Bearer ${TOKENS.alice}` } })).json();
    expect(body.x).toHaveLength(30);
    expect(body.conversations.length).toBe(6);
    expect(await inkedPixels("chart-tokens")).toBeGreaterThan(400);
    expect(pageErrors).toEqual([]);
    await page.click('#ranges button[data-range="7d"]');
    await page.waitForFunction(() => document.querySelectorAll("#charts .uplot canvas").length === 6);
  });

  it("takes a screenshot of the page with its charts", async () => {
    await page.waitForTimeout(200);
    const buf = await page.screenshot({ fullPage: true });
    const png = decodePng(buf);
    expect(distinctColors(png)).toBeGreaterThan(100);
    const out = join(REPO_ROOT, "test-output");
    mkdirSync(out, { recursive: true });
    writeFileSync(join(out, "status-page-charts.png"), buf);
    // The README's picture: written when missing, or refreshed on demand.
    const doc = join(REPO_ROOT, "docs", "status-page.png");
    if (!existsSync(doc) || process.env.GODEX_UPDATE_SCREENSHOTS === "1") writeFileSync(doc, buf);
  });
});
