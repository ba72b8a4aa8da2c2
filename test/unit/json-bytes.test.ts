// JsonBytes (the upstream body's serializer with cached long strings) must give exactly the bytes of
// Buffer.from(JSON.stringify(value)), cold, warm, and after its cache evicted what it held.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { JsonBytes } from "../../src/engine/request/json-bytes.ts";
import { StringLru } from "../../src/util/string-lru.ts";
import { codexHistory } from "../../bench/lib/fixtures.ts";
import { ReasoningCarrier } from "../../src/engine/reasoning-carrier.ts";
import { compileMapping } from "../../src/mapping/compile.ts";
import { loadMappingDoc } from "../../src/mapping/load.ts";
import { translateRequest } from "../../src/engine/request/translate.ts";
import { validateResponsesRequest } from "../../src/protocol/request.ts";

const reference = (v: unknown) => {
  const text = JSON.stringify(v);
  return text === undefined ? undefined : Buffer.from(text, "utf8");
};

function same(jb: JsonBytes, v: unknown) {
  const got = jb.serialize(v);
  const want = reference(v);
  if (want === undefined) expect(got).toBeUndefined();
  else expect(got?.equals(want), `bytes of ${JSON.stringify(v)?.slice(0, 200)}`).toBe(true);
}

/** Long strings with escapes, non-ASCII, astral and lone surrogates, so the cached path is taken. */
const longString = fc
  .tuple(fc.string({ unit: "binary", minLength: 0, maxLength: 40 }), fc.integer({ min: 13, max: 60 }), fc.constantFrom("", "\"\\\n\t\u0000\u001b", "—✓é", "😀", "\ud800", "\udc00x", "\u2028\u2029"))
  .map(([s, n, extra]) => (s + extra).repeat(n) + s);

const value = fc.letrec((tie) => ({
  v: fc.oneof(
    { depthSize: "small" },
    fc.jsonValue(),
    longString,
    fc.constantFrom(undefined, -0, Number.NaN, Infinity, () => 1, Symbol("s")),
    fc.array(tie("v"), { maxLength: 6 }),
    fc.dictionary(fc.oneof(fc.string(), longString), tie("v"), { maxKeys: 6 }),
  ),
})).v;

describe("JsonBytes", () => {
  it("gives JSON.stringify's UTF-8 bytes for any value: cold, warm and with a cache that keeps evicting", () => {
    const warm = new JsonBytes();
    const tiny = new JsonBytes({ entries: 2, bytes: 4000 });
    fc.assert(
      fc.property(value, (v) => {
        same(new JsonBytes(), v);
        same(warm, v);
        same(warm, v);
        same(tiny, v);
        same(tiny, structuredCloneSafe(v));
      }),
      { numRuns: 400 },
    );
    expect(tiny.use.entries).toBeLessThanOrEqual(2);
    expect(tiny.use.bytes).toBeLessThanOrEqual(4000);
  });

  it("hands what is not plain JSON data to JSON.stringify (toJSON, class instances, boxed values, holes)", () => {
    const jb = new JsonBytes();
    const long = "x".repeat(600) + "é";
    class Point {
      constructor(public x = 1) {}
    }
    const cases: unknown[] = [
      { at: new Date(0), s: long },
      { toJSON: () => ({ replaced: long }) },
      { p: new Point(), s: long },
      [new String(long), new Number(3), new Boolean(false)],
      // eslint-disable-next-line no-sparse-arrays
      [1, , 3, long],
      Object.assign(Object.create(null), { a: long, b: undefined }),
      new Map([["a", 1]]),
      undefined,
      () => 1,
      long,
    ];
    for (const c of cases) same(jb, c);
    for (const c of cases) same(jb, c);
  });

  it("throws what JSON.stringify throws (cycles, BigInt)", () => {
    const jb = new JsonBytes();
    const cyclic: Record<string, unknown> = { s: "y".repeat(700) };
    cyclic.self = cyclic;
    expect(() => jb.serialize(cyclic)).toThrow(TypeError);
    expect(() => jb.serialize({ n: 1n })).toThrow(TypeError);
  });

  it("sends the same bytes for a 1 MB Codex history cached or not, after eviction, within its bounds", async () => {
    const carrier = new ReasoningCarrier(Buffer.from("json-bytes-test-secret-0123456789", "utf8"));
    const mapping = compileMapping(loadMappingDoc("deepseek"));
    const history = { ...codexHistory({ items: 300, toolOutputChars: 1 << 20, carrier, provider: mapping.name }), stream: true };
    const raw = JSON.stringify(history);
    const body = async () => (await translateRequest(validateResponsesRequest(JSON.parse(raw)), { mapping, model: "deepseek-chat", stream: true, carrier })).body;
    const want = reference(await body())!;
    const jb = new JsonBytes({ entries: 4096, bytes: 32 << 20 });
    expect(jb.serialize(await body())!.equals(want)).toBe(true); // cold: fills the cache
    const filled = jb.use;
    expect(filled.entries).toBeGreaterThan(100);
    expect(jb.serialize(await body())!.equals(want)).toBe(true); // warm: every long string a hit
    expect(jb.use).toEqual(filled);
    // A bound smaller than the history: the least recently used strings are evicted on every request.
    const small = new JsonBytes({ entries: 40, bytes: 256 * 1024 });
    for (let i = 0; i < 3; i++) {
      expect(small.serialize(await body())!.equals(want)).toBe(true);
      expect(small.use.entries).toBeLessThanOrEqual(40);
      expect(small.use.bytes).toBeLessThanOrEqual(256 * 1024);
    }
  });
});

