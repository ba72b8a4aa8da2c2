// The ledger test suite, run against SQLite (sqlite.test.ts) and PostgreSQL (postgres.test.ts):
// the same rows, the same `godex usage` output, the same budgets.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LedgerConfig } from "../../src/config/types.ts";
import { openLedgerStore } from "../../src/ledger/store.ts";
import { SCHEMA_VERSION } from "../../src/ledger/schema.ts";
import { usage } from "../../src/cli/usage.ts";
import type { CliIO } from "../../src/cli/progress.ts";
import { GLM, TOKENS, chatCompletion, chatUsage, input, post, seedRow, startLedgerStack, waitUntil, type LedgerStack } from "./helpers.ts";

export interface LedgerBackend {
  /** Settings of an empty ledger (a new file, a new database). */
  fresh(): Promise<Pick<LedgerConfig, "path" | "url">>;
  /** --db FILE or --url URL for `godex usage`. */
  cliArgs(cfg: Pick<LedgerConfig, "path" | "url">): string[];
}

export function captureIO(now = new Date()): CliIO & { out: () => string; err: () => string } {
  let out = "";
  let err = "";
  return {
    stdout: { write: (s: string) => ((out += s), true) } as never,
    stderr: { write: (s: string) => ((err += s), true) } as never,
    env: {},
    cwd: process.cwd(),
    now: () => now,
    out: () => out,
    err: () => err,
  };
}

const DAY = 86_400_000;

