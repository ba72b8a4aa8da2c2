// Writes Responses events as SSE: `event:` + `data:` frames, `\n` line endings, one write per tick.
import type { ServerResponse } from "node:http";
import type { Diagnostic } from "../protocol/types.ts";
import type { StreamOut } from "../engine/client-reply.ts";
import { diagnosticsHeader } from "../engine/diagnostics.ts";

export function sseOut(res: ServerResponse, requestId: string): StreamOut {
  // Events produced in one tick (from one upstream chunk) leave in one write: each is still one
  // complete frame, but Node and the kernel see one chunk instead of one per event (one HTTP chunk
  // header, one buffer in the writev). Cheaper than cork/uncork, which still queued a write per event.
  let pending = "";
  const flush = () => {
    if (pending === "") return;
    const frames = pending;
    pending = "";
    if (!res.writableEnded) res.write(frames);
  };
  return {
    begin(diagnostics: Diagnostic[], headers: Record<string, string> = {}) {
      res.socket?.setNoDelay(true);
      res.writeHead(200, {
        "content-type": "text/event-stream; charset=utf-8",
        "cache-control": "no-cache",
        connection: "keep-alive",
        "x-accel-buffering": "no",
        "x-request-id": requestId,
        "x-godex-diagnostics": diagnosticsHeader(diagnostics),
        ...headers,
      });
    },
    event(type: string, json: string) {
      if (res.writableEnded) return;
      if (pending === "") process.nextTick(flush);
      pending += `event: ${type}\ndata: ${json}\n\n`;
    },
    congested() {
      // What this tick produced counts: it is written first, then past the high-water mark (16 KB)
      // the stream waits for 'drain' (or the connection closing).
      flush();
      if (res.writableEnded || res.destroyed || !res.writableNeedDrain) return null;
      return new Promise<void>((resolve) => {
        const done = () => {
          res.off("drain", done);
          res.off("close", done);
          resolve();
        };
        res.on("drain", done);
        res.on("close", done);
      });
    },
    end() {
      flush();
      if (!res.writableEnded) res.end();
    },
  };
}
