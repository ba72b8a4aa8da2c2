// Reads a JSON request body: Buffers collected once, size-limited, UTF-8-checked, parsed once.
// (Lighter than body-parser on the hot path: no per-chunk string decoding, no content-type sniffing.)
import { isAscii, isUtf8, transcode } from "node:buffer";
import type { IncomingMessage, ServerResponse } from "node:http";
import { ClientError } from "../protocol/types.ts";
import { HISTORY_PARSE_FROM_BYTES, HistoryParser } from "./history-parse.ts";

/** Recent large bodies' input items, for the next turn of the same conversation (bounded: HISTORY_PARSE_LIMITS). */
const historyParser = new HistoryParser();

/** What the large-body cache holds and how often it was used (tests). */
export function largeBodyCacheUse() {
  return historyParser.use;
}

export function jsonBody(limit: number) {
  return (req: IncomingMessage & { body?: unknown }, _res: ServerResponse, next: (err?: unknown) => void) => {
    const encoding = (req.headers["content-encoding"] ?? "identity").toLowerCase();
    if (encoding !== "identity") return next(new ClientError(415, "invalid_request_error", "unsupported_encoding", `Content-Encoding '${encoding}' is not supported; send the body uncompressed.`));
    const charset = /charset=([^;]+)/i.exec(req.headers["content-type"] ?? "")?.[1]?.trim().toLowerCase().replace(/"/g, "");
    if (charset && charset !== "utf-8" && charset !== "utf8") return next(new ClientError(415, "invalid_request_error", "unsupported_encoding", `Charset '${charset}' is not supported; send UTF-8.`));
    const declared = Number(req.headers["content-length"]);
    if (Number.isFinite(declared) && declared > limit) return next(tooLarge(limit));

    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    req.on("data", (chunk: Buffer) => {
      if (failed) return;
      size += chunk.length;
      if (size > limit) {
        failed = true;
        chunks.length = 0;
        req.resume();
        return next(tooLarge(limit));
      }
      chunks.push(chunk);
    });
    req.on("end", () => {
      if (failed) return;
      const buf = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size);
      if (!isUtf8(buf)) return next(new ClientError(400, "invalid_request_error", "invalid_json", "The request body is not valid UTF-8."));
      try {
        // A large body usually repeats a recent one's input items (history-parse.ts).
        req.body = buf.length >= HISTORY_PARSE_FROM_BYTES ? historyParser.parse(buf, decodeUtf8) : JSON.parse(notEmpty(decodeUtf8(buf)));
      } catch (err) {
        if (err instanceof ClientError) return next(err);
        if (decodeUtf8(buf).trim() === "") return next(emptyBody());
        return next(new ClientError(400, "invalid_request_error", "invalid_json", `The request body is not valid JSON: ${(err as Error).message}`));
      }
      next();
    });
    req.on("error", () => {
      failed = true; // client went away mid-body: nothing to answer
    });
  };
}

function notEmpty(text: string): string {
  if (text.trim() === "") throw emptyBody();
  return text;
}

function emptyBody(): ClientError {
  return new ClientError(400, "invalid_request_error", "invalid_json", "The request body is empty; send a JSON object.");
}

function tooLarge(limit: number) {
  return new ClientError(413, "invalid_request_error", "request_too_large", `The request body exceeds the configured limit of ${limit} bytes (server.body_limit).`);
}

/**
 * `buf.toString("utf8")` of a buffer already checked to be UTF-8, faster. V8's UTF-8 decoder is slow
 * once a text holds any non-ASCII character (a 1.3 MB Codex history with a few "—" or "✓": ~7 ms,
 * against ~1 ms for ASCII): ASCII is read as Latin-1 (the same characters), anything else goes through
 * ICU's UTF-8 → UTF-16 conversion (~2.5 ms), whose result is the same string.
 */
export function decodeUtf8(buf: Buffer): string {
  if (buf.length < TRANSCODE_ABOVE) return buf.toString("utf8");
  if (isAscii(buf)) return buf.toString("latin1");
  try {
    return transcode(buf, "utf8", "utf16le").toString("utf16le");
  } catch {
    return buf.toString("utf8"); // a Node built without ICU
  }
}

/** Below this the plain decoder is as fast (and allocates one buffer less). */
const TRANSCODE_ABOVE = 64 * 1024;
