// JSON.stringify + UTF-8 encoding of an upstream body, with the long strings' encoded JSON kept
// across requests. Codex resends the whole conversation every turn: the tool outputs, reasoning
// and instructions that make up most of a 1 MB history are the same strings each time, and
// escaping them (JSON.stringify) then encoding the 2-byte string to UTF-8 was ~11 ms of a 1 MB
// request. Looking a string up costs a hash and a compare of its characters. The bytes are
// exactly JSON.stringify's, encoded as Buffer.from(…, "utf8") would: anything that is not plain
// JSON data (toJSON, class instances, cycles, very deep nesting) is serialized by JSON.stringify.
import { StringLru } from "../../util/string-lru.ts";

/** Strings at least this long have their encoded JSON cached (shorter ones are cheaper to escape than to look up). */
const CACHE_FROM_CHARS = 512;
/** Deeper than this the value goes to JSON.stringify whole (its own errors for cycles). */
const MAX_DEPTH = 64;

export interface JsonBytesLimits {
  /** Distinct strings kept. */
  entries: number;
  /** Bytes kept: each entry counts its key (2 bytes a character) and its encoded JSON. */
  bytes: number;
}

export const JSON_BYTES_LIMITS: JsonBytesLimits = { entries: 4096, bytes: 32 * 1024 * 1024 };

class NotPlain extends Error {}

export class JsonBytes {
  private readonly cache: StringLru<Buffer>;

  constructor(limits: JsonBytesLimits = JSON_BYTES_LIMITS) {
    this.cache = new StringLru(limits.entries, limits.bytes);
  }

  /** Entries and bytes the cache holds (tests). */
  get use(): { entries: number; bytes: number } {
    return { entries: this.cache.size, bytes: this.cache.weight };
  }

  /** Buffer.from(JSON.stringify(value), "utf8"), byte for byte; undefined where JSON.stringify gives undefined. */
  serialize(value: unknown): Buffer | undefined {
    const w = new Writer(this.cache);
    try {
      if (!w.value(value, 0)) return encode(JSON.stringify(value));
      return w.finish();
    } catch (err) {
      if (!(err instanceof NotPlain)) throw err;
      return encode(JSON.stringify(value));
    }
  }
}

function encode(text: string | undefined): Buffer | undefined {
  return text === undefined ? undefined : Buffer.from(text, "utf8");
}

/**
 * Whether plain JSON data `v` holds a string value of CACHE_FROM_CHARS or more; NotPlain for anything
 * JSON.stringify would treat specially (toJSON, class instances, boxed values, too deep).
 */
function hasLongString(v: object, depth: number): boolean {
  if (depth > MAX_DEPTH) throw new NotPlain();
  if (Array.isArray(v)) {
    if (Object.getPrototypeOf(v) !== Array.prototype || typeof (v as { toJSON?: unknown }).toJSON === "function") throw new NotPlain();
    for (let i = 0; i < v.length; i++) {
      const x: unknown = v[i];
      if (typeof x === "string" ? x.length >= CACHE_FROM_CHARS : typeof x === "object" && x !== null && hasLongString(x, depth + 1)) return true;
      if (typeof x === "bigint") throw new NotPlain();
    }
    return false;
  }
  const proto = Object.getPrototypeOf(v);
  if ((proto !== Object.prototype && proto !== null) || typeof (v as { toJSON?: unknown }).toJSON === "function") throw new NotPlain();
  for (const key in v) {
    if (!Object.prototype.hasOwnProperty.call(v, key)) continue;
    const x: unknown = (v as Record<string, unknown>)[key];
    if (typeof x === "string" ? x.length >= CACHE_FROM_CHARS : typeof x === "object" && x !== null && hasLongString(x, depth + 1)) return true;
    if (typeof x === "bigint") throw new NotPlain();
  }
  return false;
}

/** Collects runs of text and cached Buffers, then writes them into one Buffer. */
class Writer {
  private parts: (string | Buffer)[] = [];
  private sizes: number[] = [];
  private total = 0;
  private text = "";

  constructor(private readonly cache: StringLru<Buffer>) {}

  /** Writes `v`; false when JSON.stringify would skip it (undefined, a function, a symbol). */
  value(v: unknown, depth: number): boolean {
    switch (typeof v) {
      case "string":
        if (v.length >= CACHE_FROM_CHARS) this.longString(v);
        else this.text += JSON.stringify(v);
        return true;
      case "number":
      case "boolean":
        this.text += JSON.stringify(v);
        return true;
      case "undefined":
      case "function":
      case "symbol":
        return false;
      case "bigint":
        throw new NotPlain(); // JSON.stringify throws its own TypeError
      case "object":
        if (v === null) {
          this.text += "null";
          return true;
        }
        if (depth > MAX_DEPTH) throw new NotPlain();
        // A part with no long string is one native JSON.stringify (a walk here costs more per key).
        if (!hasLongString(v, depth)) {
          this.text += JSON.stringify(v);
          return true;
        }
        if (Array.isArray(v)) {
          if (Object.getPrototypeOf(v) !== Array.prototype || typeof (v as { toJSON?: unknown }).toJSON === "function") throw new NotPlain();
          this.text += "[";
          for (let i = 0; i < v.length; i++) {
            if (i > 0) this.text += ",";
            if (!this.value(v[i], depth + 1)) this.text += "null";
          }
          this.text += "]";
          return true;
        }
        {
          const proto = Object.getPrototypeOf(v);
          if ((proto !== Object.prototype && proto !== null) || typeof (v as { toJSON?: unknown }).toJSON === "function") throw new NotPlain();
          const o = v as Record<string, unknown>;
          this.text += "{";
          let first = true;
          for (const key of Object.keys(o)) {
            const item = o[key];
            const t = typeof item;
            if (t === "undefined" || t === "function" || t === "symbol") continue;
            this.text += first ? JSON.stringify(key) + ":" : "," + JSON.stringify(key) + ":";
            first = false;
            this.value(item, depth + 1);
          }
          this.text += "}";
          return true;
        }
    }
    throw new NotPlain();
  }

  private longString(s: string) {
    let bytes = this.cache.get(s);
    if (!bytes) {
      bytes = Buffer.from(JSON.stringify(s), "utf8");
      this.cache.set(s, bytes, s.length * 2 + bytes.length);
    }
    this.flush();
    this.push(bytes, bytes.length);
  }

  private flush() {
    if (this.text !== "") this.push(this.text, Buffer.byteLength(this.text, "utf8"));
    this.text = "";
  }

  private push(part: string | Buffer, size: number) {
    this.parts.push(part);
    this.sizes.push(size);
    this.total += size;
  }

  finish(): Buffer {
    this.flush();
    const out = Buffer.allocUnsafe(this.total);
    let at = 0;
    for (let i = 0; i < this.parts.length; i++) {
      const part = this.parts[i];
      if (typeof part === "string") out.write(part, at, "utf8");
      else part.copy(out, at);
      at += this.sizes[i];
    }
    return out;
  }
}
