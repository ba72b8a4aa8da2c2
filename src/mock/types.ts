// Contracts between the mock host (server.ts) and the per-provider dialects.
import type { IncomingHttpHeaders } from "node:http";

/** What the host hands a dialect: one HTTP request under `/<provider>`. */
export interface DialectRequest {
  method: string;
  /** Path after the provider prefix, without query, e.g. `/chat/completions` or `/beta/chat/completions`. */
  path: string;
  headers: IncomingHttpHeaders;
  /** Body exactly as received: dialects need it for byte-accurate error positions. */
  rawBody: string;
  /** Expected API key; the empty string disables auth. */
  expectedKey: string;
  /** The account has the provider's paid web-search plugin activated (MiMo); default off. */
  searchPlugin?: boolean;
}

/** A complete reply the host writes for the dialect. */
export type DialectResponse =
  | { status: number; headers: Record<string, string>; body: string }
  /** SSE reply: each frame is written separately so clients see real chunk boundaries. */
  | { status: number; headers: Record<string, string>; events: string[] };

export interface Dialect {
  handle(req: DialectRequest): DialectResponse;
}

/** One registry entry: adding a provider means adding one of these. */
export interface DialectSpec {
  /** Default API key when `keys` does not name this provider. */
  defaultKey: string;
  /** Path of the emulated base URL after `/<name>` (the real base path, e.g. Zhipu's /api/paas/v4). */
  basePath?: string;
  /** Fresh per-server state (prompt-cache LRU etc.). */
  create(): Dialect;
}

/** A canned reply that bypasses the dialect (no auth, no validation). */
export type ScriptedReply =
  | { status: number; json: unknown; headers?: Record<string, string> }
  | { status?: number; sse: string; chunkDelayMs?: number; headers?: Record<string, string> }
  /** 200 + SSE headers, then silence for `hangMs`, then a clean end. */
  | { hangMs: number }
  /** `mid-stream`: the dialect's own reply is cut after about half of it. */
  | { destroy: "before-headers" | "mid-stream" };

export interface RecordedRequest {
  provider: string;
  method: string;
  /** Full request path including the provider prefix and query. */
  path: string;
  headers: IncomingHttpHeaders;
  /** Parsed JSON body, or undefined when absent or not JSON. */
  body: unknown;
  rawBody: string;
  /** The HTTP status the emulator answered with (set once it answers; absent when the socket was cut first). */
  status?: number;
  /** A scripted reply (MockUpstreams.enqueue) answered instead of the dialect. */
  scripted?: boolean;
}
