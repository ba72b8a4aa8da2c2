// One Responses request, end to end: translate → call the provider → feed the state machine.
// One run path for every mode: the same attempt feeds a builder with a sink (a stream) or without
// one (a whole JSON reply). An attempt commits late (client-reply.ts): the client sees the first
// event only once the target produced output or a clean end, so a failure before that is returned
// to the caller, which may try another target.
import { randomHex } from "../util/ids.ts";
import type { CanonicalDelta, Diagnostic, FinishOutcome, UpstreamFailure } from "../protocol/types.ts";
import type { ProviderRuntime } from "./provider-runtime.ts";
import type { ReasoningCarrier } from "./reasoning-carrier.ts";
import { translateRequest, type TranslatedRequest } from "./request/translate.ts";
import { JsonBytes } from "./request/json-bytes.ts";
import { ResponseBuilder, type EventSink } from "./stream/response-builder.ts";
import { appliedSampling, echoFromRequest } from "./stream/response-object.ts";
import { WHOLE_BODY_LIMIT, callUpstream, header, readLimited, redactSecrets, transportFailure } from "../upstream/call.ts";
import { readSse } from "../upstream/sse.ts";
import { TransportError, toTransportError, type UpstreamBody } from "../upstream/http.ts";
import { RequestDeadline } from "./deadline.ts";
import type { ResponsesRequest } from "../protocol/request.ts";
import type { OutputItem, ResponseObject } from "../generated/responses-output.ts";
import { ClientReply, type StreamOut } from "./client-reply.ts";
import { translateNativeRequest, type NativeTranslatedRequest } from "./request/responses-wire/translate.ts";
import { endpointFor, wireFor } from "./provider-runtime.ts";
import { wireReader, type WireReader } from "./wire-reader.ts";
import type { HostedSearch } from "./hosted/search-runtime.ts";

export type { StreamOut } from "./client-reply.ts";

export interface RunOptions {
  alias: string;
  req: ResponsesRequest;
  carrier: ReasoningCarrier;
  exposeRawReasoning: boolean;
  signal: AbortSignal;
  /** Aborted at the end of a shutdown drain: open streams end with response.failed. */
  shutdown?: AbortSignal;
  /** Fixed ids and clock for golden tests. */
  responseId?: string;
  now?: () => number;
  keepAliveMs?: number;
  /** The request offers Codex's web_search tool and web search is configured. */
  webSearch?: WebSearchOptions;
}

export interface WebSearchOptions {
  /** web_search.native: whether a mapping's own search (request.web_search) is used. */
  native: "auto" | "always" | "never";
  /** GodeX's hosted loop (a backend is configured); undefined: providers without their own search drop the tool. */
  hosted?: HostedSearch;
}

/** How a target searches: the provider itself, GodeX's hosted loop, or not at all. */
export function searchModeFor(o: Pick<RunOptions, "webSearch">, target: Target): "provider" | "hosted" | null {
  const ws = o.webSearch;
  if (!ws) return null;
  if (wireFor(target.provider, target.model) === "responses") {
    // The native wire's rules say it: the provider's own search (`native`), GodeX's loop (`hosted`), or none.
    const mode = target.provider.mapping.responses?.rules.tools.web_search;
    if (mode === "native" && ws.native !== "never") return "provider";
    return mode !== "drop" && ws.hosted ? "hosted" : null;
  }
  const own = target.provider.mapping.forModel(target.model).request.web_search;
  if (own && (ws.native === "always" || (ws.native === "auto" && own.use === "native"))) return "provider";
  return ws.hosted ? "hosted" : null;
}

/** One provider/model a request can be sent to. */
export interface Target {
  provider: ProviderRuntime;
  model: string;
}

export interface RunStats {
  attempts: number;
  firstTokenMs: number | null;
  upstreamStatus: number | null;
  outcome: string;
  errorCode: string | null;
  /** Token usage as the provider reported it (Responses terms), when it did. */
  usage?: { input: number; cached: number; output: number; reasoning: number };
  /** Every diagnostic of the request, stream-time ones included. */
  diagnostics?: Diagnostic[];
  /** The Response object as the client got it last (absent when the client went away first). */
  response?: ResponseObject;
  /** The output as a continuation replays it (reasoning always sealed). */
  historyOutput?: OutputItem[];
  /** Queries of the web searches GodeX ran for this response (hosted web_search). */
  searches?: string[];
}

