// Shared plumbing for the end-to-end tests: the provider emulators + GodeX on free ports, a CODEX_HOME
// pointing Codex at GodeX, a bounded `codex exec --json` runner, the Codex builds under test, and a small
// pool so concurrent tests share a few started stacks.
import { spawn } from "node:child_process";
import type { IncomingMessage } from "node:http";
import { existsSync, readFileSync } from "node:fs";
import { copyFile, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { init } from "../../src/cli/init.ts";
import { withMockProviders } from "../../src/cli/mock-config.ts";
import { loadConfig, loadConfigFromObject } from "../../src/config/load.ts";
import type { LoadedConfig } from "../../src/config/types.ts";
import { minimaxNotes } from "../../src/mock/minimax-validate.ts";
import { startMockUpstreams, type MockUpstreams, type RecordedRequest } from "../../src/mock/server.ts";
import { xiaomiNotes } from "../../src/mock/xiaomi-validate.ts";
import { zhipuNotes } from "../../src/mock/zhipu-validate.ts";
import { startGateway, type RunningGateway, type StartOptions } from "../../src/server/start.ts";
import { freePort, memoryIO } from "../fixtures/cli/io.ts";

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

/** One Codex build under test: its pinned version and the npm launcher (bin/codex.js) that finds its binary. */
export interface CodexBuild {
  version: string;
  /** The devDependency it is installed as. */
  pkg: string;
  bin: string;
}

function codexBuild(pkg: string, version: string): CodexBuild {
  return { version, pkg, bin: join(REPO_ROOT, "node_modules", pkg, "bin", "codex.js") };
}

/**
 * The Codex builds every Codex e2e test runs against, newest first. Each is a devDependency pinned
 * exactly; older ones are installed under an npm alias, whose own platform binary npm nests beside it.
 */
export const CODEX_BUILDS: readonly CodexBuild[] = [codexBuild("@openai/codex", "0.171.0"), codexBuild("codex-0169", "0.169.0")];
/** The newest build: the default for runCodex. */
export const CODEX_LATEST: CodexBuild = CODEX_BUILDS[0]!;
/** Kept for older callers: the newest build's launcher. */
export const CODEX_BIN = CODEX_LATEST.bin;

/** The version the package really installed says it is, or an error naming the fix. */
export function installedCodexVersion(b: CodexBuild): string {
  const pkgJson = join(REPO_ROOT, "node_modules", b.pkg, "package.json");
  if (!existsSync(b.bin) || !existsSync(pkgJson)) throw new Error(`${b.pkg} (Codex ${b.version}) is not installed: run npm ci (it is a devDependency)`);
  return (JSON.parse(readFileSync(pkgJson, "utf8")) as { version: string }).version;
}

export const ALIAS = "gpt-5.5";
export const UPSTREAM_MODEL = "deepseek/deepseek-v4-pro";

/** The providers GodeX ships a mapping and an emulator for. */
export const PROVIDERS = ["deepseek", "zhipu", "minimax", "xiaomi"] as const;
export type ProviderName = (typeof PROVIDERS)[number];

/** The upstream model each provider is tested with (the `-m provider/model` target). */
export const PROVIDER_MODELS: Record<ProviderName, string> = {
  deepseek: "deepseek-v4-pro",
  zhipu: "glm-5.1",
  minimax: "MiniMax-M3",
  xiaomi: "mimo-v2.5-pro",
};

/** The alias per provider that `startStack({ providers })` adds for every provider it configures. */
export const PROVIDER_ALIASES: Record<ProviderName, string> = {
  deepseek: "godex-deepseek",
  zhipu: "godex-zhipu",
  minimax: "godex-minimax",
  xiaomi: "godex-xiaomi",
};

export interface StackOptions {
  /** GodeX's `web_search` config; a `backend` is pointed at the stack's search emulator. The emulated accounts have the paid search plugins. */
  webSearch?: Record<string, unknown>;
  /** Upstream attempts per request inside GodeX (default 1, so scripted failures surface at once). */
  maxAttempts?: number;
  /** GodeX's upstream idle timeout in ms (default: the config default). */
  idleMs?: number;
  /** GodeX log level (default silent; set GODEX_E2E_LOG=info to see the request lines). */
  logLevel?: "trace" | "debug" | "info" | "warn" | "error" | "silent";
  /**
   * Providers to configure, each pointed at its emulator with the emulator's key (default: DeepSeek only).
   * Every provider listed also gets its `PROVIDER_ALIASES` alias → `provider/PROVIDER_MODELS[provider]`
   * and that model in `providers.<name>.models`; `gpt-5.5` → DeepSeek stays whenever DeepSeek is listed.
   */
  providers?: readonly ProviderName[];
  /** Extra models.aliases (e.g. a routed alias), merged over the ones above. */
  aliases?: Record<string, unknown>;
  /** Extra `server:` settings (e.g. `websocket: { enabled: false }`). */
  server?: Record<string, unknown>;
  /** Per provider, godex.yaml's `wire:` (e.g. responses: the provider's own Responses endpoint). */
  wires?: Partial<Record<ProviderName, "chat" | "responses">>;
}

/** GodeX's record of one finished request (requested model name as `alias`, route, status, diagnostics). */
export type GatewayRecord = Parameters<NonNullable<StartOptions["onFinished"]>>[0];

export interface Stack {
  /** e.g. http://127.0.0.1:PORT (no /v1). */
  gatewayUrl: string;
  mock: MockUpstreams;
  /** What GodeX recorded for each finished /v1/responses request; emptied with the pool's reset. */
  records: GatewayRecord[];
  gateway: RunningGateway;
  /** The configuration GodeX runs with (e.g. for building Codex's model catalog). */
  config: LoadedConfig;
  /** Scratch dir owned by the stack (carrier key); removed by close(). */
  tmp: string;
  close(): Promise<void>;
}

export async function startStack(opts: StackOptions = {}): Promise<Stack> {
  const tmp = await mkdtemp(join(tmpdir(), "godex-e2e-"));
  const mock = await startMockUpstreams(opts.webSearch ? { searchPlugin: "all" } : {});
  const records: GatewayRecord[] = [];
  let gateway: RunningGateway;
  let config: LoadedConfig;
  try {
    const logLevel = opts.logLevel ?? (process.env.GODEX_E2E_LOG as StackOptions["logLevel"]) ?? "silent";
    const names: readonly ProviderName[] = opts.providers ?? ["deepseek"];
    const perProvider = opts.providers !== undefined;
    const aliases: Record<string, unknown> = {};
    if (names.includes("deepseek")) aliases[ALIAS] = UPSTREAM_MODEL;
    const providers: Record<string, unknown> = {};
    for (const name of names) {
      if (perProvider) aliases[PROVIDER_ALIASES[name]] = `${name}/${PROVIDER_MODELS[name]}`;
      providers[name] = {
        credentials: { api_key: `mock-${name}-key` },
        endpoint: { base_url: mock.baseUrl(name) },
        ...(perProvider ? { models: [PROVIDER_MODELS[name]] } : {}),
        retry: { max_attempts: opts.maxAttempts ?? 1 },
        ...(opts.idleMs !== undefined ? { timeouts: { idle_ms: opts.idleMs } } : {}),
        ...(opts.wires?.[name] ? { wire: opts.wires[name] } : {}),
      };
    }
    config = loadConfigFromObject(
      {
        server: { host: "127.0.0.1", port: 0, ...opts.server },
        models: { aliases: { ...aliases, ...opts.aliases } },
        providers,
        logging: { level: logLevel },
        ...(opts.webSearch ? { web_search: { ...opts.webSearch, ...(opts.webSearch.backend ? { endpoint: { base_url: mock.searchUrl } } : {}) } } : {}),
      },
      {},
    );
    gateway = await startGateway(config, { carrierKeyFile: join(tmp, "carrier.key"), onFinished: (r) => records.push(r) });
  } catch (err) {
    await mock.close();
    await rm(tmp, { recursive: true, force: true });
    throw err;
  }
  return {
    gatewayUrl: gateway.url,
    mock,
    records,
    gateway,
    config,
    tmp,
    async close() {
      await gateway.close();
      await mock.close();
      await rm(tmp, { recursive: true, force: true });
    },
  };
}

/**
 * Writes `<dir>/config.toml` as in shared/research/codex-client.md §2, with retries off so failures are fast.
 * `extra` lands inside `[model_providers.godex]`; `topLevel` before it (e.g. `model_catalog_json = "…"`).
 * `model` null leaves the model out, so Codex uses its own default model name. `websockets` sets
 * supports_websockets (Codex then runs the session over one WebSocket).
 */
export async function writeCodexHome(dir: string, gatewayUrl: string, extra = "", topLevel = "", model: string | null = ALIAS, websockets = false): Promise<string> {
  await mkdir(dir, { recursive: true });
  const toml = [
    ...(model !== null ? [`model = "${model}"`] : []),
    `model_provider = "godex"`,
    ...(topLevel ? [topLevel] : []),
    `[model_providers.godex]`,
    `name = "GodeX"`,
    `base_url = "${gatewayUrl}/v1"`,
    `wire_api = "responses"`,
    `requires_openai_auth = false`,
    `supports_websockets = ${websockets}`,
    `stream_max_retries = 0`,
    `request_max_retries = 0`,
    extra,
  ].join("\n");
  const file = join(dir, "config.toml");
  await writeFile(file, toml.endsWith("\n") ? toml : toml + "\n");
  return file;
}

/** One line of `codex exec --json` output. */
export interface CodexEvent {
  type: string;
  item?: { id?: string; type?: string; text?: string; command?: string; aggregated_output?: string; exit_code?: number | null; status?: string; [k: string]: unknown };
  error?: { message?: string };
  message?: string;
  usage?: Record<string, number>;
  [k: string]: unknown;
}

export interface CodexRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  events: CodexEvent[];
  timedOut: boolean;
  ms: number;
}

