// Server-Sent Events framing and the chunking rules the emulators share.

export const SSE_KEEPALIVE = ": keep-alive\n\n";
export const SSE_DONE = "data: [DONE]\n\n";

/** One `data:` event with compact JSON (key order = insertion order). */
export function sseData(obj: unknown): string {
  return `data: ${JSON.stringify(obj)}\n\n`;
}

/** Text deltas split on word boundaries; leading whitespace stays with its word, so joining is lossless. */
export function splitWords(text: string, wordsPerDelta = 2): string[] {
  const words = text.match(/\s*\S+|\s+$/g) ?? [];
  const out: string[] = [];
  for (let i = 0; i < words.length; i += wordsPerDelta) out.push(words.slice(i, i + wordsPerDelta).join(""));
  return out;
}

/** Tool-argument fragments cut mid-token like real upstreams (`{"`, then fixed-size slices). */
export function splitArgs(args: string, size = 7): string[] {
  if (args.length <= 2) return args ? [args] : [];
  const out = [args.slice(0, 2)];
  for (let i = 2; i < args.length; i += size) out.push(args.slice(i, i + size));
  return out;
}

/** Raw SSE text cut after each blank line, so scripted streams can be replayed frame by frame. */
export function splitFrames(raw: string): string[] {
  const out: string[] = [];
  const re = /\r?\n\r?\n/g;
  let start = 0;
  for (let m = re.exec(raw); m; m = re.exec(raw)) {
    out.push(raw.slice(start, m.index + m[0].length));
    start = m.index + m[0].length;
  }
  if (start < raw.length) out.push(raw.slice(start));
  return out;
}