export interface Prepared {
  translated: TranslatedRequest | NativeTranslatedRequest;
  /** What is sent: the UTF-8 bytes of JSON.stringify(translated.body). */
  upstreamBytes: Buffer;
  /** The same as text (payload logging), decoded when first read. */
  readonly upstreamBody: string;
  /** The wire of this target (Chat or the provider's own Responses API): endpoint and reader. */
  reader: WireReader;
}

/** The upstream bodies' long strings, encoded once for every request (bounded: JSON_BYTES_LIMITS). */
const upstreamJson = new JsonBytes();

function prepared(translated: Prepared["translated"], reader: WireReader): Prepared {
  const upstreamBytes = upstreamJson.serialize(translated.body)!;
  let text: string | undefined;
  return {
    translated,
    upstreamBytes,
    get upstreamBody() {
      return (text ??= upstreamBytes.toString("utf8"));
    },
    reader,
  };
}

/** `offerSearch: false`: the hosted loop's last step, where the model has to answer without searching again. */
export async function prepare(o: RunOptions, target: Target, stream: boolean, offerSearch = true): Promise<Prepared> {
  const mode = offerSearch ? searchModeFor(o, target) : null;
  const { wire, url } = endpointFor(target.provider, target.model);
  if (wire === "responses") {
    const translated = translateNativeRequest(o.req, { mapping: target.provider.mapping, model: target.model, stream, carrier: o.carrier, hostedSearch: mode === "hosted", providerSearch: mode !== "hosted" && offerSearch });
    return prepared(translated, wireReader(target.provider, wire, url, translated.flat));
  }
  const translated = await translateRequest(o.req, { mapping: target.provider.mapping, model: target.model, stream, carrier: o.carrier, hostedSearch: mode === "hosted", providerSearch: mode === "provider" });
  return prepared(translated, wireReader(target.provider, wire, url, null));
}

/** How one attempt at one target ended. */
export type AttemptResult =
  /** The target answered: the builder reached its terminal event (a failure after output included). */
  | { kind: "served" }
  /** Nothing of the answer reached the client: another target may still serve. */
  | { kind: "failed"; failure: UpstreamFailure; builder: ResponseBuilder; outcome?: FinishOutcome }
  | { kind: "aborted" };

/** The ids and clock every attempt of one response shares. */
export interface ResponseIdentity {
  responseId: string;
  idBase: string;
  createdAt: number;
  now: () => number;
}

export function responseIdentity(o: RunOptions): ResponseIdentity {
  const hex = o.responseId ? o.responseId.replace(/^resp_/, "") : randomHex(12);
  const now = o.now ?? (() => Math.floor(Date.now() / 1000));
  return { responseId: `resp_${hex}`, idBase: hex, createdAt: now(), now };
}

export function newBuilder(o: RunOptions, id: ResponseIdentity, target: Target, p: Prepared, sink: EventSink | undefined): ResponseBuilder {
  const mapping = target.provider.mapping;
  const rules = mapping.forModel(target.model).request;
  // Strict tools follow the rules of the wire the request went over.
  const strict = p.reader.wire === "responses" && mapping.responses ? mapping.responses.rules.tools.strict : rules.tools.strict;
  // What the provider was asked to do: the sampling in effect and whether it enforces strict tools.
  const applied = {
    sampling: appliedSampling(p.translated.body as Record<string, unknown>, rules.sampling_defaults),
    strictKept: strict === "keep",
  };
  return new ResponseBuilder({
    responseId: id.responseId,
    idBase: id.idBase,
    createdAt: id.createdAt,
    now: id.now,
    alias: o.alias,
    provider: target.provider.name,
    carrierName: target.provider.mapping.name,
    upstreamModel: target.model,
    echo: echoFromRequest(o.req, applied),
    tools: p.translated.tools,
    carrier: o.carrier,
    includeEncrypted: p.translated.includeEncrypted,
    exposeRawReasoning: o.exposeRawReasoning,
    thinkTags: p.reader.thinkTags,
    keepRawPrefix: p.reader.keepRawPrefix,
    diagnostics: [...p.translated.diagnostics.list],
    sink,
  });
}

export function newStats(): RunStats {
  return { attempts: 0, firstTokenMs: null, upstreamStatus: null, outcome: "completed", errorCode: null };
}

