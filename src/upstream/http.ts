// HTTP to the providers: pooled keep-alive connections (undici), no redirects followed, timeouts
// for connect / first byte / idle, and abort when the client goes away.
import type * as Undici from "undici";
import type { Agent, Dispatcher } from "undici";

// undici is a tenth of start-up's module loading and ~20 MB at rest (docs/performance.md): it is
// loaded with the first upstream call, not when the gateway starts.
let undici: typeof Undici | undefined;
async function loadUndici(): Promise<typeof Undici> {
  return (undici ??= await import("undici"));
}

export interface Timeouts {
  connectMs: number;
  /** From sending the request to the first body byte (headers alone do not count). 0 = none. */
  firstByteMs: number;
  /** Longest silence between the headers and the first chunk, and between two chunks; SSE comments count as activity. 0 = none. */
  idleMs: number;
}

export const DEFAULT_TIMEOUTS: Timeouts = { connectMs: 10_000, firstByteMs: 300_000, idleMs: 300_000 };

const agents = new Map<string, Agent>();

function agentFor(u: typeof Undici, t: Timeouts): Agent {
  const key = `${t.connectMs}`;
  let agent = agents.get(key);
  if (!agent) {
    // undici follows no redirects unless told to (no redirect interceptor here): a 3xx is handed back as is.
    agent = new u.Agent({ connect: { timeout: t.connectMs }, keepAliveTimeout: 30_000, keepAliveMaxTimeout: 120_000, pipelining: 1 });
    agents.set(key, agent);
  }
  return agent;
}

/** A reply body: async chunks, with destroy() to drop the connection early. */
export interface UpstreamBody extends AsyncIterable<Uint8Array> {
  destroy(err?: Error): void;
}

export interface UpstreamReply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: UpstreamBody;
}

/** Why a call failed before any reply arrived; `kind` drives retries and the client error. */
export class TransportError extends Error {
  constructor(
    readonly kind: "connect" | "timeout" | "aborted" | "network",
    message: string,
  ) {
    super(message);
  }
}

