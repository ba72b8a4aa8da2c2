// The npm package as a user gets it: `npm pack` of a copy of this checkout (so the build it runs
// never touches the dist/ other tests use), `npm install -g` of the tarball into an empty prefix
// (production dependencies only, from the local npm cache where it can), then the installed
// `godex` command: --version, init --write-codex, lint, models, doctor, and serve --mock answering
// GET /health and POST /v1/responses. A file missing from package.json "files" fails here.
import { spawn, spawnSync, type SpawnSyncReturns } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const REPO = join(import.meta.dirname, "../..");
const VERSION = JSON.parse(readFileSync(join(REPO, "package.json"), "utf8")).version as string;

let tmp: string;
let packed: { files: { path: string }[]; filename: string };
let godex: string;
let env: NodeJS.ProcessEnv;
let work: string;
let port: number;

/** The environment without npm's script variables (npm test sets many), provider keys or GODEX_HOME (data under HOME, as a user has it). */
function cleanEnv(): NodeJS.ProcessEnv {
  const keep = new Set(["npm_config_cache", "npm_config_registry", "npm_config_userconfig"]);
  return Object.fromEntries(Object.entries(process.env).filter(([k]) => (!/^npm_/i.test(k) || keep.has(k)) && !/_API_KEY$/.test(k) && k !== "GODEX_HOME"));
}

function run(command: string, args: string[], cwd: string, extraEnv: NodeJS.ProcessEnv = {}): SpawnSyncReturns<string> {
  return spawnSync(command, args, { cwd, encoding: "utf8", env: { ...env, ...extraEnv }, timeout: 240_000 });
}