/** What the client gets once the run is over: a stream already ended, or a whole JSON reply. */
export function finishRun(o: RunOptions, target: Target, result: AttemptResult, reply: ClientReply, stats: RunStats): JsonResult {
  if (result.kind === "aborted") {
    stats.outcome = "aborted";
    return { status: 200, body: null, stats };
  }
  if (result.kind === "failed") {
    if (!reply.streaming) {
      Object.assign(stats, result.builder.summary());
      return errorResult(target.provider, result.failure, stats);
    }
    reply.open();
    if (result.outcome) {
      // A finish reason that fails the response ends it as the mapping says (code and message).
      stats.outcome = "failed";
      stats.errorCode = result.outcome.code ?? null;
      result.builder.complete(result.outcome);
    } else endFailed(target.provider, result.builder, result.failure, stats);
  }
  const builder = reply.builder!;
  Object.assign(stats, builder.summary());
  if (reply.streaming) {
    reply.end();
    return { status: 200, body: null, stats };
  }
  const snapshot = builder.snapshot();
  if (snapshot.status === "failed" && snapshot.error) {
    // A provider that gave up mid-answer is an error, not a 200: clients and SDKs retry on 5xx.
    return errorResult(target.provider, finishFailure(snapshot.error.code, snapshot.error.message), stats);
  }
  return { status: 200, body: snapshot, stats };
}

/**
 * One target, one call (with the provider's own retries): read its reply into the builder. Returns
 * `failed` while nothing of the answer has been committed to the client.
 */
export async function attempt(o: RunOptions, target: Target, p: Prepared, builder: ResponseBuilder, reply: ClientReply, stats: RunStats, started = Date.now()): Promise<AttemptResult> {
  const provider = target.provider;
  const deadline = new RequestDeadline(o.signal, provider.timeouts.totalMs, o.shutdown);
  const run = new AttemptRun(provider, p.reader, builder, reply, stats);
  try {
    const call = await callUpstream(provider, p.upstreamBytes, deadline.signal, p.reader);
    stats.attempts += call.attempts;
    if (deadline.clientGone) {
      if (call.ok) call.reply.body.destroy?.();
      return { kind: "aborted" };
    }
    if (!call.ok) return { kind: "failed", failure: deadlineFailure(provider, deadline) ?? call.failure, builder };
    stats.upstreamStatus = call.reply.status;
    try {
      const contentType = String(header(call.reply.headers, "content-type") ?? "");
      if (!reply.streaming || contentType.includes("application/json")) {
        // A whole completion (asked for, whatever its content type, or a provider answering a stream request with plain JSON).
        const json = parseJsonBody(await readLimited(call.reply.body, WHOLE_BODY_LIMIT));
        const deltas = json === null || typeof json !== "object" ? notJson(provider) : readWhole(provider, p.reader, json);
        if (!Array.isArray(deltas)) run.fail(deltas);
        else {
          const mapping = run.feed(deltas);
          if (mapping) await mapping;
          if (!run.over) run.finishAtEof(true);
        }
      } else {
        await pumpSse(run, call.reply.body, started);
      }
    } catch (err) {
      call.reply.body.destroy();
      if (deadline.clientGone) return { kind: "aborted" };
      run.fail(deadlineFailure(provider, deadline) ?? midReplyFailure(provider, err, deadline.signal));
    }
    return run.result();
  } finally {
    deadline.dispose();
  }
}

/** One attempt's reading state: feeds deltas, commits on the first output, keeps an early failure. */
class AttemptRun {
  private failure: UpstreamFailure | null = null;
  private failedFinish: FinishOutcome | undefined;

  constructor(
    readonly provider: ProviderRuntime,
    readonly reader: WireReader,
    readonly builder: ResponseBuilder,
    readonly reply: ClientReply,
    readonly stats: RunStats,
  ) {}

  /** The builder ended, or the attempt failed before output. */
  get over(): boolean {
    return this.failure !== null || this.builder.finished;
  }

  result(): AttemptResult {
    return this.failure ? { kind: "failed", failure: this.failure, builder: this.builder, outcome: this.failedFinish } : { kind: "served" };
  }

  /** A failure: kept for the caller while nothing was committed, else the response ends with it. */
  fail(f: UpstreamFailure) {
    if (!this.reply.answered) {
      this.failure = f;
      return;
    }
    endFailed(this.provider, this.builder, f, this.stats);
  }

