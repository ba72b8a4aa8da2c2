// One WebSocket connection in Responses WebSocket mode: `response.create` messages in, served one
// after the other through the same serveResponse as HTTP; the connection remembers its recent
// responses so a `previous_response_id` continuation can send only the new items. Everything it
// holds is bounded (queued messages, cached bytes) and released when it closes.
import type { WebSocket, RawData } from "ws";
import { randomHex } from "../../util/ids.ts";
import type { RequestRecord } from "../../protocol/record.ts";
import { serveResponse, type ServeOptions } from "../../engine/serve.ts";
import type { GatewayRuntime } from "../../engine/runtime.ts";
import { ConnectionCache } from "../../engine/continuation/connection-cache.ts";
import type { Continuations } from "../../engine/continuation/history.ts";
import type { Logger } from "../log.ts";
import { errorMessage, socketTransport } from "./transport.ts";
import { ClientError } from "../../protocol/types.ts";

/** Messages waiting while a response runs; a client that pipelines more is cut off. */
const MAX_QUEUED = 16;

/** Close codes (RFC 6455). */
export const CLOSE = { normal: 1000, goingAway: 1001, policy: 1008, tooBig: 1009, internal: 1011 } as const;

export interface SessionOptions extends Omit<ServeOptions, "onPayload" | "onInternalError"> {
  getRuntime: () => GatewayRuntime;
  log: Logger;
  onFinished?: (entry: RequestRecord) => void;
  // `continuations` here is the response store (store: true), shared with HTTP; the connection
  // keeps its own cache in front of it and consults the store for ids it has not seen.
}

export class ResponsesSession {
  private readonly queue: RawData[] = [];
  private queuedBytes = 0;
  private running = false;
  private closed = false;
  private closing = false;
  private current: AbortController | null = null;
  private idle: NodeJS.Timeout | null = null;
  private readonly cache: ConnectionCache;
  private readonly continuations: Continuations;

  constructor(
    private readonly ws: WebSocket,
    private readonly o: SessionOptions,
    readonly id = `ws_${randomHex(8)}`,
  ) {
    const c = o.getRuntime().config.server.websocket;
    this.cache = new ConnectionCache({ maxBytes: c.maxCachedBytes, maxResponses: c.maxCachedResponses });
    const store = o.continuations;
    const cache = this.cache;
    this.continuations = {
      find: async (rid) => {
        const found = cache.find(rid) ?? (store ? await store.find(rid) : null);
        if (!found && cache.lastSkipped?.id === rid) throw tooBigToKeep(rid, cache.lastSkipped.bytes, c.maxCachedBytes);
        return found;
      },
      remember: async (r) => {
        cache.remember(r);
        if (store && r.request.store !== false) await store.remember(r);
      },
      forget: (rid) => cache.forget(rid),
    };
    ws.on("message", (data) => this.onMessage(data));
    ws.on("close", () => this.onClose());
    ws.on("error", (err) => o.log.debug({ msg: "websocket error", connection: this.id, error: String(err) }));
    this.armIdle();
  }

  /** Bytes this connection keeps for continuations (tests, metrics). */
  get cachedBytes(): number {
    return this.cache.bytes;
  }

  private onMessage(data: RawData) {
    if (this.closed || this.closing) return;
    if (this.queue.length >= MAX_QUEUED) {
      this.close(CLOSE.policy, "too many response.create messages waiting");
      return;
    }
    // Waiting messages together stay within one max_message (each one alone is already capped by ws).
    const size = byteSize(data);
    if (this.queue.length > 0 && this.queuedBytes + size > this.o.getRuntime().config.server.websocket.maxMessageBytes) {
      this.close(CLOSE.policy, "too many bytes of response.create messages waiting");
      return;
    }
    this.queue.push(data);
    this.queuedBytes += size;
    void this.drain();
  }

  /** Shutdown: close now when idle, else right after the running response (queued ones are dropped). */
  closeWhenIdle() {
    this.closing = true;
    this.queue.length = 0;
    this.queuedBytes = 0;
    if (!this.running) this.close(CLOSE.goingAway, "server shutting down");
  }

  private async drain() {
    if (this.running) return;
    this.running = true;
    this.disarmIdle();
    try {
      while (this.queue.length > 0 && !this.closed) {
        const next = this.queue.shift()!;
        this.queuedBytes -= byteSize(next);
        await this.handle(next);
      }
    } finally {
      this.running = false;
      if (this.closing) this.close(CLOSE.goingAway, "server shutting down");
      else if (!this.closed) this.armIdle();
    }
  }