function must(r: SpawnSyncReturns<string>, what: string): string {
  if (r.status !== 0) throw new Error(`${what} exited ${r.status ?? r.signal}\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });
}

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), "godex-pack-"));
  env = cleanEnv();
  // A copy of the checkout as git sees it (tracked and new files; no node_modules, dist, .git).
  const stage = join(tmp, "stage");
  const listed = spawnSync("git", ["ls-files", "--cached", "--others", "--exclude-standard", "-z"], { cwd: REPO, encoding: "utf8" });
  const files = listed.status === 0 ? listed.stdout.split("\0").filter(Boolean) : [];
  expect(files.length, "git ls-files").toBeGreaterThan(50);
  for (const f of files) {
    if (!existsSync(join(REPO, f))) continue; // deleted in the working tree
    mkdirSync(dirname(join(stage, f)), { recursive: true });
    cpSync(join(REPO, f), join(stage, f));
  }
  expect(existsSync(join(stage, "dist")), "dist/ is ignored, so the copy has none: npm pack must build it").toBe(false);
  symlinkSync(join(REPO, "node_modules"), join(stage, "node_modules"), "dir");
  const out = must(run("npm", ["pack", "--json", "--pack-destination", tmp], stage), "npm pack");
  packed = JSON.parse(out.slice(out.indexOf("[")))[0];

  const prefix = join(tmp, "prefix");
  // --ignore-scripts, then the native SQLite binding this checkout already built: offline, better-sqlite3's
  // install script cannot fetch its prebuilt binary and compiles SQLite for minutes instead. The copied
  // binary stands in for that prebuilt one (same version, same Node ABI); everything else is as installed.
  must(run("npm", ["install", "-g", "--ignore-scripts", "--prefix", prefix, "--prefer-offline", "--no-audit", "--no-fund", join(tmp, packed.filename)], tmp), "npm install -g");
  const binding = join("node_modules", "better-sqlite3", "build", "Release", "better_sqlite3.node");
  const installedBinding = join(prefix, "lib", "node_modules", "godex", binding);
  mkdirSync(dirname(installedBinding), { recursive: true });
  cpSync(join(REPO, binding), installedBinding);
  godex = join(prefix, "bin", "godex");
  work = join(tmp, "work");
  mkdirSync(work);
  port = await freePort();
}, 300_000);

afterAll(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
}, 60_000);

// Each command starts a fresh Node process; on a busy 2-core machine that takes seconds.
describe("the npm package", { timeout: 120_000 }, () => {
  it("packs the bundle, mappings, schemas and the shipped config, and no sources, tests or bench", () => {
    const paths = packed.files.map((f) => f.path);
    for (const p of ["package.json", "README.md", "bin/godex.mjs", "dist/godex.mjs", "godex.yaml", "schemas/config.schema.json", "schemas/mapping.schema.json", "schemas/responses-request.schema.json"]) {
      expect(paths).toContain(p);
    }
    const mappings = readdirSync(join(REPO, "mappings")).filter((f) => f.endsWith(".yaml"));
    for (const m of mappings) expect(paths).toContain(`mappings/${m}`);
    const backends = readdirSync(join(REPO, "search")).filter((f) => f.endsWith(".yaml"));
    expect(backends.length).toBeGreaterThan(0);
    for (const b of backends) expect(paths).toContain(`search/${b}`);
    const unwanted = paths.filter((p) => /^(src|test|bench|codegen|coverage|node_modules)\//.test(p) || /\.test\.ts$|\.tgz$/.test(p));
    expect(unwanted).toEqual([]);
  });

  it("installs with production dependencies only", () => {
    const installed = join(tmp, "prefix", "lib", "node_modules", "godex");
    expect(existsSync(join(installed, "dist", "godex.mjs"))).toBe(true);
    expect(existsSync(join(installed, "src"))).toBe(false);
    const deps = readdirSync(join(installed, "node_modules"));
    expect(deps).toEqual(expect.arrayContaining(["express", "ajv", "jsonata", "yaml", "smol-toml", "toml-eslint-parser"]));
    for (const dev of ["tsx", "esbuild", "typescript", "vitest", "@openai"]) expect(deps).not.toContain(dev);
  });

  it("runs --version, --help and rejects an unknown command", () => {
    expect(must(run(godex, ["--version"], work), "godex --version")).toBe(`${VERSION}\n`);
    expect(must(run(godex, ["--help"], work), "godex --help")).toMatch(/^GodeX .*\n\nUsage: godex <command>/);
    const bad = run(godex, ["frobnicate"], work);
    expect(bad.status).toBe(2);
    expect(bad.stdout).toBe("");
    expect(bad.stderr).toMatch(/^godex: unknown command 'frobnicate'\n\nGodeX /);
    // A directory without godex.yaml: the shipped one is used, and said.
    const empty = join(tmp, "empty");
    mkdirSync(empty);
    const models = run(godex, ["models"], empty);
    expect(models.status, models.stderr).toBe(0);
    expect(models.stderr).toMatch(/^godex models: no \.\/godex\.yaml here, using the shipped one \(.*lib\/node_modules\/godex\/godex\.yaml\)/);
  });

  it("init --write-codex, lint, models and doctor work from the installed package", () => {
    const home = join(tmp, "home");
    const keys = { DEEPSEEK_API_KEY: "sk-test", ZHIPU_API_KEY: "zk-test", MINIMAX_API_KEY: "mk-test", XIAOMI_API_KEY: "xk-test" };
    const extra = { HOME: home, CODEX_HOME: join(home, ".codex"), ...keys };
    must(run(godex, ["init", "--write-codex", "--port", String(port)], work, extra), "godex init");
    expect(readFileSync(join(work, "godex.yaml"), "utf8")).toContain(`port: ${port}`);
    expect(readFileSync(join(home, ".codex", "config.toml"), "utf8")).toContain(`base_url = "http://127.0.0.1:${port}/v1"`);
    const catalog = JSON.parse(readFileSync(join(home, ".codex", "godex-models.json"), "utf8")) as { models: { slug: string; context_window?: number }[] };
    expect(catalog.models.find((m) => m.slug === "gpt-5.5")?.context_window).toBeGreaterThan(0);

    // With every key set, the shipped config's only finding is a model without a price (a warning, exit 0).
    expect(must(run(godex, ["lint"], work, extra), "godex lint")).toMatch(/^(?:\S+ warning price: [^\n]*\n)*godex lint: 0 errors, 1 warnings? in \d+ files\n$/);
    expect(must(run(godex, ["models"], work, extra), "godex models")).toMatch(/gpt-5\.5\s+→ deepseek\/deepseek-v4-pro/);
    const doctor = run(godex, ["doctor"], work, extra);
    expect(doctor.status, doctor.stdout + doctor.stderr).toBe(0);
    expect(doctor.stdout).toContain("All checks passed.");
  });

  it("serve --mock answers GET /health and POST /v1/responses", async () => {
    const child = spawn(godex, ["serve", "--mock", "--port", String(port), "--no-watch", "--log-level", "warn"], { cwd: work, env: { ...env, HOME: join(tmp, "home") } });
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    try {
      const url = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no "listening" line in 30 s:\n${stderr}`)), 30_000);
        child.stderr.on("data", () => {
          const m = /GodeX listening on (http:\/\/\S+)/.exec(stderr);
          if (m) {
            clearTimeout(timer);
            resolve(m[1]!);
          }
        });
        child.once("exit", (code) => reject(new Error(`godex serve exited ${code}:\n${stderr}`)));
      });
      const health = await fetch(`${url}/health`);
      expect(health.status).toBe(200);
      const res = await fetch(`${url}/v1/responses`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ model: "gpt-5.5", input: "Say hello.", stream: false }),
      });
      const body = (await res.json()) as { status?: string; output?: { type: string; content?: { type: string; text: string }[] }[] };
      expect(res.status, JSON.stringify(body)).toBe(200);
      expect(body.status).toBe("completed");
      const text = body.output?.find((o) => o.type === "message")?.content?.[0]?.text ?? "";
      expect(text.length).toBeGreaterThan(0);
    } finally {
      // A child that already exited (a failed start) emits no second "exit".
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((resolve) => child.once("exit", resolve));
        child.kill("SIGTERM");
        await exited;
      }
    }
    expect(child.exitCode).toBe(0);
    // The usage ledger (native SQLite binding) recorded the response from the installed package.
    const usage = JSON.parse(must(run(godex, ["usage", "--db", join(tmp, "home", ".godex", "usage-mock.db"), "--format", "json"], work), "godex usage")) as { total: { requests: number } };
    expect(usage.total.requests).toBe(1);
  });
});