  /**
   * Pushes the deltas into the builder. Synchronous (null) unless an error delta must be mapped: most
   * chunks then cost no promise and no microtask turn (26 per small streamed response).
   */
  feed(deltas: CanonicalDelta[]): Promise<void> | null {
    for (const d of deltas) {
      if (this.over) return null;
      if (d.kind === "error") return this.reader.mapError(d.status, d.body).then((f) => this.fail(f));
      if (d.kind === "reasoning" || d.kind === "text" || d.kind === "tool_call" || d.kind === "web_search" || d.kind === "hosted_item") this.reply.commit();
      this.builder.push(d);
    }
    return null;
  }

  /** The upstream ended: a finish reason means done (even without [DONE]); none means cut off. */
  finishAtEof(sawDone: boolean) {
    const reason = this.builder.gotFinishReason;
    if (reason) {
      const outcome = this.reader.finish(reason);
      if (outcome.status === "failed" && !this.reply.answered) {
        // e.g. "overloaded" before any output: a failure another target may not have.
        this.failure = finishFailure(outcome.code ?? "server_error", outcome.message ?? "The provider failed to finish the response.");
        this.failedFinish = outcome;
        return;
      }
      if (outcome.message && outcome.status === "completed") {
        this.builder.addDiagnostic({ code: "finish_reason_unknown", path: "upstream.finish_reason", action: "degraded", message: outcome.message });
      }
      this.reply.commit();
      if (outcome.status === "completed" && this.builder.stepWantsSearches) {
        // One step of a hosted tool loop ended: the loop runs the searches and calls again.
        this.builder.endStep();
        return;
      }
      this.stats.outcome = outcome.status;
      this.stats.errorCode = outcome.code ?? null;
      this.builder.complete(outcome);
      return;
    }
    const why = sawDone ? "sent [DONE] without a finish reason" : "closed the stream before finishing";
    this.fail({ httpStatus: 502, type: "server_error", code: "server_error", message: `${this.provider.name} ${why}; the response is incomplete.`, param: null, retryable: true });
  }
}

/** A failure while reading the provider's reply (after the call succeeded): transport, or GodeX's own bug. */
function midReplyFailure(provider: ProviderRuntime, err: unknown, signal: AbortSignal): UpstreamFailure {
  const transport = err instanceof TransportError || (err as { code?: unknown })?.code !== undefined || (err as Error)?.name === "AbortError";
  if (transport) return transportFailure(toTransportError(err, signal), provider.name);
  const what = err instanceof Error ? err.message : String(err);
  return { httpStatus: 502, type: "server_error", code: "server_error", message: `GodeX could not process ${provider.name}'s reply: ${what}`, param: null, retryable: true };
}

async function pumpSse(run: AttemptRun, body: UpstreamBody, started: number) {
  const { provider, reader, builder, reply, stats } = run;
  const deltas: CanonicalDelta[] = [];
  let sawDone = false;
  for await (const batch of readSse(body)) {
    for (const item of batch) {
      if (item.kind === "done") {
        sawDone = true;
        continue;
      }
      if (item.kind === "bad") {
        builder.addDiagnostic({ code: "upstream_chunk_malformed", path: "upstream.stream", action: "ignored", message: `A stream chunk was not valid JSON and was skipped: ${redactSecrets(item.data.slice(0, 80), provider)}` });
        continue;
      }
      const before = deltas.length;
      try {
        reader.readEvent(item.value, item.event, deltas);
      } catch (err) {
        // A chunk of an unexpected shape (e.g. `choices` not an array) is skipped, like non-JSON.
        deltas.length = before;
        builder.addDiagnostic({ code: "upstream_chunk_malformed", path: "upstream.stream", action: "ignored", message: `A stream chunk could not be read and was skipped (${err instanceof Error ? err.message : String(err)}).` });
      }
    }
    if (deltas.length > 0) {
      if (stats.firstTokenMs === null) stats.firstTokenMs = Date.now() - started;
      const mapping = run.feed(deltas);
      if (mapping) await mapping;
      deltas.length = 0;
      if (run.over) {
        body.destroy();
        return;
      }
      // A client that stops reading slows the upstream read down instead of growing GodeX's buffers.
      const congested = reply.congested();
      if (congested) await congested;
    }
  }
  if (!run.over) run.finishAtEof(sawDone);
}

function collect(fill: (out: CanonicalDelta[]) => void): CanonicalDelta[] {
  const out: CanonicalDelta[] = [];
  fill(out);
  return out;
}

