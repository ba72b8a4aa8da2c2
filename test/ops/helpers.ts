// Shared plumbing for the operator-experience tests (test/ops): an in-process gateway in front of a
// test-owned emulator host with every log line captured, a Prometheus text parser, SSE helpers,
// chat-completion fixtures with exact usage, and a runner for the real `godex serve` CLI.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { inflateSync } from "node:zlib";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { loadConfigFromObject } from "../../src/config/load.ts";
import type { LoadedConfig } from "../../src/config/types.ts";
import { startMockUpstreams, type MockUpstreams } from "../../src/mock/server.ts";
import { startGateway, type RunningGateway, type StartOptions } from "../../src/server/start.ts";
import { createLogger } from "../../src/server/log.ts";

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
export const GODEX_BIN = join(REPO_ROOT, "bin", "godex.mjs");
export const SHIPPED_CONFIG = join(REPO_ROOT, "godex.yaml");
export const SHIPPED_MAPPINGS = join(REPO_ROOT, "mappings");

/** Distinctive test keys: none of them may ever appear in a log line, a metric or the status page. */
export const KEYS = {
  deepseek: "sk-ops-deepseek-4f1e9a0c7b3d42e8a61f",
  zhipu: "sk-ops-zhipu-83b2d5e1f0a94c7d9b26",
} as const;

// ---------------------------------------------------------------------------------------------
// In-process stack
// ---------------------------------------------------------------------------------------------

export interface OpsStack {
  gw: RunningGateway;
  url: string;
  mock: MockUpstreams;
  /** Every line the gateway logged, raw (JSON, one per line). */
  lines: string[];
  /** The lines parsed as JSON. */
  logs(): Record<string, any>[];
  /** The `msg: "response"` lines, oldest first. */
  responseLines(): Record<string, any>[];
  tmp: string;
  /** Builds a config like the one the stack started with, with other aliases / retry settings. */
  configWith(over: Partial<OpsStackOptions>): LoadedConfig;
  close(): Promise<void>;
}

export interface OpsStackOptions {
  aliases: Record<string, string>;
  /** Upstream attempts in all, the first included. */
  maxAttempts: number;
  maxDelayMs: number;
  /** The emulators' pause between SSE frames. */
  mockChunkDelayMs: number;
  /** `logging.payloads`: log the client and upstream bodies of every request. */
  payloads: boolean;
  /** Adds provider `minimax` (its emulator) with `api_key: "${MINIMAX_API_KEY}"` and that variable unset: no key. */
  unkeyedMinimax: boolean;
}

const DEFAULTS: OpsStackOptions = {
  aliases: { "gpt-5.5": "deepseek/deepseek-v4-pro", "gpt-5.4-mini": "zhipu/glm-5.1" },
  maxAttempts: 1,
  maxDelayMs: 0,
  mockChunkDelayMs: 0,
  payloads: false,
  unkeyedMinimax: false,
};

function opsConfig(mock: MockUpstreams, o: OpsStackOptions): LoadedConfig {
  const retry = { max_attempts: o.maxAttempts, max_delay_ms: o.maxDelayMs };
  const providers: Record<string, unknown> = {
    deepseek: { spec: "deepseek", credentials: { api_key: KEYS.deepseek }, endpoint: { base_url: mock.baseUrl("deepseek") }, models: ["deepseek-v4-pro", "deepseek-v4-flash"], retry },
    zhipu: { spec: "zhipu", credentials: { api_key: KEYS.zhipu }, endpoint: { base_url: mock.baseUrl("zhipu") }, models: ["glm-5.1"], retry },
  };
  if (o.unkeyedMinimax) providers.minimax = { spec: "minimax", credentials: { api_key: "${MINIMAX_API_KEY}" }, endpoint: { base_url: mock.baseUrl("minimax") }, models: ["MiniMax-M3"], retry };
  return loadConfigFromObject({ server: { host: "127.0.0.1", port: 0 }, models: { aliases: o.aliases }, providers, logging: { level: "info", payloads: o.payloads } }, {});
}

