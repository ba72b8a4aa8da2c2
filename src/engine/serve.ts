// One POST /v1/responses, whatever carries it (SSE, JSON, WebSocket): validate, resolve the model,
// run it, and say what happened in a RequestRecord. Transports adapt to `ResponseTransport`.
import { ClientError } from "../protocol/types.ts";
import type { RequestRecord } from "../protocol/record.ts";
import { validateResponsesRequest } from "../protocol/request.ts";
import { diagnosticsHeader } from "./diagnostics.ts";
import { type RunOptions, type RunStats, type StreamOut, type Target } from "./run.ts";
import { admitTargets, runRoute, type RouteRunOptions } from "./routing/run-route.ts";
import { TargetHealth } from "./routing/health.ts";
import type { GatewayRuntime } from "./runtime.ts";
import { continueFrom, afterResponse, notFound, ownInput, type Continuations, type History } from "./continuation/history.ts";
import { serveMade, serveWarmup } from "./warmup.ts";
import { compactConversation } from "./compact.ts";
import type { OutputItem } from "../generated/responses-output.ts";
import type { Usage } from "../protocol/types.ts";
import type { ResponsesRequest } from "../protocol/request.ts";
import { expandCompactions } from "./continuation/compaction.ts";
import { toolSources } from "./request/tools.ts";

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
  /** Called with the same record as onStreamStart (so gauges labelled from it balance). */
  onStreamEnd?: (entry: Partial<RequestRecord>) => void;
  /** Per-target circuit state; shared by every request of a gateway and kept across reloads. */
  health?: TargetHealth;
  /** Opt-in payload capture (logging.payloads). */
  onPayload?: (request: unknown, upstreamBody: string) => void;
  /** GodeX's own bugs: logged by the caller, answered as a 500 without details. */
  onInternalError?: (err: unknown) => void;
  /** previous_response_id: where earlier responses are found and finished ones kept. None: every id is unknown. */
  continuations?: Continuations;
}

