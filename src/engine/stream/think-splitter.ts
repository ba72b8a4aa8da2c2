// Splits inline `<think>…</think>` reasoning out of streamed content (MiniMax), even when a tag is
// cut across chunks. It also keeps the raw think block (with the whitespace after it) so the
// block can be replayed verbatim on the next turn.

const OPEN = "<think>";
const CLOSE = "</think>";

export interface Segment {
  kind: "reasoning" | "text";
  text: string;
}

export class ThinkSplitter {
  private state: "start" | "think" | "after" | "text" = "start";
  private pending = "";
  /** Raw content up to and including the whitespace after `</think>`. */
  rawPrefix = "";
  private sawReasoning = false;

  /** Feeds one content delta; returns the reasoning and visible-text segments it completes. */
  push(chunk: string): Segment[] {
    const out: Segment[] = [];
    let s = this.pending + chunk;
    this.pending = "";
    while (s.length > 0) {
      if (this.state === "start") {
        const trimmed = s.trimStart();
        if (trimmed.length === 0) {
          this.pending = s;
          return out;
        }
        if (OPEN.startsWith(trimmed) && trimmed.length < OPEN.length) {
          this.pending = s; // could still become <think>
          return out;
        }
        if (trimmed.startsWith(OPEN)) {
          const cut = s.length - trimmed.length + OPEN.length;
          this.rawPrefix += s.slice(0, cut);
          s = s.slice(cut);
          this.state = "think";
          continue;
        }
        this.state = "text";
        continue;
      }
      if (this.state === "think") {
        if (!this.sawReasoning) {
          // Whitespace right after <think> is layout, not reasoning: keep it for the verbatim replay only.
          const trimmed = s.trimStart();
          this.rawPrefix += s.slice(0, s.length - trimmed.length);
          s = trimmed;
          if (s.length === 0) return out;
          this.sawReasoning = true;
          continue;
        }
        const end = s.indexOf(CLOSE);
        if (end >= 0) {
          if (end > 0) out.push({ kind: "reasoning", text: s.slice(0, end) });
          this.rawPrefix += s.slice(0, end + CLOSE.length);
          s = s.slice(end + CLOSE.length);
          this.state = "after";
          continue;
        }
        // Hold back a tail that could be the start of </think>.
        const keep = partialSuffix(s, CLOSE);
        const emit = s.slice(0, s.length - keep);
        if (emit) {
          out.push({ kind: "reasoning", text: emit });
          this.rawPrefix += emit;
        }
        this.pending = s.slice(s.length - keep);
        return out;
      }
      if (this.state === "after") {
        const trimmed = s.trimStart();
        this.rawPrefix += s.slice(0, s.length - trimmed.length);
        if (trimmed.length === 0) return out;
        s = trimmed;
        this.state = "text";
        continue;
      }
      out.push({ kind: "text", text: s });
      return out;
    }
    return out;
  }

  /** Flushes what was held back at the end of the stream. */
  end(): Segment[] {
    const rest = this.pending;
    this.pending = "";
    if (!rest) return [];
    if (this.state === "think") {
      this.rawPrefix += rest;
      return [{ kind: "reasoning", text: rest }];
    }
    if (this.state === "after") return [];
    return rest.trim() === "" && this.state === "start" ? [] : [{ kind: "text", text: rest }];
  }
}

/** Length of the longest suffix of `s` that is a proper prefix of `tag`. */
function partialSuffix(s: string, tag: string): number {
  for (let n = Math.min(tag.length - 1, s.length); n > 0; n--) {
    if (s.endsWith(tag.slice(0, n))) return n;
  }
  return 0;
}
