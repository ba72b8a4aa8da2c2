// The two databases behind one small interface: the ledger's queries are written once, with `?`
// placeholders, and each driver runs them (PostgreSQL gets them renumbered to $1, $2, …).
export interface SqlDriver {
  readonly kind: "sqlite" | "postgres";
  /** Where the data lives, printable (a PostgreSQL URL without its password). */
  readonly where: string;
  all<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
  run(sql: string, params?: unknown[]): Promise<number>;
  /** Runs `fn` in one transaction; with `lock`, serialized with other instances running the same (migrations). */
  transaction<T>(fn: (tx: Pick<SqlDriver, "all" | "run">) => Promise<T>, lock?: boolean): Promise<T>;
  close(): Promise<void>;
}

/** `?` → `$1`, `$2`, … (the ledger's SQL has no `?` inside string literals). */
export function numberPlaceholders(sql: string): string {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
}
