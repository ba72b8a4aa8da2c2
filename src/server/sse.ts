// Writes Responses events as SSE: one `event:` + `data:` frame per write, `\n` line endings.
import type { ServerResponse } from "node:http";
import type { Diagnostic } from "../protocol/types.ts";
import type { StreamOut } from "../engine/client-reply.ts";
import { diagnosticsHeader } from "../engine/diagnostics.ts";

export function sseOut(res: ServerResponse, requestId: string): StreamOut {
  let corked = false;
  const uncork = () => {
    corked = false;
    res.uncork();
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
      // Events produced from one upstream chunk go out in one socket write: each is still one
      // complete frame, but the kernel sees a single writev instead of one call per event.
      if (!corked) {
        corked = true;
        res.cork();
        process.nextTick(uncork);
      }
      res.write(`event: ${type}\ndata: ${json}\n\n`);
    },
    congested() {
      // Past the high-water mark (16 KB) wait for 'drain' (or the connection closing).
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
      if (!res.writableEnded) res.end();
    },
  };
}
