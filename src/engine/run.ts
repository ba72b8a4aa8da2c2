// One Responses request, end to end: translate → call the provider → feed the state machine.
import { randomHex } from "../util/ids.ts";
import type { CanonicalDelta, Diagnostic, UpstreamFailure } from "../protocol/types.ts";
import type { ProviderRuntime } from "./provider-runtime.ts";
import type { ReasoningCarrier } from "./reasoning-carrier.ts";
import { translateRequest, type TranslatedRequest } from "./request/translate.ts";
import { ResponseBuilder, type EventSink } from "./stream/response-builder.ts";
import { echoFromRequest } from "./stream/response-object.ts";
import { WHOLE_BODY_LIMIT, callUpstream, header, readLimited, redactSecrets, transportFailure } from "../upstream/call.ts";
import { readSse } from "../upstream/sse.ts";
import { TransportError, toTransportError, type UpstreamBody } from "../upstream/http.ts";
import { RequestDeadline } from "./deadline.ts";
import type { ResponsesRequest } from "../protocol/request.ts";
import { translateNativeRequest, type NativeTranslatedRequest } from "./request/responses-wire/translate.ts";
import { endpointFor } from "./provider-runtime.ts";
import { wireReader, type WireReader } from "./wire-reader.ts";

export interface RunOptions {
  provider: ProviderRuntime;
  alias: string;
  model: string;
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
}

export interface Prepared {
  translated: TranslatedRequest | NativeTranslatedRequest;
  upstreamBody: string;
  /** The wire, endpoint and reader of this call. */
  reader: WireReader;
}

export async function prepare(o: RunOptions, stream: boolean): Promise<Prepared> {
  const { wire, url } = endpointFor(o.provider, o.model);
  if (wire === "responses") {
    const translated = translateNativeRequest(o.req, { mapping: o.provider.mapping, model: o.model, stream, carrier: o.carrier });
    return { translated, upstreamBody: JSON.stringify(translated.body), reader: wireReader(o.provider, wire, url, translated.flat) };
  }
  const translated = await translateRequest(o.req, { mapping: o.provider.mapping, model: o.model, stream, carrier: o.carrier });
  return { translated, upstreamBody: JSON.stringify(translated.body), reader: wireReader(o.provider, wire, url, null) };
}

