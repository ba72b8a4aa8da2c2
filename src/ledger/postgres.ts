// PostgreSQL driver (pg): one ledger shared by several GodeX instances. BIGINT and NUMERIC come
// back as numbers (the ledger's sums stay far below 2^53).
import pg from "pg";
import { redactUrl } from "./redact-url.ts";
import { numberPlaceholders, type SqlDriver } from "./sql.ts";

const INT8 = 20;
const NUMERIC = 1700;

export { redactUrl };

export function openPostgres(url: string): SqlDriver {
  const types = {
    getTypeParser: ((oid: number, format?: string) =>
      oid === INT8 || oid === NUMERIC ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format as never)) as typeof pg.types.getTypeParser,
  };
  const pool = new pg.Pool({ connectionString: url, max: 4, idleTimeoutMillis: 10_000, types });
  // An idle client losing its connection must not crash the process: the next query reconnects.
  pool.on("error", () => {});
  const via = (q: { query: pg.Pool["query"] } | pg.PoolClient) => ({
    async all<T>(sql: string, params: unknown[] = []): Promise<T[]> {
      return (await q.query(numberPlaceholders(sql), params)).rows as T[];
    },
    async run(sql: string, params: unknown[] = []): Promise<number> {
      return (await q.query(numberPlaceholders(sql), params)).rowCount ?? 0;
    },
  });
  return {
    kind: "postgres",
    where: redactUrl(url),
    ...via(pool),
    async transaction(fn, lock) {
      const client = await pool.connect();
      try {
        await client.query("BEGIN");
        // One lock id for GodeX's migrations: instances starting together run them one at a time.
        if (lock) await client.query("SELECT pg_advisory_xact_lock(7041962)");
        const out = await fn(via(client));
        await client.query("COMMIT");
        return out;
      } catch (err) {
        await client.query("ROLLBACK").catch(() => {});
        throw err;
      } finally {
        client.release();
      }
    },
    async close() {
      await pool.end();
    },
  };
}
