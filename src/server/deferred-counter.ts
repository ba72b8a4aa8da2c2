// A prom-client Counter whose increments are summed in a Map and handed to prom-client when it is
// scraped: prom-client hashes and validates the label object of every inc (~3 µs each, ~10 per
// response), a Map keyed by the joined label values costs a fraction of that. Sums are exact, so
// /metrics reads the same; the Map is bounded (past MAX_KEYS it is handed over at once).
import type { Counter } from "prom-client";

const MAX_KEYS = 1_000;

export class DeferredCounter<L extends string> {
  private readonly pending = new Map<string, { labels: Record<L, string>; value: number }>();
  private counter: Counter<L> | undefined;

  constructor(private readonly labelNames: readonly L[]) {}

  /** The counter the sums go to; its `collect` must call flush(). */
  attach(counter: Counter<L>): this {
    this.counter = counter;
    return this;
  }

  inc(labels: Record<L, string>, value = 1): void {
    let key = "";
    for (const name of this.labelNames) key += `${labels[name]}\u0000`;
    const entry = this.pending.get(key);
    if (entry) entry.value += value;
    else {
      if (this.pending.size >= MAX_KEYS) this.flush();
      this.pending.set(key, { labels, value });
    }
  }

  /** Hands the sums to prom-client (at scrape time, from the counter's collect). */
  flush(): void {
    if (!this.counter) return;
    for (const { labels, value } of this.pending.values()) this.counter.inc(labels, value);
    this.pending.clear();
  }
}