export function ledgerSuite(kind: string, backend: () => LedgerBackend) {
  describe(`ledger on ${kind}: one row per response`, () => {
    let s: LedgerStack;
    beforeAll(async () => {
      s = await startLedgerStack({ ledger: await backend().fresh() });
    });
    afterAll(async () => s?.close());

    it("records completed, streamed, incomplete, failed, aborted and rejected responses with tokens, cost, latency and outcome", async () => {
      // completed (JSON), GLM at the shipped price: 1000 in (600 cached), 300 out (120 reasoning).
      s.mock.enqueue("zhipu", { status: 200, json: chatCompletion("hi", chatUsage(1000, 600, 300, 120)) });
      const json = await post(s.url, { model: "gpt-5.4-mini", input: input("one"), prompt_cache_key: "conv-1" });
      expect(json.status).toBe(200);
      await json.text();
      // completed (stream), DeepSeek at the contract price from godex.yaml.
      const streamed = await post(s.url, { model: "gpt-5.5", input: input("two"), stream: true, prompt_cache_key: "conv-1" }, TOKENS.bob);
      expect(streamed.status).toBe(200);
      await streamed.text();
      // incomplete: the provider stopped at the token limit.
      s.mock.enqueue("zhipu", { status: 200, json: chatCompletion("cut", chatUsage(500, 0, 100, 0), "length") });
      await (await post(s.url, { model: "gpt-5.4-mini", input: input("three"), max_output_tokens: 100 })).text();
      // failed: the provider answers 500 (no retry configured).
      s.mock.enqueue("zhipu", { status: 500, json: { error: { message: "boom", type: "server_error" } } });
      const failed = await post(s.url, { model: "gpt-5.4-mini", input: input("four") });
      expect(failed.status).toBeGreaterThanOrEqual(500);
      await failed.text();
      // aborted: the client goes away while the provider is silent (before GodeX committed an answer).
      s.mock.enqueue("deepseek", { hangMs: 3000 });
      const ac = new AbortController();
      const hanging = post(s.url, { model: "gpt-5.5", input: input("five"), stream: true }, TOKENS.alice, ac.signal).catch(() => null);
      await waitUntil(() => s.mock.requests.some((r) => r.provider === "deepseek" && JSON.stringify(r.body).includes("five")), 5000, "the upstream call");
      ac.abort();
      await hanging;
      // rejected by GodeX: an unknown model.
      const rejected = await post(s.url, { model: "no-such-model", input: input("six") });
      expect(rejected.status).toBe(400);
      await rejected.text();

      const rows = await waitUntil(async () => {
        await s.ledger.writer.flush();
        const all = await s.ledger.store.scan(0, Date.now() + 1);
        return all.length >= 6 ? all : null;
      }, 8000, "six ledger rows");
      const byOutcome = (o: string) => rows.filter((r) => r.outcome === o);
      expect(rows.map((r) => r.outcome).sort()).toEqual(["aborted", "completed", "completed", "failed", "incomplete", "rejected"]);

      const glm = byOutcome("completed").find((r) => r.provider === "zhipu")!;
      expect(glm).toMatchObject({ alias: "gpt-5.4-mini", model: "glm-5.1", served_by: "zhipu/glm-5.1", token_name: "alice", conversation: "conv-1", stream: 0, status: 200, input_tokens: 1000, cached_tokens: 600, output_tokens: 300, reasoning_tokens: 120, currency: "USD", fallback: 0 });
      expect(glm.cost).toBeCloseTo((400 * GLM.input + 600 * GLM.cached + 300 * GLM.output) / 1e6, 12);
      expect(glm.latency_ms).toBeGreaterThanOrEqual(0);
      expect(glm.request_id).toMatch(/^req_/);

      const ds = byOutcome("completed").find((r) => r.provider === "deepseek")!;
      expect(ds).toMatchObject({ alias: "gpt-5.5", model: "deepseek-v4-pro", token_name: "bob", stream: 1, conversation: "conv-1" });
      expect(ds.input_tokens).toBeGreaterThan(0);
      expect(ds.first_token_ms).not.toBeNull();
      // The contract price (2 / 0.5 / 8 per 1M) from godex.yaml, not the shipped one.
      expect(ds.cost).toBeCloseTo(((ds.input_tokens - ds.cached_tokens) * 2 + ds.cached_tokens * 0.5 + ds.output_tokens * 8) / 1e6, 12);

      const inc = byOutcome("incomplete")[0];
      expect(inc).toMatchObject({ input_tokens: 500, output_tokens: 100, error_code: null });
      expect(inc.cost).toBeCloseTo((500 * GLM.input + 100 * GLM.output) / 1e6, 12);

      const fail = byOutcome("failed")[0];
      expect(fail.status).toBeGreaterThanOrEqual(500);
      expect(fail.error_code).toBeTruthy();
      expect(fail.cost).toBeNull();

      expect(byOutcome("aborted")[0]).toMatchObject({ alias: "gpt-5.5", stream: 1, token_name: "alice" });
      expect(byOutcome("rejected")[0]).toMatchObject({ status: 400, error_code: "model_not_found", provider: null });
      // No secret reaches the ledger.
      expect(JSON.stringify(rows)).not.toContain(TOKENS.alice);
      expect(JSON.stringify(rows)).not.toContain("k-ds");
    });

    it("serves the charts' data from the ledger", async () => {
      const res = await fetch(`${s.url}/status/usage.json?range=today`, { headers: { authorization: `Bearer ${TOKENS.alice}` } });
      const body = await res.json();
      expect(body.enabled).toBe(true);
      expect(body.totals.today.requests).toBeGreaterThanOrEqual(6);
      expect(Object.keys(body.tokens)).toContain("zhipu/glm-5.1");
      expect(body.x).toHaveLength(24);
    });

    it("exposes cost and cached tokens per provider/model in /metrics", async () => {
      const text = await (await fetch(`${s.url}/metrics`, { headers: { authorization: `Bearer ${TOKENS.alice}` } })).text();
      const cost = /godex_cost_total\{provider="zhipu",model="glm-5.1",currency="USD"\} ([0-9.e-]+)/.exec(text);
      expect(Number(cost?.[1])).toBeCloseTo((400 * GLM.input + 600 * GLM.cached + 300 * GLM.output + 500 * GLM.input + 100 * GLM.output) / 1e6, 10);
      expect(text).toMatch(/godex_cached_tokens_total\{provider="zhipu",model="glm-5.1"\} 600/);
      expect(text).toMatch(/godex_ledger_rows_written \d+/);
    });
  });

  describe(`ledger on ${kind}: godex usage`, () => {
    let cfg: Pick<LedgerConfig, "path" | "url">;
    const now = new Date("2026-11-20T15:00:00Z");
    beforeAll(async () => {
      cfg = await backend().fresh();
      const store = await openLedgerStore(cfg);
      const day = (d: number, h = 10) => Date.UTC(2026, 10, d, h);
      await store.insert([
        seedRow({ ts: day(18), alias: "gpt-5.5", conversation: "conv-a", token_name: "alice", input_tokens: 10_000, cached_tokens: 8_000, output_tokens: 1_000, reasoning_tokens: 400, cost: 0.05, latency_ms: 1000 }),
        seedRow({ ts: day(18, 11), alias: "gpt-5.5", conversation: "conv-a", token_name: "alice", input_tokens: 12_000, cached_tokens: 11_000, output_tokens: 500, reasoning_tokens: 0, cost: 0.02, latency_ms: 3000 }),
        seedRow({ ts: day(19), alias: "gpt-5.4-mini", provider: "zhipu", model: "glm-5.1", served_by: "zhipu/glm-5.1", conversation: "conv-b", token_name: "bob", input_tokens: 4_000, cached_tokens: 0, output_tokens: 2_000, reasoning_tokens: 0, cost: 0.1, latency_ms: 2000 }),
        seedRow({ ts: day(19, 12), alias: "gpt-5.4-mini", provider: "zhipu", model: "glm-5.1", served_by: "zhipu/glm-5.1", conversation: "conv-b", token_name: "bob", status: 502, outcome: "failed", error_code: "server_error", input_tokens: 0, cached_tokens: 0, output_tokens: 0, reasoning_tokens: 0, cost: null, currency: null, latency_ms: 500 }),
        seedRow({ ts: day(20), alias: "gpt-5.5", conversation: "conv-a", token_name: "alice", input_tokens: 20_000, cached_tokens: 19_000, output_tokens: 3_000, reasoning_tokens: 1_000, cost: 0.08, latency_ms: 4000 }),
        // Outside the window (too old) and outside --from/--to.
        seedRow({ ts: day(1), cost: 100, input_tokens: 1 }),
      ]);
      await store.close();
    });

    const run = async (...args: string[]) => {
      const io = captureIO(now);
      const code = await usage([...args, ...backend().cliArgs(cfg)], io);
      return { code, out: io.out(), err: io.err() };
    };

    it("prints a table per day with tokens, cache-hit rate, cost, error rate and latency percentiles", async () => {
      const { code, out, err } = await run("--since", "7d");
      expect(err).toBe("");
      expect(code).toBe(0);
      const lines = out.split("\n");
      expect(lines[0]).toContain("GodeX usage 2026-11-14 → 2026-11-20 (UTC) by day");
      const line = (key: string) => lines.find((l) => l.startsWith(key))!.trim().split(/\s{2,}/);
      expect(line("2026-11-18")).toEqual(["2026-11-18", "2", "0", "22,000", "19,000", "86.4%", "1,500", "400", "0.0700", "1,000", "3,000"]);
      expect(line("2026-11-19")).toEqual(["2026-11-19", "2", "1 (50.0%)", "4,000", "0", "0.0%", "2,000", "0", "0.1000", "500", "2,000"]);
      expect(line("total")).toEqual(["total", "5", "1 (20.0%)", "46,000", "38,000", "82.6%", "6,500", "1,400", "0.2500", "2,000", "4,000"]);
      expect(out).not.toContain("2026-11-01");
    });

    it("groups by alias, provider-model, conversation and token", async () => {
      const conv = JSON.parse((await run("--since", "7d", "--by", "conversation", "--format", "json")).out);
      expect(conv.lines.map((l: any) => [l.key, l.requests, l.cached_tokens, +l.cache_hit_rate.toFixed(4)])).toEqual([
        ["conv-a", 3, 38_000, +(38_000 / 42_000).toFixed(4)],
        ["conv-b", 2, 0, 0],
      ]);
      const tok = JSON.parse((await run("--since", "7d", "--by", "token", "--format", "json")).out);
      expect(tok.lines.map((l: any) => [l.key, +l.cost.USD.toFixed(6)])).toEqual([["alice", 0.15], ["bob", 0.1]]);
      const model = JSON.parse((await run("--since", "7d", "--by", "model", "--format", "json")).out);
      expect(model.lines.map((l: any) => l.key)).toEqual(["deepseek/deepseek-v4-pro", "zhipu/glm-5.1"]);
      expect(model.lines[1]).toMatchObject({ requests: 2, errors: 1, error_rate: 0.5, latency_p50_ms: 500, latency_p95_ms: 2000 });
      const alias = await run("--since", "7d", "--by", "alias");
      expect(alias.out).toMatch(/^gpt-5\.5 +3 /m);
    });

    it("writes CSV and honours --from/--to", async () => {
      const { out } = await run("--from", "2026-11-19", "--to", "2026-11-19", "--format", "csv");
      expect(out).toBe(
        "day,requests,errors,error_rate,input_tokens,cached_tokens,cache_hit_rate,output_tokens,reasoning_tokens,cost_usd,unpriced,latency_p50_ms,latency_p95_ms\n" +
          "2026-11-19,2,1,0.5,4000,0,0,2000,0,0.1,0,500,2000\n",
      );
    });

    it("refuses bad arguments with a clear message", async () => {
      expect((await run("--by", "week")).err).toContain("--by must be one of day, alias, model, conversation, token");
      expect((await run("--since", "7d", "--from", "2026-11-01")).err).toContain("not both");
      expect((await run("--since", "soon")).err).toContain("--since");
    });
  });

  describe(`ledger on ${kind}: budgets`, () => {
    let s: LedgerStack;
    beforeAll(async () => {
      const cfg = await backend().fresh();
      // alice has already spent 0.30 USD today: over her 0.25 daily budget.
      const store = await openLedgerStore(cfg);
      await store.insert([seedRow({ token_name: "alice", cost: 0.3 }), seedRow({ token_name: "alice", cost: 5, ts: Date.now() - 40 * DAY })]);
      await store.close();
      s = await startLedgerStack({
        ledger: cfg,
        budgets: [
          { name: "alice-daily", token: "alice", period: "daily", limit: 0.25 },
          { name: "mini-monthly", alias: "gpt-5.4-mini", period: "monthly", limit: 1000 },
        ],
      });
    });
    afterAll(async () => s?.close());

    it("answers 429 insufficient_quota naming the budget and its reset, and never calls the provider", async () => {
      s.mock.clear();
      const res = await post(s.url, { model: "gpt-5.5", input: input("hi") }, TOKENS.alice);
      expect(res.status).toBe(429);
      const body = await res.json();
      expect(body.error).toMatchObject({ type: "insufficient_quota", code: "insufficient_quota" });
      const reset = new Date(Math.floor(Date.now() / DAY) * DAY + DAY).toISOString();
      expect(body.error.message).toContain("'alice-daily'");
      expect(body.error.message).toContain("0.3000 of 0.25 USD");
      expect(body.error.message).toContain(`resets at ${reset}`);
      expect(s.mock.requests).toHaveLength(0);
      // Streaming requests are refused the same way, before any event.
      const streamed = await post(s.url, { model: "gpt-5.5", input: input("hi"), stream: true }, TOKENS.alice);
      expect(streamed.status).toBe(429);
      await streamed.text();
      expect(s.mock.requests).toHaveLength(0);
    });

    it("serves another token, and records the refusals", async () => {
      const res = await post(s.url, { model: "gpt-5.5", input: input("hi") }, TOKENS.bob);
      expect(res.status).toBe(200);
      await res.text();
      expect(s.mock.requests.length).toBe(1);
      await s.ledger.writer.flush();
      const rows = await s.ledger.store.scan(Date.now() - DAY, Date.now() + 1);
      expect(rows.filter((r) => r.error_code === "insufficient_quota" && r.token_name === "alice")).toHaveLength(2);
    });

    it("counts the spend GodeX itself just made (a budget reached mid-day closes)", async () => {
      // bob spends through a 1000-token response per request; a budget on him set low enough closes after it.
      const bobBudget = { name: "bob-tiny", token: "bob", period: "daily" as const, limit: 1e-9, currency: "USD" };
      const v = await s.ledger.budgets.check([bobBudget], "bob", "gpt-5.5");
      expect(v?.budget.name).toBe("bob-tiny");
      expect(v!.spent).toBeGreaterThan(0);
    });
  });

  describe(`ledger on ${kind}: schema and retention`, () => {
    it("migrates once (versioned), and prunes rows older than the retention", async () => {
      const cfg = await backend().fresh();
      const store = await openLedgerStore(cfg);
      expect(await store.migrate()).toBe(SCHEMA_VERSION);
      const versions = await store.db.all<{ version: number }>("SELECT version FROM godex_migrations ORDER BY version");
      expect(versions.map((v) => Number(v.version))).toEqual(Array.from({ length: SCHEMA_VERSION }, (_, i) => i + 1));
      const now = Date.now();
      await store.insert([seedRow({ ts: now - 91 * DAY }), seedRow({ ts: now - 89 * DAY }), seedRow({ ts: now })]);
      expect(await store.prune(now - 90 * DAY)).toBe(1);
      expect(await store.count()).toBe(2);
      await store.close();
    });
  });
}
