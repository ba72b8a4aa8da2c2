// The answer to a WebSocket upgrade that reaches the HTTP app (no WebSocket server attached, or WebSocket mode off).
// Measured with the real Codex 0.169 and 0.171 (`npm run bench:ws-fallback`, docs/transport.md): 426
// makes Codex fall back to HTTP after ONE attempt (~0.2 s, and the rest of the session goes straight to
// HTTP); 403/404/405/410/501 or closing the connection cost 7 attempts with backoff (~7 s); 400 is fatal.
import { ClientError } from "../protocol/types.ts";

export function isWebSocketUpgrade(headers: { upgrade?: string | string[] }): boolean {
  return String(headers.upgrade ?? "").toLowerCase() === "websocket";
}

export function noWebSocketError(): ClientError {
  return new ClientError(426, "invalid_request_error", "websocket_not_supported", "WebSocket mode is not available on this server; use HTTP POST /v1/responses (or set supports_websockets = false).");
}
