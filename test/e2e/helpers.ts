// Shared plumbing for the end-to-end tests: the provider emulators + GodeX on free ports, a CODEX_HOME
// pointing Codex at GodeX, and a bounded `codex exec --json` runner.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { loadConfigFromObject } from "../../src/config/load.ts";
import type { LoadedConfig } from "../../src/config/types.ts";
import { startMockUpstreams, type MockUpstreams } from "../../src/mock/server.ts";
import { startGateway, type RunningGateway } from "../../src/server/start.ts";

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
/** The Codex CLI launcher installed as a devDependency. */
export const CODEX_BIN = join(REPO_ROOT, "node_modules", ".bin", "codex");

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
  /** Per provider, godex.yaml's `wire:` (e.g. responses: the provider's own Responses endpoint). */
  wires?: Partial<Record<ProviderName, "chat" | "responses">>;
}

export interface Stack {
  /** e.g. http://127.0.0.1:PORT (no /v1). */
  gatewayUrl: string;
  mock: MockUpstreams;
  gateway: RunningGateway;
  /** The configuration GodeX runs with (e.g. for building Codex's model catalog). */
  config: LoadedConfig;
  /** Scratch dir owned by the stack (carrier key); removed by close(). */
  tmp: string;
  close(): Promise<void>;
}

export async function startStack(opts: StackOptions = {}): Promise<Stack> {
  const tmp = await mkdtemp(join(tmpdir(), "godex-e2e-"));
  const mock = await startMockUpstreams();
  let gateway: RunningGateway;
  let config: LoadedConfig;
  try {
    const logLevel = opts.logLevel ?? (process.env.GODEX_E2E_LOG as StackOptions["logLevel"]) ?? "silent";
    const names: readonly ProviderName[] = opts.providers ?? ["deepseek"];
    const perProvider = opts.providers !== undefined;
    const aliases: Record<string, string> = {};
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
        server: { host: "127.0.0.1", port: 0 },
        models: { aliases },
        providers,
        logging: { level: logLevel },
      },
      {},
    );
    gateway = await startGateway(config, { carrierKeyFile: join(tmp, "carrier.key") });
  } catch (err) {
    await mock.close();
    await rm(tmp, { recursive: true, force: true });
    throw err;
  }
  return {
    gatewayUrl: gateway.url,
    mock,
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
 */
export async function writeCodexHome(dir: string, gatewayUrl: string, extra = "", topLevel = ""): Promise<string> {
  await mkdir(dir, { recursive: true });
  const toml = [
    `model = "${ALIAS}"`,
    `model_provider = "godex"`,
    ...(topLevel ? [topLevel] : []),
    `[model_providers.godex]`,
    `name = "GodeX"`,
    `base_url = "${gatewayUrl}/v1"`,
    `wire_api = "responses"`,
    `requires_openai_auth = false`,
    `supports_websockets = false`,
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
}

export function runCodex(o: RunCodexOptions): Promise<CodexRun> {
  if (!existsSync(CODEX_BIN)) throw new Error(`Codex CLI not installed at ${CODEX_BIN}: run npm install (it is a devDependency)`);
  const env: NodeJS.ProcessEnv = { ...process.env, CODEX_HOME: o.codexHome, NO_COLOR: "1" };
  for (const k of ["OPENAI_API_KEY", "OPENAI_BASE_URL", "CODEX_API_KEY", "RUST_LOG"]) delete env[k];
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
    const child = spawn(CODEX_BIN, args, { cwd: o.cwd, env, stdio: ["ignore", "pipe", "pipe"], detached: true });
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
): Promise<{ root: string; home: string; work: string; cleanup(): Promise<void> }> {
  const root = await mkdtemp(join(tmpdir(), "godex-codex-"));
  const home = join(root, "home");
  const work = join(root, "work");
  await mkdir(work, { recursive: true });
  await writeCodexHome(home, gatewayUrl, extra, topLevel);
  return { root, home, work, cleanup: () => rm(root, { recursive: true, force: true }) };
}
