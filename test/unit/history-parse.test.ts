// HistoryParser: a body repeating a kept body's first input items parses to exactly what JSON.parse
// gives, whatever follows, and a request changing its body never reaches the kept items.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { HistoryParser } from "../../src/server/history-parse.ts";

const decode = (b: Buffer) => b.toString("utf8");
const item = fc.oneof(
  fc.record({ type: fc.constant("message"), role: fc.constantFrom("user", "assistant"), content: fc.string({ unit: "binary", maxLength: 300 }) }),
  fc.record({ type: fc.constant("function_call_output"), call_id: fc.string(), output: fc.string({ unit: "grapheme", maxLength: 2000 }) }),
  fc.jsonValue({ maxDepth: 3 }),
);
const spaced = (v: unknown, style: number) => (style === 0 ? JSON.stringify(v) : JSON.stringify(v, null, style));

function body(input: unknown[], style: number, extra: Record<string, unknown> = {}) {
  return Buffer.from(spaced({ model: "m", instructions: "Be brief — ✓", input, tools: [{ type: "function", name: "f" }], stream: true, ...extra }, style));
}

describe("HistoryParser", () => {
  it("parses a conversation turn after turn (appends, edits, branches) exactly as JSON.parse", () => {
    let hits = 0;
    fc.assert(
      fc.property(fc.array(item, { minLength: 1, maxLength: 12 }), fc.array(fc.tuple(fc.nat(20), fc.array(item, { maxLength: 4 })), { minLength: 1, maxLength: 8 }), fc.constantFrom(0, 0, 2), (start, turns, style) => {
        const p = new HistoryParser({ entries: 3, bytes: 1 << 24 });
        let input = start;
        const check = (b: Buffer) => expect(p.parse(b, decode)).toEqual(JSON.parse(b.toString("utf8")));
        check(body(input, style));
        for (const [cut, added] of turns) {
          // Keep a prefix of the history (all of it most of the time), then add items.
          input = [...input.slice(0, cut % 3 === 0 ? input.length : cut % (input.length + 1)), ...added];
          check(body(input, style, cut % 5 === 0 ? { stream: false } : {}));
        }
        expect(p.use.entries).toBeLessThanOrEqual(3);
        hits += p.use.hits;
      }),
      { numRuns: 150 },
    );
    expect(hits).toBeGreaterThan(150); // most turns reused kept items
  });

  it("reuses the items of a body it kept (a hit) and hands out copies nobody can change the cache through", () => {
    const p = new HistoryParser();
    const big = "x".repeat(100_000);
    const first = [{ type: "message", role: "user", content: [{ type: "input_text", text: big }] }, { type: "function_call_output", call_id: "c", output: "ok" }];
    const a = p.parse(body(first, 0), decode) as { input: any[] };
    expect(p.use.entries).toBe(1);
    a.input[0].content[0].text = "changed";
    a.input[0].content.push("more");
    const next = [...first, { type: "message", role: "user", content: "again" }];
    const b = p.parse(body(next, 0), decode) as { input: any[] };
    expect(b).toEqual(JSON.parse(body(next, 0).toString("utf8")));
    expect(b.input[0]).not.toBe(a.input[0]);
    // The extended body replaced the one it extends.
    expect(p.use).toMatchObject({ entries: 1, hits: 1 });
  });

  it("does not trust a body whose last `input` key is another array (duplicate keys, escaped key names)", () => {
    const p = new HistoryParser();
    const items = [{ type: "message", role: "user", content: "y".repeat(70_000) }, { type: "message", role: "user", content: "b" }];
    const base = body(items, 0).toString("utf8");
    expect(p.parse(Buffer.from(base), decode)).toEqual(JSON.parse(base));
    for (const tail of [`,"input":[1,2,3]}`, `,"\\u0069nput":["x"]}`, `,"input":"text"}`]) {
      const text = base.slice(0, -1) + tail;
      expect(p.parse(Buffer.from(text), decode)).toEqual(JSON.parse(text));
    }
    // A body with two `input` keys is never kept as a base.
    const dup = `{"input":[{"a":1}],"model":"m","input":[{"b":"${"z".repeat(70_000)}"}]}`;
    const q = new HistoryParser();
    expect(q.parse(Buffer.from(dup), decode)).toEqual(JSON.parse(dup));
    expect(q.use.entries).toBe(0);
  });

  it("throws JSON.parse's own error for a body that starts like a kept one but is broken later", () => {
    const p = new HistoryParser();
    const items = [{ type: "message", role: "user", content: "w".repeat(70_000) }];
    const good = body(items, 0).toString("utf8");
    p.parse(Buffer.from(good), decode);
    const broken = good.slice(0, -1) + ',"x":}';
    let want: unknown;
    try {
      JSON.parse(broken);
    } catch (e) {
      want = (e as Error).message;
    }
    expect(() => p.parse(Buffer.from(broken), decode)).toThrow(want as string);
  });

  it("is bounded by bodies and by bytes", () => {
    const p = new HistoryParser({ entries: 4, bytes: 1_000_000 });
    for (let i = 0; i < 10; i++) {
      p.parse(body([{ type: "message", role: "user", content: `${i}`.repeat(100_000) }], 0), decode);
      expect(p.use.entries).toBeLessThanOrEqual(4);
      expect(p.use.bytes).toBeLessThanOrEqual(1_000_000);
    }
    const none = new HistoryParser({ entries: 4, bytes: 100 });
    none.parse(body([{ type: "message", role: "user", content: "q".repeat(1000) }], 0), decode);
    expect(none.use).toEqual({ entries: 0, bytes: 0, hits: 0 });
  });
});
