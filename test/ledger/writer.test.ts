// The ledger's write path: bounded, batched, never awaited by a request, and a broken database costs
// rows (logged, counted in /metrics), never a request.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { LedgerWriter } from "../../src/ledger/writer.ts";
import { LedgerStore, openLedgerStore } from "../../src/ledger/store.ts";
import { Ledger } from "../../src/ledger/ledger.ts";
import type { SqlDriver } from "../../src/ledger/sql.ts";
import type { LedgerRow } from "../../src/ledger/row.ts";
import { input, post, seedRow, startLedgerStack, TOKENS, waitUntil } from "./helpers.ts";

const dir = mkdtempSync(join(tmpdir(), "godex-ledger-writer-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A store whose inserts fail (or hang) on demand. */
function flakyStore(mode: { fail: boolean; hang?: boolean }) {
  const inserted: LedgerRow[] = [];
  const store = new LedgerStore({ kind: "sqlite", where: "memory" } as SqlDriver);
  store.insert = async (rows) => {
    if (mode.hang) await new Promise(() => {});
    if (mode.fail) throw new Error("database is locked");
    inserted.push(...rows);
  };
  return { store, inserted };
}

describe("ledger writer", () => {
  it("add() returns at once and batches rows; the queue is bounded (extra rows dropped and counted)", async () => {
    const mode = { fail: false, hang: true };
    const { store } = flakyStore(mode);
    const w = new LedgerWriter(store, { maxQueue: 100, batchSize: 10, flushMs: 5 });
    const started = performance.now();
    for (let i = 0; i < 150; i++) w.add(seedRow({}));
    expect(performance.now() - started).toBeLessThan(50);
    // The database hangs: at most maxQueue rows are held (one batch in flight + the rest queued).
    await new Promise((r) => setTimeout(r, 30));
    expect(w.stats.dropped).toBe(50);
    expect(w.pending().length).toBe(100);
  });

  it("a failing database: rows retried, then counted as lost; add() never throws", async () => {
    const mode = { fail: true };
    const { store, inserted } = flakyStore(mode);
    const errors: string[] = [];
    const w = new LedgerWriter(store, { batchSize: 5, flushMs: 1, maxAttempts: 2, onError: (e) => errors.push(String((e as Error).message)) });
    for (let i = 0; i < 5; i++) expect(() => w.add(seedRow({}))).not.toThrow();
    await w.flush();
    await waitUntil(() => w.stats.failed === 5, 3000, "rows counted as lost");
    expect(errors[0]).toContain("database is locked");
    mode.fail = false;
    w.add(seedRow({ request_id: "req_after" }));
    await w.flush();
    expect(inserted.map((r) => r.request_id)).toEqual(["req_after"]);
    expect(w.stats.written).toBe(1);
  });

  it("a ledger whose database fails never fails a request, and /metrics counts the lost rows", async () => {
    const path = join(dir, "broken.db");
    const s = await startLedgerStack({ ledger: { path } });
    try {
      // Break the database under the running gateway.
      s.ledger.store.insert = async () => {
        throw new Error("disk I/O error");
      };
      for (let i = 0; i < 3; i++) {
        const res = await post(s.url, { model: "gpt-5.5", input: input("hi") });
        expect(res.status).toBe(200);
        await res.text();
      }
      await waitUntil(() => s.ledger.writer.stats.failed === 3, 10_000, "three lost rows");
      const metrics = await (await fetch(`${s.url}/metrics`, { headers: { authorization: `Bearer ${TOKENS.alice}` } })).text();
      expect(metrics).toMatch(/godex_ledger_rows_lost 3/);
    } finally {
      await s.close();
    }
  });

  it("close() writes what is queued (the last responses survive a shutdown)", async () => {
    const path = join(dir, "close.db");
    const ledger = await Ledger.open({ enabled: true, path, retentionDays: 90 }, { flushMs: 60_000 });
    for (let i = 0; i < 3; i++) ledger.add(seedRow({}));
    await ledger.close();
    const store = await openLedgerStore({ path });
    expect(await store.count()).toBe(3);
    await store.close();
  });
});