/** A gateway (JSON logs captured at info) in front of a fresh emulator host that expects KEYS. */
export async function startOpsStack(opts: Partial<OpsStackOptions> = {}, start: StartOptions = {}): Promise<OpsStack> {
  const o = { ...DEFAULTS, ...opts };
  const tmp = mkdtempSync(join(tmpdir(), "godex-ops-"));
  const mock = await startMockUpstreams({ keys: { deepseek: KEYS.deepseek, zhipu: KEYS.zhipu }, chunkDelayMs: o.mockChunkDelayMs });
  const lines: string[] = [];
  const log = createLogger("info", { write: (l) => lines.push(...l.split("\n").filter((x) => x.trim() !== "")), pretty: false });
  let gw: RunningGateway;
  try {
    gw = await startGateway(opsConfig(mock, o), { carrierKeyFile: join(tmp, "carrier.key"), log, ...start });
  } catch (err) {
    await mock.close();
    rmSync(tmp, { recursive: true, force: true });
    throw err;
  }
  const logs = () => lines.map((l) => JSON.parse(l) as Record<string, any>);
  return {
    gw,
    url: gw.url,
    mock,
    lines,
    logs,
    responseLines: () => logs().filter((l) => l.msg === "response"),
    tmp,
    configWith: (over) => opsConfig(mock, { ...o, ...over }),
    async close() {
      await gw.close();
      await mock.close();
      rmSync(tmp, { recursive: true, force: true });
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Upstream fixtures (DeepSeek-shaped chat completions with exact usage)
// ---------------------------------------------------------------------------------------------

export interface Usage {
  prompt: number;
  completion: number;
  /** DeepSeek's prompt_cache_hit_tokens (and the OpenAI-style prompt_tokens_details.cached_tokens). */
  cached: number;
  reasoning: number;
}

export function usageJson(u: Usage): Record<string, unknown> {
  return {
    prompt_tokens: u.prompt,
    completion_tokens: u.completion,
    total_tokens: u.prompt + u.completion,
    prompt_cache_hit_tokens: u.cached,
    prompt_cache_miss_tokens: u.prompt - u.cached,
    prompt_tokens_details: { cached_tokens: u.cached },
    completion_tokens_details: { reasoning_tokens: u.reasoning },
  };
}

export function completion(text: string, u: Usage): Record<string, unknown> {
  return {
    id: "chatcmpl-ops",
    object: "chat.completion",
    created: 1700000000,
    model: "deepseek-v4-pro",
    choices: [{ index: 0, message: { role: "assistant", content: text }, finish_reason: "stop" }],
    usage: usageJson(u),
  };
}

function chunk(delta: Record<string, unknown>, finish: string | null = null): string {
  return `data: ${JSON.stringify({ id: "chatcmpl-ops", object: "chat.completion.chunk", created: 1700000000, model: "deepseek-v4-pro", choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
}

/** A streamed reply: one chunk per part, a stop, a usage chunk, [DONE]. */
export function streamed(parts: string[], u: Usage): string {
  const usage = `data: ${JSON.stringify({ id: "chatcmpl-ops", object: "chat.completion.chunk", created: 1700000000, model: "deepseek-v4-pro", choices: [], usage: usageJson(u) })}\n\n`;
  return [chunk({ role: "assistant", content: "" }), ...parts.map((p) => chunk({ content: p })), chunk({}, "stop"), usage, "data: [DONE]\n\n"].join("");
}

export const RATE_LIMITED = { status: 429, json: { error: { message: "Rate limit reached for requests", type: "rate_limit_error", param: null, code: "rate_limit_exceeded" } } };

export const userInput = (text: string) => [{ type: "message", role: "user", content: [{ type: "input_text", text }] }];

// ---------------------------------------------------------------------------------------------
// HTTP
// ---------------------------------------------------------------------------------------------

export interface SseEvent {
  event: string;
  data: any;
}

export function parseSseText(text: string): SseEvent[] {
  const out: SseEvent[] = [];
  for (const raw of text.split("\n\n")) {
    if (raw.trim() === "" || raw.startsWith(":")) continue;
    const ev = /^event: (.*)$/m.exec(raw)?.[1];
    const data = /^data: (.*)$/m.exec(raw)?.[1];
    if (ev && data !== undefined) out.push({ event: ev, data: JSON.parse(data) });
  }
  return out;
}

export async function postJson(url: string, body: unknown): Promise<{ status: number; headers: Headers; json: any }> {
  const res = await fetch(`${url}/v1/responses`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, headers: res.headers, json: JSON.parse(text) };
}

export async function postStream(url: string, body: unknown): Promise<{ status: number; headers: Headers; text: string; events: SseEvent[] }> {
  const res = await fetch(`${url}/v1/responses`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ ...(body as object), stream: true }) });
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, events: res.headers.get("content-type")?.includes("event-stream") ? parseSseText(text) : [] };
}

export async function getText(url: string): Promise<string> {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`GET ${url}: HTTP ${res.status}`);
  return res.text();
}

/** Polls `check` until it returns a truthy value or `timeoutMs` passes; returns the value and how long it took. */
export async function waitFor<T>(check: () => Promise<T> | T, timeoutMs: number, what: string, everyMs = 50): Promise<{ value: T; ms: number }> {
  const started = Date.now();
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v) return { value: v, ms: Date.now() - started };
      last = v;
    } catch (err) {
      last = err;
    }
    if (Date.now() - started > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} (last: ${last instanceof Error ? last.message : JSON.stringify(last)})`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolvePort(port));
    });
  });
}

