// WebSocket mode on GET /v1/responses (and /responses): the upgrade is checked like an HTTP request
// (Host and Origin, path, inbound auth, WebSocket mode switched on) before `ws` completes the handshake. A refused
// upgrade gets a plain HTTP reply in the OpenAI error shape: Codex falls back to HTTP on a 426.
import type { IncomingMessage, Server } from "node:http";
import type { Duplex } from "node:stream";
import type { WebSocketServer } from "ws";
import { ClientError } from "../../protocol/types.ts";
import { missingToken, tokenChecker } from "../auth.ts";
import { refuseUpgrade, upgradeRefusal } from "../access.ts";
import { CLOSE, ResponsesSession, type SessionOptions } from "./session.ts";

const PATHS = new Set(["/v1/responses", "/responses"]);

export interface ResponsesSockets {
  /** Open connections. */
  readonly sessions: ReadonlySet<ResponsesSession>;
  /** Shutdown starts: idle connections close now (1001), busy ones after their response. */
  closeIdle(): void;
  /** Closes every connection (1001, going away), e.g. at the end of a shutdown drain. */
  closeAll(): void;
}

export function attachResponsesSockets(server: Server, o: SessionOptions): ResponsesSockets {
  const sessions = new Set<ResponsesSession>();
  const authorized = tokenChecker(() => o.getRuntime().config.server.auth.tokens);
  // The message limit is read from the config each time a connection opens (hot reload applies).
  const servers = new Map<number, WebSocketServer>();
  // `ws` is loaded with the first accepted upgrade, not at start-up (~16 MB and a twentieth of start-up's
  // module loading for a mode most clients never use; docs/performance.md).
  let wsModule: typeof import("ws") | undefined;
  const wssFor = async (maxPayload: number) => {
    wsModule ??= await import("ws");
    let wss = servers.get(maxPayload);
    if (!wss) {
      wss = new wsModule.WebSocketServer({ noServer: true, maxPayload, perMessageDeflate: false, clientTracking: false });
      servers.set(maxPayload, wss);
    }
    return wss;
  };

  server.on("upgrade", (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on("error", () => socket.destroy());
    const path = (req.url ?? "").split("?", 1)[0];
    const config = o.getRuntime().config.server;
    const refusal = upgradeRefusal(req, config) ?? (!PATHS.has(path)
      ? new ClientError(404, "invalid_request_error", "not_found", `GodeX serves WebSocket mode on GET /v1/responses only, not ${path}.`)
      : String(req.headers.upgrade ?? "").toLowerCase() !== "websocket"
        ? new ClientError(400, "invalid_request_error", "invalid_upgrade", "Only WebSocket upgrades are served.")
        : !config.websocket.enabled
          ? new ClientError(426, "invalid_request_error", "websocket_not_supported", "WebSocket mode is switched off (server.websocket.enabled: false); use HTTP POST /v1/responses.")
          : !authorized(req)
            ? missingToken()
            : sessions.size >= config.websocket.maxConnections
              ? // 426, not 503: Codex then runs this session over HTTP at once instead of retrying with backoff.
                new ClientError(426, "invalid_request_error", "websocket_connection_limit", `GodeX has ${sessions.size} WebSocket connections open (server.websocket.max_connections); use HTTP POST /v1/responses.`)
              : null);
    if (refusal) return refuseUpgrade(socket, refusal);
    const handshake = (wss: WebSocketServer) => {
      if (socket.destroyed) return; // the client left while `ws` was loading
      wss.handleUpgrade(req, socket, head, (ws) => {
        const session = new ResponsesSession(ws, o);
        sessions.add(session);
        ws.once("close", () => sessions.delete(session));
      });
    };
    const maxPayload = config.websocket.maxMessageBytes;
    const ready = wsModule && servers.get(maxPayload);
    if (ready) handshake(ready);
    else wssFor(maxPayload).then(handshake, () => socket.destroy());
  });

  return {
    sessions,
    closeIdle() {
      for (const s of sessions) s.closeWhenIdle();
    },
    closeAll() {
      for (const s of sessions) s.close(CLOSE.goingAway, "server shutting down");
    },
  };
}
