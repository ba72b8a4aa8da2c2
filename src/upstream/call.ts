// One upstream call with bounded retries. Retries happen only here, i.e. before GodeX has sent
// any byte to the client; once a reply is accepted it is the caller's to stream.
import type { UpstreamFailure } from "../engine/types.ts";
import type { ProviderRuntime } from "../engine/provider-runtime.ts";
import { postJson, TransportError, type UpstreamReply } from "./http.ts";

export type CallResult = { ok: true; reply: UpstreamReply; attempts: number } | { ok: false; failure: UpstreamFailure; attempts: number };

const ERROR_BODY_LIMIT = 64 * 1024;

export async function callUpstream(p: ProviderRuntime, body: string, signal: AbortSignal): Promise<CallResult> {
  let attempt = 0;
  for (;;) {
    attempt++;
    let failure: UpstreamFailure;
    try {
      const reply = await postJson(p.url, p.headers, body, p.timeouts, signal);
      if (reply.status >= 200 && reply.status < 300) return { ok: true, reply, attempts: attempt };
      const text = await readLimited(reply.body, ERROR_BODY_LIMIT);
      failure = await p.mapping.mapError(reply.status, text, header(reply.headers, "retry-after"));
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

export function transportFailure(err: TransportError, provider: string): UpstreamFailure {
  const timeout = err.kind === "timeout";
  return {
    httpStatus: timeout ? 504 : 502,
    type: "server_error",
    code: "server_error",
    message: `${provider}: ${err.message}`,
    param: null,
    retryable: err.kind !== "aborted",
  };
}

/** Jittered exponential backoff, honouring Retry-After; null = do not retry. */
function retryDelay(attempt: number, f: UpstreamFailure, p: ProviderRuntime): number | null {
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

export async function readLimited(body: AsyncIterable<Uint8Array> & { destroy?: () => void }, limit: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    chunks.push(Buffer.from(chunk));
    size += chunk.length;
    if (size >= limit) {
      body.destroy?.();
      break;
    }
  }
  return Buffer.concat(chunks).toString("utf8");
}
