// Percentiles, formatting and the plain-text result table.

/** Nearest-rank percentile of unsorted values (p in 0..100); NaN for no values. */
export function percentile(values: number[], p: number): number {
  const v = values.filter((x) => !Number.isNaN(x)).sort((a, b) => a - b);
  if (v.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * v.length);
  return v[Math.min(v.length - 1, Math.max(0, rank - 1))]!;
}

export const median = (values: number[]): number => percentile(values, 50);

export interface Pcts {
  p50: number;
  p90: number;
  p99: number;
  mean: number;
  n: number;
}

export function pcts(values: number[]): Pcts {
  const v = values.filter((x) => !Number.isNaN(x));
  return { p50: percentile(v, 50), p90: percentile(v, 90), p99: percentile(v, 99), mean: v.reduce((a, b) => a + b, 0) / (v.length || 1), n: v.length };
}

/** Fixed decimals, thousands separated by a thin space for large numbers. */
export function num(x: number | undefined, decimals = 2): string {
  if (x === undefined || Number.isNaN(x)) return "–";
  const s = x.toFixed(decimals);
  if (Math.abs(x) < 10000) return s;
  const [int, frac] = s.split(".");
  return int!.replace(/\B(?=(\d{3})+(?!\d))/g, " ") + (frac ? `.${frac}` : "");
}

export const ms = (x: number | undefined, d = 2): string => (x === undefined || Number.isNaN(x) ? "–" : `${num(x, d)} ms`);
export const us = (x: number | undefined, d = 1): string => (x === undefined || Number.isNaN(x) ? "–" : `${num(x, d)} µs`);
export const signedMs = (x: number | undefined, d = 2): string => (x === undefined || Number.isNaN(x) ? "–" : `${x >= 0 ? "+" : "−"}${num(Math.abs(x), d)} ms`);
export const ratio = (a: number, b: number): string => (Number.isNaN(a) || Number.isNaN(b) || b === 0 ? "–" : `${num(a / b, 2)}×`);
export const pct = (a: number, b: number): string => (Number.isNaN(a) || Number.isNaN(b) || b === 0 ? "–" : `${num((a / b) * 100, 0)}%`);

export interface Row {
  section: string;
  metric: string;
  direct: string;
  /** The bare Node proxy (bench/lib/floor-proxy.ts), where measured. */
  floor?: string;
  godex: string;
  diff: string;
  target: string;
  /** true ✓, false ✗, undefined: no target. */
  ok?: boolean;
}

const HEAD: Row = { section: "#", metric: "metric", direct: "direct", floor: "Node proxy", godex: "GodeX", diff: "GodeX vs direct", target: "target", ok: undefined };

export function renderTable(rows: Row[]): string {
  const cols: (keyof Row)[] = ["section", "metric", "direct", "floor", "godex", "diff", "target"];
  const cell = (r: Row, c: keyof Row): string => String(r[c] ?? "");
  const width = (c: keyof Row) => Math.max(...[HEAD, ...rows].map((r) => [...cell(r, c)].length));
  const widths = cols.map(width);
  const right = new Set<keyof Row>(["direct", "floor", "godex", "diff"]);
  const line = (r: Row, mark: string) =>
    cols
      .map((c, i) => {
        const s = cell(r, c);
        const pad = " ".repeat(widths[i]! - [...s].length);
        return right.has(c) ? pad + s : s + pad;
      })
      .join("  ") + (mark ? `  ${mark}` : "");
  const out = [line(HEAD, "ok"), widths.map((w) => "─".repeat(w)).join("  ") + "  ──"];
  let prev = "";
  for (const r of rows) {
    if (prev && r.section !== prev) out.push("");
    prev = r.section;
    out.push(line(r, r.ok === undefined ? "" : r.ok ? "✓" : "✗"));
  }
  return out.join("\n");
}
