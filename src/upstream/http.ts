// HTTP to the providers: pooled keep-alive connections (undici), no redirects followed, timeouts
// for connect / first byte / idle, and abort when the client goes away.
import { Agent, request, errors as undiciErrors } from "undici";
import type { Dispatcher } from "undici";

export interface Timeouts {
  connectMs: number;
  firstByteMs: number;
  idleMs: number;
}

export const DEFAULT_TIMEOUTS: Timeouts = { connectMs: 10_000, firstByteMs: 600_000, idleMs: 300_000 };

const agents = new Map<string, Agent>();

function agentFor(t: Timeouts): Agent {
  const key = `${t.connectMs}`;
  let agent = agents.get(key);
  if (!agent) {
    agent = new Agent({ connect: { timeout: t.connectMs }, keepAliveTimeout: 30_000, keepAliveMaxTimeout: 120_000, pipelining: 1 });
    agents.set(key, agent);
  }
  return agent;
}

export interface UpstreamReply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Dispatcher.ResponseData["body"];
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

export async function postJson(url: string, headers: Record<string, string>, body: string, t: Timeouts, signal: AbortSignal): Promise<UpstreamReply> {
  try {
    const res = await request(url, {
      method: "POST",
      headers,
      body,
      signal,
      dispatcher: agentFor(t),
      headersTimeout: t.firstByteMs,
      bodyTimeout: t.idleMs,
    });
    return { status: res.statusCode, headers: res.headers, body: res.body };
  } catch (err) {
    throw toTransportError(err, signal);
  }
}

export function toTransportError(err: unknown, signal?: AbortSignal): TransportError {
  if (err instanceof TransportError) return err;
  if (signal?.aborted) return new TransportError("aborted", "request aborted by the client");
  const e = err as { code?: string; message?: string; name?: string };
  if (err instanceof undiciErrors.HeadersTimeoutError) return new TransportError("timeout", "the provider sent no response headers in time");
  if (err instanceof undiciErrors.BodyTimeoutError) return new TransportError("timeout", "the provider went silent mid-response");
  if (err instanceof undiciErrors.ConnectTimeoutError || e.code === "UND_ERR_CONNECT_TIMEOUT") return new TransportError("connect", "connecting to the provider timed out");
  const code = e.code ?? "";
  if (["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "ECONNRESET", "EHOSTUNREACH", "ENETUNREACH"].includes(code) || /certificate|TLS|SSL/i.test(e.message ?? "")) {
    return new TransportError("connect", `cannot reach the provider (${code || e.message})`);
  }
  return new TransportError("network", `network error talking to the provider (${code || e.message || e.name})`);
}

export async function closeAgents() {
  await Promise.all([...agents.values()].map((a) => a.close().catch(() => undefined)));
  agents.clear();
}
