// The ledger's schema, as numbered migrations run in order by both stores (the SQL is the subset
// SQLite and PostgreSQL share). A migration is never edited once shipped: add the next one.
export const MIGRATIONS: string[][] = [
  // 1: the usage table.
  [
    `CREATE TABLE IF NOT EXISTS godex_usage (
      ts BIGINT NOT NULL,
      request_id TEXT NOT NULL,
      instance TEXT,
      alias TEXT,
      provider TEXT,
      model TEXT,
      served_by TEXT,
      fallback INTEGER NOT NULL DEFAULT 0,
      token_name TEXT,
      conversation TEXT,
      stream INTEGER NOT NULL DEFAULT 0,
      status INTEGER NOT NULL,
      outcome TEXT NOT NULL,
      error_code TEXT,
      input_tokens BIGINT NOT NULL DEFAULT 0,
      cached_tokens BIGINT NOT NULL DEFAULT 0,
      output_tokens BIGINT NOT NULL DEFAULT 0,
      reasoning_tokens BIGINT NOT NULL DEFAULT 0,
      cost DOUBLE PRECISION,
      currency TEXT,
      latency_ms INTEGER NOT NULL,
      first_token_ms INTEGER,
      retries INTEGER NOT NULL DEFAULT 0,
      diagnostics TEXT
    )`,
    "CREATE INDEX IF NOT EXISTS godex_usage_ts ON godex_usage (ts)",
    "CREATE INDEX IF NOT EXISTS godex_usage_token_ts ON godex_usage (token_name, ts)",
    "CREATE INDEX IF NOT EXISTS godex_usage_alias_ts ON godex_usage (alias, ts)",
    "CREATE INDEX IF NOT EXISTS godex_usage_conversation ON godex_usage (conversation)",
  ],
];

export const SCHEMA_VERSION = MIGRATIONS.length;