describe("StringLru", () => {
  it("is bounded by entries and by size, evicting the least recently used", () => {
    const c = new StringLru<number>(3, 100);
    c.set("a", 1, 10);
    c.set("b", 2, 10);
    c.set("c", 3, 10);
    expect(c.get("a")).toBe(1); // a is now the most recent
    c.set("d", 4, 10);
    expect(c.get("b")).toBeUndefined();
    expect([c.get("a"), c.get("c"), c.get("d")]).toEqual([1, 3, 4]);
    c.set("e", 5, 90); // needs 90 of 100: evicts until it fits
    expect(c.weight).toBeLessThanOrEqual(100);
    expect(c.get("e")).toBe(5);
    c.set("huge", 6, 101); // larger than the whole bound: not kept
    expect(c.get("huge")).toBeUndefined();
    expect(c.size).toBeLessThanOrEqual(3);
  });

  it("tells apart strings of one length and one fingerprint (compared in full), and bounds such a run", () => {
    const c = new StringLru<number>(100, 1e9);
    const base = "a".repeat(1000);
    // Same length, differing only where the fingerprint does not sample: same fingerprint.
    const variants = Array.from({ length: 12 }, (_, i) => base.slice(0, 501) + String.fromCharCode(98 + i) + base.slice(502));
    variants.forEach((v, i) => c.set(v, i, 1));
    // At most 8 per fingerprint: the 4 oldest are gone, the rest found by full comparison.
    expect(variants.map((v) => c.get(v))).toEqual([undefined, undefined, undefined, undefined, 4, 5, 6, 7, 8, 9, 10, 11]);
    expect(c.get(base)).toBeUndefined();
  });

  it("replaces an entry set twice and counts its size once", () => {
    const c = new StringLru<number>(10, 100);
    c.set("k", 1, 40);
    c.set("k", 2, 30);
    expect(c.get("k")).toBe(2);
    expect(c.weight).toBe(30);
    expect(c.size).toBe(1);
  });
});

/** The same value as a fresh object (strings copied), as the next request's JSON.parse gives. */
function structuredCloneSafe(v: unknown): unknown {
  if (typeof v === "string") return (" " + v).slice(1);
  if (Array.isArray(v)) return v.map(structuredCloneSafe);
  if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, structuredCloneSafe(x)]));
  return v;
}