/** The error codes Codex acts on in response.failed (responses-spec.md §3.6). */
const CODEX_CODES = new Set(["context_length_exceeded", "insufficient_quota", "usage_not_included", "invalid_prompt", "cyber_policy", "server_is_overloaded", "slow_down", "rate_limit_exceeded", "server_error"]);

function endFailed(provider: ProviderRuntime, builder: ResponseBuilder, f: UpstreamFailure, stats: RunStats) {
  stats.outcome = "failed";
  stats.errorCode = f.code;
  let code = f.code;
  if (!CODEX_CODES.has(code)) {
    // Codex retries any code it does not know, five times. A request the provider refuses for
    // good (bad key, bad parameter) is reported as invalid_prompt, which Codex shows and stops on.
    code = f.retryable ? "server_error" : "invalid_prompt";
    builder.addDiagnostic({ code: "error_code_for_codex", path: "error.code", action: "degraded", message: `The provider's error '${f.code}' is reported as '${code}', the code Codex acts on (${f.retryable ? "retry" : "stop, no retry"}).` });
  }
  builder.fail({ code, message: redactSecrets(codexMessage(f), provider) });
}

/** Codex parses "try again in Ns" out of rate-limit messages to time its retry. */
export function codexMessage(f: UpstreamFailure): string {
  if (f.code !== "rate_limit_exceeded" || /try again in/i.test(f.message)) return f.message;
  const secs = Math.max(1, Math.ceil((f.retryAfterMs ?? 1000) / 1000));
  const sentence = /[.!?。]$/.test(f.message.trim()) ? f.message.trim() : `${f.message.trim()}.`;
  return `${sentence} Please try again in ${secs}s.`;
}

function parseJsonBody(text: string): unknown {
  const t = text.trim(); // DeepSeek pads queued non-stream replies with blank lines
  if (t === "") return undefined;
  try {
    return JSON.parse(t);
  } catch {
    return undefined;
  }
}

export type JsonResult = { status: number; body: unknown; stats: RunStats };

/** A whole (non-stream) provider reply as deltas; a reply the mapping cannot read is a failure, not a crash. */
function readWhole(provider: ProviderRuntime, reader: WireReader, json: object): CanonicalDelta[] | UpstreamFailure {
  try {
    return collect((d) => reader.readWhole(json, d));
  } catch (err) {
    const what = err instanceof Error ? err.message : String(err);
    return { httpStatus: 502, type: "server_error", code: "server_error", message: `GodeX could not read ${provider.name}'s reply: ${what}`, param: null, retryable: true };
  }
}

function notJson(provider: ProviderRuntime): UpstreamFailure {
  return { httpStatus: 502, type: "server_error", code: "server_error", message: `${provider.name} returned a body that is not JSON.`, param: null, retryable: true };
}

/** HTTP status and type for a failure that came from a finish reason. */
function finishFailure(code: string, message: string): UpstreamFailure {
  const known: Record<string, [number, string]> = {
    context_length_exceeded: [400, "invalid_request_error"],
    invalid_prompt: [400, "invalid_request_error"],
    rate_limit_exceeded: [429, "rate_limit_error"],
    insufficient_quota: [429, "insufficient_quota"],
  };
  const [httpStatus, type] = known[code] ?? [502, "server_error"];
  return { httpStatus, type, code, message, param: null, retryable: httpStatus >= 500 };
}

/** Why the deadline ended the call, when it was GodeX's doing (total timeout or shutdown). */
function deadlineFailure(provider: ProviderRuntime, deadline: RequestDeadline): UpstreamFailure | null {
  if (deadline.timedOut) {
    const secs = Math.round(provider.timeouts.totalMs / 1000);
    return { httpStatus: 504, type: "server_error", code: "server_error", message: `${provider.name} did not finish within the total timeout of ${secs}s (timeouts.total_ms).`, param: null, retryable: true };
  }
  if (deadline.shuttingDown) {
    return { httpStatus: 503, type: "server_error", code: "server_error", message: "GodeX is shutting down; the response was cut short. Retry.", param: null, retryable: true };
  }
  return null;
}

function errorResult(provider: ProviderRuntime, f: UpstreamFailure, stats: RunStats): JsonResult {
  stats.outcome = "failed";
  stats.errorCode = f.code;
  return { status: f.httpStatus, body: { error: { message: redactSecrets(codexMessage(f), provider), type: f.type, code: f.code, param: f.param } }, stats };
}
