// The ledger suite on SQLite (the default: ~/.godex/usage.db; here a temp file per case).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll } from "vitest";
import { ledgerSuite } from "./suite.ts";

const dir = mkdtempSync(join(tmpdir(), "godex-ledger-sqlite-"));
let n = 0;
afterAll(() => rmSync(dir, { recursive: true, force: true }));

ledgerSuite("SQLite", () => ({
  fresh: async () => ({ path: join(dir, `usage-${++n}.db`) }),
  cliArgs: (cfg) => ["--db", cfg.path!],
}));
