// Reliability rig shared by test/reliability/*.test.ts and bench/{faults,soak}.ts: a gateway in front
// of one emulator host per provider (so providers can be exercised concurrently), a closed port for
// "connection refused", a tiny raw upstream for what the emulators cannot script, SSE parsing with
// well-formedness checks, and the fault-injection matrix. No vitest import here: bench scripts use it.
import { createServer, request as httpRequest, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Agent, request } from "undici";
import { DIALECTS } from "../../src/mock/dialects.ts";
import { startMockUpstreams, type MockUpstreams } from "../../src/mock/server.ts";
import type { ScriptedReply } from "../../src/mock/types.ts";
import { loadConfigFromObject } from "../../src/config/load.ts";
import { startGateway, type RunningGateway } from "../../src/server/start.ts";
import { createLogger } from "../../src/server/log.ts";
import { loadMappingDoc } from "../../src/mapping/load.ts";

/** Every emulated provider; providers added to src/mock/dialects.ts join the matrix automatically. */
export const PROVIDERS: string[] = Object.keys(DIALECTS);

/** Test keys: distinctive strings that must never appear in anything GodeX writes. */
export const TEST_KEYS: Record<string, string> = Object.fromEntries(PROVIDERS.map((p) => [p, `sk-rel-${p}-7d41c9e2a05b4f68b3e1`]));

const KNOWN_MODELS: Record<string, string> = { deepseek: "deepseek-v4-pro", zhipu: "glm-4.6", minimax: "MiniMax-M2.5", xiaomi: "mimo-v2.5" };

/** A model the provider's emulator accepts: a known one, else the first exact model key of its mapping. */
export function modelFor(provider: string): string {
  const known = KNOWN_MODELS[provider];
  if (known) return known;
  const keys = Object.keys(loadMappingDoc(provider).models ?? {});
  return keys.find((k) => k !== "*" && !k.includes("*")) ?? keys.find((k) => k !== "*")?.replace(/\*.*$/, "") ?? "default";
}

export interface RigTimeouts {
  connect_ms?: number;
  first_byte_ms?: number;
  idle_ms?: number;
  total_ms?: number;
}

export interface RigOptions {
  timeouts?: RigTimeouts;
  /** total_ms of the `<provider>-total` variant. */
  totalMs?: number;
  retry?: { max_attempts?: number; max_delay_ms?: number };
  /** Extra providers, e.g. pointed at a raw upstream: name → { spec, base_url, ... }. */
  extraProviders?: Record<string, { spec: string; base_url: string; timeouts?: RigTimeouts; retry?: RigOptions["retry"] }>;
  /** Logger sink (default: silent). */
  logWrite?: (line: string) => void;
  logLevel?: "info" | "debug" | "trace" | "warn" | "error" | "silent";
  tokens?: string[];
  keepAliveMs?: number;
  /** Only these providers (default all). */
  providers?: string[];
  /** models.aliases, e.g. { "gpt-5.5": "deepseek/deepseek-v4-pro" } or a routed list / {targets, fallback}. */
  aliases?: Record<string, unknown>;
  /** The routing: section (circuit breaking). */
  routing?: Record<string, number>;
  /** Pause between the emulators' SSE frames (default 0). */
  mockChunkDelayMs?: number;
  /** server.body_limit. */
  bodyLimit?: string | number;
  /** More `<provider>-<name>` providers on the same emulator, with other timeouts/retry. */
  variants?: Record<string, { timeouts?: RigTimeouts; retry?: RigOptions["retry"]; apiKey?: string }>;
}

/** Timeouts small enough that every fault ends in well under a second. */
export const FAST_TIMEOUTS: Required<RigTimeouts> = { connect_ms: 1000, first_byte_ms: 300, idle_ms: 300, total_ms: 0 };
export const FAST_RETRY = { max_attempts: 3, max_delay_ms: 40 };

export interface Rig {
  gw: RunningGateway;
  url: string;
  /** One emulator host per provider. */
  mocks: Record<string, MockUpstreams>;
  providers: string[];
  /** A port nothing listens on. */
  closedPort: number;
  /** `<provider>/<model>`; variant "down" (closed port), "dns", "tls", "total" (small total timeout) or a `variants` name. */
  model(provider: string, variant?: string): string;
  /** Requests that reached `provider`'s emulator. */
  upstreamCount(provider: string): number;
  close(): Promise<void>;
}

export async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", () => r()));
  const { port } = s.address() as AddressInfo;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

