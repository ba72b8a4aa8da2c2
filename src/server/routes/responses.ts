// POST /v1/responses over HTTP: adapts a Node request/response to the engine's transport-neutral
// serveResponse (SSE when the client asks for a stream, JSON otherwise), then logs and records.
import type { IncomingMessage, ServerResponse } from "node:http";
import { randomHex } from "../../util/ids.ts";
import type { RequestRecord } from "../../protocol/record.ts";
import { serveResponse, type ResponseTransport, type ServeOptions } from "../../engine/serve.ts";
import type { GatewayRuntime } from "../../engine/runtime.ts";
import type { Logger } from "../log.ts";
import { sendJson } from "../errors.ts";
import { sseOut } from "../sse.ts";
import { tokenNameOf } from "../auth.ts";

export type { RequestRecord };

export interface ResponsesRouteOptions extends Omit<ServeOptions, "onPayload" | "onInternalError"> {
  getRuntime: () => GatewayRuntime;
  log: Logger;
  onFinished?: (entry: RequestRecord) => void;
}

export function responsesHandler(o: ResponsesRouteOptions) {
  return async (req: IncomingMessage & { body?: unknown }, res: ServerResponse) => {
    const requestId = `req_${randomHex(8)}`;
    res.setHeader("x-request-id", requestId);
    const entry = await serveResponse(o.getRuntime(), req.body, httpTransport(res, requestId), {
      ...o,
      onPayload: (request, upstreamBody) => {
        // Opt-in payload capture: bodies never carry provider keys (those travel in headers only).
        o.log.info({ msg: "payload", requestId, request, upstream_request: JSON.parse(upstreamBody) });
      },
      onInternalError: (err) => o.log.error({ requestId, msg: "request failed", error: String((err as Error)?.stack ?? err) }),
    });
    // The inbound token's name (never the token) is the transport's to know.
    const token = tokenNameOf(req);
    if (token) entry.tokenName = token;
    o.log.info({ msg: "response", ...entry });
    if (entry.fallback) {
      const failed = (entry.attempts ?? []).filter((a) => a.result !== "served").map((a) => `${a.target} ${a.result}${a.code ? ` (${a.code})` : ""}`);
      o.log.warn({ msg: "served by fallback", requestId, alias: entry.alias, servedBy: entry.servedBy, failed });
    }
    o.onFinished?.(entry);
  };
}

function httpTransport(res: ServerResponse, requestId: string): ResponseTransport {
  const abort = new AbortController();
  res.on("close", () => {
    if (!res.writableFinished) abort.abort();
  });
  return {
    requestId,
    signal: abort.signal,
    reply(status, body, headers) {
      if (res.headersSent || res.writableEnded) return;
      for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
      sendJson(res, status, body);
    },
    openStream: () => sseOut(res, requestId),
    get started() {
      return res.headersSent;
    },
    abandon() {
      if (!res.writableEnded) res.end();
    },
  };
}