export interface RunCodexOptions {
  cwd: string;
  codexHome: string;
  prompt: string;
  /** Extra arguments before the prompt, e.g. ["-c", "model_reasoning_effort=xhigh"]. */
  args?: string[];
  /** Sandbox arguments (default `-s workspace-write`). */
  sandboxArgs?: string[];
  timeoutMs: number;
  /** The Codex build to run (default: the newest). */
  build?: CodexBuild;
  /** Extra environment (set after the API-key variables of this process are removed). */
  env?: Record<string, string>;
}

export function runCodex(o: RunCodexOptions): Promise<CodexRun> {
  const build = o.build ?? CODEX_LATEST;
  if (!existsSync(build.bin)) throw new Error(`Codex ${build.version} not installed at ${build.bin}: run npm ci (it is a devDependency)`);
  const env: NodeJS.ProcessEnv = { ...process.env, CODEX_HOME: o.codexHome, NO_COLOR: "1" };
  for (const k of ["OPENAI_API_KEY", "OPENAI_BASE_URL", "CODEX_API_KEY", "RUST_LOG"]) delete env[k];
  Object.assign(env, o.env);
  const args = [
    "exec",
    "--skip-git-repo-check",
    "--ephemeral",
    ...(o.sandboxArgs ?? ["-s", "workspace-write"]),
    "--json",
    ...(o.args ?? []),
    o.prompt,
  ];
  const started = Date.now();
  return new Promise((resolvePromise, reject) => {
    // detached: the launcher spawns the native binary, so the whole process group is killed on timeout.
    const child = spawn(process.execPath, [build.bin, ...args], { cwd: o.cwd, env, stdio: ["ignore", "pipe", "pipe"], detached: true });
    let stdout = "";
    let stderr = "";
    let timedOut = false;
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    const kill = (sig: NodeJS.Signals): void => {
      try {
        if (child.pid) process.kill(-child.pid, sig);
      } catch {
        /* already gone */
      }
    };
    const timer = setTimeout(() => {
      timedOut = true;
      kill("SIGTERM");
      setTimeout(() => kill("SIGKILL"), 2000).unref();
    }, o.timeoutMs);
    child.on("error", (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolvePromise({ code, signal, stdout, stderr, events: parseJsonl(stdout), timedOut, ms: Date.now() - started });
    });
  });
}