export async function startRig(o: RigOptions = {}): Promise<Rig> {
  const providers = o.providers ?? PROVIDERS;
  const mocks: Record<string, MockUpstreams> = {};
  for (const p of providers) mocks[p] = await startMockUpstreams({ keys: { [p]: TEST_KEYS[p]! }, chunkDelayMs: o.mockChunkDelayMs });
  const port = await closedPort();
  const dir = mkdtempSync(join(tmpdir(), "godex-rel-"));
  const timeouts = { ...FAST_TIMEOUTS, ...o.timeouts };
  const retry = { ...FAST_RETRY, ...o.retry };
  const cfgProviders: Record<string, unknown> = {};
  for (const p of providers) {
    const base = { spec: p, credentials: { api_key: TEST_KEYS[p] }, timeouts, retry };
    cfgProviders[p] = { ...base, endpoint: { base_url: mocks[p]!.baseUrl(p) } };
    cfgProviders[`${p}-down`] = { ...base, endpoint: { base_url: `http://127.0.0.1:${port}/${p}` } };
    // DNS failure (.invalid never resolves) and TLS failure (https to the plain-HTTP emulator).
    cfgProviders[`${p}-dns`] = { ...base, endpoint: { base_url: `http://${p}.godex-test.invalid/${p}` } };
    cfgProviders[`${p}-tls`] = { ...base, endpoint: { base_url: mocks[p]!.baseUrl(p).replace(/^http:/, "https:") } };
    cfgProviders[`${p}-total`] = { ...base, endpoint: { base_url: mocks[p]!.baseUrl(p) }, timeouts: { ...timeouts, total_ms: o.totalMs ?? 600 } };
    for (const [name, v] of Object.entries(o.variants ?? {})) {
      cfgProviders[`${p}-${name}`] = {
        ...base,
        ...(v.apiKey ? { credentials: { api_key: v.apiKey } } : {}),
        endpoint: { base_url: mocks[p]!.baseUrl(p) },
        timeouts: { ...timeouts, ...v.timeouts },
        retry: { ...retry, ...v.retry },
      };
    }
  }
  for (const [name, x] of Object.entries(o.extraProviders ?? {})) {
    cfgProviders[name] = {
      spec: x.spec,
      credentials: { api_key: TEST_KEYS[x.spec] ?? "sk-rel-extra-key-0000" },
      endpoint: { base_url: x.base_url },
      timeouts: { ...timeouts, ...x.timeouts },
      retry: { ...retry, ...x.retry },
    };
  }
  const server: Record<string, unknown> = { host: "127.0.0.1", port: 0 };
  if (o.tokens) server.auth = { tokens: o.tokens };
  if (o.bodyLimit !== undefined) server.body_limit = o.bodyLimit;
  const config = loadConfigFromObject({ server, models: { aliases: o.aliases ?? {} }, ...(o.routing ? { routing: o.routing } : {}), providers: cfgProviders, logging: { level: o.logLevel ?? "silent" } }, {});
  const log = createLogger(o.logLevel ?? "silent", o.logWrite ?? (() => undefined));
  const gw = await startGateway(config, { carrierKeyFile: join(dir, "carrier.key"), log, keepAliveMs: o.keepAliveMs });
  return {
    gw,
    url: gw.url,
    mocks,
    providers,
    closedPort: port,
    model: (p, variant) => `${variant ? `${p}-${variant}` : p}/${modelFor(p)}`,
    upstreamCount: (p) => mocks[p]!.requests.length,
    async close() {
      await gw.close(0);
      await Promise.all(Object.values(mocks).map((m) => m.close()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

// ---------------------------------------------------------------- client side

export const userInput = (text: string) => [{ type: "message", role: "user", content: [{ type: "input_text", text }] }];

export const EXEC_TOOL = {
  type: "function",
  name: "exec_command",
  description: "Runs a command.",
  parameters: { type: "object", properties: { cmd: { type: "string" } }, required: ["cmd"] },
};

export function requestBody(model: string, stream: boolean, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { model, input: userInput("Say hello in one short sentence."), stream, ...extra };
}

/** Client-side connection pool (separate from GodeX's upstream pool); close it when done. */
export const clientAgent = new Agent({ keepAliveTimeout: 2000, connections: 256 });

export interface HttpResult {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
  ms: number;
}

/** POST to the gateway and read the whole reply. `body` objects are JSON-encoded; strings/Buffers go as is. */
export async function post(url: string, body: unknown, o: { headers?: Record<string, string>; path?: string; signal?: AbortSignal; timeoutMs?: number } = {}): Promise<HttpResult> {
  const started = Date.now();
  const payload = typeof body === "string" || Buffer.isBuffer(body) ? body : JSON.stringify(body);
  const signal = o.signal ?? AbortSignal.timeout(o.timeoutMs ?? 15_000);
  const res = await request(url + (o.path ?? "/v1/responses"), {
    method: "POST",
    headers: { "content-type": "application/json", ...o.headers },
    body: payload,
    dispatcher: clientAgent,
    signal,
  });
  const text = await res.body.text();
  return { status: res.statusCode, headers: res.headers as IncomingHttpHeaders, text, ms: Date.now() - started };
}

export async function get(url: string, path: string, headers: Record<string, string> = {}): Promise<HttpResult> {
  const started = Date.now();
  const res = await request(url + path, { method: "GET", headers, dispatcher: clientAgent, signal: AbortSignal.timeout(10_000) });
  return { status: res.statusCode, headers: res.headers as IncomingHttpHeaders, text: await res.body.text(), ms: Date.now() - started };
}

export interface Frame {
  event: string | null;
  data: any;
}

/** Lenient SSE parse (comments skipped); `problems` collects framing errors. */
export function parseFrames(text: string, problems: string[] = []): Frame[] {
  const frames: Frame[] = [];
  if (text.length > 0 && !text.endsWith("\n\n")) problems.push("SSE body does not end with a blank line");
  for (const raw of text.split("\n\n")) {
    if (raw.trim() === "") continue;
    let event: string | null = null;
    const data: string[] = [];
    for (const line of raw.split("\n")) {
      if (line.startsWith(":")) continue;
      if (line.startsWith("event: ")) event = line.slice(7);
      else if (line.startsWith("data: ")) data.push(line.slice(6));
      else problems.push(`unexpected SSE line ${JSON.stringify(line.slice(0, 80))}`);
    }
    if (data.length === 0) continue;
    try {
      frames.push({ event, data: JSON.parse(data.join("\n")) });
    } catch {
      problems.push(`non-JSON data ${JSON.stringify(data.join("\n").slice(0, 80))}`);
    }
  }
  return frames;
}

export const TERMINAL = ["response.completed", "response.incomplete", "response.failed"];

/** Responses stream invariants (architecture.md): problems found, empty when well-formed. */
export function streamProblems(frames: Frame[]): string[] {
  const p: string[] = [];
  if (frames.length === 0) return ["empty stream"];
  if (frames[0]!.data?.type !== "response.created") p.push(`first event is ${frames[0]!.data?.type}`);
  let lastSeq = -1;
  let open: string | null = null;
  const done: string[] = [];
  let terminals = 0;
  frames.forEach((f, i) => {
    const t = f.data?.type;
    if (typeof t !== "string") return void p.push(`frame ${i} has no type`);
    if (f.event !== null && f.event !== t) p.push(`event line ${f.event} ≠ data.type ${t}`);
    const seq = f.data.sequence_number;
    if (typeof seq !== "number" || seq <= lastSeq) p.push(`sequence_number not increasing at ${i}`);
    else lastSeq = seq;
    if (TERMINAL.includes(t)) {
      terminals++;
      if (i !== frames.length - 1) p.push(`terminal ${t} is not the last event`);
      // On response.failed an item cut off by the failure is left open and out of the output.
      if (open && t !== "response.failed") p.push(`terminal while item ${open} is open`);
      const out = (f.data.response?.output ?? []).map((x: any) => x.id);
      if (JSON.stringify(out) !== JSON.stringify(done)) p.push(`terminal output ${JSON.stringify(out)} ≠ done items ${JSON.stringify(done)}`);
      return;
    }
    if (t === "response.output_item.added") {
      if (open) p.push(`item ${f.data.item?.id} added while ${open} open`);
      open = f.data.item?.id ?? "?";
    } else if (t === "response.output_item.done") {
      if (open !== f.data.item?.id) p.push(`done for ${f.data.item?.id} but open is ${open}`);
      open = null;
      done.push(f.data.item?.id);
    } else if (/delta$/.test(t) && !open) p.push(`${t} outside an item`);
  });
  if (terminals !== 1) p.push(`${terminals} terminal events`);
  return p;
}

/** The OpenAI error shape: `{error:{message,type,code,param}}`. */
export function errorShapeProblems(body: any): string[] {
  const p: string[] = [];
  if (!body || typeof body !== "object" || Array.isArray(body)) return ["error body is not an object"];
  if (JSON.stringify(Object.keys(body)) !== '["error"]') p.push(`top-level keys ${Object.keys(body).join(",")}`);
  const e = body.error ?? {};
  if (typeof e.message !== "string" || e.message === "") p.push("error.message");
  if (typeof e.type !== "string") p.push("error.type");
  if (typeof e.code !== "string") p.push("error.code");
  if (!(e.param === null || typeof e.param === "string")) p.push("error.param");
  if (JSON.stringify(Object.keys(e).sort()) !== '["code","message","param","type"]') p.push(`error keys ${Object.keys(e).join(",")}`);
  return p;
}

/** What the client saw, reduced to what a fault table compares. */
export interface Outcome {
  /** e.g. `SSE failed:server_error`, `HTTP 502 server_error`, `HTTP 200 incomplete:max_output_tokens`. */
  summary: string;
  status: number;
  problems: string[];
  /** Terminal response object (SSE) or the JSON body. */
  response?: any;
  body?: any;
  frames?: Frame[];
  message?: string;
  ms: number;
}

export function outcomeOf(r: HttpResult): Outcome {
  const ct = String(r.headers["content-type"] ?? "");
  const problems: string[] = [];
  if (ct.startsWith("text/event-stream")) {
    const frames = parseFrames(r.text, problems);
    problems.push(...streamProblems(frames));
    const last = frames[frames.length - 1]?.data;
    const resp = last?.response;
    const status = resp?.status ?? "none";
    const detail = status === "failed" ? `:${resp?.error?.code}` : status === "incomplete" ? `:${resp?.incomplete_details?.reason}` : "";
    const summary = TERMINAL.includes(last?.type) ? `SSE ${status}${detail}` : "SSE cut (no terminal event)";
    return { summary, status: r.status, problems, response: resp, frames, message: resp?.error?.message, ms: r.ms };
  }
  let body: any;
  try {
    body = JSON.parse(r.text);
  } catch {
    return { summary: `HTTP ${r.status} non-JSON`, status: r.status, problems: ["body is not JSON"], ms: r.ms };
  }
  if (r.status >= 400) {
    problems.push(...errorShapeProblems(body));
    return { summary: `HTTP ${r.status} ${body?.error?.code}`, status: r.status, problems, body, message: body?.error?.message, ms: r.ms };
  }
  const detail = body?.status === "incomplete" ? `:${body?.incomplete_details?.reason}` : body?.status === "failed" ? `:${body?.error?.code}` : "";
  if (body?.object !== "response") problems.push("200 body is not a Response object");
  return { summary: `HTTP ${r.status} ${body?.status}${detail}`, status: r.status, problems, response: body, body, ms: r.ms };
}

export function diagnosticsOf(o: Outcome): string[] {
  return (o.response?.godex?.diagnostics ?? []).map((d: any) => d.code);
}

// ---------------------------------------------------------------- upstream payloads

/** One Chat Completions chunk in the common OpenAI shape every mapping reads. */
export function chunk(delta: Record<string, unknown>, finish: string | null = null, extra: Record<string, unknown> = {}): string {
  const c = { id: "chatcmpl-rel", object: "chat.completion.chunk", created: 1700000000, model: "m", choices: [{ index: 0, delta, finish_reason: finish }], ...extra };
  return `data: ${JSON.stringify(c)}\n\n`;
}
const USAGE = { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 };
export const usageChunk = () => `data: ${JSON.stringify({ id: "chatcmpl-rel", object: "chat.completion.chunk", created: 1700000000, model: "m", choices: [], usage: USAGE })}\n\n`;
export const DONE = "data: [DONE]\n\n";

export function textSse(parts: string[], finish = "stop"): string {
  return [chunk({ role: "assistant", content: "" }), ...parts.map((t) => chunk({ content: t })), chunk({}, finish), usageChunk(), DONE].join("");
}

export function completionJson(message: Record<string, unknown>, finish = "stop"): Record<string, unknown> {
  return { id: "chatcmpl-rel", object: "chat.completion", created: 1700000000, model: "m", choices: [{ index: 0, message: { role: "assistant", ...message }, finish_reason: finish }], usage: USAGE };
}

export const CONTEXT_ERROR = { message: "This model's maximum context length is 131072 tokens. However, you requested 200000 tokens.", type: "invalid_request_error", param: null, code: "context_length_exceeded" };

// ---------------------------------------------------------------- the fault matrix

export interface FaultCase {
  id: string;
  /** Fault as injected. */
  fault: string;
  stream: boolean;
  variant?: "down" | "dns" | "tls" | "total";
  /** Only for these providers (provider-specific faults). */
  only?: string[];
  /** Scripted upstream replies (in order) for the provider's emulator. */
  script?: ScriptedReply[];
  extra?: Record<string, unknown>;
  expect: string;
  /** Extra checks; returns problems. */
  check?(o: Outcome, upstreamRequests: number): string[];
}

const countIs = (n: number) => (_o: Outcome, c: number) => (c === n ? [] : [`upstream saw ${c} requests, expected ${n}`]);
const all =
  (...fs: ((o: Outcome, c: number) => string[])[]) =>
  (o: Outcome, c: number) =>
    fs.flatMap((f) => f(o, c));
const messageMatches = (re: RegExp) => (o: Outcome) => (re.test(o.message ?? "") ? [] : [`message ${JSON.stringify(o.message)} does not match ${re}`]);
const hasDiagnostic = (code: string) => (o: Outcome) => (diagnosticsOf(o).includes(code) ? [] : [`diagnostic ${code} missing (${diagnosticsOf(o).join(",")})`]);
const fasterThan = (ms: number) => (o: Outcome) => (o.ms < ms ? [] : [`took ${o.ms} ms (limit ${ms})`]);
const textIs = (text: string) => (o: Outcome) => {
  const msg = (o.response?.output ?? []).find((i: any) => i.type === "message");
  const got = msg?.content?.[0]?.text;
  return got === text ? [] : [`message text ${JSON.stringify(got)} ≠ ${JSON.stringify(text)}`];
};

const ATTEMPTS = FAST_RETRY.max_attempts;
const KEEPALIVE_FRAMES = Array.from({ length: 10 }, () => ": keep-alive\n\n").join("");
const TOOL_EXTRA = { tools: [EXEC_TOOL], input: userInput("List the files.") };

/** Each fault × {stream, json} with the outcome the client must see (docs/reliability.md). */
export function faultCases(): FaultCase[] {
  const cases: FaultCase[] = [];
  const both = (c: Omit<FaultCase, "stream" | "expect" | "script"> & { script?: (stream: boolean) => ScriptedReply[]; expect: [string, string] | [string, null] }) => {
    for (const stream of [true, false]) {
      const expect = stream ? c.expect[0] : c.expect[1];
      if (expect === null) continue;
      cases.push({ ...c, id: `${c.id}${stream ? "" : " (json)"}`, stream, expect, script: c.script?.(stream) });
    }
  };
  both({ id: "connect-refused", fault: "provider port closed", variant: "down", expect: ["SSE failed:server_error", "HTTP 502 server_error"], check: messageMatches(/cannot reach|ECONNREFUSED/) });
  both({ id: "dns-failure", fault: "base_url host does not resolve", variant: "dns", expect: ["SSE failed:server_error", "HTTP 502 server_error"], check: messageMatches(/cannot reach|ENOTFOUND|EAI_AGAIN|timed out/) });
  both({ id: "tls-failure", fault: "TLS handshake fails (https to a plain-HTTP port)", variant: "tls", expect: ["SSE failed:server_error", "HTTP 502 server_error"], check: messageMatches(/TLS handshake/) });
  both({
    id: "429-retry-after-short",
    fault: "429, Retry-After: 0 (≤ max_delay), then OK",
    script: () => [{ status: 429, json: { error: { message: "Rate limit reached", type: "rate_limit_error", param: null, code: null } }, headers: { "retry-after": "0" } }],
    expect: ["SSE completed", "HTTP 200 completed"],
    check: countIs(2),
  });
  both({
    id: "429-retry-after-long",
    fault: "429, Retry-After: 30 (> max_delay)",
    script: () => [{ status: 429, json: { error: { message: "Rate limit reached", type: "rate_limit_error", param: null, code: null } }, headers: { "retry-after": "30" } }],
    expect: ["SSE failed:rate_limit_exceeded", "HTTP 429 rate_limit_exceeded"],
    check: all(countIs(1), messageMatches(/try again in 30s/i)),
  });
  for (const status of [500, 502, 503, 504]) {
    both({
      id: `${status}-exhausted`,
      fault: `HTTP ${status} on every attempt`,
      script: () => Array.from({ length: ATTEMPTS }, () => ({ status, json: { error: { message: `upstream ${status}`, type: "server_error", param: null, code: null } } })),
      expect: ["SSE failed:server_error", "HTTP 502 server_error"],
      check: countIs(ATTEMPTS),
    });
  }
  both({
    id: "503-then-ok",
    fault: "HTTP 503 once, then OK",
    script: () => [{ status: 503, json: { error: { message: "Service Unavailable", type: "server_error", param: null, code: null } } }],
    expect: ["SSE completed", "HTTP 200 completed"],
    check: countIs(2),
  });
  both({
    id: "first-byte-timeout",
    fault: "headers, then silence beyond first_byte_ms",
    script: () => [{ hangMs: 5000 }],
    expect: ["SSE failed:server_error", "HTTP 504 server_error"],
    check: all(countIs(1), messageMatches(/first_byte_ms/), fasterThan(2500)),
  });
  both({
    id: "idle-timeout",
    fault: "a chunk, then a gap beyond idle_ms",
    script: (stream) => [
      stream
        ? { sse: chunk({ role: "assistant", content: "Hel" }) + chunk({ content: "lo" }) + chunk({}, "stop"), chunkDelayMs: 1500 }
        : { sse: "\n\n" + "\n\n" + JSON.stringify(completionJson({ content: "Hello" })), chunkDelayMs: 1500 },
    ],
    expect: ["SSE failed:server_error", "HTTP 504 server_error"],
    check: all(countIs(1), messageMatches(/idle_ms/), fasterThan(2500)),
  });
  both({
    id: "keep-alive-comments",
    fault: "keep-alive every 100 ms for 1 s (idle_ms 300), then the reply",
    script: (stream) => [
      stream
        ? { sse: KEEPALIVE_FRAMES + textSse(["Hello", " world"]), chunkDelayMs: 100 }
        : { sse: "\n\n".repeat(10) + JSON.stringify(completionJson({ content: "Hello world" })), chunkDelayMs: 100 },
    ],
    expect: ["SSE completed", "HTTP 200 completed"],
    check: textIs("Hello world"),
  });
  both({
    id: "total-timeout",
    fault: "keep-alives forever, beyond total_ms",
    variant: "total",
    script: (stream) => [stream ? { sse: KEEPALIVE_FRAMES.repeat(5) + textSse(["late"]), chunkDelayMs: 100 } : { sse: "\n\n".repeat(50) + "{}", chunkDelayMs: 100 }],
    expect: ["SSE failed:server_error", "HTTP 504 server_error"],
    check: all(messageMatches(/total_ms/), fasterThan(2500)),
  });
  both({
    id: "cut-mid-stream",
    fault: "connection destroyed halfway through the reply",
    script: () => [{ destroy: "mid-stream" }],
    // JSON: nothing reached the client yet, so the cut reply is retried.
    expect: ["SSE failed:server_error", "HTTP 200 completed"],
    check: (o, c) => countIs(o.summary.startsWith("SSE") ? 1 : 2)(o, c),
  });
  both({
    id: "malformed-chunk",
    fault: "one chunk is not JSON",
    script: (stream) => [
      stream
        ? { sse: chunk({ role: "assistant", content: "Hello" }) + "data: {not json\n\n" + chunk({ content: " world" }) + chunk({}, "stop") + usageChunk() + DONE }
        : { sse: '{"id": "chatcmpl-rel", "choices": [{not json', headers: { "content-type": "application/json" } },
    ],
    expect: ["SSE completed", "HTTP 502 server_error"],
  });
  both({
    id: "error-in-stream",
    fault: "an error object inside a 200 reply (context too long)",
    script: (stream) => [stream ? { sse: chunk({ role: "assistant", content: "" }) + `data: ${JSON.stringify({ error: CONTEXT_ERROR })}\n\n` } : { status: 200, json: { error: CONTEXT_ERROR } }],
    expect: ["SSE failed:context_length_exceeded", "HTTP 400 context_length_exceeded"],
  });
  both({
    id: "no-finish",
    fault: "stream ends without a finish chunk",
    script: () => [{ sse: chunk({ role: "assistant", content: "Hello" }) + chunk({ content: " wor" }) }],
    expect: ["SSE failed:server_error", null],
  });
  both({
    id: "no-finish-done",
    fault: "[DONE] without a finish chunk",
    script: () => [{ sse: chunk({ role: "assistant", content: "Hello" }) + DONE }],
    expect: ["SSE failed:server_error", null],
  });
  both({
    id: "truncated-tool-args",
    fault: "tool-call arguments cut, finish length",
    extra: TOOL_EXTRA,
    script: (stream) => [
      stream
        ? {
            sse:
              chunk({ role: "assistant", content: null, tool_calls: [{ index: 0, id: "call_rel1", type: "function", function: { name: "exec_command", arguments: "" } }] }) +
              chunk({ tool_calls: [{ index: 0, function: { arguments: '{"cmd": "ls -' } }] }) +
              chunk({}, "length") +
              usageChunk() +
              DONE,
          }
        : { status: 200, json: completionJson({ content: null, tool_calls: [{ id: "call_rel1", type: "function", function: { name: "exec_command", arguments: '{"cmd": "ls -' } }] }, "length") },
    ],
    expect: ["SSE incomplete:max_output_tokens", "HTTP 200 incomplete:max_output_tokens"],
    check: (o) => {
      const call = (o.response?.output ?? []).find((i: any) => i.type === "function_call");
      return call?.arguments === '{"cmd": "ls -' ? [] : [`function_call item with the truncated arguments missing: ${JSON.stringify(o.response?.output)}`];
    },
  });
  // Provider business errors, in each emulator's own wire shape (GODEX_MOCK_ERROR=<status>).
  const business: [number, string, [string, string], number][] = [
    [400, "rejected request", ["SSE failed:invalid_prompt", "HTTP 400 invalid_request_error"], 1],
    [401, "key rejected", ["SSE failed:invalid_prompt", "HTTP 401 invalid_api_key"], 1],
    [402, "balance exhausted", ["SSE failed:insufficient_quota", "HTTP 429 insufficient_quota"], 1],
    [429, "rate limited (no Retry-After)", ["SSE failed:rate_limit_exceeded", "HTTP 429 rate_limit_exceeded"], ATTEMPTS],
    [500, "internal error", ["SSE failed:server_error", "HTTP 502 server_error"], ATTEMPTS],
  ];
  for (const [status, what, expect, attempts] of business) {
    both({ id: `business-${status}`, fault: `provider's own ${status} body: ${what}`, extra: { input: userInput(`Hello GODEX_MOCK_ERROR=${status}`) }, expect, check: countIs(attempts) });
  }
  // MiniMax reports business errors inside HTTP 200 (base_resp.status_code).
  both({ id: "minimax-200-rpm-limit", only: ["minimax"], fault: "HTTP 200 with base_resp 1002 (RPM limit)", extra: { input: userInput("Hello GODEX_MOCK_BIZERR=1002") }, expect: ["SSE failed:rate_limit_exceeded", "HTTP 429 rate_limit_exceeded"], check: all(messageMatches(/try again in \d+s/i), (o, c) => countIs(o.summary.startsWith("SSE") ? 1 : ATTEMPTS)(o, c)) });
  both({ id: "minimax-200-balance", only: ["minimax"], fault: "HTTP 200 with base_resp 1008 (balance)", extra: { input: userInput("Hello GODEX_MOCK_BIZERR=1008") }, expect: ["SSE failed:insufficient_quota", "HTTP 429 insufficient_quota"], check: countIs(1) });
  // What Codex sends must reach the provider untouched by the faults above: a plain request works.
  both({ id: "healthy", fault: "none", expect: ["SSE completed", "HTTP 200 completed"], check: countIs(1) });
  return cases;
}

export interface MatrixRow {
  provider: string;
  id: string;
  fault: string;
  expected: string;
  observed: string;
  ok: boolean;
  ms: number;
}

/** Runs every fault case against one provider (sequentially: scripted replies are per provider). */
export async function runMatrix(rig: Rig, provider: string, cases = faultCases()): Promise<MatrixRow[]> {
  const rows: MatrixRow[] = [];
  const mock = rig.mocks[provider]!;
  for (const c of cases) {
    if (c.only && !c.only.includes(provider)) continue;
    mock.clear();
    if (c.script) mock.enqueue(provider, ...c.script);
    let o: Outcome;
    try {
      o = outcomeOf(await post(rig.url, requestBody(rig.model(provider, c.variant), c.stream, c.extra), { timeoutMs: 10_000 }));
    } catch (err) {
      o = { summary: `client error: ${(err as Error).message}`, status: 0, problems: [], ms: 0 };
    }
    const problems = [...o.problems, ...(o.summary === c.expect ? (c.check?.(o, mock.requests.length) ?? []) : [])];
    const observed = o.summary + (problems.length ? ` [${problems.join("; ")}]` : "");
    rows.push({ provider, id: c.id, fault: c.fault, expected: c.expect, observed, ok: o.summary === c.expect && problems.length === 0, ms: o.ms });
  }
  mock.clear();
  return rows;
}

export function formatTable(rows: MatrixRow[]): string {
  const head = ["provider", "fault", "expected", "observed", "ms", ""];
  const lines = rows.map((r) => [r.provider, r.id, r.expected, r.observed, String(r.ms), r.ok ? "ok" : "MISMATCH"]);
  const widths = head.map((h, i) => Math.max(h.length, ...lines.map((l) => Math.min(l[i]!.length, 90))));
  const fmt = (cells: string[]) => cells.map((c, i) => (c.length > 90 ? c.slice(0, 87) + "..." : c).padEnd(widths[i]!)).join("  ").trimEnd();
  return [fmt(head), widths.map((w) => "-".repeat(w)).join("  "), ...lines.map(fmt)].join("\n");
}

// ---------------------------------------------------------------- raw upstream

export interface RawRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
  /** Set when the connection closed before the handler ended the response. */
  closedEarlyAt: number | null;
  endedAt: number | null;
  receivedAt: number;
}

export interface RawUpstream {
  url: string;
  requests: RawRequest[];
  readonly openSockets: number;
  close(): Promise<void>;
}

/** A bare node:http upstream for faults the emulators cannot script (redirects, slow endless streams, echoes). */
export async function startRawUpstream(handler: (req: IncomingMessage, res: ServerResponse, rec: RawRequest) => void | Promise<void>): Promise<RawUpstream> {
  const requests: RawRequest[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const rec: RawRequest = { method: req.method ?? "", url: req.url ?? "", headers: req.headers, body: Buffer.concat(chunks).toString("utf8"), closedEarlyAt: null, endedAt: null, receivedAt: Date.now() };
      requests.push(rec);
      res.on("finish", () => (rec.endedAt = Date.now()));
      res.on("close", () => {
        if (!res.writableFinished) rec.closedEarlyAt = Date.now();
      });
      Promise.resolve(handler(req, res, rec)).catch(() => res.destroy());
    });
  });
  server.on("connection", (s: Socket) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    get openSockets() {
      return sockets.size;
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

/** Writes `frame` every `everyMs` until the client goes away (or `maxMs`). */
export function endlessStream(res: ServerResponse, everyMs: number, maxMs = 30_000): void {
  res.writeHead(200, { "content-type": "text/event-stream" });
  res.write(chunk({ role: "assistant", content: "" }));
  const started = Date.now();
  const timer = setInterval(() => {
    if (res.destroyed || Date.now() - started > maxMs) {
      clearInterval(timer);
      if (!res.destroyed) res.end();
      return;
    }
    res.write(chunk({ content: "tick " }));
  }, everyMs);
  res.on("close", () => clearInterval(timer));
}

/**
 * Opens a streaming request with node:http (fresh connection), waits for `afterEvents` SSE events,
 * then destroys the connection, like Codex on Ctrl-C. Resolves with the events seen.
 */
export function streamThenAbort(url: string, body: unknown, afterEvents: number, timeoutMs = 5000): Promise<number> {
  return new Promise((resolve, reject) => {
    const u = new URL(url + "/v1/responses");
    const payload = JSON.stringify(body);
    const req = httpRequest({ host: u.hostname, port: u.port, path: u.pathname, method: "POST", agent: false, headers: { "content-type": "application/json", "content-length": Buffer.byteLength(payload) } });
    const timer = setTimeout(() => {
      req.destroy();
      reject(new Error("streamThenAbort: timed out"));
    }, timeoutMs);
    req.on("error", () => undefined);
    req.on("response", (res) => {
      let seen = 0;
      res.on("data", (c: Buffer) => {
        seen += (c.toString("utf8").match(/\n\n/g) ?? []).length;
        if (seen >= afterEvents) {
          clearTimeout(timer);
          req.destroy();
          res.destroy();
          resolve(seen);
        }
      });
      res.on("error", () => undefined);
      res.on("end", () => {
        clearTimeout(timer);
        resolve(seen);
      });
    });
    req.end(payload);
  });
}

/** Polls `cond` until true or `ms` elapsed; returns the final value. */
export async function waitFor(cond: () => boolean, ms = 2000, every = 10): Promise<boolean> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (cond()) return true;
    await new Promise((r) => setTimeout(r, every));
  }
  return cond();
}

/** Active handles/requests by type (process.getActiveResourcesInfo), for leak checks. */
export function activeResources(): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of process.getActiveResourcesInfo()) out[r] = (out[r] ?? 0) + 1;
  return out;
}

export function resourceCount(): number {
  return process.getActiveResourcesInfo().length;
}

/** global.gc without --expose-gc (V8 flag set at runtime, function taken from a fresh context). */
export async function getGc(): Promise<(() => void) | null> {
  try {
    const v8 = await import("node:v8");
    const vm = await import("node:vm");
    v8.setFlagsFromString("--expose-gc");
    return vm.runInNewContext("gc") as () => void;
  } catch {
    return null;
  }
}
