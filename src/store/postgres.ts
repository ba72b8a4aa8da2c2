// The shared response store: one PostgreSQL table that several GodeX instances read and write, so
// an instance continues a chain another one started. Same rows and rules as the SQLite store; the
// prune runs on every instance and is idempotent.
import pg from "pg";
import type { InputItem } from "../protocol/request.ts";
import type { ResponseObject } from "../generated/responses-output.ts";
import type { FinishedResponse, History } from "../engine/continuation/history.ts";
import { historyOf, toRow, type ResponseStore, type StoreLimits } from "./response-store.ts";

const SCHEMA = `
CREATE TABLE IF NOT EXISTS godex_responses (
  id TEXT PRIMARY KEY,
  previous_id TEXT,
  created_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL,
  bytes BIGINT NOT NULL,
  input TEXT NOT NULL,
  output TEXT NOT NULL,
  response TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS godex_responses_created ON godex_responses (created_at);
`;

const PRUNE_EVERY_MS = 5_000;

export class PostgresResponseStore implements ResponseStore {
  private readonly pool: pg.Pool;
  private ready: Promise<void> | null = null;
  private lastPrune = 0;

  constructor(
    url: string,
    private readonly limits: StoreLimits,
  ) {
    this.pool = new pg.Pool({ connectionString: url, max: 4 });
    // An idle client that loses its connection must not crash the process.
    this.pool.on("error", () => {});
  }

  private init(): Promise<void> {
    this.ready ??= (async () => {
      const c = await this.pool.connect();
      try {
        // Instances starting together: one creates the table, the others wait on the lock.
        await c.query("SELECT pg_advisory_lock(727374)");
        await c.query(SCHEMA);
      } finally {
        await c.query("SELECT pg_advisory_unlock(727374)").catch(() => {});
        c.release();
      }
    })().catch((err) => {
      this.ready = null;
      throw err;
    });
    return this.ready;
  }

  async put(r: FinishedResponse): Promise<void> {
    await this.init();
    const row = toRow(r, this.limits);
    await this.pool.query(
      `INSERT INTO godex_responses (id, previous_id, created_at, expires_at, bytes, input, output, response) VALUES ($1,$2,$3,$4,$5,$6,$7,$8)
       ON CONFLICT (id) DO UPDATE SET previous_id = EXCLUDED.previous_id, created_at = EXCLUDED.created_at, expires_at = EXCLUDED.expires_at,
         bytes = EXCLUDED.bytes, input = EXCLUDED.input, output = EXCLUDED.output, response = EXCLUDED.response`,
      [row.id, row.previousId, row.createdAt, row.expiresAt, row.bytes, row.input, row.output, row.response],
    );
    if (Date.now() - this.lastPrune >= PRUNE_EVERY_MS) await this.prune();
  }

  async get(id: string): Promise<ResponseObject | null> {
    await this.init();
    const r = await this.pool.query<{ response: string }>("SELECT response FROM godex_responses WHERE id = $1 AND expires_at > $2", [id, Date.now()]);
    return r.rows[0] ? (JSON.parse(r.rows[0].response) as ResponseObject) : null;
  }

  async inputItems(id: string): Promise<InputItem[] | null> {
    await this.init();
    const r = await this.pool.query<{ input: string }>("SELECT input FROM godex_responses WHERE id = $1 AND expires_at > $2", [id, Date.now()]);
    return r.rows[0] ? (JSON.parse(r.rows[0].input) as InputItem[]) : null;
  }

  async history(id: string): Promise<History | null> {
    await this.init();
    const r = await this.pool.query<{ id: string; previousId: string | null; input: string; output: string }>(
      `WITH RECURSIVE chain(id, previous_id, input, output, depth) AS (
         SELECT id, previous_id, input, output, 0 FROM godex_responses WHERE id = $1 AND expires_at > $2
         UNION ALL
         SELECT r.id, r.previous_id, r.input, r.output, c.depth + 1 FROM godex_responses r JOIN chain c ON r.id = c.previous_id WHERE r.expires_at > $2
       ) SELECT id, previous_id AS "previousId", input, output FROM chain ORDER BY depth`,
      [id, Date.now()],
    );
    return historyOf(r.rows, id);
  }

  async delete(id: string): Promise<boolean> {
    await this.init();
    const r = await this.pool.query("DELETE FROM godex_responses WHERE id = $1", [id]);
    return (r.rowCount ?? 0) > 0;
  }

  /** Deletes expired rows, then the oldest while the total is over max_size. */
  async prune(now = Date.now()) {
    this.lastPrune = now;
    await this.pool.query("DELETE FROM godex_responses WHERE expires_at <= $1", [now]);
    // Keep the newest rows whose running total fits; everything older goes.
    await this.pool.query(
      `DELETE FROM godex_responses WHERE id IN (
         SELECT id FROM (SELECT id, SUM(bytes) OVER (ORDER BY created_at DESC, id DESC) AS running FROM godex_responses) t WHERE running > $1)`,
      [this.limits.maxBytes],
    );
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
