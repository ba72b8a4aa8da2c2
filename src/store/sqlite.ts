// The embedded response store: one SQLite file (better-sqlite3, synchronous and fast for these
// small keyed reads). Expired rows are invisible at once and deleted by the periodic prune, which
// also drops the oldest rows while the total size is over the cap. Rows are written behind the
// reply, in batches (see `pending`).
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import Database from "better-sqlite3";
import type { InputItem } from "../protocol/request.ts";
import type { ResponseObject } from "../generated/responses-output.ts";
import type { FinishedResponse, History } from "../engine/continuation/history.ts";
import { historyOf, toRow, type ResponseStore, type StoreLimits, type StoredRow } from "./response-store.ts";

const SCHEMA = `
CREATE TABLE IF NOT EXISTS godex_responses (
  id TEXT PRIMARY KEY,
  previous_id TEXT,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  bytes INTEGER NOT NULL,
  input TEXT NOT NULL,
  output TEXT NOT NULL,
  response TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS godex_responses_created ON godex_responses (created_at);
`;

/** Prune at most this often (ms); every put counts toward it. */
const PRUNE_EVERY_MS = 5_000;
/** Pending rows are written within this many ms (what a crash can lose), or at once past these bounds. */
const FLUSH_MS = 20;
const FLUSH_ROWS = 200;
const FLUSH_BYTES = 8 * 1024 * 1024;

export class SqliteResponseStore implements ResponseStore {
  private readonly db: Database.Database;
  private lastPrune = 0;
  /** Total bytes stored (this process is the file's only writer). */
  private total: number;
  private readonly q;
  /**
   * Rows not yet written (write-behind, group commit): the reply does not wait for SQLite, and one
   * transaction per batch instead of one per response cut the store's CPU per response severalfold
   * (a one-row commit cost ~0.2 ms on the 2-core bench machine). This process is the file's only
   * writer, so every read first writes what is pending and sees it at once. Written within
   * FLUSH_MS, or at once past FLUSH_ROWS rows or FLUSH_BYTES.
   */
  private pending: StoredRow[] = [];
  private pendingBytes = 0;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    file: string,
    private readonly limits: StoreLimits,
    /** A write that failed off the request path (its rows are lost; the requests were answered). */
    private readonly onWriteError: (err: unknown) => void = () => {},
  ) {
    if (file !== ":memory:") mkdirSync(dirname(file), { recursive: true });
    this.db = new Database(file);
    this.db.pragma("journal_mode = WAL");
    this.db.pragma("synchronous = NORMAL");
    this.db.exec(SCHEMA);
    this.q = {
      put: this.db.prepare(
        "INSERT OR REPLACE INTO godex_responses (id, previous_id, created_at, expires_at, bytes, input, output, response) VALUES (@id, @previousId, @createdAt, @expiresAt, @bytes, @input, @output, @response)",
      ),
      get: this.db.prepare<[string, number], { response: string }>("SELECT response FROM godex_responses WHERE id = ? AND expires_at > ?"),
      input: this.db.prepare<[string, number], { input: string }>("SELECT input FROM godex_responses WHERE id = ? AND expires_at > ?"),
      chain: this.db.prepare<[{ id: string; now: number }], { id: string; previousId: string | null; input: string; output: string }>(
        `WITH RECURSIVE chain(id, previous_id, input, output, depth) AS (
           SELECT id, previous_id, input, output, 0 FROM godex_responses WHERE id = @id AND expires_at > @now
           UNION ALL
           SELECT r.id, r.previous_id, r.input, r.output, c.depth + 1 FROM godex_responses r JOIN chain c ON r.id = c.previous_id WHERE r.expires_at > @now
         ) SELECT id, previous_id AS previousId, input, output FROM chain ORDER BY depth`,
      ),
      delete: this.db.prepare<[string]>("DELETE FROM godex_responses WHERE id = ?"),
      expire: this.db.prepare<[number]>("DELETE FROM godex_responses WHERE expires_at <= ?"),
      total: this.db.prepare<[], { total: number | null }>("SELECT SUM(bytes) AS total FROM godex_responses"),
      oldest: this.db.prepare<[], { id: string; bytes: number }>("SELECT id, bytes FROM godex_responses ORDER BY created_at LIMIT 100"),
    };
    this.total = this.q.total.get()?.total ?? 0;
  }

  /** Queues the row; it is written within FLUSH_MS, and any read of this store sees it before. */
  async put(r: FinishedResponse): Promise<void> {
    const row = toRow(r, this.limits);
    this.pending.push(row);
    this.pendingBytes += row.bytes;
    if (this.pending.length >= FLUSH_ROWS || this.pendingBytes >= FLUSH_BYTES) this.flush();
    else if (!this.timer) {
      this.timer = setTimeout(() => this.flush(), FLUSH_MS);
      this.timer.unref();
    }
  }

  /** Writes the pending rows in one transaction; a failure loses them and is reported, never thrown. */
  private flush() {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const batch = this.pending;
    if (batch.length === 0) return;
    this.pending = [];
    this.pendingBytes = 0;
    try {
      this.db.transaction(() => {
        for (const row of batch) this.q.put.run(row);
      })();
      for (const row of batch) this.total += row.bytes;
      if (this.total > this.limits.maxBytes || Date.now() - this.lastPrune >= PRUNE_EVERY_MS) this.prune();
    } catch (err) {
      this.onWriteError(err);
    }
  }

  async get(id: string): Promise<ResponseObject | null> {
    this.flush();
    const row = this.q.get.get(id, Date.now());
    return row ? (JSON.parse(row.response) as ResponseObject) : null;
  }

  async inputItems(id: string): Promise<InputItem[] | null> {
    this.flush();
    const row = this.q.input.get(id, Date.now());
    return row ? (JSON.parse(row.input) as InputItem[]) : null;
  }

  async history(id: string): Promise<History | null> {
    this.flush();
    return historyOf(this.q.chain.all({ id, now: Date.now() }), id);
  }

  async delete(id: string): Promise<boolean> {
    this.flush();
    return this.q.delete.run(id).changes > 0;
  }

  /** Deletes expired rows, then the oldest while the total is over max_size. */
  prune(now = Date.now()) {
    this.lastPrune = now;
    this.q.expire.run(now);
    let total = this.q.total.get()?.total ?? 0;
    while (total > this.limits.maxBytes) {
      const batch = this.q.oldest.all();
      if (batch.length === 0) break;
      this.db.transaction(() => {
        for (const row of batch) {
          if (total <= this.limits.maxBytes) break;
          this.q.delete.run(row.id);
          total -= row.bytes;
        }
      })();
    }
    this.total = total;
  }

  async close(): Promise<void> {
    this.flush();
    this.db.close();
  }
}
