// Every error GodeX answers itself goes out in the OpenAI error shape.
import type { ServerResponse } from "node:http";
import { ClientError } from "../protocol/types.ts";
import vary from "vary";
import { encodeBody, replyCoding } from "./compress.ts";

/**
 * A JSON reply on a plain Node response (works under Express and on the raw fast path alike),
 * gzip-coded when the client's Accept-Encoding asks for it.
 */
export function sendJson(res: ServerResponse, status: number, body: unknown) {
  const coding = replyCoding(res.req);
  const bytes = encodeBody(JSON.stringify(body), coding);
  res.statusCode = status;
  res.setHeader("content-type", "application/json; charset=utf-8");
  vary(res, "Accept-Encoding");
  if (coding) res.setHeader("content-encoding", coding);
  res.setHeader("content-length", bytes.length);
  res.end(bytes);
}

export function sendError(res: ServerResponse, err: ClientError) {
  if (res.headersSent) return;
  sendJson(res, err.status, err.toBody());
}

/** Maps body-parser and unexpected errors to a client error; never leaks a stack trace. */
export function toClientError(err: unknown): ClientError {
  if (err instanceof ClientError) return err;
  const e = err as { type?: string; status?: number; message?: string; limit?: number };
  if (e?.type === "entity.parse.failed") return new ClientError(400, "invalid_request_error", "invalid_json", `The request body is not valid JSON: ${e.message ?? ""}`.trim());
  if (e?.type === "entity.too.large") return new ClientError(413, "invalid_request_error", "request_too_large", `The request body exceeds the configured limit of ${e.limit} bytes (server.body_limit).`);
  if (e?.type === "encoding.unsupported" || e?.type === "charset.unsupported") return new ClientError(415, "invalid_request_error", "unsupported_encoding", e.message ?? "Unsupported content encoding.");
  if (e?.type === "request.aborted") return new ClientError(400, "invalid_request_error", "request_aborted", "The client aborted the request body.");
  if (typeof e?.status === "number" && e.status >= 400 && e.status < 500) return new ClientError(e.status, "invalid_request_error", "invalid_request", e.message ?? "Bad request.");
  return new ClientError(500, "server_error", "internal_error", "GodeX hit an internal error handling this request; see the server log.");
}
