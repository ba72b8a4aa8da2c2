// POST /v1/responses/compact over HTTP: a JSON reply (the compacted window or an OpenAI-shaped error).
import type { IncomingMessage, ServerResponse } from "node:http";
import { compactConversation } from "../../engine/compact.ts";
import type { GatewayRuntime } from "../../engine/runtime.ts";
import type { Continuations } from "../../engine/continuation/history.ts";
import type { Logger } from "../log.ts";
import { sendJson } from "../errors.ts";

export function compactHandler(o: { getRuntime: () => GatewayRuntime; log: Logger; continuations?: Continuations }) {
  return async (req: IncomingMessage & { body?: unknown }, res: ServerResponse) => {
    const abort = new AbortController();
    res.on("close", () => {
      if (!res.writableFinished) abort.abort();
    });
    const started = Date.now();
    const r = await compactConversation(o.getRuntime(), req.body, abort.signal, {
      continuations: o.continuations,
      onInternalError: (err) => o.log.error({ msg: "compaction failed", error: String((err as Error)?.stack ?? err) }),
    });
    o.log.info({ msg: "compaction", status: r.status, latencyMs: Date.now() - started });
    if (!res.headersSent && !abort.signal.aborted) sendJson(res, r.status, r.body);
  };
}
