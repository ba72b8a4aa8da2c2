// A throwaway PostgreSQL server for tests: Debian's `postgresql` package (installed with apt-get when
// missing, like the browser for the status page), a fresh cluster made by initdb in a temp dir, on a
// free port, run as a non-root user (PostgreSQL refuses root), trust auth on 127.0.0.1 only.
//
//   const pg = await startPostgres();   // { url: "postgres://godex@127.0.0.1:PORT/postgres", stop }
//   …
//   await pg.stop();                    // stops the server and deletes its files
//
// Fails (never skips) with the reason when a server cannot be made available.
import { spawnSync } from "node:child_process";
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";

export interface TestPostgres {
  /** postgres://godex@127.0.0.1:<port>/postgres (trust auth: no password). */
  url: string;
  port: number;
  stop(): Promise<void>;
}

function run(cmd: string, args: string[], timeoutMs = 120_000): { ok: boolean; output: string } {
  const r = spawnSync(cmd, args, { encoding: "utf8", timeout: timeoutMs, env: { ...process.env, DEBIAN_FRONTEND: "noninteractive", LC_ALL: "C" }, maxBuffer: 64 * 1024 * 1024 });
  return { ok: r.status === 0, output: `${r.stdout ?? ""}${r.stderr ?? ""}${r.error ? `\n${r.error.message}` : ""}` };
}

const tail = (s: string) => s.trim().split("\n").slice(-15).join("\n");

/** The directory holding initdb and pg_ctl (the newest installed major version). */
function findBinDir(): string | null {
  const base = "/usr/lib/postgresql";
  if (!existsSync(base)) return null;
  const versions = readdirSync(base).filter((v) => existsSync(join(base, v, "bin", "initdb"))).sort((a, b) => Number(b) - Number(a));
  return versions.length ? join(base, versions[0], "bin") : null;
}

let binDir: string | undefined;

export function ensurePostgres(): string {
  if (binDir) return binDir;
  let found = findBinDir();
  if (!found) {
    const how = "install it with: sudo apt-get update && sudo apt-get install -y postgresql";
    if (process.getuid?.() !== 0 || !existsSync("/usr/bin/apt-get")) throw new Error(`PostgreSQL (initdb, pg_ctl) is not installed; ${how}`);
    const update = run("apt-get", ["update"], 300_000);
    if (!update.ok) throw new Error(`apt-get update failed:\n${tail(update.output)}`);
    const install = run("apt-get", ["install", "-y", "--no-install-recommends", "postgresql"], 600_000);
    if (!install.ok) throw new Error(`apt-get install postgresql failed:\n${tail(install.output)}`);
    found = findBinDir();
    if (!found) throw new Error("apt-get installed postgresql but no /usr/lib/postgresql/<version>/bin/initdb was found");
  }
  binDir = found;
  return found;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** Root runs the server as `postgres` (made by the package) or `nobody`; anyone else as themselves. */
function serverUser(): { name: string; uid: number; gid: number } | null {
  if (process.getuid?.() !== 0) return null;
  for (const name of ["postgres", "nobody"]) {
    const id = run("id", ["-u", name]);
    const gid = run("id", ["-g", name]);
    if (id.ok && gid.ok) return { name, uid: Number(id.output.trim()), gid: Number(gid.output.trim()) };
  }
  throw new Error("running as root, and neither user postgres nor nobody exists to run PostgreSQL");
}

export async function startPostgres(): Promise<TestPostgres> {
  const bin = ensurePostgres();
  const user = serverUser();
  const dir = mkdtempSync(join(tmpdir(), "godex-pg-"));
  const data = join(dir, "data");
  const as = (cmd: string, args: string[]) => (user ? run("runuser", ["-u", user.name, "--", cmd, ...args]) : run(cmd, args));
  if (user) {
    chownSync(dir, user.uid, user.gid);
    chmodSync(dir, 0o700);
  }
  const init = as(join(bin, "initdb"), ["-D", data, "-U", "godex", "--auth=trust", "-E", "UTF8", "--no-sync", "--no-instructions"]);
  if (!init.ok) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`initdb failed${user ? ` (as ${user.name})` : ` (as ${userInfo().username})`}:\n${tail(init.output)}`);
  }
  // A free port can be taken between the probe and the start: try a few.
  let lastError = "";
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    const start = as(join(bin, "pg_ctl"), ["-D", data, "-l", join(dir, "server.log"), "-w", "-t", "60", "-o", `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off`, "start"]);
    if (start.ok) {
      let stopped = false;
      return {
        url: `postgres://godex@127.0.0.1:${port}/postgres`,
        port,
        async stop() {
          if (stopped) return;
          stopped = true;
          as(join(bin, "pg_ctl"), ["-D", data, "-m", "immediate", "-w", "stop"]);
          rmSync(dir, { recursive: true, force: true });
        },
      };
    }
    lastError = start.output + (existsSync(join(dir, "server.log")) ? run("cat", [join(dir, "server.log")]).output : "");
  }
  rmSync(dir, { recursive: true, force: true });
  throw new Error(`pg_ctl start failed:\n${tail(lastError)}`);
}
