// The SQLite response store commits the puts of one event-loop turn together; each put resolves
// only once its row is committed (visible to another connection), and a failure rejects, never hangs.
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

function finished(n: number): FinishedResponse {
  const id = `resp_${n.toString(16).padStart(8, "0")}`;
  const input = [{ type: "message", role: "user", content: `hello ${n}` }];
  const output = [{ type: "message", id: `msg_${n}`, role: "assistant", status: "completed", content: [{ type: "output_text", text: `hi ${n}`, annotations: [] }] }];
  return { id, request: { model: "m", input } as never, input: input as never, history: { items: [], bytes: 2 }, output: output as never, response: { id, object: "response", output } as never };
}

const limits = { retentionMs: 60_000, maxBytes: 10_000_000 };

describe("SqliteResponseStore group commit", () => {
  it("puts of one turn all resolve, each row committed and readable from another connection", async () => {
    const path = file();
    const store = new SqliteResponseStore(path, limits);
    const other = new Database(path, { readonly: true });
    try {
      const seen: number[] = [];
      const puts = Array.from({ length: 40 }, (_, i) =>
        store.put(finished(i)).then(() => {
          const row = other.prepare("SELECT COUNT(*) AS n FROM godex_responses WHERE id = ?").get(finished(i).id) as { n: number };
          seen.push(row.n);
        }),
      );
      // Nothing is written synchronously: the batch commits on the next turn.
      expect((other.prepare("SELECT COUNT(*) AS n FROM godex_responses").get() as { n: number }).n).toBe(0);
      await Promise.all(puts);
      expect(seen).toEqual(Array(40).fill(1));
      for (const i of [0, 17, 39]) expect((await store.history(finished(i).id))?.items).toHaveLength(2);
    } finally {
      other.close();
      await store.close();
    }
  });

  it("puts of later turns form their own batches", async () => {
    const store = new SqliteResponseStore(file(), limits);
    try {
      await store.put(finished(1));
      await Promise.all([store.put(finished(2)), store.put(finished(3))]);
      await store.put(finished(4));
      for (const i of [1, 2, 3, 4]) expect(await store.get(finished(i).id)).not.toBeNull();
    } finally {
      await store.close();
    }
  });

  it("close commits what is pending; a put after close rejects instead of hanging", async () => {
    const path = file();
    const store = new SqliteResponseStore(path, limits);
    const pending = store.put(finished(7));
    await store.close();
    await pending;
    const again = new SqliteResponseStore(path, limits);
    expect(await again.get(finished(7).id)).not.toBeNull();
    await again.close();
    await expect(store.put(finished(8))).rejects.toThrow();
  });
});
