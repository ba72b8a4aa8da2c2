// Rows reach the database off the hot path: `add` only appends to a bounded in-memory queue; a
// timer writes batches. A request never awaits the ledger, and a failing database costs rows
// (logged and counted), never a request.
import type { LedgerRow } from "./row.ts";
import type { LedgerStore } from "./store.ts";

export interface WriterOptions {
  /** Rows held at most; beyond that new rows are dropped (and counted). */
  maxQueue?: number;
  batchSize?: number;
  flushMs?: number;
  /** A batch that failed this many times is dropped. */
  maxAttempts?: number;
  onError?: (err: unknown, rows: number) => void;
  /** After each successful write (budgets re-read their sums). */
  onWritten?: (rows: LedgerRow[]) => void;
}

export interface WriterStats {
  written: number;
  failed: number;
  dropped: number;
  queued: number;
}

export class LedgerWriter {
  private queue: LedgerRow[] = [];
  /** Rows handed to the database and not yet confirmed (still count for budgets). */
  private inFlight: LedgerRow[] = [];
  private attempts = 0;
  private timer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> | null = null;
  private closed = false;
  readonly stats: WriterStats = { written: 0, failed: 0, dropped: 0, queued: 0 };
  private readonly maxQueue: number;
  private readonly batchSize: number;
  private readonly flushMs: number;
  private readonly maxAttempts: number;

  constructor(
    private readonly store: LedgerStore,
    private readonly opts: WriterOptions = {},
  ) {
    this.maxQueue = opts.maxQueue ?? 10_000;
    this.batchSize = opts.batchSize ?? 500;
    this.flushMs = opts.flushMs ?? 500;
    this.maxAttempts = opts.maxAttempts ?? 3;
  }

  /** Never throws, never waits. */
  add(row: LedgerRow): void {
    if (this.closed || this.queue.length >= this.maxQueue) {
      this.stats.dropped++;
      return;
    }
    this.queue.push(row);
    this.stats.queued = this.queue.length;
    if (this.queue.length >= this.batchSize) this.schedule(0);
    else this.schedule(this.flushMs);
  }

  /** Rows not yet in the database (for budgets: spend the database cannot see yet). */
  pending(): readonly LedgerRow[] {
    return this.inFlight.length ? [...this.inFlight, ...this.queue] : this.queue;
  }

  private schedule(ms: number) {
    if (this.timer && ms > 0) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.flush();
    }, ms);
    this.timer.unref();
  }

  /** Writes everything queued so far (batch after batch). */
  async flush(): Promise<void> {
    while (this.flushing) await this.flushing;
    if (this.queue.length === 0) return;
    this.flushing = this.writeAll().finally(() => {
      this.flushing = null;
    });
    await this.flushing;
  }

  private async writeAll(): Promise<void> {
    while (this.queue.length > 0) {
      this.inFlight = this.queue.splice(0, this.batchSize);
      this.stats.queued = this.queue.length;
      try {
        await this.store.insert(this.inFlight);
        this.stats.written += this.inFlight.length;
        this.attempts = 0;
        const done = this.inFlight;
        this.inFlight = [];
        this.opts.onWritten?.(done);
      } catch (err) {
        const rows = this.inFlight;
        this.inFlight = [];
        this.attempts++;
        this.opts.onError?.(err, rows.length);
        if (this.attempts >= this.maxAttempts) {
          this.stats.failed += rows.length;
          this.attempts = 0;
        } else {
          // Put the batch back in front (what does not fit is dropped) and try again later.
          const room = Math.max(0, this.maxQueue - this.queue.length);
          this.stats.dropped += Math.max(0, rows.length - room);
          this.queue.unshift(...rows.slice(0, room));
          this.stats.queued = this.queue.length;
          if (!this.closed) this.schedule(Math.min(30_000, this.flushMs * 2 ** this.attempts));
        }
        return;
      }
    }
  }

  /** Writes what is queued (one try) and stops accepting rows. */
  async close(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.flush();
    this.closed = true;
  }
}