export async function serveResponse(rt: GatewayRuntime, raw: unknown, t: ResponseTransport, o: ServeOptions = {}): Promise<RequestRecord> {
  const started = Date.now();
  let record: Partial<RequestRecord> = { requestId: t.requestId, retries: 0, diagnostics: [], firstTokenMs: null, errorCode: null };
  let streaming = false;
  let streamRecord: Partial<RequestRecord> = {};
  let previousId: string | null = null;
  try {
    const asked = validateResponsesRequest(raw);
    previousId = asked.previous_response_id ?? null;
    const prev = previousId ? await findPrevious(o.continuations, previousId) : null;
    const continued = continueFrom(asked, prev);
    const seen = continued.history;
    // A compaction item GodeX sealed becomes its summary text; a foreign one is dropped by the translator.
    const body = expandCompactions(continued.request, rt.carrier, rt.config.compaction.summaryPrefix);
    record.conversation = typeof body.prompt_cache_key === "string" ? body.prompt_cache_key : null;
    const resolved = rt.resolve(body.model);
    if (!resolved) {
      throw new ClientError(400, "invalid_request_error", "model_not_found", `The model '${body.model}' is not configured in GodeX: add an alias under models.aliases or use provider/model.`, "model");
    }
    const health = o.health ?? new TargetHealth();
    const routeOptions = { route: resolved.route, providers: rt.providers, health, req: body };
    const { candidates, skipped } = admitTargets(routeOptions);
    const stream = body.stream === true;
    const first = candidates[0];
    record = { ...record, alias: resolved.alias, provider: first?.provider.name ?? resolved.provider, model: first?.target.model ?? resolved.model, stream };
    if (!first) {
      // No target has a key (or the provider is gone): the first one is named, as before routing.
      const provider = rt.providers.get(resolved.provider);
      if (!provider) throw new ClientError(400, "invalid_request_error", "model_not_found", `The model '${body.model}' maps to provider '${resolved.provider}', which is not configured.`, "model");
      const env = rt.config.providers[provider.name]?.apiKeyEnv;
      throw new ClientError(401, "authentication_error", "missing_api_key", `GodeX has no API key for provider '${provider.name}'${env ? `: set ${env}` : ""} (or run 'godex serve --mock').`);
    }
    if (stream) {
      streaming = true;
      streamRecord = { ...record };
      o.onStreamStart?.(streamRecord);
    }
    const run: RouteRunOptions = {
      ...routeOptions,
      alias: resolved.alias,
      carrier: rt.carrier,
      exposeRawReasoning: rt.config.server.exposeRawReasoning,
      signal: t.signal,
      shutdown: o.shutdown,
      responseId: o.fixedIds?.responseId,
      now: o.fixedIds?.now,
      keepAliveMs: o.keepAliveMs,
      policy: rt.config.routing,
      onPayload: rt.config.logging.payloads ? (_target, upstreamBody) => o.onPayload?.(body, upstreamBody) : undefined,
    };
    // Warm-ups and compactions are GodeX-made answers: the first admitted target frames them.
    const firstTarget: Target = { provider: first.provider, model: first.target.model };
    if ((raw as { generate?: unknown }).generate === false) {
      // WebSocket warm-up: a response with no output, whose id a continuation can name.
      const warm = await serveWarmup(run, firstTarget, stream ? t.openStream() : null);
      if (!stream) t.reply(200, warm.response, { "x-godex-diagnostics": diagnosticsHeader(warm.diagnostics) });
      record = { ...record, status: 200, outcome: "completed", diagnostics: warm.diagnostics };
      await keep(o, asked, seen, warm.response, []);
      const entry = { ...record, latencyMs: Date.now() - started } as RequestRecord;
      if (streaming) o.onStreamEnd?.(streamRecord);
      return entry;
    }
    if (ownInput(asked).some((i) => (i as { type?: string }).type === "compaction_trigger")) {
      // Codex's remote compaction (v2): the answer is one sealed compaction item summarizing the conversation.
      const made = await compactionResponse(rt, body, run, firstTarget, stream ? t.openStream() : null, t.signal, o);
      if (!stream) t.reply(200, made.response, { "x-godex-diagnostics": diagnosticsHeader(made.diagnostics) });
      record = { ...record, status: 200, outcome: "completed", diagnostics: made.diagnostics };
      await keep(o, asked, seen, made.response, made.response.output);
      const entry = { ...record, latencyMs: Date.now() - started } as RequestRecord;
      if (streaming) o.onStreamEnd?.(streamRecord);
      return entry;
    }
    // The stream's end waits until the response is kept, so a client that read to the end can continue it at once.
    const held = stream ? holdEnd(t.openStream()) : null;
    let result;
    try {
      // Codex's web_search tool: the provider's own search or GodeX's hosted loop, per target (run.ts searchModeFor).
      const webSearch = rt.config.webSearch && asksForWebSearch(body) ? { native: rt.config.webSearch.native, ...(rt.search ? { hosted: rt.search } : {}) } : undefined;
      result = await runRoute(webSearch ? { ...run, webSearch } : run, candidates, skipped, held?.out ?? null);
    } catch (err) {
      held?.release();
      throw err;
    }
    const stats = result.stats;
    record.status = result.status;
    Object.assign(record, {
      provider: result.provider,
      model: result.model,
      outcome: stats.outcome,
      errorCode: stats.errorCode,
      firstTokenMs: stats.firstTokenMs,
      retries: Math.max(0, stats.attempts - 1),
      diagnostics: stats.diagnostics ?? result.headerDiagnostics,
      usage: stats.usage ?? undefined,
      ...(result.servedBy ? { servedBy: result.servedBy } : {}),
      ...(result.attempts.length > 1 || result.fallback ? { attempts: result.attempts, fallback: result.fallback } : {}),
      ...(stats.searches && stats.searches.length > 0 ? { searches: stats.searches } : {}),
    });
    const kept = (stats.outcome === "completed" || stats.outcome === "incomplete") && stats.response && stats.historyOutput;
    try {
      if (kept) await keep(o, asked, seen, stats.response!, stats.historyOutput!);
      else if (previousId) await Promise.resolve(o.continuations?.forget(previousId)).catch((e: unknown) => o.onInternalError?.(e));
    } finally {
      held?.release();
    }
    // A JSON reply, too, is sent once the response is kept: the client may continue it at once, on any instance.
    if (!stream && !t.signal.aborted) t.reply(result.status, result.body, { "x-godex-diagnostics": diagnosticsHeader(result.headerDiagnostics), ...result.headers });
  } catch (err) {
    let ce: ClientError;
    if (err instanceof ClientError) ce = err;
    else {
      o.onInternalError?.(err);
      ce = new ClientError(500, "server_error", "internal_error", "GodeX hit an internal error handling this request; see the server log.");
    }
    // A continuation that fails is not trusted again: its previous response is forgotten.
    if (previousId) await Promise.resolve(o.continuations?.forget(previousId)).catch((e: unknown) => o.onInternalError?.(e));
    record.status = ce.status;
    record.outcome = "rejected";
    record.errorCode = ce.code;
    if (t.started) t.abandon();
    else t.reply(ce.status, ce.toBody(), {});
  }
  const entry = { ...record, latencyMs: Date.now() - started } as RequestRecord;
  if (streaming) o.onStreamEnd?.(streamRecord);
  return entry;
}