export function parseJsonl(text: string): CodexEvent[] {
  const out: CodexEvent[] = [];
  for (const line of text.split("\n")) {
    const t = line.trim();
    if (!t.startsWith("{")) continue;
    try {
      out.push(JSON.parse(t) as CodexEvent);
    } catch {
      /* not an event line */
    }
  }
  return out;
}

/** A human-readable dump for assertion messages. */
export function describeRun(r: CodexRun): string {
  return `rc=${r.code} signal=${r.signal} timedOut=${r.timedOut} ms=${r.ms}\n--- stdout ---\n${r.stdout}\n--- stderr ---\n${r.stderr.slice(-4000)}`;
}

/** A fresh scratch tree: `<root>/home` (CODEX_HOME) and `<root>/work` (cwd). */
export async function makeCodexDirs(
  gatewayUrl: string,
  extra?: string,
  topLevel?: string,
  model: string | null = ALIAS,
): Promise<{ root: string; home: string; work: string; cleanup(): Promise<void> }> {
  const root = await mkdtemp(join(tmpdir(), "godex-codex-"));
  const home = join(root, "home");
  const work = join(root, "work");
  await mkdir(work, { recursive: true });
  await writeCodexHome(home, gatewayUrl, extra, topLevel, model);
  return { root, home, work, cleanup: () => rm(root, { recursive: true, force: true }) };
}

/**
 * A bounded set of started resources (stacks) shared by the concurrent tests of one file: a test takes
 * one with use(), has it to itself until its callback settles, and the next waiting test gets it. Each
 * resource is started on first need, so a file never starts more than `size`.
 */
export interface Pool<T> {
  use<R>(fn: (item: T) => Promise<R>): Promise<R>;
  close(): Promise<void>;
}