function newBuilder(o: RunOptions, p: Prepared, sink: EventSink | undefined): ResponseBuilder {
  const hex = o.responseId ? o.responseId.replace(/^resp_/, "") : randomHex(12);
  const now = o.now ?? (() => Math.floor(Date.now() / 1000));
  return new ResponseBuilder({
    responseId: `resp_${hex}`,
    idBase: hex,
    createdAt: now(),
    now,
    alias: o.alias,
    provider: o.provider.name,
    carrierName: o.provider.mapping.name,
    upstreamModel: o.model,
    echo: echoFromRequest(o.req),
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

/** What the streaming transport needs from the server: one write per event. */
export interface StreamOut {
  /** Sends the status line and headers (called once, right before the first event). */
  begin(diagnostics: Diagnostic[]): void;
  event: EventSink;
  /** Resolves when the client has taken what was written; null when it is keeping up. */
  congested?(): Promise<void> | null;
  end(): void;
}

export async function runStream(o: RunOptions, p: Prepared, out: StreamOut): Promise<RunStats> {
  const deadline = new RequestDeadline(o.signal, o.provider.timeouts.totalMs, o.shutdown);
  try {
    return await streamWithin(o, p, out, deadline);
  } finally {
    deadline.dispose();
  }
}

async function streamWithin(o: RunOptions, p: Prepared, out: StreamOut, deadline: RequestDeadline): Promise<RunStats> {
  const started = Date.now();
  const stats: RunStats = { attempts: 0, firstTokenMs: null, upstreamStatus: null, outcome: "completed", errorCode: null };
  const call = await callUpstream(o.provider, p.upstreamBody, deadline.signal, p.reader);
  if (deadline.clientGone) {
    stats.outcome = "aborted";
    if (call.ok) call.reply.body.destroy?.();
    return stats;
  }
  stats.attempts = call.attempts;
  const builder = newBuilder(o, p, (type, json) => {
    out.event(type, json);
    lastWrite = Date.now();
  });
  let lastWrite = Date.now();
  out.begin(builder.snapshot().godex.diagnostics);
  builder.start();

  if (!call.ok) {
    endFailed(o, builder, deadlineFailure(o, deadline) ?? call.failure, stats);
    Object.assign(stats, builder.summary());
    out.end();
    return stats;
  }
  stats.upstreamStatus = call.reply.status;
  const keepAliveMs = o.keepAliveMs ?? 15_000;
  const timer = setInterval(() => {
    if (Date.now() - lastWrite >= keepAliveMs) builder.keepAlive();
  }, Math.min(keepAliveMs, 5_000));
  timer.unref();
  try {
    const contentType = String(header(call.reply.headers, "content-type") ?? "");
    if (contentType.includes("application/json")) {
      // Some providers answer a streamed request with a plain JSON body (an error, or a whole completion).
      const json = parseJsonBody(await readLimited(call.reply.body, WHOLE_BODY_LIMIT));
      const deltas = json === null || typeof json !== "object" ? notJson(o) : readWhole(o, p.reader, json);
      if (!Array.isArray(deltas)) endFailed(o, builder, deltas, stats);
      else {
        await feed(o, p.reader, builder, deltas, stats);
        if (!builder.finished) finishAtEof(o, p.reader, builder, stats, true);
      }
    } else {
      await pumpSse(o, p.reader, builder, call.reply.body, stats, started, out);
    }
  } catch (err) {
    call.reply.body.destroy();
    if (deadline.clientGone) {
      stats.outcome = "aborted";
      return stats;
    }
    endFailed(o, builder, deadlineFailure(o, deadline) ?? midReplyFailure(o, err, deadline.signal), stats);
  } finally {
    clearInterval(timer);
  }
  Object.assign(stats, builder.summary());
  out.end();
  return stats;
}

/** A failure while reading the provider's reply (after the call succeeded): transport, or GodeX's own bug. */
function midReplyFailure(o: RunOptions, err: unknown, signal: AbortSignal): UpstreamFailure {
  const transport = err instanceof TransportError || (err as { code?: unknown })?.code !== undefined || (err as Error)?.name === "AbortError";
  if (transport) return transportFailure(toTransportError(err, signal), o.provider.name);
  const what = err instanceof Error ? err.message : String(err);
  return { httpStatus: 502, type: "server_error", code: "server_error", message: `GodeX could not process ${o.provider.name}'s reply: ${what}`, param: null, retryable: true };
}

async function pumpSse(o: RunOptions, reader: WireReader, builder: ResponseBuilder, body: UpstreamBody, stats: RunStats, started: number, out: StreamOut) {
  const deltas: CanonicalDelta[] = [];
  let sawDone = false;
  for await (const batch of readSse(body)) {
    for (const item of batch) {
      if (item.kind === "done") {
        sawDone = true;
        continue;
      }
      if (item.kind === "bad") {
        builder.addDiagnostic({ code: "upstream_chunk_malformed", path: "upstream.stream", action: "ignored", message: `A stream chunk was not valid JSON and was skipped: ${redactSecrets(item.data.slice(0, 80), o.provider)}` });
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
      await feed(o, reader, builder, deltas, stats);
      deltas.length = 0;
      if (builder.finished) return;
      // A client that stops reading slows the upstream read down instead of growing GodeX's buffers.
      const congested = out.congested?.();
      if (congested) await congested;
    }
  }
  if (!builder.finished) finishAtEof(o, reader, builder, stats, sawDone);
}

function collect(fill: (out: CanonicalDelta[]) => void): CanonicalDelta[] {
  const out: CanonicalDelta[] = [];
  fill(out);
  return out;
}

async function feed(o: RunOptions, reader: WireReader, builder: ResponseBuilder, deltas: CanonicalDelta[], stats: RunStats) {
  for (const d of deltas) {
    if (d.kind === "error") {
      endFailed(o, builder, await reader.mapError(d.status, d.body), stats);
      return;
    }
    builder.push(d);
  }
}

/** The upstream stream ended: a finish reason means done (even without [DONE]); none means cut off. */
function finishAtEof(o: RunOptions, reader: WireReader, builder: ResponseBuilder, stats: RunStats, sawDone: boolean) {
  const reason = builder.gotFinishReason;
  if (reason) {
    const outcome = reader.finish(reason);
    if (outcome.message && outcome.status === "completed") {
      builder.addDiagnostic({ code: "finish_reason_unknown", path: "upstream.finish_reason", action: "degraded", message: outcome.message });
    }
    stats.outcome = outcome.status;
    stats.errorCode = outcome.code ?? null;
    builder.complete(outcome);
    return;
  }
  const why = sawDone ? "sent [DONE] without a finish reason" : "closed the stream before finishing";
  endFailed(o, builder, { httpStatus: 502, type: "server_error", code: "server_error", message: `${o.provider.name} ${why}; the response is incomplete.`, param: null, retryable: true }, stats);
}

/** The error codes Codex acts on in response.failed (responses-spec.md §3.6). */
const CODEX_CODES = new Set(["context_length_exceeded", "insufficient_quota", "usage_not_included", "invalid_prompt", "cyber_policy", "server_is_overloaded", "slow_down", "rate_limit_exceeded", "server_error"]);

function endFailed(o: RunOptions, builder: ResponseBuilder, f: UpstreamFailure, stats: RunStats) {
  stats.outcome = "failed";
  stats.errorCode = f.code;
  let code = f.code;
  if (!CODEX_CODES.has(code)) {
    // Codex retries any code it does not know, five times. A request the provider refuses for
    // good (bad key, bad parameter) is reported as invalid_prompt, which Codex shows and stops on.
    code = f.retryable ? "server_error" : "invalid_prompt";
    builder.addDiagnostic({ code: "error_code_for_codex", path: "error.code", action: "degraded", message: `The provider's error '${f.code}' is reported as '${code}', the code Codex acts on (${f.retryable ? "retry" : "stop, no retry"}).` });
  }
  builder.fail({ code, message: redactSecrets(codexMessage(f), o.provider) });
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

export async function runJson(o: RunOptions, p: Prepared): Promise<JsonResult> {
  const deadline = new RequestDeadline(o.signal, o.provider.timeouts.totalMs, o.shutdown);
  try {
    return await jsonWithin(o, p, deadline);
  } finally {
    deadline.dispose();
  }
}

async function jsonWithin(o: RunOptions, p: Prepared, deadline: RequestDeadline): Promise<JsonResult> {
  const stats: RunStats = { attempts: 0, firstTokenMs: null, upstreamStatus: null, outcome: "completed", errorCode: null };
  const call = await callUpstream(o.provider, p.upstreamBody, deadline.signal, p.reader);
  stats.attempts = call.attempts;
  if (!call.ok) return errorResult(o, deadlineFailure(o, deadline) ?? call.failure, stats);
  stats.upstreamStatus = call.reply.status;
  let text: string;
  try {
    text = await readLimited(call.reply.body, WHOLE_BODY_LIMIT);
  } catch (err) {
    call.reply.body.destroy();
    return errorResult(o, deadlineFailure(o, deadline) ?? midReplyFailure(o, err, deadline.signal), stats);
  }
  const json = parseJsonBody(text);
  const deltas = json === null || typeof json !== "object" ? notJson(o) : readWhole(o, p.reader, json);
  if (!Array.isArray(deltas)) return errorResult(o, deltas, stats);
  const err = deltas.find((d) => d.kind === "error");
  if (err && err.kind === "error") return errorResult(o, await p.reader.mapError(err.status, err.body), stats);
  const builder = newBuilder(o, p, undefined);
  for (const d of deltas) builder.push(d);
  finishAtEof(o, p.reader, builder, stats, true);
  Object.assign(stats, builder.summary());
  const failed = builder.snapshot();
  if (failed.status === "failed" && failed.error) {
    // A provider that gave up mid-answer is an error, not a 200: clients and SDKs retry on 5xx.
    return errorResult(o, finishFailure(failed.error.code, failed.error.message), stats);
  }
  return { status: 200, body: failed, stats };
}

/** A whole (non-stream) provider reply as deltas; a reply the mapping cannot read is a failure, not a crash. */
function readWhole(o: RunOptions, reader: WireReader, json: object): CanonicalDelta[] | UpstreamFailure {
  try {
    return collect((d) => reader.readWhole(json, d));
  } catch (err) {
    const what = err instanceof Error ? err.message : String(err);
    return { httpStatus: 502, type: "server_error", code: "server_error", message: `GodeX could not read ${o.provider.name}'s reply: ${what}`, param: null, retryable: true };
  }
}

function notJson(o: RunOptions): UpstreamFailure {
  return { httpStatus: 502, type: "server_error", code: "server_error", message: `${o.provider.name} returned a body that is not JSON.`, param: null, retryable: true };
}

/** HTTP status and type for a failure that came from a finish reason (non-streamed replies). */
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
function deadlineFailure(o: RunOptions, deadline: RequestDeadline): UpstreamFailure | null {
  if (deadline.timedOut) return totalTimeout(o);
  if (deadline.shuttingDown) {
    return { httpStatus: 503, type: "server_error", code: "server_error", message: "GodeX is shutting down; the response was cut short. Retry.", param: null, retryable: true };
  }
  return null;
}

function totalTimeout(o: RunOptions): UpstreamFailure {
  const secs = Math.round(o.provider.timeouts.totalMs / 1000);
  return { httpStatus: 504, type: "server_error", code: "server_error", message: `${o.provider.name} did not finish within the total timeout of ${secs}s (timeouts.total_ms).`, param: null, retryable: true };
}

function errorResult(o: RunOptions, f: UpstreamFailure, stats: RunStats): JsonResult {
  stats.outcome = "failed";
  stats.errorCode = f.code;
  return { status: f.httpStatus, body: { error: { message: redactSecrets(codexMessage(f), o.provider), type: f.type, code: f.code, param: f.param } }, stats };
}
