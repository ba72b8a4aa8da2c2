// vitest globalSetup: the whole run keeps GodeX's data directory (ledger, response store,
// carrier key) in a temporary GODEX_HOME, so tests never write into the developer's ~/.godex.
// Workers and the processes tests spawn inherit it; a test that needs its own sets its own.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export default function setup(): () => void {
  const home = mkdtempSync(join(tmpdir(), "godex-test-home-"));
  process.env.GODEX_HOME = home;
  return () => rmSync(home, { recursive: true, force: true });
}
