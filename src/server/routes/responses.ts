// POST /v1/responses: validate, resolve the model, run the request streamed (SSE) or as JSON.
import { randomHex } from "../../util/ids.ts";
import type { IncomingMessage, ServerResponse } from "node:http";
import { ClientError, type Diagnostic } from "../../protocol/types.ts";
import { prepare, runJson, runStream, type RunOptions, type RunStats } from "../../engine/run.ts";
import { diagnosticsHeader } from "../../engine/diagnostics.ts";
import { validateResponsesRequest } from "../../protocol/request.ts";
import type { GatewayRuntime } from "../runtime.ts";
import type { Logger } from "../log.ts";
import { sendError, sendJson, toClientError } from "../errors.ts";
import { sseOut } from "../sse.ts";
import { tokenNameOf } from "../auth.ts";

export interface ResponsesRouteOptions {
  getRuntime: () => GatewayRuntime;
  log: Logger;
  /** Deterministic ids and clock (golden tests). */
  fixedIds?: { responseId: string; now: () => number };
  keepAliveMs?: number;
  onFinished?: (entry: RequestRecord) => void;
  onStreamStart?: (entry: Partial<RequestRecord>) => void;
  onStreamEnd?: (entry: Partial<RequestRecord>) => void;
  /** Aborted when a shutdown drain ends. */
  shutdown?: AbortSignal;
}

export interface RequestRecord {
  requestId: string;
  alias?: string;
  provider?: string;
  model?: string;
  stream?: boolean;
  status: number;
  outcome: string;
  errorCode: string | null;
  latencyMs: number;
  firstTokenMs: number | null;
  /** Upstream attempts beyond the first. */
  retries: number;
  usage?: { input: number; cached: number; output: number; reasoning: number };
  diagnostics: Diagnostic[];
  /** The conversation key Codex sends (prompt_cache_key), when it did. */
  conversation?: string | null;
  /** The inbound token's name when auth is on (never the token). */
  tokenName?: string | null;
  /** provider/model that produced the answer (after fallbacks, once routing exists). */
  servedBy?: string | null;
}

export function responsesHandler(o: ResponsesRouteOptions) {
  return async (req: IncomingMessage & { body?: unknown }, res: ServerResponse) => {
    const started = Date.now();
    const requestId = `req_${randomHex(8)}`;
    res.setHeader("x-request-id", requestId);
    const rt = o.getRuntime();
    let record: Partial<RequestRecord> = { requestId, retries: 0, diagnostics: [], firstTokenMs: null, errorCode: null, tokenName: tokenNameOf(req) };
    let streaming = false;
    try {
      const body = validateResponsesRequest(req.body);
      record.conversation = typeof body.prompt_cache_key === "string" ? body.prompt_cache_key : null;
      const resolved = rt.resolve(body.model);
      if (!resolved) {
        throw new ClientError(400, "invalid_request_error", "model_not_found", `The model '${body.model}' is not configured in GodeX: add an alias under models.aliases or use provider/model.`, "model");
      }
      const provider = rt.providers.get(resolved.provider);
      if (!provider) throw new ClientError(400, "invalid_request_error", "model_not_found", `The model '${body.model}' maps to provider '${resolved.provider}', which is not configured.`, "model");
      record = { ...record, alias: resolved.alias, provider: provider.name, model: resolved.model, stream: body.stream === true };
      if (!provider.hasKey) {
        const env = rt.config.providers[provider.name]?.apiKeyEnv;
        throw new ClientError(401, "authentication_error", "missing_api_key", `GodeX has no API key for provider '${provider.name}'${env ? `: set ${env}` : ""} (or run 'godex serve --mock').`);
      }
      const stream = body.stream === true;
      record = { ...record, alias: resolved.alias, provider: provider.name, model: resolved.model, stream, servedBy: `${provider.name}/${resolved.model}` };
      if (stream) {
        streaming = true;
        o.onStreamStart?.(record);
      }

      const abort = new AbortController();
      res.on("close", () => {
        if (!res.writableFinished) abort.abort();
      });
      const run: RunOptions = {
        provider,
        alias: resolved.alias,
        model: resolved.model,
        req: body,
        carrier: rt.carrier,
        exposeRawReasoning: rt.config.server.exposeRawReasoning,
        signal: abort.signal,
        shutdown: o.shutdown,
        responseId: o.fixedIds?.responseId,
        now: o.fixedIds?.now,
        keepAliveMs: o.keepAliveMs,
      };
      const prepared = await prepare(run, stream);
      if (rt.config.logging.payloads) {
        // Opt-in payload capture: bodies never carry provider keys (those travel in headers only).
        o.log.info({ msg: "payload", requestId, request: body, upstream_request: JSON.parse(prepared.upstreamBody) });
      }
      const diagnostics = prepared.translated.diagnostics.list;
      let stats: RunStats;
      if (stream) {
        stats = await runStream(run, prepared, sseOut(res, requestId));
        record.status = 200;
      } else {
        const result = await runJson(run, prepared);
        stats = result.stats;
        record.status = result.status;
        if (!res.writableEnded && !abort.signal.aborted) {
          res.setHeader("x-godex-diagnostics", diagnosticsHeader(diagnostics));
          sendJson(res, result.status, result.body);
        }
      }
      Object.assign(record, {
        outcome: stats.outcome,
        errorCode: stats.errorCode,
        firstTokenMs: stats.firstTokenMs,
        retries: Math.max(0, stats.attempts - 1),
        diagnostics: stats.diagnostics ?? diagnostics,
        usage: stats.usage ?? undefined,
      });
    } catch (err) {
      const ce = toClientError(err);
      if (ce.status >= 500) o.log.error({ requestId, msg: "request failed", error: String((err as Error)?.stack ?? err) });
      record.status = ce.status;
      record.outcome = "rejected";
      record.errorCode = ce.code;
      if (res.headersSent) {
        if (!res.writableEnded) res.end();
      } else sendError(res, ce);
    } finally {
      const entry = { ...record, latencyMs: Date.now() - started } as RequestRecord;
      if (streaming) o.onStreamEnd?.(entry);
      o.log.info({ msg: "response", ...entry });
      o.onFinished?.(entry);
    }
  };
}
