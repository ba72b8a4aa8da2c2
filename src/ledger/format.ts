// `godex usage` output: an aligned table, JSON or CSV of the same lines.
import type { GroupBy, UsageLine } from "./report.ts";

export type UsageFormat = "table" | "json" | "csv";

export interface UsageReport {
  from: string;
  to: string;
  by: GroupBy;
  ledger: { kind: string; where: string };
  lines: UsageLine[];
  total: UsageLine;
}

const int = (n: number) => n.toLocaleString("en-US");
const pct = (r: number) => `${(r * 100).toFixed(1)}%`;
const ms = (n: number | null) => (n == null ? "-" : int(n));

function currencies(lines: UsageLine[]): string[] {
  return [...new Set(lines.flatMap((l) => Object.keys(l.cost)))].sort();
}

function money(n: number): string {
  return n >= 1000 ? n.toFixed(2) : n.toFixed(4);
}

export function formatTable(r: UsageReport): string {
  const curs = currencies([...r.lines, r.total]);
  const head = [r.by, "requests", "errors", "input", "cached", "cache hit", "output", "reasoning", ...(curs.length ? curs.map((c) => `cost ${c}`) : ["cost"]), "p50 ms", "p95 ms"];
  const row = (l: UsageLine) => [
    l.key,
    int(l.requests),
    l.errors ? `${int(l.errors)} (${pct(l.error_rate)})` : "0",
    int(l.input_tokens),
    int(l.cached_tokens),
    l.input_tokens ? pct(l.cache_hit_rate) : "-",
    int(l.output_tokens),
    int(l.reasoning_tokens),
    ...(curs.length ? curs.map((c) => (l.cost[c] != null ? money(l.cost[c]) : "-")) : ["-"]),
    ms(l.latency_p50_ms),
    ms(l.latency_p95_ms),
  ];
  const body = r.lines.map(row);
  const foot = row(r.total);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length), foot[i].length));
  const fmt = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  ").trimEnd();
  const rule = widths.map((w) => "-".repeat(w)).join("  ");
  const out = [`GodeX usage ${r.from} → ${r.to} (UTC) by ${r.by} · ${r.ledger.kind} ${r.ledger.where}`, "", fmt(head), rule, ...body.map(fmt), rule, fmt(foot)];
  if (r.lines.length === 0) out.splice(4, 0, "(no responses in this period)");
  if (r.total.unpriced > 0) out.push("", `${int(r.total.unpriced)} response(s) used a model with no price: add one under providers.<name>.prices in godex.yaml (godex lint lists them).`);
  return `${out.join("\n")}\n`;
}

export function formatJson(r: UsageReport): string {
  return `${JSON.stringify(r, null, 2)}\n`;
}

const csvCell = (v: string | number | null) => {
  const s = v == null ? "" : String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

export function formatCsv(r: UsageReport): string {
  const curs = currencies([...r.lines, r.total]);
  const head = [r.by, "requests", "errors", "error_rate", "input_tokens", "cached_tokens", "cache_hit_rate", "output_tokens", "reasoning_tokens", ...curs.map((c) => `cost_${c.toLowerCase()}`), "unpriced", "latency_p50_ms", "latency_p95_ms"];
  const line = (l: UsageLine) =>
    [l.key, l.requests, l.errors, +l.error_rate.toFixed(6), l.input_tokens, l.cached_tokens, +l.cache_hit_rate.toFixed(6), l.output_tokens, l.reasoning_tokens, ...curs.map((c) => (l.cost[c] != null ? +l.cost[c].toFixed(8) : 0)), l.unpriced, l.latency_p50_ms, l.latency_p95_ms]
      .map(csvCell)
      .join(",");
  return `${[head.join(","), ...r.lines.map(line)].join("\n")}\n`;
}
