// The ledger suite on PostgreSQL (a throwaway server started by test/setup/postgres.ts), plus what
// only a shared ledger can show: two GodeX instances writing to one database give consistent
// totals and enforce one budget between them.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import pg from "pg";
import { startPostgres, type TestPostgres } from "../setup/postgres.ts";
import { startMockUpstreams, type MockUpstreams } from "../../src/mock/server.ts";
import { usage } from "../../src/cli/usage.ts";
import { captureIO, ledgerSuite } from "./suite.ts";
import { TOKENS, chatCompletion, chatUsage, GLM, input, post, startLedgerStack, waitUntil, type LedgerStack } from "./helpers.ts";

let server: TestPostgres;
let n = 0;

/** A new database on the test server: every case starts from an empty ledger. */
async function freshDatabase(): Promise<string> {
  const name = `godex_${process.pid}_${++n}`;
  const admin = new pg.Client({ connectionString: server.url });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  return server.url.replace(/\/postgres$/, `/${name}`);
}

beforeAll(async () => {
  server = await startPostgres();
}, 600_000);
afterAll(async () => server?.stop());

ledgerSuite("PostgreSQL", () => ({
  fresh: async () => ({ url: await freshDatabase() }),
  cliArgs: (cfg) => ["--url", cfg.url!],
}));

describe("two GodeX instances on one PostgreSQL ledger", () => {
  let mock: MockUpstreams;
  let a: LedgerStack;
  let b: LedgerStack;
  let url: string;
  const budget = { name: "team-daily", alias: "gpt-5.4-mini", period: "daily", limit: 0.005 };

  beforeAll(async () => {
    url = await freshDatabase();
    mock = await startMockUpstreams({ keys: { deepseek: "k-ds", zhipu: "k-zp" } });
    // Both start together: the migrations run once (advisory lock), not twice.
    [a, b] = await Promise.all([
      startLedgerStack({ ledger: { url }, mock, instance: "a", budgets: [budget] }),
      startLedgerStack({ ledger: { url }, mock, instance: "b", budgets: [budget] }),
    ]);
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await mock?.close();
  });

  it("writes every response of both instances once: the totals add up", async () => {
    const sends: Promise<void>[] = [];
    for (let i = 0; i < 10; i++) {
      for (const s of [a, b]) {
        sends.push(
          (async () => {
            const res = await post(s.url, { model: "gpt-5.5", input: input(`q${i}`), prompt_cache_key: `conv-${i % 3}` }, i % 2 ? TOKENS.alice : TOKENS.bob);
            expect(res.status).toBe(200);
            await res.text();
          })(),
        );
      }
    }
    await Promise.all(sends);
    await Promise.all([a.ledger.writer.flush(), b.ledger.writer.flush()]);
    const rows = await a.ledger.store.scan(0, Date.now() + 1);
    expect(rows).toHaveLength(20);
    expect(rows.filter((r) => r.instance === "a")).toHaveLength(10);
    expect(new Set(rows.map((r) => r.request_id)).size).toBe(20);
    const io = captureIO();
    expect(await usage(["--url", url, "--by", "token", "--format", "json"], io)).toBe(0);
    const report = JSON.parse(io.out());
    expect(report.total.requests).toBe(20);
    expect(report.lines.map((l: any) => [l.key, l.requests])).toEqual(expect.arrayContaining([["alice", 10], ["bob", 10]]));
    const sum = rows.reduce((s, r) => s + (r.cost ?? 0), 0);
    expect(report.total.cost.USD).toBeCloseTo(sum, 10);
  });

  it("enforces one budget across both: spend on A closes the budget on B", async () => {
    // Each GLM answer costs (2000 × 1.40 + 1000 × 4.40) / 1M = 0.0072 USD: one is over the 0.005 budget.
    mock.clear();
    mock.enqueue("zhipu", { status: 200, json: chatCompletion("x", chatUsage(2000, 0, 1000, 0)) });
    const first = await post(a.url, { model: "gpt-5.4-mini", input: input("spend") });
    expect(first.status).toBe(200);
    await first.text();
    await a.ledger.writer.flush();
    const [row] = (await a.ledger.store.scan(0, Date.now() + 1)).filter((r) => r.alias === "gpt-5.4-mini");
    expect(row.cost).toBeCloseTo((2000 * GLM.input + 1000 * GLM.output) / 1e6, 12);
    const seen = mock.requests.length;
    // B learns of A's spend from the database (its cached sum is at most 1 s old).
    const refused = await waitUntil(async () => {
      const res = await post(b.url, { model: "gpt-5.4-mini", input: input("more") });
      const body = await res.json();
      return res.status === 429 ? body : null;
    }, 5000, "instance B to refuse");
    expect(refused.error.code).toBe("insufficient_quota");
    expect(refused.error.message).toContain("'team-daily'");
    // A refuses too, and neither called the provider again... except B's requests before it learnt.
    const again = await post(a.url, { model: "gpt-5.4-mini", input: input("more") });
    expect(again.status).toBe(429);
    await again.text();
    const after = mock.requests.length;
    const res = await post(b.url, { model: "gpt-5.4-mini", input: input("more") });
    expect(res.status).toBe(429);
    await res.text();
    expect(mock.requests.length).toBe(after);
    expect(after - seen).toBeLessThanOrEqual(3);
  });
});
