// A least-recently-used cache keyed by (long) strings, bounded by entry count and by a total size
// the caller measures. Found by a cheap fingerprint (the length and a sample of characters), then
// compared: a Map keyed by the string itself hashes every character of every lookup, ~3× the cost
// of the compare alone, and the strings looked up here are fresh from JSON.parse each time (no
// cached hash). A cache, never state: a miss costs a recomputation, nothing else.

interface Entry<V> {
  key: string;
  print: number;
  value: V;
  size: number;
}

/** Strings of one fingerprint kept at most (a bound on the compares of one lookup). */
const PER_FINGERPRINT = 8;
/** Characters sampled, evenly spaced, for the fingerprint. */
const SAMPLES = 32;

/** The length and SAMPLES characters spread over the string, mixed into 32 bits (FNV-1a). */
function fingerprint(s: string): number {
  const n = s.length;
  let h = (0x811c9dc5 ^ n) >>> 0;
  const step = n > SAMPLES ? n / SAMPLES : 1;
  for (let i = 0; i < n && i < SAMPLES * step; i += step) {
    h = Math.imul(h ^ s.charCodeAt(Math.floor(i)), 0x01000193);
  }
  return Math.imul(h ^ s.charCodeAt(n - 1), 0x01000193) >>> 0;
}

export class StringLru<V> {
  private readonly byPrint = new Map<number, Entry<V>[]>();
  /** Every entry, least recently used first. */
  private readonly order = new Set<Entry<V>>();
  private total = 0;

  constructor(
    private readonly maxEntries: number,
    private readonly maxSize: number,
  ) {}

  get size(): number {
    return this.order.size;
  }
  /** Sum of the kept entries' sizes. */
  get weight(): number {
    return this.total;
  }

  get(key: string): V | undefined {
    const bucket = this.byPrint.get(fingerprint(key));
    if (!bucket) return undefined;
    for (const e of bucket) {
      if (e.key === key) {
        this.order.delete(e);
        this.order.add(e);
        return e.value;
      }
    }
    return undefined;
  }

  /** Keeps `value` unless it alone exceeds the size bound; evicts the least recently used to fit. */
  set(key: string, value: V, size: number): void {
    const print = fingerprint(key);
    const old = this.byPrint.get(print)?.find((e) => e.key === key);
    if (old) this.remove(old);
    if (size > this.maxSize || this.maxEntries <= 0) return;
    const same = this.byPrint.get(print);
    if (same && same.length >= PER_FINGERPRINT) this.remove(same[0]);
    for (const e of this.order) {
      if (this.order.size < this.maxEntries && this.total + size <= this.maxSize) break;
      this.remove(e);
    }
    const entry = { key, print, value, size };
    this.order.add(entry);
    const b = this.byPrint.get(print);
    if (b) b.push(entry);
    else this.byPrint.set(print, [entry]);
    this.total += size;
  }

  clear(): void {
    this.byPrint.clear();
    this.order.clear();
    this.total = 0;
  }

  private remove(e: Entry<V>) {
    this.order.delete(e);
    this.total -= e.size;
    const bucket = this.byPrint.get(e.print)!;
    const i = bucket.indexOf(e);
    if (i >= 0) bucket.splice(i, 1);
    if (bucket.length === 0) this.byPrint.delete(e.print);
  }
}
