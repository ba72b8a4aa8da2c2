// One upstream call with bounded retries. Retries happen only here, i.e. before GodeX has sent
// any byte to the client; once a reply is accepted it is the caller's to stream. A 2xx JSON reply
// (a whole completion, or a business error inside HTTP 200) is read here first, so a retryable
// error in it, or a connection cut while reading it, is retried like an HTTP error.
import type { CanonicalDelta, UpstreamFailure } from "../protocol/types.ts";
import { postJson, TransportError, type Timeouts, type UpstreamBody, type UpstreamReply } from "./http.ts";

export interface RetryPolicy {
  /** Total attempts, including the first. */
  maxAttempts: number;
  maxDelayMs: number;
}

/** What one call needs to know of a provider (the engine's ProviderRuntime is one). */
export interface UpstreamTarget {
  name: string;
  url: string;
  /** Request headers including auth; never logged. */
  headers: Record<string, string>;
  timeouts: Timeouts & { totalMs: number };
  retry: RetryPolicy;
  /** The provider's mapping: how its replies and errors read. */
  mapping: {
    readResponse(json: unknown, out: CanonicalDelta[]): void;
    mapError(status: number, body: unknown, retryAfter?: string | null): Promise<UpstreamFailure>;
  };
}

export type CallResult = { ok: true; reply: UpstreamReply; attempts: number } | { ok: false; failure: UpstreamFailure; attempts: number };

const ERROR_BODY_LIMIT = 64 * 1024;
/** Largest whole (non-SSE) reply read into memory. */
export const WHOLE_BODY_LIMIT = 256 * 1024 * 1024;

/** Where the call goes and how its error bodies are read (the wire's reader); default: the Chat wire. */
export interface CallTarget {
  url: string;
  /** Appends what a whole 2xx JSON body contributes (an `error` delta marks an error inside HTTP 200). */
  readWhole(json: object, out: CanonicalDelta[]): void;
  mapError: UpstreamTarget["mapping"]["mapError"];
}

export async function callUpstream(p: UpstreamTarget, body: string | Buffer, signal: AbortSignal, target?: CallTarget): Promise<CallResult> {
  const t: CallTarget = target ?? { url: p.url, readWhole: (json, out) => p.mapping.readResponse(json, out), mapError: p.mapping.mapError };
  let attempt = 0;
  for (;;) {
    attempt++;
    let failure: UpstreamFailure;
    try {
      const reply = await postJson(t.url, p.headers, body, p.timeouts, signal);
      if (reply.status >= 200 && reply.status < 300) {
        if (!String(header(reply.headers, "content-type") ?? "").includes("json")) return { ok: true, reply, attempts: attempt };
        const text = await readLimited(reply.body, WHOLE_BODY_LIMIT);
        const inBody = await bodyError(p, t, text, header(reply.headers, "retry-after"));
        if (!inBody) return { ok: true, reply: { ...reply, body: replayBody(text) }, attempts: attempt };
        failure = inBody;
      } else if (reply.status >= 300 && reply.status < 400) {
        // Redirects are never followed: the provider's URL comes from the config only.
        reply.body.destroy();
        return { ok: false, failure: redirectFailure(reply.status, p.name), attempts: attempt };
      } else {
        const text = await readLimited(reply.body, ERROR_BODY_LIMIT);
        failure = await t.mapError(reply.status, text, header(reply.headers, "retry-after"));
        failure.message = redactSecrets(failure.message, p);
      }
    } catch (err) {
      if (!(err instanceof TransportError)) throw err;
      if (err.kind === "aborted") return { ok: false, failure: transportFailure(err, p.name), attempts: attempt };
      failure = transportFailure(err, p.name);
    }
    const delay = retryDelay(attempt, failure, p);
    if (delay === null) return { ok: false, failure, attempts: attempt };
    if (!(await sleep(delay, signal))) return { ok: false, failure, attempts: attempt };
  }
}

