// One response over a WebSocket: each Responses event is one text message (the same JSON as the SSE
// `data:`), an error before the first event is one `error` message in the WebSocket error shape
// ({type:"error", status, error:{type, code, message, param}}). The connection stays open after.
import type { WebSocket } from "ws";
import type { ResponseTransport } from "../../engine/serve.ts";
import type { StreamOut } from "../../engine/run.ts";

/** Past this many unsent bytes the stream waits for the client (the upstream read pauses). */
const HIGH_WATER = 1024 * 1024;

export function errorMessage(status: number, error: { type?: string; code?: string | null; message: string; param?: string | null }): string {
  return JSON.stringify({ type: "error", status, error: { type: error.type ?? "invalid_request_error", code: error.code ?? "invalid_request", message: error.message, param: error.param ?? null } });
}

export interface SocketTransportOptions {
  requestId: string;
  signal: AbortSignal;
  /** The client has not taken its buffered bytes for this long: give up on it. */
  stallTimeoutMs: number;
  onStall: () => void;
}

export function socketTransport(ws: WebSocket, o: SocketTransportOptions): ResponseTransport {
  let started = false;
  const send = (text: string) => {
    if (ws.readyState === ws.OPEN) ws.send(text);
  };
  const out: StreamOut = {
    begin() {
      started = true;
    },
    event(_type, json) {
      send(json);
    },
    congested() {
      if (ws.readyState !== ws.OPEN || ws.bufferedAmount < HIGH_WATER) return null;
      return waitForDrain(ws, o.stallTimeoutMs, o.onStall);
    },
    end() {},
  };
  return {
    requestId: o.requestId,
    signal: o.signal,
    reply(status, body) {
      const err = (body as { error?: { type?: string; code?: string | null; message: string; param?: string | null } })?.error;
      if (status >= 400 && err) send(errorMessage(status, err));
      else send(JSON.stringify(body));
    },
    openStream: () => out,
    get started() {
      return started;
    },
    abandon() {
      // GodeX's own failure mid-stream: the client still gets an end to this turn.
      send(errorMessage(500, { type: "server_error", code: "internal_error", message: "GodeX hit an internal error handling this response; see the server log." }));
    },
  };
}

/** Resolves once the socket's buffer is below the high-water mark, or it closed; calls onStall when the wait is too long. */
function waitForDrain(ws: WebSocket, stallTimeoutMs: number, onStall: () => void): Promise<void> {
  return new Promise((resolve) => {
    const started = Date.now();
    const timer = setInterval(() => {
      if (ws.readyState !== ws.OPEN || ws.bufferedAmount < HIGH_WATER / 2) {
        clearInterval(timer);
        resolve();
      } else if (Date.now() - started > stallTimeoutMs) {
        clearInterval(timer);
        onStall();
        resolve();
      }
    }, 20);
    timer.unref();
  });
}
