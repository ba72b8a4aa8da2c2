// One POST /v1/responses, whatever carries it (SSE, JSON, WebSocket): validate, resolve the model,
// run it, and say what happened in a RequestRecord. Transports adapt to `ResponseTransport`.
import { ClientError } from "../protocol/types.ts";
import type { RequestRecord } from "../protocol/record.ts";
import { validateResponsesRequest } from "../protocol/request.ts";
import { diagnosticsHeader } from "./diagnostics.ts";
import { prepare, runResponse, type RunOptions, type StreamOut, type Target } from "./run.ts";
import type { GatewayRuntime } from "./runtime.ts";

/** What a transport offers the engine for one response. */
export interface ResponseTransport {
  readonly requestId: string;
  /** Aborted when the client goes away. */
  readonly signal: AbortSignal;
  /** A whole reply: the non-streamed Response, or an error before any event was sent. */
  reply(status: number, body: unknown, headers: Record<string, string>): void;
  /** The event stream (called at most once, when the request asks for a stream). */
  openStream(): StreamOut;
  /** True once the stream has sent its first bytes (an error can then only end it). */
  readonly started: boolean;
  /** Ends the stream without a terminal event (only after an internal error mid-stream). */
  abandon(): void;
}

export interface ServeOptions {
  /** Deterministic ids and clock (golden tests). */
  fixedIds?: { responseId: string; now: () => number };
  keepAliveMs?: number;
  /** Aborted when a shutdown drain ends: open streams end with response.failed. */
  shutdown?: AbortSignal;
  onStreamStart?: (entry: Partial<RequestRecord>) => void;
  onStreamEnd?: (entry: Partial<RequestRecord>) => void;
  /** Opt-in payload capture (logging.payloads). */
  onPayload?: (request: unknown, upstreamBody: string) => void;
  /** GodeX's own bugs: logged by the caller, answered as a 500 without details. */
  onInternalError?: (err: unknown) => void;
}

export async function serveResponse(rt: GatewayRuntime, raw: unknown, t: ResponseTransport, o: ServeOptions = {}): Promise<RequestRecord> {
  const started = Date.now();
  let record: Partial<RequestRecord> = { requestId: t.requestId, retries: 0, diagnostics: [], firstTokenMs: null, errorCode: null };
  let streaming = false;
  try {
    const body = validateResponsesRequest(raw);
    const resolved = rt.resolve(body.model);
    if (!resolved) {
      throw new ClientError(400, "invalid_request_error", "model_not_found", `The model '${body.model}' is not configured in GodeX: add an alias under models.aliases or use provider/model.`, "model");
    }
    const provider = rt.providers.get(resolved.provider);
    if (!provider) throw new ClientError(400, "invalid_request_error", "model_not_found", `The model '${body.model}' maps to provider '${resolved.provider}', which is not configured.`, "model");
    const stream = body.stream === true;
    record = { ...record, alias: resolved.alias, provider: provider.name, model: resolved.model, stream };
    if (!provider.hasKey) {
      const env = rt.config.providers[provider.name]?.apiKeyEnv;
      throw new ClientError(401, "authentication_error", "missing_api_key", `GodeX has no API key for provider '${provider.name}'${env ? `: set ${env}` : ""} (or run 'godex serve --mock').`);
    }
    if (stream) {
      streaming = true;
      o.onStreamStart?.(record);
    }
    const target: Target = { provider, model: resolved.model };
    const run: RunOptions = {
      alias: resolved.alias,
      req: body,
      carrier: rt.carrier,
      exposeRawReasoning: rt.config.server.exposeRawReasoning,
      signal: t.signal,
      shutdown: o.shutdown,
      responseId: o.fixedIds?.responseId,
      now: o.fixedIds?.now,
      keepAliveMs: o.keepAliveMs,
    };
    const prepared = await prepare(run, target, stream);
    if (rt.config.logging.payloads) o.onPayload?.(body, prepared.upstreamBody);
    const diagnostics = prepared.translated.diagnostics.list;
    const result = await runResponse(run, target, prepared, stream ? t.openStream() : null);
    const stats = result.stats;
    record.status = result.status;
    if (!stream && !t.signal.aborted) t.reply(result.status, result.body, { "x-godex-diagnostics": diagnosticsHeader(diagnostics) });
    Object.assign(record, {
      outcome: stats.outcome,
      errorCode: stats.errorCode,
      firstTokenMs: stats.firstTokenMs,
      retries: Math.max(0, stats.attempts - 1),
      diagnostics: stats.diagnostics ?? diagnostics,
      usage: stats.usage ?? undefined,
    });
  } catch (err) {
    let ce: ClientError;
    if (err instanceof ClientError) ce = err;
    else {
      o.onInternalError?.(err);
      ce = new ClientError(500, "server_error", "internal_error", "GodeX hit an internal error handling this request; see the server log.");
    }
    record.status = ce.status;
    record.outcome = "rejected";
    record.errorCode = ce.code;
    if (t.started) t.abandon();
    else t.reply(ce.status, ce.toBody(), {});
  }
  const entry = { ...record, latencyMs: Date.now() - started } as RequestRecord;
  if (streaming) o.onStreamEnd?.(entry);
  return entry;
}
