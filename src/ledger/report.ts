// Aggregates ledger rows: the totals `godex usage` prints and the series the status page charts.
// Plain functions over rows, so SQLite and PostgreSQL give the same numbers by construction.
import type { LedgerRow } from "./row.ts";

export type GroupBy = "day" | "alias" | "model" | "conversation" | "token";
export const GROUP_BYS: GroupBy[] = ["day", "alias", "model", "conversation", "token"];

export interface UsageLine {
  key: string;
  requests: number;
  errors: number;
  error_rate: number;
  input_tokens: number;
  cached_tokens: number;
  output_tokens: number;
  reasoning_tokens: number;
  /** cached ÷ input (0 when there was no input). */
  cache_hit_rate: number;
  /** Cost per currency (several when prices in different currencies are configured). */
  cost: Record<string, number>;
  /** Responses with token usage but no price (their cost is unknown, not zero). */
  unpriced: number;
  latency_p50_ms: number | null;
  latency_p95_ms: number | null;
}

/** A failed response: the provider or GodeX could not answer (aborted by the client is not an error). */
export function isError(r: Pick<LedgerRow, "outcome">): boolean {
  return r.outcome === "failed" || r.outcome === "rejected";
}

export function dayOf(ts: number): string {
  return new Date(ts).toISOString().slice(0, 10);
}

function keyOf(r: LedgerRow, by: GroupBy): string {
  switch (by) {
    case "day":
      return dayOf(r.ts);
    case "alias":
      return r.alias ?? "(none)";
    case "model":
      return r.served_by ?? (r.provider ? `${r.provider}/${r.model ?? "?"}` : "(none)");
    case "conversation":
      return r.conversation ?? "(none)";
    case "token":
      return r.token_name ?? "(no auth)";
  }
}

/** Nearest-rank percentile of an ascending list. */
export function percentile(sorted: number[], p: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

class Acc {
  requests = 0;
  errors = 0;
  input = 0;
  cached = 0;
  output = 0;
  reasoning = 0;
  cost: Record<string, number> = {};
  unpriced = 0;
  latencies: number[] = [];

  add(r: LedgerRow) {
    this.requests++;
    if (isError(r)) this.errors++;
    this.input += r.input_tokens;
    this.cached += r.cached_tokens;
    this.output += r.output_tokens;
    this.reasoning += r.reasoning_tokens;
    if (r.cost != null && r.currency) this.cost[r.currency] = (this.cost[r.currency] ?? 0) + r.cost;
    else if (r.input_tokens + r.output_tokens > 0) this.unpriced++;
    this.latencies.push(r.latency_ms);
  }

  line(key: string): UsageLine {
    const sorted = this.latencies.sort((a, b) => a - b);
    return {
      key,
      requests: this.requests,
      errors: this.errors,
      error_rate: this.requests ? this.errors / this.requests : 0,
      input_tokens: this.input,
      cached_tokens: this.cached,
      output_tokens: this.output,
      reasoning_tokens: this.reasoning,
      cache_hit_rate: this.input ? this.cached / this.input : 0,
      cost: this.cost,
      unpriced: this.unpriced,
      latency_p50_ms: percentile(sorted, 50),
      latency_p95_ms: percentile(sorted, 95),
    };
  }
}

/** One line per group, sorted by key (days ascending, others by cost then requests, descending). */
export function summarize(rows: LedgerRow[], by: GroupBy): UsageLine[] {
  const groups = new Map<string, Acc>();
  for (const r of rows) {
    const k = keyOf(r, by);
    let acc = groups.get(k);
    if (!acc) groups.set(k, (acc = new Acc()));
    acc.add(r);
  }
  const lines = [...groups].map(([k, acc]) => acc.line(k));
  const spend = (l: UsageLine) => Object.values(l.cost).reduce((a, b) => a + b, 0);
  return by === "day" ? lines.sort((a, b) => a.key.localeCompare(b.key)) : lines.sort((a, b) => spend(b) - spend(a) || b.requests - a.requests || a.key.localeCompare(b.key));
}

export function total(rows: LedgerRow[]): UsageLine {
  const acc = new Acc();
  for (const r of rows) acc.add(r);
  return acc.line("total");
}
