// SQLite driver (better-sqlite3): the default, one file per machine. WAL lets `godex usage` read
// while the gateway writes.
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import Database from "better-sqlite3";
import type { SqlDriver } from "./sql.ts";

export function openSqlite(file: string): SqlDriver {
  if (file !== ":memory:") mkdirSync(dirname(file), { recursive: true });
  const db = new Database(file);
  db.pragma("journal_mode = WAL");
  db.pragma("busy_timeout = 5000");
  db.pragma("synchronous = NORMAL");
  const statements = new Map<string, Database.Statement>();
  const prepare = (sql: string) => {
    let s = statements.get(sql);
    if (!s) {
      s = db.prepare(sql);
      if (statements.size < 200) statements.set(sql, s);
    }
    return s;
  };
  const ops = {
    async all<T>(sql: string, params: unknown[] = []): Promise<T[]> {
      return prepare(sql).all(...params) as T[];
    },
    async run(sql: string, params: unknown[] = []): Promise<number> {
      return prepare(sql).run(...params).changes;
    },
  };
  return {
    kind: "sqlite",
    where: file,
    ...ops,
    async transaction(fn) {
      // Every statement inside runs synchronously under better-sqlite3, so BEGIN IMMEDIATE … COMMIT
      // around the awaited callback holds no other work in between.
      db.exec("BEGIN IMMEDIATE");
      try {
        const out = await fn(ops);
        db.exec("COMMIT");
        return out;
      } catch (err) {
        if (db.inTransaction) db.exec("ROLLBACK");
        throw err;
      }
    },
    async close() {
      db.close();
    },
  };
}
