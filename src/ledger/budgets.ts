// Budgets: spend limits per inbound token and/or alias, read from the ledger (so every instance
// sharing a PostgreSQL ledger sees the same spend). A sum is re-read from the database at most
// once per `refreshMs` (and after each write of this instance); rows still queued are added.
import type { BudgetConfig } from "../config/types.ts";
import type { LedgerRow } from "./row.ts";
import type { LedgerStore } from "./store.ts";

export interface BudgetVerdict {
  budget: BudgetConfig;
  spent: number;
  resetsAt: Date;
}

/** Start of the budget's current period and of the next one (UTC). */
export function budgetPeriod(period: BudgetConfig["period"], now: number): { start: number; end: number } {
  const d = new Date(now);
  if (period === "daily") {
    const start = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate());
    return { start, end: start + 86_400_000 };
  }
  return { start: Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1), end: Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1) };
}

export function budgetApplies(b: BudgetConfig, token: string | null, alias: string | null): boolean {
  return (b.token === undefined || b.token === token) && (b.alias === undefined || b.alias === alias);
}

function rowCounts(b: BudgetConfig, row: LedgerRow, start: number): boolean {
  return row.ts >= start && row.currency === b.currency && row.cost != null && budgetApplies(b, row.token_name, row.alias);
}

export class BudgetGuard {
  private readonly sums = new Map<string, { spent: number; at: number; pending?: Promise<number> }>();

  constructor(
    private readonly store: LedgerStore,
    private readonly pending: () => readonly LedgerRow[],
    private readonly refreshMs = 1000,
  ) {}

  /** Forget the cached sums (this instance just wrote rows). */
  invalidate(): void {
    for (const s of this.sums.values()) s.at = 0;
  }

  /** The first budget this request would exceed (already at or over its limit), or null. */
  async check(budgets: BudgetConfig[], token: string | null, alias: string | null, now = Date.now()): Promise<BudgetVerdict | null> {
    for (const b of budgets) {
      if (!budgetApplies(b, token, alias)) continue;
      const spent = await this.spent(b, now);
      if (spent >= b.limit) return { budget: b, spent, resetsAt: new Date(budgetPeriod(b.period, now).end) };
    }
    return null;
  }

  async spent(b: BudgetConfig, now = Date.now()): Promise<number> {
    const { start } = budgetPeriod(b.period, now);
    const key = `${b.name}|${start}|${b.token ?? ""}|${b.alias ?? ""}|${b.currency}`;
    let entry = this.sums.get(key);
    if (!entry || now - entry.at > this.refreshMs) {
      const previous = entry;
      entry ??= { spent: 0, at: 0 };
      this.sums.set(key, entry);
      if (!entry.pending) {
        const e = entry;
        e.pending = this.store.spend({ from: start, token: b.token, alias: b.alias, currency: b.currency }).then(
          (spent) => {
            e.spent = spent;
            e.at = Date.now();
            e.pending = undefined;
            return spent;
          },
          (err) => {
            e.pending = undefined;
            // The database cannot be read: keep the last known sum (fail open, like every ledger failure).
            if (!previous) throw err;
            return e.spent;
          },
        );
      }
      await entry.pending;
      if (this.sums.size > 1000) for (const k of [...this.sums.keys()].slice(0, 500)) this.sums.delete(k);
    }
    let queued = 0;
    for (const row of this.pending()) if (rowCounts(b, row, start)) queued += row.cost!;
    return entry.spent + queued;
  }
}

export function budgetMessage(v: BudgetVerdict): string {
  const b = v.budget;
  const scope = [b.token ? `token ${b.token}` : "", b.alias ? `model ${b.alias}` : ""].filter(Boolean).join(", ") || "all requests";
  return (
    `GodeX budget '${b.name}' is exhausted: ${v.spent.toFixed(4)} of ${b.limit} ${b.currency} spent this ${b.period === "daily" ? "day" : "month"} (${scope}). ` +
    `It resets at ${v.resetsAt.toISOString()}.`
  );
}