export function createPool<T>(size: number, start: () => Promise<T>, stop: (item: T) => Promise<void>, reset: (item: T) => void = () => {}): Pool<T> {
  const all: Promise<T>[] = [];
  const idle: T[] = [];
  const waiting: ((item: T) => void)[] = [];
  const acquire = (): Promise<T> => {
    const free = idle.pop();
    if (free !== undefined) return Promise.resolve(free);
    if (all.length < size) {
      const started = start();
      all.push(started);
      return started;
    }
    return new Promise((resolvePromise) => waiting.push(resolvePromise));
  };
  const release = (item: T): void => {
    const next = waiting.shift();
    if (next) next(item);
    else idle.push(item);
  };
  return {
    async use(fn) {
      const item = await acquire();
      reset(item);
      try {
        return await fn(item);
      } finally {
        release(item);
      }
    },
    async close() {
      const started = await Promise.allSettled(all);
      await Promise.all(started.flatMap((r) => (r.status === "fulfilled" ? [stop(r.value)] : [])));
    },
  };
}

/** A pool of stacks started with the same options; each test gets a stack with an empty request log. */
export function stackPool(size: number, opts: StackOptions = {}, setup: (s: Stack) => Promise<void> = async () => {}): Pool<Stack> {
  return createPool(
    size,
    async () => {
      const s = await startStack(opts);
      await setup(s);
      return s;
    },
    (s) => s.close(),
    (s) => {
      s.mock.clear();
      s.records.length = 0;
    },
  );
}

/**
 * A GodeX as a new user runs it: `godex init --port N` writes godex.yaml (the shipped aliases), and it is
 * served as `godex serve --mock` serves it (every provider on its emulator), on that port.
 */
export interface InitedStack {
  root: string;
  port: number;
  config: LoadedConfig;
  mock: MockUpstreams;
  gateway: RunningGateway;
}

export async function startInitedStack(): Promise<InitedStack> {
  const root = await mkdtemp(join(tmpdir(), "godex-inited-"));
  const port = await freePort();
  const m = memoryIO({ cwd: root, env: {} });
  const code = await init(["--port", String(port), "--codex-home", join(root, "unused")], m.io);
  if (code !== 0) throw new Error(`godex init failed: ${m.stdout()}${m.stderr()}`);
  const mock = await startMockUpstreams();
  const config = withMockProviders(loadConfig(join(root, "godex.yaml"), {}), mock).config;
  const gateway = await startGateway({ ...config, logging: { ...config.logging, level: "silent" } }, { carrierKeyFile: join(root, "carrier.key"), mock: true });
  return { root, port, config, mock, gateway };
}

export function initedStackPool(size: number): Pool<InitedStack> {
  return createPool(
    size,
    startInitedStack,
    async (s) => {
      await s.gateway.close();
      await s.mock.close();
      await rm(s.root, { recursive: true, force: true });
    },
    (s) => s.mock.clear(),
  );
}

/** `godex init --write-codex` into `home` (seeded with an existing config.toml when given); returns its stdout. */
export async function initCodexHome(stack: InitedStack, home: string, seed?: string): Promise<string> {
  if (seed) {
    await mkdir(home, { recursive: true });
    await copyFile(seed, join(home, "config.toml"));
  }
  const m = memoryIO({ cwd: stack.root, env: {} });
  const code = await init(["--write-codex", "--port", String(stack.port), "--codex-home", home], m.io);
  if (code !== 0) throw new Error(`godex init --write-codex failed (${code}): ${m.stdout()}${m.stderr()}`);
  return m.stdout();
}

/**
 * The emulator's silent-acceptance notes for a request: what the real provider would take without a 400 but
 * drop or misread. The DeepSeek emulator has none: it rejects a missing pass-back with its real 400 instead.
 */
export function emulatorNotes(req: RecordedRequest): string[] {
  const body = req.body as Record<string, unknown>;
  if (req.provider === "zhipu") return zhipuNotes(body);
  if (req.provider === "minimax") return minimaxNotes(body);
  if (req.provider === "xiaomi") return xiaomiNotes(body);
  return [];
}

/** What Codex sent the gateway by transport: the paths of its POSTs, and each WebSocket upgrade as `<path> <openai-beta>`. */
export interface GatewayTraffic {
  posts: string[];
  upgrades: string[];
}

/** Starts recording the gateway's POSTs and WebSocket upgrades (before its own handlers see them). */
export function recordTraffic(stack: Stack): GatewayTraffic {
  const traffic: GatewayTraffic = { posts: [], upgrades: [] };
  stack.gateway.server.prependListener("request", (req: IncomingMessage) => {
    if (req.method === "POST") traffic.posts.push(req.url ?? "");
  });
  stack.gateway.server.prependListener("upgrade", (req: IncomingMessage) => traffic.upgrades.push(`${req.url} ${req.headers["openai-beta"] ?? ""}`));
  return traffic;
}
