// Opens the configured response store on first use: a GodeX that never sees store:true creates no
// file and opens no connection.
import { join } from "node:path";
import type { StoreConfig } from "../config/types.ts";
import type { ResponseStore } from "./response-store.ts";

export function openResponseStore(config: StoreConfig, dataDir: string): ResponseStore | null {
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
      return new SqliteResponseStore(config.path ?? join(dataDir, "responses.db"), limits);
    })());
  return {
    put: async (r) => (await open()).put(r),
    get: async (id) => (await open()).get(id),
    inputItems: async (id) => (await open()).inputItems(id),
    history: async (id) => (await open()).history(id),
    delete: async (id) => (await open()).delete(id),
    close: async () => {
      if (opened) await (await opened).close();
    },
  };
}
