// JSON.parse of large request bodies that repeat an earlier body's beginning. Codex resends the
// whole conversation on every turn: the body is the previous one's bytes up to its last input item,
// then new items, then the same trailing fields. Decoding and parsing the 1 MB that did not change
// was the largest cost left of such a request. The input items of recent large bodies are kept with
// their byte boundaries; a body whose bytes equal a kept body's up to the end of some input item
// (compared byte for byte) parses only the rest, and gets those items as fresh copies of the kept
// values (objects and arrays copied, strings shared: nothing a request does to its body reaches
// the cache). A cache, never state: a body that matches nothing is parsed whole, as before.
import { randomBytes } from "node:crypto";

export interface HistoryParseLimits {
  /** Bodies kept. */
  entries: number;
  /** Bytes kept: each body counts 3× its size (its bytes, and its items as parsed strings and objects). */
  bytes: number;
}

export const HISTORY_PARSE_LIMITS: HistoryParseLimits = { entries: 8, bytes: 96 * 1024 * 1024 };

/** Smaller bodies are parsed whole: cheap, and not worth keeping. */
export const HISTORY_PARSE_FROM_BYTES = 64 * 1024;

interface Kept {
  bytes: Buffer;
  /** Offset just after the input array's `[`. */
  open: number;
  /** Offset just after each input item's last byte. */
  ends: number[];
  /** The items as JSON.parse gave them (never handed out: copies are). */
  items: unknown[];
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

export class HistoryParser {
  private kept: Kept[] = [];
  private total = 0;
  private hits = 0;

  constructor(private readonly limits: HistoryParseLimits = HISTORY_PARSE_LIMITS) {}

  /** Bodies and counted bytes kept, bodies parsed with kept items (tests). */
  get use(): { entries: number; bytes: number; hits: number } {
    return { entries: this.kept.length, bytes: this.total, hits: this.hits };
  }

  /**
   * JSON.parse(decode(buf)), reusing a kept body's items where the bytes say they are the same.
   * `decode` turns (part of) the body into text; errors are JSON.parse's own on the whole text.
   */
  parse(buf: Buffer, decode: (b: Buffer) => string): unknown {
    const hit = this.match(buf);
    if (hit) {
      const value = this.parseRest(buf, hit.kept, hit.count, decode);
      if (value !== undefined) return value;
    }
    const value: unknown = JSON.parse(decode(buf));
    this.keepWhole(buf, value);
    return value;
  }

  /** The kept body sharing the most input items with `buf`, byte for byte from the start. */
  private match(buf: Buffer): { kept: Kept; count: number } | null {
    let best: { kept: Kept; count: number } | null = null;
    for (const k of this.kept) {
      if (k.ends.length === 0 || buf.length < k.ends[0] || !samePrefix(buf, k.bytes, k.ends[0])) continue;
      // Most often every kept item is repeated (a new turn appends): one comparison.
      let lo = 1;
      let hi = k.ends.length;
      if (!(buf.length >= k.ends[hi - 1] && samePrefix(buf, k.bytes, k.ends[hi - 1]))) {
        // The largest count whose bytes are the same (binary search; the first is known the same).
        hi--;
        while (lo < hi) {
          const mid = (lo + hi + 1) >> 1;
          if (buf.length >= k.ends[mid - 1] && samePrefix(buf, k.bytes, k.ends[mid - 1])) lo = mid;
          else hi = mid - 1;
        }
      } else lo = hi;
      if (!best || lo > best.count) best = { kept: k, count: lo };
    }
    return best;
  }

  /** Parses `buf` with its first `count` items taken from `kept`; undefined when that cannot be trusted. */
  private parseRest(buf: Buffer, kept: Kept, count: number, decode: (b: Buffer) => string): unknown {
    // Each reused item becomes a placeholder only this parse knows: if the body's last `input` key
    // (the one JSON.parse keeps) is not this array, the placeholders are not where they should be.
    const nonce = `\u0000godex:${randomBytes(16).toString("hex")}`;
    const restAt = kept.ends[count - 1];
    const head = decode(buf.subarray(0, kept.open));
    const rest = decode(buf.subarray(restAt));
    let value: { input?: unknown };
    try {
      value = JSON.parse(`${head}${JSON.stringify(nonce)}${`,${JSON.stringify(nonce)}`.repeat(count - 1)}${rest}`);
    } catch {
      return undefined; // the whole text gives JSON.parse's own message
    }
    const input = value?.input;
    if (!Array.isArray(input) || input.length < count) return undefined;
    for (let i = 0; i < count; i++) if (input[i] !== nonce) return undefined;
    for (let i = 0; i < count; i++) input[i] = copy(kept.items[i]);
    this.hits++;
    // The new items' boundaries, for the next turn.
    const more = scanItems(buf, restAt);
    if (more && count + more.length === input.length) {
      this.keep({ bytes: buf, open: kept.open, ends: [...kept.ends.slice(0, count), ...more], items: [...kept.items.slice(0, count), ...input.slice(count).map(snapshot)] }, count === kept.ends.length ? kept : null);
    }
    return value;
  }

  private keepWhole(buf: Buffer, value: unknown) {
    const input = (value as { input?: unknown } | null)?.input;
    if (!Array.isArray(input) || input.length === 0) return;
    const open = inputArrayStart(buf);
    if (open === null) return;
    const ends = scanItems(buf, open);
    if (!ends || ends.length !== input.length) return;
    this.keep({ bytes: buf, open, ends, items: input.map(snapshot) }, null);
  }

