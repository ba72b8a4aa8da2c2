// The ledger's queries, written once for both databases: migrations, inserts in batches, the scan
// that `godex usage` and the charts aggregate, and the spend sums budgets read.
import { homedir } from "node:os";
import { join } from "node:path";
import type { LedgerConfig } from "../config/types.ts";
import { MIGRATIONS } from "./schema.ts";
import { ROW_COLUMNS, type LedgerRow } from "./row.ts";
import type { SqlDriver } from "./sql.ts";
import { redactUrl } from "./redact-url.ts";

export interface SpendQuery {
  /** Epoch ms, inclusive. */
  from: number;
  token?: string;
  alias?: string;
  currency: string;
}

/** Rows per INSERT statement (SQLite allows 32766 parameters; 24 columns × 200 stays well below). */
const INSERT_CHUNK = 200;

export class LedgerStore {
  constructor(readonly db: SqlDriver) {}

  get kind() {
    return this.db.kind;
  }

  get where() {
    return this.db.where;
  }

  /** Applies the migrations this database lacks; returns the schema version. */
  async migrate(): Promise<number> {
    return this.db.transaction(async (tx) => {
      await tx.run("CREATE TABLE IF NOT EXISTS godex_migrations (version INTEGER PRIMARY KEY, applied_at BIGINT NOT NULL)");
      const [row] = await tx.all<{ v: number | null }>("SELECT MAX(version) AS v FROM godex_migrations");
      const current = row?.v ?? 0;
      for (let v = current + 1; v <= MIGRATIONS.length; v++) {
        for (const sql of MIGRATIONS[v - 1]) await tx.run(sql);
        await tx.run("INSERT INTO godex_migrations (version, applied_at) VALUES (?, ?)", [v, Date.now()]);
      }
      return Math.max(current, MIGRATIONS.length);
    }, true);
  }

  async insert(rows: LedgerRow[]): Promise<void> {
    if (rows.length === 0) return;
    const one = `(${ROW_COLUMNS.map(() => "?").join(", ")})`;
    await this.db.transaction(async (tx) => {
      for (let i = 0; i < rows.length; i += INSERT_CHUNK) {
        const chunk = rows.slice(i, i + INSERT_CHUNK);
        const params = chunk.flatMap((r) => ROW_COLUMNS.map((c) => r[c]));
        await tx.run(`INSERT INTO godex_usage (${ROW_COLUMNS.join(", ")}) VALUES ${chunk.map(() => one).join(", ")}`, params);
      }
    });
  }

  /** Every row with from <= ts < to, oldest first. */
  async scan(from: number, to: number): Promise<LedgerRow[]> {
    return this.db.all<LedgerRow>(`SELECT ${ROW_COLUMNS.join(", ")} FROM godex_usage WHERE ts >= ? AND ts < ? ORDER BY ts`, [from, to]);
  }

  /** What was spent since `from` in `currency`, by one token and/or alias (all when unset). */
  async spend(q: SpendQuery): Promise<number> {
    const where = ["ts >= ?", "currency = ?"];
    const params: unknown[] = [q.from, q.currency];
    if (q.token !== undefined) (where.push("token_name = ?"), params.push(q.token));
    if (q.alias !== undefined) (where.push("alias = ?"), params.push(q.alias));
    const [row] = await this.db.all<{ spent: number | null }>(`SELECT SUM(cost) AS spent FROM godex_usage WHERE ${where.join(" AND ")}`, params);
    return Number(row?.spent ?? 0);
  }

  /** Deletes rows older than `before` (epoch ms); returns how many. */
  async prune(before: number): Promise<number> {
    return this.db.run("DELETE FROM godex_usage WHERE ts < ?", [before]);
  }

  async count(): Promise<number> {
    const [row] = await this.db.all<{ n: number }>("SELECT COUNT(*) AS n FROM godex_usage");
    return Number(row?.n ?? 0);
  }

  close(): Promise<void> {
    return this.db.close();
  }
}

/** ~/.godex/usage.db, or $GODEX_HOME/usage.db. */
export function defaultLedgerPath(): string {
  return join(process.env.GODEX_HOME ?? join(homedir(), ".godex"), "usage.db");
}

/**
 * The ledger a config names, opened (and migrated) with its first query instead of now: `godex serve`
 * loads no database driver and touches no file until it has a row to write, a budget to check or a
 * chart to draw. An open that fails fails that query (the writer retries its rows, a budget check
 * serves the request, as when the database goes away later) and is tried again with the next one.
 * `onOpen` runs once it has opened.
 */
export function lazyLedgerStore(cfg: Pick<LedgerConfig, "path" | "url">, onOpen?: () => void): LedgerStore {
  let opened: Promise<LedgerStore> | null = null;
  const open = () =>
    (opened ??= openLedgerStore(cfg).then(
      (store) => {
        onOpen?.();
        return store;
      },
      (err: unknown) => {
        opened = null;
        throw err;
      },
    ));
  const db: SqlDriver = {
    kind: cfg.url ? "postgres" : "sqlite",
    where: cfg.url ? redactUrl(cfg.url) : (cfg.path ?? defaultLedgerPath()),
    all: async (sql, params) => (await open()).db.all(sql, params),
    run: async (sql, params) => (await open()).db.run(sql, params),
    transaction: async (fn, lock) => (await open()).db.transaction(fn, lock),
    close: async () => {
      const store = opened ? await opened.catch(() => null) : null;
      await store?.close();
    },
  };
  return new LedgerStore(db);
}

/** Opens (and migrates) the ledger a config names: PostgreSQL when ledger.url is set, else SQLite. */
export async function openLedgerStore(cfg: Pick<LedgerConfig, "path" | "url">): Promise<LedgerStore> {
  // Only the configured driver is loaded (pg and better-sqlite3 are each a start-up cost of their own).
  const store = new LedgerStore(
    cfg.url ? (await import("./postgres.ts")).openPostgres(cfg.url) : (await import("./sqlite.ts")).openSqlite(cfg.path ?? defaultLedgerPath()),
  );
  try {
    await store.migrate();
  } catch (err) {
    await store.close().catch(() => {});
    throw err;
  }
  return store;
}