// ---------------------------------------------------------------------------------------------
// Prometheus text format
// ---------------------------------------------------------------------------------------------

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Parses the Prometheus text exposition format (what prom-client writes). */
export function parsePrometheus(text: string): Sample[] {
  const out: Sample[] = [];
  for (const line of text.split("\n")) {
    if (line.trim() === "" || line.startsWith("#")) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? ([^ ]+)(?: \d+)?$/.exec(line);
    if (!m) throw new Error(`not a Prometheus sample line: ${line}`);
    const labels: Record<string, string> = {};
    const re = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)",?/g;
    for (let l: RegExpExecArray | null; (l = re.exec(m[2] ?? "")); ) labels[l[1]!] = l[2]!.replace(/\\n/g, "\n").replace(/\\"/g, '"').replace(/\\\\/g, "\\");
    const raw = m[3]!;
    out.push({ name: m[1]!, labels, value: raw === "+Inf" ? Infinity : raw === "-Inf" ? -Infinity : Number(raw) });
  }
  return out;
}

/** The samples of `name` whose labels include `match`. */
export function samples(all: Sample[], name: string, match: Record<string, string> = {}): Sample[] {
  return all.filter((s) => s.name === name && Object.entries(match).every(([k, v]) => s.labels[k] === v));
}

/** The sum of the matching samples (0 when none). */
export function total(all: Sample[], name: string, match: Record<string, string> = {}): number {
  return samples(all, name, match).reduce((a, s) => a + s.value, 0);
}

/** `{labels…} value` for each series of `name`, sorted, with the given labels only: easy exact comparison. */
export function table(all: Sample[], name: string, keys: string[]): string[] {
  return samples(all, name)
    .map((s) => `${keys.map((k) => `${k}=${s.labels[k] ?? ""}`).join(",")} ${s.value}`)
    .sort();
}

// ---------------------------------------------------------------------------------------------
// The real CLI (`node bin/godex.mjs serve …`) as a child process
// ---------------------------------------------------------------------------------------------

export interface CliServer {
  child: ChildProcess;
  url: string;
  port: number;
  /** stderr so far. */
  stderr(): string;
  /** The stderr lines that are JSON log lines, parsed. */
  logs(): Record<string, any>[];
  /** Sends SIGTERM and waits for the exit (SIGKILL after 15 s). */
  stop(): Promise<number | null>;
}

/** Env for child processes: provider keys and listen overrides from the outer shell never leak in. */
export function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const k of Object.keys(env)) if (/_API_KEY$/.test(k) || k === "GODEX_HOST" || k === "GODEX_PORT" || k === "GODEX_SECRET" || k === "GODEX_TOKEN") delete env[k];
  return { ...env, NO_COLOR: "1", ...extra };
}

