// Opens the configured response store on first use: a GodeX that never sees store:true creates no
// file and opens no connection. A store that fails (PostgreSQL down, disk full) is the client's 503
// in the OpenAI error shape, never a crash; the cause goes to the log (never a URL with a password).
import { join } from "node:path";
import type { StoreConfig } from "../config/types.ts";
import { ClientError } from "../protocol/types.ts";
import type { ResponseStore } from "./response-store.ts";

/** The error's text with the store URL's password (raw or decoded) replaced, so it can be logged. */
export function scrubStoreError(err: unknown, url: string | undefined): string {
  let text = String((err as Error)?.message ?? err);
  if (!url) return text;
  try {
    const raw = new URL(url).password;
    for (const secret of new Set([raw, decodeURIComponent(raw)])) if (secret) text = text.split(secret).join("***");
  } catch {
    text = text.split(url).join("postgres://…");
  }
  return text;
}

export function openResponseStore(config: StoreConfig, dataDir: string, onError: (message: string) => void = () => {}): ResponseStore | null {
  if (config.backend === "off") return null;
  const limits = { retentionMs: config.retentionMs, maxBytes: config.maxBytes };
  let opened: Promise<ResponseStore> | null = null;
  const open = () =>
    (opened ??= (async () => {
      if (config.backend === "postgres") {
        const { PostgresResponseStore } = await import("./postgres.ts");
        return new PostgresResponseStore(config.url!, limits);
      }
      const { SqliteResponseStore } = await import("./sqlite.ts");
      return new SqliteResponseStore(config.path ?? join(dataDir, "responses.db"), limits, (err) => onError(`stored responses not written: ${scrubStoreError(err, config.url)}`));
    })().catch((err: unknown) => {
      opened = null; // the next request tries again
      throw err;
    }));
  const guarded =
    <A extends unknown[], R>(op: (s: ResponseStore, ...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      try {
        return await op(await open(), ...args);
      } catch (err) {
        if (err instanceof ClientError) throw err;
        onError(scrubStoreError(err, config.url));
        throw new ClientError(503, "server_error", "store_unavailable", `GodeX's response store (store.backend: ${config.backend}) is unavailable; retry later. The cause is in GodeX's log.`);
      }
    };
  return {
    put: guarded((s, r) => s.put(r)),
    get: guarded((s, id) => s.get(id)),
    inputItems: guarded((s, id) => s.inputItems(id)),
    history: guarded((s, id) => s.history(id)),
    delete: guarded((s, id) => s.delete(id)),
    close: async () => {
      const s = opened ? await opened.catch(() => null) : null;
      await s?.close();
    },
  };
}