/** 300 → "300 ms", 2500 → "2.5s". */
export function formatMs(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${Math.round(ms / 100) / 10}s`;
}

export async function postJson(url: string, headers: Record<string, string>, body: string | Buffer, t: Timeouts, signal: AbortSignal): Promise<UpstreamReply> {
  const started = Date.now();
  try {
    const u = undici ?? (await loadUndici());
    const res = await u.request(url, {
      method: "POST",
      headers,
      body,
      signal,
      dispatcher: agentFor(u, t),
      headersTimeout: t.firstByteMs,
      // Idle and first-byte limits on the body are enforced by TimedBody (precise, with clear messages).
      bodyTimeout: 0,
    });
    return { status: res.statusCode, headers: res.headers, body: new TimedBody(res.body, t, started, signal) };
  } catch (err) {
    throw toTransportError(err, signal, t);
  }
}

/**
 * Wraps an undici body with the first-byte deadline (counted from the request start) and the idle
 * limit between chunks. On expiry the connection is destroyed and iteration throws a timeout
 * TransportError; the timer lives only as long as the body, whoever (if anyone) reads it. Any
 * other read error (connection cut, abort) is thrown as a TransportError too, so callers never
 * mistake a network failure for a bug.
 */
class TimedBody implements UpstreamBody {
  private timer: NodeJS.Timeout | null = null;
  private failure: TransportError | null = null;
  private gotFirst = false;
  private closed = false;
  private rejectPending: ((err: Error) => void) | null = null;

  constructor(
    private readonly inner: Dispatcher.ResponseData["body"],
    private readonly t: Timeouts,
    started: number,
    private readonly signal: AbortSignal,
  ) {
    // Until the first body byte both limits apply: first_byte_ms from the request start, and
    // idle_ms from the headers (a connection that went silent is dead, whatever the first-byte budget).
    const firstByteLeft = t.firstByteMs > 0 ? Math.max(0, t.firstByteMs - (Date.now() - started)) : Infinity;
    if (firstByteLeft <= (t.idleMs > 0 ? t.idleMs : Infinity) && firstByteLeft !== Infinity) {
      this.arm(firstByteLeft, `the provider sent no data within ${formatMs(t.firstByteMs)} (timeouts.first_byte_ms)`);
    } else this.armIdle();
    // An error on a body nobody reads (e.g. the connection dies after a failed call) must not be unhandled.
    inner.on("error", () => undefined);
  }

  private arm(ms: number, message: string) {
    this.clearTimer();
    this.timer = setTimeout(() => this.expire(message), ms);
  }

  private armIdle() {
    if (this.t.idleMs > 0) this.arm(this.t.idleMs, `the provider went silent for ${formatMs(this.t.idleMs)} mid-response (timeouts.idle_ms)`);
    else this.clearTimer();
  }

  private clearTimer() {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private expire(message: string) {
    this.timer = null;
    if (this.closed) return;
    if (this.gotFirst && this.rejectPending === null) {
      // Nobody is waiting for the provider: GodeX itself paused reading (a slow client). That
      // silence is ours, not the provider's; keep watching from now on.
      this.armIdle();
      return;
    }
    this.failure = new TransportError("timeout", message);
    this.close(this.failure);
    this.rejectPending?.(this.failure);
  }

  private close(err?: Error) {
    if (this.closed) return;
    this.closed = true;
    this.clearTimer();
    if (!this.inner.destroyed) this.inner.destroy(err);
  }

  destroy(err?: Error) {
    this.close(err);
  }

  private next(it: AsyncIterator<Uint8Array>): Promise<IteratorResult<Uint8Array>> {
    return new Promise((resolve, reject) => {
      this.rejectPending = reject;
      it.next().then(resolve, reject);
    });
  }

  async *[Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    const it = this.inner[Symbol.asyncIterator]() as AsyncIterator<Uint8Array>;
    let finished = false;
    try {
      for (;;) {
        if (this.failure) throw this.failure;
        let r: IteratorResult<Uint8Array>;
        try {
          r = await this.next(it);
        } catch (err) {
          throw this.failure ?? toTransportError(err, this.signal, this.t);
        } finally {
          this.rejectPending = null;
        }
        if (r.done) {
          finished = true;
          return;
        }
        if (!this.gotFirst) {
          this.gotFirst = true;
          this.armIdle();
        } else this.timer?.refresh();
        yield r.value;
      }
    } finally {
      this.clearTimer();
      this.closed = true;
      if (!finished) {
        await it.return?.().catch(() => undefined);
        if (!this.inner.destroyed) this.inner.destroy();
      }
    }
  }
}

export function toTransportError(err: unknown, signal?: AbortSignal, t?: Timeouts): TransportError {
  if (err instanceof TransportError) return err;
  if (signal?.aborted) return new TransportError("aborted", "request aborted by the client");
  const e = err as { code?: string; message?: string; name?: string };
  // undici's errors by their codes too, so they are recognised before undici is loaded (it loads with the first call).
  const undiciErrors = undici?.errors;
  if ((undiciErrors && err instanceof undiciErrors.HeadersTimeoutError) || e.code === "UND_ERR_HEADERS_TIMEOUT") {
    return new TransportError("timeout", `the provider sent no response headers${t ? ` within ${formatMs(t.firstByteMs)}` : " in time"} (timeouts.first_byte_ms)`);
  }
  if ((undiciErrors && err instanceof undiciErrors.BodyTimeoutError) || e.code === "UND_ERR_BODY_TIMEOUT") return new TransportError("timeout", "the provider went silent mid-response (timeouts.idle_ms)");
  if ((undiciErrors && err instanceof undiciErrors.ConnectTimeoutError) || e.code === "UND_ERR_CONNECT_TIMEOUT") {
    return new TransportError("connect", `connecting to the provider timed out${t ? ` after ${formatMs(t.connectMs)}` : ""} (timeouts.connect_ms)`);
  }
  const code = e.code ?? "";
  if (/certificate|TLS|SSL/i.test(e.message ?? "") || /^ERR_TLS|^ERR_SSL|CERT/.test(code)) {
    return new TransportError("connect", `TLS handshake with the provider failed (${[code, e.message].filter(Boolean).join(": ").slice(0, 200)})`);
  }
  if (["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "EHOSTUNREACH", "ENETUNREACH"].includes(code)) {
    return new TransportError("connect", `cannot reach the provider (${code})`);
  }
  if (code === "ECONNRESET" || code === "UND_ERR_SOCKET" || (undiciErrors && err instanceof undiciErrors.SocketError)) {
    return new TransportError("network", `the provider closed the connection (${code || e.message})`);
  }
  return new TransportError("network", `network error talking to the provider (${code || e.message || e.name})`);
}

export async function closeAgents() {
  await Promise.all([...agents.values()].map((a) => a.close().catch(() => undefined)));
  agents.clear();
}