/** The classified error a 2xx JSON body reports (MiniMax base_resp, `{"error":…}`), or null. */
async function bodyError(p: UpstreamTarget, t: CallTarget, text: string, retryAfter: string | null): Promise<UpstreamFailure | null> {
  let json: unknown;
  try {
    json = JSON.parse(text.trim());
  } catch {
    return null; // not JSON: the caller reports it
  }
  if (!json || typeof json !== "object") return null;
  const deltas: CanonicalDelta[] = [];
  try {
    t.readWhole(json, deltas);
  } catch {
    return null; // unreadable: the caller reports it
  }
  const err = deltas.find((d) => d.kind === "error");
  if (!err || err.kind !== "error") return null;
  const failure = await t.mapError(err.status, err.body, retryAfter);
  failure.message = redactSecrets(failure.message, p);
  return failure;
}

/** An already-read body, served again to the caller. */
function replayBody(text: string): UpstreamBody {
  return {
    destroy() {},
    async *[Symbol.asyncIterator]() {
      yield Buffer.from(text, "utf8");
    },
  };
}

/**
 * Connect and network failures are retried; timeouts are not (each is already a long, configured
 * wait: retrying would multiply it, and Codex retries the turn itself); an abort never is.
 */
export function transportFailure(err: TransportError, provider: string): UpstreamFailure {
  const timeout = err.kind === "timeout";
  return {
    httpStatus: timeout ? 504 : 502,
    type: "server_error",
    code: "server_error",
    message: `${provider}: ${err.message}`,
    param: null,
    retryable: err.kind === "connect" || err.kind === "network",
  };
}

function redirectFailure(status: number, provider: string): UpstreamFailure {
  return {
    httpStatus: 502,
    type: "server_error",
    code: "server_error",
    message: `${provider}: the provider answered with a redirect (HTTP ${status}), which GodeX does not follow; check endpoint.base_url.`,
    param: null,
    retryable: false,
  };
}

/** The credentials a provider is called with (header values, and their part after "Bearer "). */
function secretsOf(p: Pick<UpstreamTarget, "headers">): string[] {
  const out = new Set<string>();
  for (const [name, value] of Object.entries(p.headers)) {
    if (name === "content-type" || name === "accept" || typeof value !== "string") continue;
    for (const v of [value.trim(), value.trim().replace(/^[A-Za-z]+\s+/, "")]) if (v.length >= 8) out.add(v);
  }
  return [...out];
}

/**
 * Masks the provider's credentials in text that came from the provider (error messages, chunks):
 * some upstreams echo the key they were given. `****` + the last 4 characters, like DeepSeek's own echo.
 */
export function redactSecrets(text: string, p: Pick<UpstreamTarget, "headers">): string {
  let out = text;
  for (const s of secretsOf(p)) if (out.includes(s)) out = out.split(s).join(`****${s.slice(-4)}`);
  return out;
}

/** Jittered exponential backoff, honouring Retry-After; null = do not retry. */
function retryDelay(attempt: number, f: UpstreamFailure, p: UpstreamTarget): number | null {
  if (!f.retryable || attempt >= p.retry.maxAttempts) return null;
  if (f.retryAfterMs != null) return f.retryAfterMs <= p.retry.maxDelayMs ? f.retryAfterMs : null;
  const base = Math.min(p.retry.maxDelayMs, 250 * 2 ** (attempt - 1));
  return Math.round(base * (0.8 + Math.random() * 0.4));
}

function sleep(ms: number, signal: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve(false);
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve(true);
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      resolve(false);
    };
    signal.addEventListener("abort", onAbort, { once: true });
  });
}

export function header(headers: UpstreamReply["headers"], name: string): string | null {
  const v = headers[name];
  return Array.isArray(v) ? (v[0] ?? null) : (v ?? null);
}

export async function readLimited(body: UpstreamBody, limit: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    chunks.push(Buffer.from(chunk));
    size += chunk.length;
    if (size >= limit) {
      body.destroy();
      break;
    }
  }
  return Buffer.concat(chunks).toString("utf8");
}
