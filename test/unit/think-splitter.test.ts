// ThinkSplitter: inline <think>…</think> reasoning split out of streamed content, whatever the
// chunk boundaries.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ThinkSplitter, type Segment } from "../../src/engine/stream/think-splitter.ts";
import { chunkings as allChunkings, cut } from "./chunking.ts";

interface Split {
  reasoning: string;
  text: string;
  rawPrefix: string;
  segments: Segment[];
}

function run(chunks: string[]): Split {
  const s = new ThinkSplitter();
  const segments: Segment[] = [];
  for (const c of chunks) segments.push(...s.push(c));
  segments.push(...s.end());
  const join = (kind: Segment["kind"]) =>
    segments
      .filter((x) => x.kind === kind)
      .map((x) => x.text)
      .join("");
  return { reasoning: join("reasoning"), text: join("text"), rawPrefix: s.rawPrefix, segments };
}

/** The shared chunkings, plus empty deltas interleaved between every character. */
function* chunkings(s: string): Generator<string[]> {
  yield* allChunkings(s);
  yield ["", ...[...s].flatMap((c) => [c, ""])];
}

function expectSame(s: string, want: Omit<Split, "segments">) {
  for (const chunks of chunkings(s)) {
    const got = run(chunks);
    const where = JSON.stringify(chunks);
    expect(got.reasoning, `reasoning for ${where}`).toBe(want.reasoning);
    expect(got.text, `text for ${where}`).toBe(want.text);
    expect(got.rawPrefix, `rawPrefix for ${where}`).toBe(want.rawPrefix);
    for (const seg of got.segments) expect(seg.text.length, `empty segment for ${where}`).toBeGreaterThan(0);
    // Reasoning always comes before any text.
    const firstText = got.segments.findIndex((x) => x.kind === "text");
    if (firstText >= 0) expect(got.segments.slice(firstText).every((x) => x.kind === "text"), where).toBe(true);
  }
}

describe("ThinkSplitter", () => {
  it("splits <think>\\nabc\\n</think>\\n\\nAnswer identically at every byte boundary", () => {
    const s = "<think>\nabc\n</think>\n\nAnswer";
    const whole = run([s]);
    expect(whole.reasoning.trim()).toBe("abc");
    // Whitespace right after <think> is layout: kept in rawPrefix (verbatim replay), not in the reasoning.
    expect(whole.reasoning).toBe("abc\n");
    expect(whole.text).toBe("Answer");
    expect(whole.rawPrefix).toBe("<think>\nabc\n</think>\n\n");
    expect(whole.rawPrefix + whole.text).toBe(s);
    expectSame(s, whole);
  });

  it("passes content without a think block through untouched", () => {
    for (const s of ["Hello world", "<b>bold</b> and <thinking> is not a tag", "<", "<thi", "a <think>inline</think> later", "  Indented answer"]) {
      expectSame(s, { reasoning: "", text: s, rawPrefix: "" });
    }
  });

  it("accepts whitespace before <think> and keeps it in rawPrefix", () => {
    const s = "\n \t<think>plan</think>\n\n  Result text\n";
    expectSame(s, { reasoning: "plan", text: "Result text\n", rawPrefix: "\n \t<think>plan</think>\n\n  " });
  });

  it("flushes an unterminated think block at EOF as reasoning", () => {
    expectSame("<think>abc", { reasoning: "abc", text: "", rawPrefix: "<think>abc" });
    expectSame("<think>abc</thi", { reasoning: "abc</thi", text: "", rawPrefix: "<think>abc</thi" });
    expectSame("<think>", { reasoning: "", text: "", rawPrefix: "<think>" });
  });

  it("a think block with no answer after it gives no text", () => {
    expectSame("<think>only thinking</think>\n\n", { reasoning: "only thinking", text: "", rawPrefix: "<think>only thinking</think>\n\n" });
    expectSame("<think></think>Answer", { reasoning: "", text: "Answer", rawPrefix: "<think></think>" });
  });

  it("keeps look-alike tags inside the reasoning", () => {
    const s = "<think>a < b </thin k> <think> </think\n</think>X";
    expectSame(s, { reasoning: "a < b </thin k> <think> </think\n", text: "X", rawPrefix: "<think>a < b </thin k> <think> </think\n</think>" });
  });

  it("a second think block after the answer is plain text", () => {
    const s = "<think>r</think>A <think>s</think> B";
    expectSame(s, { reasoning: "r", text: "A <think>s</think> B", rawPrefix: "<think>r</think>" });
  });

  it("rawPrefix + text always rebuilds the content exactly (property)", () => {
    const piece = fc.constantFrom("<", "/", "t", "h", "i", "n", "k", ">", "\n", " ", "a", "é", "😀", "</think>", "<think>");
    const text = fc.array(piece, { maxLength: 30 }).map((a) => a.join(""));
    fc.assert(
      fc.property(
        fc.constantFrom("", " ", "\n\n"),
        text.filter((r) => !r.includes("</think>")),
        fc.constantFrom("", "\n", "\n\n "),
        text.filter((t) => t.trimStart() === t),
        fc.array(fc.nat({ max: 120 }), { maxLength: 8 }),
        (lead, reasoning, gap, answer, points) => {
          const s = `${lead}<think>${reasoning}</think>${gap}${answer}`;
          const got = run(cut(s, points));
          expect(got.reasoning).toBe(reasoning.trimStart());
          expect(got.text).toBe(answer);
          expect(got.rawPrefix).toBe(`${lead}<think>${reasoning}</think>${gap}`);
          expect(got.rawPrefix + got.text).toBe(s);
        },
      ),
      { numRuns: 500 },
    );
  });

  it("any content splits the same way whatever the chunking (property)", () => {
    const piece = fc.constantFrom("<", "/", "t", "h", "i", "n", "k", ">", "\n", " ", "x", "<think>", "</think>");
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 25 }).map((a) => a.join("")), fc.array(fc.nat({ max: 100 }), { maxLength: 6 }), (s, points) => {
        const whole = run([s]);
        const got = run(cut(s, points));
        expect({ ...got, segments: undefined }).toEqual({ ...whole, segments: undefined });
      }),
      { numRuns: 500 },
    );
  });
});
