// A least-recently-used map bounded by entry count and by a total size the caller measures
// (characters, bytes). A cache, never state: a miss costs a recomputation, nothing else.

export class BoundedLru<K, V> {
  private readonly entries = new Map<K, { value: V; size: number }>();
  private total = 0;

  constructor(
    private readonly maxEntries: number,
    private readonly maxSize: number,
  ) {}

  get size(): number {
    return this.entries.size;
  }
  /** Sum of the kept entries' sizes. */
  get weight(): number {
    return this.total;
  }

  get(key: K): V | undefined {
    const e = this.entries.get(key);
    if (!e) return undefined;
    // Most recent last: Map keeps insertion order, so re-insert.
    this.entries.delete(key);
    this.entries.set(key, e);
    return e.value;
  }

  /** Keeps `value` unless it alone exceeds the size bound; evicts the least recently used to fit. */
  set(key: K, value: V, size: number): void {
    const old = this.entries.get(key);
    if (old) {
      this.entries.delete(key);
      this.total -= old.size;
    }
    if (size > this.maxSize || this.maxEntries <= 0) return;
    for (const [k, e] of this.entries) {
      if (this.entries.size < this.maxEntries && this.total + size <= this.maxSize) break;
      this.entries.delete(k);
      this.total -= e.size;
    }
    this.entries.set(key, { value, size });
    this.total += size;
  }

  clear(): void {
    this.entries.clear();
    this.total = 0;
  }
}