  /** Keeps `k` as the most recent body; `replaces` (a body `k` extends) is dropped. */
  private keep(k: Kept, replaces: Kept | null) {
    if (replaces) this.drop(replaces);
    const size = k.bytes.length * 3;
    if (size > this.limits.bytes || this.limits.entries <= 0) return;
    while (this.kept.length > 0 && (this.kept.length >= this.limits.entries || this.total + size > this.limits.bytes)) this.drop(this.kept[0]);
    this.kept.push(k);
    this.total += size;
  }

  private drop(k: Kept) {
    const i = this.kept.indexOf(k);
    if (i < 0) return;
    this.kept.splice(i, 1);
    this.total -= k.bytes.length * 3;
  }
}

function samePrefix(a: Buffer, b: Buffer, n: number): boolean {
  return a.compare(b, 0, n, 0, n) === 0;
}

/** A copy of parsed JSON handed to a request: objects and arrays new, strings (immutable) shared. */
function copy(v: unknown): unknown {
  if (v === null || typeof v !== "object") return v;
  if (Array.isArray(v)) {
    const out = new Array<unknown>(v.length);
    for (let i = 0; i < v.length; i++) out[i] = copy(v[i]);
    return out;
  }
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(v)) {
    const x = (v as Record<string, unknown>)[key];
    // JSON.parse makes "__proto__" an own property; so does defineProperty (an assignment would not).
    if (key === "__proto__") Object.defineProperty(out, key, { value: copy(x), enumerable: true, writable: true, configurable: true });
    else out[key] = copy(x);
  }
  return out;
}

/**
 * The same copy for the cache. A separate function on purpose: V8 decides per allocation site whether
 * new objects start in the old generation; sharing one with the kept (long-lived) copies made every
 * request's (short-lived) copies start there too, and full collections ran every few requests.
 */
function snapshot(v: unknown): unknown {
  if (v === null || typeof v !== "object") return v;
  if (Array.isArray(v)) return v.map(snapshot);
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(v)) {
    const x = (v as Record<string, unknown>)[key];
    if (key === "__proto__") Object.defineProperty(out, key, { value: snapshot(x), enumerable: true, writable: true, configurable: true });
    else out[key] = snapshot(x);
  }
  return out;
}

/** Offset just after the `[` of the top-level `input` array of a valid JSON object; null if there is none or more than one `input`. */
function inputArrayStart(buf: Buffer): number | null {
  let i = skipWs(buf, 0);
  if (buf[i] !== 0x7b /* { */) return null;
  i++;
  let found: number | null = null;
  let seen = 0;
  for (;;) {
    i = skipWs(buf, i);
    if (buf[i] === 0x7d /* } */) break;
    if (buf[i] !== QUOTE) return null;
    const keyEnd = stringEnd(buf, i);
    if (keyEnd < 0) return null;
    const key = keyName(buf, i, keyEnd);
    i = skipWs(buf, keyEnd);
    if (buf[i] !== 0x3a /* : */) return null;
    i = skipWs(buf, i + 1);
    if (key === "input") {
      seen++;
      if (buf[i] === 0x5b /* [ */) found = i + 1;
    }
    const end = valueEnd(buf, i);
    if (end < 0) return null;
    i = skipWs(buf, end);
    if (buf[i] === 0x2c /* , */) i++;
  }
  return seen === 1 ? found : null;
}

/** Offsets just after each item of the array whose items start at (or continue from) `from`; null if malformed. */
function scanItems(buf: Buffer, from: number): number[] | null {
  const ends: number[] = [];
  let i = skipWs(buf, from);
  if (buf[i] === 0x2c) i++; // continuing after an item
  for (;;) {
    i = skipWs(buf, i);
    if (i >= buf.length) return null;
    if (buf[i] === 0x5d /* ] */) return ends;
    const end = valueEnd(buf, i);
    if (end < 0) return null;
    ends.push(end);
    i = skipWs(buf, end);
    if (buf[i] === 0x2c) i++;
    else if (buf[i] !== 0x5d) return null;
  }
}

function keyName(buf: Buffer, start: number, end: number): string {
  const raw = buf.toString("utf8", start, end);
  return raw.includes("\\") ? (JSON.parse(raw) as string) : raw.slice(1, -1);
}

function skipWs(buf: Buffer, i: number): number {
  while (i < buf.length) {
    const c = buf[i];
    if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) break;
    i++;
  }
  return i;
}

/** Offset just after the closing quote of the string starting at `i`; -1 if unterminated. */
function stringEnd(buf: Buffer, i: number): number {
  let j = i + 1;
  for (;;) {
    const q = buf.indexOf(QUOTE, j);
    if (q < 0) return -1;
    let k = q - 1;
    while (buf[k] === BACKSLASH) k--;
    if ((q - 1 - k) % 2 === 0) return q + 1; // an even run of backslashes: the quote ends the string
    j = q + 1;
  }
}

/** Offset just after the JSON value starting at `i` (valid JSON assumed, checked by JSON.parse); -1 if malformed. */
function valueEnd(buf: Buffer, i: number): number {
  const c = buf[i];
  if (c === QUOTE) return stringEnd(buf, i);
  if (c !== 0x7b && c !== 0x5b) {
    // A number, true, false or null: up to the next delimiter.
    let j = i;
    while (j < buf.length) {
      const d = buf[j];
      if (d === 0x2c || d === 0x5d || d === 0x7d || d === 0x20 || d === 0x0a || d === 0x0d || d === 0x09) break;
      j++;
    }
    return j > i ? j : -1;
  }
  let depth = 0;
  let j = i;
  while (j < buf.length) {
    const d = buf[j];
    if (d === QUOTE) {
      j = stringEnd(buf, j);
      if (j < 0) return -1;
      continue;
    }
    if (d === 0x7b || d === 0x5b) depth++;
    else if (d === 0x7d || d === 0x5d) {
      depth--;
      if (depth === 0) return j + 1;
    }
    j++;
  }
  return -1;
}