  private async handle(data: RawData) {
    const text = Array.isArray(data) ? Buffer.concat(data).toString("utf8") : Buffer.from(data as ArrayBuffer).toString("utf8");
    let msg: unknown;
    try {
      msg = JSON.parse(text);
    } catch (err) {
      this.send(errorMessage(400, { code: "invalid_json", message: `The message is not valid JSON: ${(err as Error).message}` }));
      return;
    }
    if (msg === null || typeof msg !== "object" || Array.isArray(msg)) {
      this.send(errorMessage(400, { code: "invalid_type", message: "A WebSocket message must be a JSON object with a type." }));
      return;
    }
    const { type, ...body } = msg as Record<string, unknown>;
    if (type !== "response.create") {
      this.send(errorMessage(400, { code: "unknown_event_type", message: `Unsupported event type ${JSON.stringify(type ?? null)}: send {"type":"response.create", ...}.`, param: "type" }));
      return;
    }
    this.o.log.debug({
      msg: "websocket response.create",
      connection: this.id,
      previous_response_id: body.previous_response_id ?? null,
      generate: body.generate ?? null,
      input_items: Array.isArray(body.input) ? body.input.length : typeof body.input === "string" ? 1 : 0,
    });
    // Every WebSocket response streams; the HTTP-only stream fields carry no meaning here.
    delete body.stream;
    delete body.stream_options;
    body.stream = true;
    await this.serve(body);
  }

  private async serve(body: Record<string, unknown>) {
    const requestId = `req_${randomHex(8)}`;
    const abort = new AbortController();
    this.current = abort;
    const c = this.o.getRuntime().config.server.websocket;
    const transport = socketTransport(this.ws, {
      requestId,
      signal: abort.signal,
      stallTimeoutMs: c.stallTimeoutMs,
      onStall: () => {
        this.o.log.warn({ msg: "websocket client stopped reading", connection: this.id, requestId });
        this.terminate();
      },
    });
    const entry = await serveResponse(this.o.getRuntime(), body, transport, {
      ...this.o,
      continuations: this.continuations,
      onPayload: (request, upstreamBody) => this.o.log.info({ msg: "payload", requestId, request, upstream_request: JSON.parse(upstreamBody) }),
      onInternalError: (err) => this.o.log.error({ requestId, msg: "request failed", error: String((err as Error)?.stack ?? err) }),
    });
    this.current = null;
    this.o.log.info({ msg: "response", transport: "websocket", connection: this.id, ...entry });
    this.o.onFinished?.(entry);
  }

  private send(text: string) {
    if (this.ws.readyState === this.ws.OPEN) this.ws.send(text);
  }

  private armIdle() {
    this.disarmIdle();
    const ms = this.o.getRuntime().config.server.websocket.idleTimeoutMs;
    this.idle = setTimeout(() => this.close(CLOSE.normal, "idle timeout"), ms);
    this.idle.unref();
  }

  private disarmIdle() {
    if (this.idle) clearTimeout(this.idle);
    this.idle = null;
  }

  /** A clean close (the client sees the code and reason). */
  close(code: number, reason: string) {
    if (this.closed) return;
    this.ws.close(code, reason);
    this.onClose();
  }

  /** A client that does not read cannot take a close frame either: drop the connection. */
  terminate() {
    this.ws.terminate();
    this.onClose();
  }

  private onClose() {
    if (this.closed) return;
    this.closed = true;
    this.disarmIdle();
    this.queue.length = 0;
    this.queuedBytes = 0;
    this.current?.abort();
    this.cache.clear();
  }
}

/** previous_response_not_found, saying why: the conversation outgrew what one connection keeps. */
function tooBigToKeep(id: string, bytes: number, max: number): ClientError {
  return new ClientError(
    400,
    "invalid_request_error",
    "previous_response_not_found",
    `Previous response with id '${id}' not found: its conversation (${bytes} bytes) is larger than server.websocket.max_cached (${max} bytes), so this connection did not keep it. Send the whole conversation without previous_response_id, or raise max_cached.`,
    "previous_response_id",
  );
}

function byteSize(data: RawData): number {
  if (Array.isArray(data)) return data.reduce((n, b) => n + b.length, 0);
  return (data as Buffer | ArrayBuffer).byteLength;
}