export async function startCli(args: string[], env: Record<string, string>, startTimeoutMs = 30_000): Promise<CliServer> {
  const port = await freePort();
  const child = spawn(process.execPath, [GODEX_BIN, "serve", "--port", String(port), ...args], { cwd: REPO_ROOT, env: cleanEnv(env), stdio: ["ignore", "pipe", "pipe"] });
  let err = "";
  let out = "";
  child.stderr!.setEncoding("utf8").on("data", (d: string) => (err += d));
  child.stdout!.setEncoding("utf8").on("data", (d: string) => (out += d));
  const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
  let exitCode: number | null | undefined;
  void exited.then((c) => (exitCode = c));
  const url = `http://127.0.0.1:${port}`;
  const server: CliServer = {
    child,
    url,
    port,
    stderr: () => err,
    logs: () =>
      err
        .split("\n")
        .filter((l) => l.startsWith("{"))
        .flatMap((l) => {
          try {
            return [JSON.parse(l) as Record<string, any>];
          } catch {
            return [];
          }
        }),
    async stop() {
      if (exitCode !== undefined) return exitCode;
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 15_000);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
  const started = Date.now();
  for (;;) {
    if (exitCode !== undefined) throw new Error(`godex serve exited with ${exitCode} before answering /health:\n--- stderr ---\n${err}\n--- stdout ---\n${out}`);
    if (Date.now() - started > startTimeoutMs) {
      await server.stop();
      throw new Error(`godex serve did not answer /health within ${startTimeoutMs} ms\n--- stderr ---\n${err}`);
    }
    const ok = await fetch(`${url}/health`).then((r) => r.ok, () => false);
    if (ok) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  return server;
}

// ---------------------------------------------------------------------------------------------
// PNG (what Chromium's screenshots are): enough of a decoder to look at the pixels
// ---------------------------------------------------------------------------------------------

export interface DecodedPng {
  width: number;
  height: number;
  /** RGBA, 4 bytes per pixel, row-major. */
  rgba: Uint8Array;
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** Decodes an 8-bit, non-interlaced greyscale / RGB / RGBA PNG (throws on anything else). */
export function decodePng(buf: Buffer): DecodedPng {
  if (!buf.subarray(0, 8).equals(PNG_SIGNATURE)) throw new Error("not a PNG (bad signature)");
  let pos = 8;
  let width = 0;
  let height = 0;
  let colorType = -1;
  const idat: Buffer[] = [];
  while (pos < buf.length) {
    const len = buf.readUInt32BE(pos);
    const type = buf.toString("latin1", pos + 4, pos + 8);
    const data = buf.subarray(pos + 8, pos + 8 + len);
    if (type === "IHDR") {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      const depth = data[8];
      colorType = data[9]!;
      if (depth !== 8 || ![0, 2, 6].includes(colorType) || data[12] !== 0) throw new Error(`unsupported PNG: depth ${depth}, color type ${colorType}, interlace ${data[12]}`);
    } else if (type === "IDAT") idat.push(data);
    else if (type === "IEND") break;
    pos += 12 + len;
  }
  const channels = colorType === 6 ? 4 : colorType === 2 ? 3 : 1;
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * channels;
  const pixels = new Uint8Array(stride * height);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)]!;
    const line = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    const out = pixels.subarray(y * stride, (y + 1) * stride);
    const prev = y > 0 ? pixels.subarray((y - 1) * stride, y * stride) : new Uint8Array(stride);
    for (let i = 0; i < stride; i++) {
      const a = i >= channels ? out[i - channels]! : 0;
      const b = prev[i]!;
      const c = i >= channels ? prev[i - channels]! : 0;
      let pred = 0;
      if (filter === 1) pred = a;
      else if (filter === 2) pred = b;
      else if (filter === 3) pred = (a + b) >> 1;
      else if (filter === 4) {
        const p = a + b - c;
        const pa = Math.abs(p - a);
        const pb = Math.abs(p - b);
        const pc = Math.abs(p - c);
        pred = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      } else if (filter !== 0) throw new Error(`bad PNG filter ${filter}`);
      out[i] = (line[i]! + pred) & 0xff;
    }
  }
  const rgba = new Uint8Array(width * height * 4);
  for (let p = 0; p < width * height; p++) {
    const s = p * channels;
    rgba[p * 4] = pixels[s]!;
    rgba[p * 4 + 1] = channels === 1 ? pixels[s]! : pixels[s + 1]!;
    rgba[p * 4 + 2] = channels === 1 ? pixels[s]! : pixels[s + 2]!;
    rgba[p * 4 + 3] = channels === 4 ? pixels[s + 3]! : 255;
  }
  return { width, height, rgba };
}

/** Distinct RGB colours in the image. */
export function distinctColors(img: DecodedPng): number {
  const seen = new Set<number>();
  for (let p = 0; p < img.width * img.height; p++) seen.add((img.rgba[p * 4]! << 16) | (img.rgba[p * 4 + 1]! << 8) | img.rgba[p * 4 + 2]!);
  return seen.size;
}

/** Pixels within `tolerance` (max channel difference) of the `#rrggbb` colour. */
export function pixelsNear(img: DecodedPng, hex: string, tolerance = 24): number {
  const [r, g, b] = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16)) as [number, number, number];
  let n = 0;
  for (let p = 0; p < img.width * img.height; p++) {
    const d = Math.max(Math.abs(img.rgba[p * 4]! - r), Math.abs(img.rgba[p * 4 + 1]! - g), Math.abs(img.rgba[p * 4 + 2]! - b));
    if (d <= tolerance) n++;
  }
  return n;
}
