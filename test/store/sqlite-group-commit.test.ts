// The SQLite response store writes behind: a put returns at once, every read of the store sees it
// (reads write what is pending first), and pending puts reach the file together within FLUSH_MS (or
// at once past the row bound). A failed write is reported, never thrown at a request, never hangs.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { SqliteResponseStore } from "../../src/store/sqlite.ts";
import type { FinishedResponse } from "../../src/engine/continuation/history.ts";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function file(): string {
  const dir = mkdtempSync(join(tmpdir(), "godex-store-"));
  dirs.push(dir);
  return join(dir, "responses.db");
}

function finished(n: number, previous?: string): FinishedResponse {
  const id = `resp_${n.toString(16).padStart(8, "0")}`;
  const input = [{ type: "message", role: "user", content: `hello ${n}` }];
  const output = [{ type: "message", id: `msg_${n}`, role: "assistant", status: "completed", content: [{ type: "output_text", text: `hi ${n}`, annotations: [] }] }];
  return { id, request: { model: "m", input, ...(previous ? { previous_response_id: previous } : {}) } as never, input: input as never, history: { items: [], bytes: 2 }, output: output as never, response: { id, object: "response", output } as never };
}

const limits = { retentionMs: 60_000, maxBytes: 10_000_000 };
const afterFlush = () => new Promise((r) => setTimeout(r, 60));
const countIn = (db: Database.Database) => (db.prepare("SELECT COUNT(*) AS n FROM godex_responses").get() as { n: number }).n;

describe("SqliteResponseStore write-behind", () => {
  it("pending puts reach the file together within the flush delay; reads in this process see them at once", async () => {
    const path = file();
    const store = new SqliteResponseStore(path, limits);
    const other = new Database(path, { readonly: true });
    try {
      await Promise.all(Array.from({ length: 40 }, (_, i) => store.put(finished(i))));
      expect(countIn(other)).toBe(0);
      await afterFlush();
      expect(countIn(other)).toBe(40);
      // A put and a read in the same turn: the read writes what is pending first.
      await store.put(finished(100));
      await store.put(finished(101, finished(100).id));
      expect((await store.history(finished(101).id))?.items).toHaveLength(4);
      expect(await store.get(finished(100).id)).toMatchObject({ id: finished(100).id });
      expect(await store.inputItems(finished(101).id)).toHaveLength(1);
      await store.put(finished(102));
      expect(await store.delete(finished(102).id)).toBe(true);
      expect(await store.get(finished(102).id)).toBeNull();
    } finally {
      other.close();
      await store.close();
    }
  });

  it("past the row bound the batch is written at once", async () => {
    const path = file();
    const store = new SqliteResponseStore(path, limits);
    const other = new Database(path, { readonly: true });
    try {
      for (let i = 0; i < 200; i++) await store.put(finished(i));
      expect(countIn(other)).toBe(200);
    } finally {
      other.close();
      await store.close();
    }
  });

  it("close writes what is pending", async () => {
    const path = file();
    const store = new SqliteResponseStore(path, limits);
    await store.put(finished(7));
    await store.close();
    const again = new SqliteResponseStore(path, limits);
    expect(await again.get(finished(7).id)).not.toBeNull();
    await again.close();
  });

  it("a write that fails is reported, not thrown at a request, and does not hang", async () => {
    const errors: unknown[] = [];
    const store = new SqliteResponseStore(file(), limits, (err) => errors.push(err));
    await store.close();
    await expect(store.put(finished(8))).resolves.toBeUndefined();
    await afterFlush();
    expect(errors).toHaveLength(1);
    expect(String(errors[0])).toMatch(/not open|closed/i);
  });
});
