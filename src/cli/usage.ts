// `godex usage`: totals from the usage ledger per day / alias / provider-model / conversation /
// token. Reads the database directly, so it works while GodeX is stopped.
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { loadConfig, ConfigError } from "../config/load.ts";
import type { LedgerConfig } from "../config/types.ts";
import { openLedgerStore, defaultLedgerPath } from "../ledger/store.ts";
import { GROUP_BYS, summarize, total, type GroupBy } from "../ledger/report.ts";
import { formatCsv, formatJson, formatTable, type UsageFormat, type UsageReport } from "../ledger/format.ts";
import { redactUrl } from "../ledger/redact-url.ts";
import { parseCommandArgs } from "./args.ts";
import { defaultIO, type CliIO } from "./progress.ts";

const HELP = `Usage: godex usage [--by day|alias|model|conversation|token] [--since 7d | --from DATE [--to DATE]] [--format table|json|csv]

Totals from the usage ledger: requests, errors, input / cached / output / reasoning tokens, cache-hit
rate (cached ÷ input), cost, p50/p95 latency. Reads the ledger directly (GodeX may be stopped).

  --by KEY        group by day (default), alias, model (provider/model), conversation (prompt_cache_key), token
  --since N       the last N days (7d, default) or hours (12h), up to now
  --from DATE     first day (YYYY-MM-DD, UTC), or an ISO time
  --to DATE       last day, included (default today)
  --format F      table (default), json or csv
  --config FILE   where the ledger settings are read (default ./godex.yaml; ledger.path / ledger.url)
  --db FILE       read this SQLite ledger instead
  --url URL       read this PostgreSQL ledger instead (postgres://…)
`;

const DAY = 86_400_000;

/** [from, to) in epoch ms from --since / --from / --to. */
export function usageWindow(v: { since?: string; from?: string; to?: string }, now: Date): { from: number; to: number } | string {
  const parseDay = (s: string, end: boolean): number | null => {
    if (/^\d{4}-\d{2}-\d{2}$/.test(s)) {
      const t = Date.parse(`${s}T00:00:00Z`);
      return Number.isFinite(t) ? t + (end ? DAY : 0) : null;
    }
    const t = Date.parse(s);
    return Number.isFinite(t) ? t : null;
  };
  if (v.since !== undefined && (v.from !== undefined || v.to !== undefined)) return "use --since or --from/--to, not both";
  if (v.from !== undefined || v.to !== undefined) {
    const from = v.from !== undefined ? parseDay(v.from, false) : 0;
    const to = v.to !== undefined ? parseDay(v.to, true) : now.getTime() + 1;
    if (from === null) return `--from: not a date: ${v.from}`;
    if (to === null) return `--to: not a date: ${v.to}`;
    if (to <= from) return "--to is before --from";
    return { from, to };
  }
  const m = /^(\d+)([dh])$/.exec(v.since ?? "7d");
  if (!m || Number(m[1]) === 0) return `--since: write a number of days or hours, e.g. 7d or 12h (got ${v.since})`;
  const span = Number(m[1]) * (m[2] === "d" ? DAY : 3_600_000);
  // "7d" = today and the 6 days before it, whole UTC days, so the day lines are complete.
  const from = m[2] === "d" ? Math.floor(now.getTime() / DAY) * DAY - (Number(m[1]) - 1) * DAY : now.getTime() - span;
  return { from, to: now.getTime() + 1 };
}

function ledgerSettings(values: { config?: string; db?: string; url?: string }, io: CliIO): Pick<LedgerConfig, "path" | "url"> | string {
  if (values.url) return { url: values.url };
  if (values.db) return { path: resolve(io.cwd, values.db) };
  const file = resolve(io.cwd, values.config ?? "godex.yaml");
  if (!existsSync(file)) {
    if (values.config) return `cannot read ${values.config}`;
    return { path: defaultLedgerPath() };
  }
  try {
    const cfg = loadConfig(file, io.env);
    if (!cfg.ledger.enabled && !cfg.ledger.url && !cfg.ledger.path) return { path: defaultLedgerPath() };
    return { path: cfg.ledger.path, url: cfg.ledger.url };
  } catch (err) {
    return err instanceof ConfigError ? `${values.config ?? "godex.yaml"} has errors (godex lint shows them); use --db or --url\n${err.message}` : String(err);
  }
}

export async function usage(argv: string[], io: CliIO = defaultIO()): Promise<number> {
  const parsed = parseCommandArgs("usage", HELP, io, {
    args: argv,
    options: {
      by: { type: "string", default: "day" },
      since: { type: "string" },
      from: { type: "string" },
      to: { type: "string" },
      format: { type: "string", default: "table" },
      config: { type: "string" },
      db: { type: "string" },
      url: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (typeof parsed === "number") return parsed;
  const v = parsed.values;
  const fail = (msg: string) => {
    io.stderr.write(`godex usage: ${msg}\n`);
    return 2;
  };
  if (!GROUP_BYS.includes(v.by as GroupBy)) return fail(`--by must be one of ${GROUP_BYS.join(", ")}`);
  if (!["table", "json", "csv"].includes(v.format!)) return fail("--format must be table, json or csv");
  const window = usageWindow(v, io.now());
  if (typeof window === "string") return fail(window);
  const settings = ledgerSettings(v, io);
  if (typeof settings === "string") return fail(settings);
  if (!settings.url && settings.path && !existsSync(settings.path)) {
    return fail(`no ledger at ${settings.path} yet: it is created when GodeX serves its first response (or pass --db / --url)`);
  }
  let store;
  try {
    store = await openLedgerStore(settings);
  } catch (err) {
    return fail(`cannot open the ledger (${settings.url ? redactUrl(settings.url) : settings.path}): ${(err as Error).message}`);
  }
  try {
    const rows = await store.scan(window.from, window.to);
    const report: UsageReport = {
      from: new Date(window.from).toISOString().slice(0, 10),
      to: new Date(window.to - 1).toISOString().slice(0, 10),
      by: v.by as GroupBy,
      ledger: { kind: store.kind, where: store.where },
      lines: summarize(rows, v.by as GroupBy),
      total: total(rows),
    };
    const format = v.format as UsageFormat;
    io.stdout.write(format === "json" ? formatJson(report) : format === "csv" ? formatCsv(report) : formatTable(report));
    return 0;
  } finally {
    await store.close();
  }
}
