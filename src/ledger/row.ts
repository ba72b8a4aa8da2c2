// One ledger row per response: what was asked, who answered, what it cost, how long it took.
import type { Price } from "./prices.ts";
import { costOf } from "./prices.ts";
import type { RequestRecord } from "../protocol/record.ts";

export interface LedgerRow {
  /** Epoch milliseconds of the end of the response. */
  ts: number;
  request_id: string;
  /** The GodeX instance that served it (host:pid), to tell instances apart on a shared ledger. */
  instance: string | null;
  /** The model name the client asked for. */
  alias: string | null;
  provider: string | null;
  model: string | null;
  /** provider/model that produced the answer (another target than the first after a fallback). */
  served_by: string | null;
  /** 1 when served_by is not the alias's first target. */
  fallback: number;
  /** Inbound token name (never the token); null when auth is off. */
  token_name: string | null;
  /** prompt_cache_key: Codex's conversation key. */
  conversation: string | null;
  stream: number;
  status: number;
  /** completed | incomplete | failed | aborted | rejected */
  outcome: string;
  error_code: string | null;
  input_tokens: number;
  cached_tokens: number;
  output_tokens: number;
  reasoning_tokens: number;
  /** Null when the model has no price. */
  cost: number | null;
  currency: string | null;
  latency_ms: number;
  first_token_ms: number | null;
  retries: number;
  /** Diagnostic codes, comma separated (deduplicated). */
  diagnostics: string | null;
}

export const ROW_COLUMNS: (keyof LedgerRow)[] = [
  "ts", "request_id", "instance", "alias", "provider", "model", "served_by", "fallback", "token_name", "conversation", "stream",
  "status", "outcome", "error_code", "input_tokens", "cached_tokens", "output_tokens", "reasoning_tokens", "cost", "currency",
  "latency_ms", "first_token_ms", "retries", "diagnostics",
];

/** A finished response as every transport reports it; `firstTarget` is the alias's first target (routing). */
export type FinishedResponse = Omit<RequestRecord, "diagnostics"> & { diagnostics: { code: string }[]; firstTarget?: string | null };

export function toRow(r: FinishedResponse, price: Price | null, instance: string | null, now = Date.now()): LedgerRow {
  const u = r.usage ?? { input: 0, cached: 0, output: 0, reasoning: 0 };
  const codes = [...new Set(r.diagnostics.map((d) => d.code))];
  const servedBy = r.servedBy ?? (r.provider && r.model ? `${r.provider}/${r.model}` : null);
  return {
    ts: now,
    request_id: r.requestId,
    instance,
    alias: r.alias ?? null,
    provider: r.provider ?? null,
    model: r.model ?? null,
    served_by: servedBy,
    fallback: r.fallback === true || (r.firstTarget && servedBy && r.firstTarget !== servedBy) ? 1 : 0,
    token_name: r.tokenName ?? null,
    conversation: r.conversation ?? null,
    stream: r.stream ? 1 : 0,
    status: r.status,
    outcome: r.outcome,
    error_code: r.errorCode,
    input_tokens: u.input,
    cached_tokens: u.cached,
    output_tokens: u.output,
    reasoning_tokens: u.reasoning,
    cost: price && r.usage ? costOf(price, u, new Date(now)) : null,
    currency: price && r.usage ? price.currency : null,
    latency_ms: Math.round(r.latencyMs),
    first_token_ms: r.firstTokenMs == null ? null : Math.round(r.firstTokenMs),
    retries: r.retries,
    diagnostics: codes.length ? codes.join(",") : null,
  };
}
