// Ways to cut a string into stream fragments, for the incremental parsers' tests.

/** Cuts `s` at the given positions (sorted, deduplicated). */
export function cut(s: string, points: number[]): string[] {
  const sorted = [...new Set(points)].filter((p) => p > 0 && p < s.length).sort((a, b) => a - b);
  const out: string[] = [];
  let last = 0;
  for (const p of sorted) {
    out.push(s.slice(last, p));
    last = p;
  }
  out.push(s.slice(last));
  return out;
}

/** Every chunking with one and with two cut points, plus one character per fragment. */
export function* chunkings(s: string): Generator<string[]> {
  yield [s];
  for (let i = 0; i <= s.length; i++) yield [s.slice(0, i), s.slice(i)];
  for (let i = 1; i < s.length; i++) for (let j = i + 1; j < s.length; j++) yield cut(s, [i, j]);
  yield [...s];
}
