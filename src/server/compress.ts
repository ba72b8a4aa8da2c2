// Content-coding of non-streamed replies. Codex 0.171 sends `Accept-Encoding: zstd,gzip` (and
// decodes gzip; 0.169 sends no Accept-Encoding and could not decode it). Node 20's zlib has no zstd
// (it arrived in Node 22.15), so GodeX answers gzip. Only a client that asked gets a coded body; SSE
// streams are never coded (a compressor would hold events back until its buffer fills).
import type { IncomingMessage } from "node:http";
import { gzipSync } from "node:zlib";
import Negotiator from "negotiator";

/** The coding for a reply to `req` ("gzip" or null), from its Accept-Encoding (q-values honoured). */
export function replyCoding(req: IncomingMessage | undefined): "gzip" | null {
  if (!req || req.headers["accept-encoding"] === undefined) return null;
  return new Negotiator(req).encoding(["gzip", "identity"]) === "gzip" ? "gzip" : null;
}

/** `text` coded as `coding` asks. */
export function encodeBody(text: string, coding: "gzip" | null): Buffer {
  const raw = Buffer.from(text, "utf8");
  return coding === "gzip" ? gzipSync(raw) : raw;
}
