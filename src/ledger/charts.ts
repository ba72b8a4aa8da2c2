// The series behind the status page's charts, bucketed by hour (a day) or by day (7 and 30 days).
import type { LedgerRow } from "./row.ts";
import { isError, percentile, total, type UsageLine } from "./report.ts";

export type ChartRange = "today" | "7d" | "30d";
export const CHART_RANGES: ChartRange[] = ["today", "7d", "30d"];

const HOUR = 3_600_000;
const DAY = 86_400_000;

export interface ChartData {
  range: ChartRange;
  /** Bucket starts, epoch seconds (uPlot's x unit). */
  x: number[];
  /** served_by → values per bucket. */
  tokens: Record<string, number[]>;
  cost: Record<string, number[]>;
  /** The currency the cost series are in (the most used one); rows in others are left out of the chart. */
  currency: string | null;
  cacheHitRate: (number | null)[];
  requests: number[];
  errors: number[];
  fallbacks: number[];
  latencyP50: (number | null)[];
  latencyP95: (number | null)[];
  /** Conversations with the most input, their cache-hit rate. */
  conversations: { key: string; input_tokens: number; cached_tokens: number; cache_hit_rate: number; requests: number }[];
}

export function rangeBounds(range: ChartRange, now: number): { from: number; bucket: number } {
  if (range === "today") return { from: Math.floor(now / HOUR) * HOUR - 23 * HOUR, bucket: HOUR };
  const days = range === "7d" ? 7 : 30;
  return { from: Math.floor(now / DAY) * DAY - (days - 1) * DAY, bucket: DAY };
}

export function chartData(rows: LedgerRow[], range: ChartRange, now: number): ChartData {
  const { from, bucket } = rangeBounds(range, now);
  const n = Math.max(1, Math.ceil((now + 1 - from) / bucket));
  const zeros = () => new Array<number>(n).fill(0);
  const x = Array.from({ length: n }, (_, i) => (from + i * bucket) / 1000);
  const currencies = new Map<string, number>();
  for (const r of rows) if (r.currency) currencies.set(r.currency, (currencies.get(r.currency) ?? 0) + 1);
  const currency = [...currencies].sort((a, b) => b[1] - a[1])[0]?.[0] ?? null;
  const tokens: Record<string, number[]> = {};
  const cost: Record<string, number[]> = {};
  const input = zeros();
  const cached = zeros();
  const requests = zeros();
  const errors = zeros();
  const fallbacks = zeros();
  const latencies: number[][] = Array.from({ length: n }, () => []);
  const convs = new Map<string, { input: number; cached: number; requests: number }>();
  for (const r of rows) {
    const i = Math.floor((r.ts - from) / bucket);
    if (i < 0 || i >= n) continue;
    const model = r.served_by ?? `${r.provider ?? "?"}/${r.model ?? "?"}`;
    (tokens[model] ??= zeros())[i] += r.input_tokens + r.output_tokens;
    if (r.cost != null && r.currency === currency) (cost[model] ??= zeros())[i] += r.cost;
    input[i] += r.input_tokens;
    cached[i] += r.cached_tokens;
    requests[i]++;
    if (isError(r)) errors[i]++;
    if (r.fallback) fallbacks[i]++;
    latencies[i].push(r.latency_ms);
    if (r.conversation) {
      const c = convs.get(r.conversation) ?? { input: 0, cached: 0, requests: 0 };
      c.input += r.input_tokens;
      c.cached += r.cached_tokens;
      c.requests++;
      convs.set(r.conversation, c);
    }
  }
  for (const l of latencies) l.sort((a, b) => a - b);
  return {
    range,
    x,
    tokens,
    cost,
    currency,
    cacheHitRate: input.map((v, i) => (v > 0 ? cached[i] / v : null)),
    requests,
    errors,
    fallbacks,
    latencyP50: latencies.map((l) => percentile(l, 50)),
    latencyP95: latencies.map((l) => percentile(l, 95)),
    conversations: [...convs]
      .sort((a, b) => b[1].input - a[1].input)
      .slice(0, 12)
      .map(([key, c]) => ({ key, input_tokens: c.input, cached_tokens: c.cached, cache_hit_rate: c.input ? c.cached / c.input : 0, requests: c.requests })),
  };
}

/** Totals for today (since 00:00 UTC), the last 7 and the last 30 days. */
export function periodTotals(rows: LedgerRow[], now: number): Record<"today" | "7d" | "30d", UsageLine> {
  const today = Math.floor(now / DAY) * DAY;
  return {
    today: total(rows.filter((r) => r.ts >= today)),
    "7d": total(rows.filter((r) => r.ts >= today - 6 * DAY)),
    "30d": total(rows.filter((r) => r.ts >= today - 29 * DAY)),
  };
}