async function findPrevious(c: Continuations | undefined, id: string): Promise<History> {
  const found = c ? await c.find(id) : null;
  if (!found) throw notFound(id);
  return found;
}

/** Hands a finished response to the continuation store; a store failure is GodeX's, never the client's. */
async function keep(o: ServeOptions, asked: Parameters<typeof ownInput>[0], seen: History, response: RequestRecordResponse, output: RequestRecordOutput) {
  if (!o.continuations) return;
  try {
    await o.continuations.remember({ id: response.id, request: asked, input: ownInput(asked), history: afterResponse(seen, output), output, response });
  } catch (err) {
    o.onInternalError?.(err);
  }
}

type RequestRecordResponse = NonNullable<RunStats["response"]>;
type RequestRecordOutput = NonNullable<RunStats["historyOutput"]>;

/** A stream whose end() is deferred until release() (both must happen for the stream to end). */
function holdEnd(out: StreamOut): { out: StreamOut; release(): void } {
  let ended = false;
  let released = false;
  return {
    out: {
      ...out,
      begin: (d, h) => out.begin(d, h),
      event: out.event,
      congested: out.congested ? () => out.congested!() : undefined,
      end() {
        ended = true;
        if (released) out.end();
      },
    },
    release() {
      if (released) return;
      released = true;
      if (ended) out.end();
    },
  };
}

/** Summarizes the conversation before a compaction_trigger and answers with the sealed compaction item. */
async function compactionResponse(rt: GatewayRuntime, body: ResponsesRequest, run: RunOptions, target: Target, out: StreamOut | null, signal: AbortSignal, o: ServeOptions) {
  const history = (Array.isArray(body.input) ? body.input : []).filter((i) => (i as { type?: string }).type !== "compaction_trigger");
  const c = await compactConversation(rt, { model: body.model, instructions: body.instructions, reasoning: body.reasoning, input: history }, signal, { onInternalError: o.onInternalError });
  if (c.status !== 200) {
    const e = (c.body as { error: { type: string; code: string; message: string; param: string | null } }).error;
    throw new ClientError(c.status, e.type, e.code, e.message, e.param);
  }
  const result = c.body as { output: OutputItem[]; usage?: Usage };
  const sealed = result.output.at(-1) as unknown as { encrypted_content: string };
  const item = (id: string) => ({ id, type: "compaction", encrypted_content: sealed.encrypted_content, created_by: "godex" }) as unknown as OutputItem;
  return serveMade(run, target, out, [item], result.usage ?? { input_tokens: 0, input_tokens_details: { cached_tokens: 0 }, output_tokens: 0, output_tokens_details: { reasoning_tokens: 0 }, total_tokens: 0 });
}

/** Codex's hosted web_search tool is among the declared tools. */
function asksForWebSearch(body: Parameters<typeof toolSources>[0]): boolean {
  return toolSources(body).some((s) => s.tools.some((tool) => /^web_search/.test(tool.type)));
}
