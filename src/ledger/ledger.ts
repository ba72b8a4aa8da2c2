// The ledger as the gateway uses it: a store, the batched writer in front of it, the budget guard
// reading it, retention, and the charts' data (cached briefly: the status page polls).
import { hostname } from "node:os";
import type { LedgerConfig } from "../config/types.ts";
import { BudgetGuard } from "./budgets.ts";
import { chartData, periodTotals, rangeBounds, type ChartData, type ChartRange } from "./charts.ts";
import type { LedgerRow } from "./row.ts";
import { lazyLedgerStore, openLedgerStore, type LedgerStore } from "./store.ts";
import { LedgerWriter, type WriterOptions } from "./writer.ts";

const DAY = 86_400_000;

export type LedgerCharts = ChartData & { totals: ReturnType<typeof periodTotals>; ledger: { kind: string; rows_written: number } };

export interface LedgerOptions extends Pick<WriterOptions, "flushMs" | "maxQueue" | "batchSize"> {
  /** How often budget sums are re-read from the database (default 1 s). */
  budgetRefreshMs?: number;
  onError?: (what: string, err: unknown) => void;
  /** Identifies this instance in the rows (default host:pid). */
  instance?: string;
}

export class Ledger {
  readonly writer: LedgerWriter;
  readonly budgets: BudgetGuard;
  readonly instance: string;
  private retentionTimer: NodeJS.Timeout | null = null;
  private chartCache = new Map<string, { at: number; value: Promise<LedgerCharts> }>();

  constructor(
    readonly store: LedgerStore,
    private readonly retentionDays: number,
    private readonly opts: LedgerOptions = {},
    /** False for a store opened on first use (Ledger.lazy): it prunes when it opens. */
    pruneNow = true,
  ) {
    this.instance = opts.instance ?? `${hostname()}:${process.pid}`;
    this.budgets = new BudgetGuard(store, () => this.writer.pending(), opts.budgetRefreshMs ?? 1000);
    this.writer = new LedgerWriter(store, {
      ...opts,
      onError: (err, rows) => opts.onError?.(`writing ${rows} ledger row(s)`, err),
      onWritten: () => {
        this.budgets.invalidate();
        this.chartCache.clear();
      },
    });
    if (retentionDays > 0) {
      if (pruneNow) void this.prune();
      this.retentionTimer = setInterval(() => void this.prune(), 6 * 3_600_000);
      this.retentionTimer.unref();
    }
  }

  static async open(cfg: LedgerConfig, opts: LedgerOptions = {}): Promise<Ledger> {
    return new Ledger(await openLedgerStore(cfg), cfg.retentionDays, opts);
  }

  /** The same ledger with its database opened by its first query (lazyLedgerStore), then pruned. */
  static lazy(cfg: LedgerConfig, opts: LedgerOptions = {}): Ledger {
    let ledger: Ledger | undefined;
    ledger = new Ledger(lazyLedgerStore(cfg, () => void ledger?.prune()), cfg.retentionDays, opts, false);
    return ledger;
  }

  /** Never throws, never waits. */
  add(row: LedgerRow): void {
    this.writer.add(row);
  }

  async prune(now = Date.now()): Promise<number> {
    if (this.retentionDays <= 0) return 0;
    try {
      return await this.store.prune(now - this.retentionDays * DAY);
    } catch (err) {
      this.opts.onError?.("pruning old ledger rows", err);
      return 0;
    }
  }

  /** Charts and totals for the status page (re-read at most every 5 s). */
  async charts(range: ChartRange, now = Date.now()): Promise<LedgerCharts> {
    const key = range;
    const hit = this.chartCache.get(key);
    if (hit && now - hit.at < 5000) return hit.value;
    const value = (async () => {
      const from = Math.min(rangeBounds(range, now).from, Math.floor(now / DAY) * DAY - 29 * DAY);
      const rows = await this.store.scan(from, now + 1);
      const inRange = rows.filter((r) => r.ts >= rangeBounds(range, now).from);
      return { ...chartData(inRange, range, now), totals: periodTotals(rows, now), ledger: { kind: this.store.kind, rows_written: this.writer.stats.written } };
    })();
    this.chartCache.set(key, { at: now, value });
    value.catch(() => this.chartCache.delete(key));
    return value;
  }

  async close(): Promise<void> {
    if (this.retentionTimer) clearInterval(this.retentionTimer);
    await this.writer.close();
    await this.store.close();
  }
}
