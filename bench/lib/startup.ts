// Section 7 of the bench: what every user pays on every command and restart, measured as whole
// processes the way a shell runs them (`node bin/godex.mjs …` from spawn to exit, or to the first
// `GET /health` 200), with the shipped godex.yaml and mappings, the median of several runs.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { request } from "node:http";
import { cpuMs, freePort, rssMiB } from "./proc.ts";


export interface StartupFigures {
  runs: number;
  /** Wall ms, spawn to exit, per run. */
  bareNode: number[];
  version: number[];
  models: number[];
  lint: number[];
  /** Wall ms, spawn to the first 200 from GET /health. */
  serveToHealth: number[];
  /** CPU ms the serving process used until that 200. */
  serveCpuToHealth: number[];
  /** RSS (MiB) 2 s after the first 200, no request served. */
  serveRssAtRest: number[];
  /** Exit status of the first run of each command (0: the figure timed a success). */
  status: Record<string, number | null>;
}

function newestMtime(dir: string): number {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    newest = Math.max(newest, e.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return newest;
}

/** bin/godex.mjs runs the TypeScript through tsx when dist/ is older than src/: build first, so the bundle is timed. */
export function ensureFreshBundle(root: string, log: (s: string) => void): void {
  const bundle = join(root, "dist", "godex.mjs");
  if (existsSync(bundle) && statSync(bundle).mtimeMs >= newestMtime(join(root, "src"))) return;
  log("bench: dist/ is older than src/: npm run build…");
  const r = spawnSync("npm", ["run", "build"], { cwd: root, stdio: ["ignore", "ignore", "inherit"] });
  if (r.status !== 0) throw new Error("npm run build failed");
}

function timeProcess(args: string[], cwd: string, env: NodeJS.ProcessEnv): { ms: number; status: number | null } {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, args, { cwd, env, stdio: "ignore", timeout: 60_000 });
  return { ms: performance.now() - t0, status: r.status };
}

function healthOk(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request({ host: "127.0.0.1", port, path: "/health", agent: false }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on("error", () => resolve(false));
    req.end();
  });
}

async function serveOnce(root: string, env: NodeJS.ProcessEnv): Promise<{ ms: number; cpu: number; rss: number }> {
  const port = await freePort();
  const t0 = performance.now();
  const child = spawn(process.execPath, ["bin/godex.mjs", "serve", "--port", String(port), "--no-watch"], { cwd: root, env, stdio: "ignore" });
  try {
    for (;;) {
      if (child.exitCode !== null) throw new Error(`godex serve exited with ${child.exitCode} before /health answered`);
      if (await healthOk(port)) break;
      if (performance.now() - t0 > 30_000) throw new Error("godex serve: no /health 200 within 30 s");
      await new Promise((r) => setTimeout(r, 2));
    }
    const ms = performance.now() - t0;
    const cpu = cpuMs(child.pid!);
    await new Promise((r) => setTimeout(r, 2000));
    return { ms, cpu, rss: rssMiB(child.pid!) };
  } finally {
    child.kill("SIGTERM");
    await new Promise((r) => (child.exitCode !== null || child.signalCode !== null ? r(null) : child.once("exit", r)));
  }
}

/**
 * `godex version`, `models` and `lint` against the shipped godex.yaml, `node -e 0` for scale, and
 * `godex serve` with the shipped godex.yaml and one provider key set (so it serves the real providers,
 * not the emulators), interleaved run by run so a busy neighbour hits them alike.
 */
export async function measureStartup(root: string, home: string, runs: number): Promise<StartupFigures> {
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH ?? "", HOME: home, GODEX_HOME: home, DEEPSEEK_API_KEY: "bench-key" };
  const f: StartupFigures = { runs, bareNode: [], version: [], models: [], lint: [], serveToHealth: [], serveCpuToHealth: [], serveRssAtRest: [], status: {} };
  const cmd = (name: "version" | "models" | "lint", list: number[]) => {
    const r = timeProcess(["bin/godex.mjs", name], root, env);
    f.status[name] ??= r.status;
    list.push(r.ms);
  };
  for (let i = 0; i < runs; i++) {
    f.bareNode.push(timeProcess(["-e", "0"], root, env).ms);
    cmd("version", f.version);
    cmd("models", f.models);
    cmd("lint", f.lint);
    const s = await serveOnce(root, env);
    f.serveToHealth.push(s.ms);
    f.serveCpuToHealth.push(s.cpu);
    f.serveRssAtRest.push(s.rss);
  }
  return f;
}

