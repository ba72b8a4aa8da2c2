// Decodes one top-level string field (`{"input": "…"}`) out of JSON that arrives in fragments, so
// a freeform tool's input (apply_patch) can be streamed to the client as it is generated.
// Best effort: the authoritative value is parsed from the complete arguments at the end.

export class JsonStringFieldStream {
  private state: "seek" | "value" | "done" = "seek";
  private buffer = "";
  private escape = "";

  constructor(private readonly field: string) {}

  /** Feeds a fragment of the arguments; returns newly decoded characters of the field. */
  push(fragment: string): string {
    if (this.state === "done") return "";
    this.buffer += fragment;
    if (this.state === "seek") {
      const m = new RegExp(`"${this.field}"\\s*:\\s*"`).exec(this.buffer);
      if (!m) {
        // Keep only a tail long enough to hold a split key.
        if (this.buffer.length > 256) this.buffer = this.buffer.slice(-64);
        return "";
      }
      this.buffer = this.buffer.slice(m.index + m[0].length);
      this.state = "value";
    }
    return this.decode();
  }

  private decode(): string {
    let out = "";
    const s = this.escape + this.buffer;
    this.escape = "";
    this.buffer = "";
    let i = 0;
    while (i < s.length) {
      const c = s[i];
      if (c === '"') {
        this.state = "done";
        return out;
      }
      if (c !== "\\") {
        out += c;
        i++;
        continue;
      }
      if (i + 1 >= s.length) {
        this.escape = s.slice(i);
        return out;
      }
      const e = s[i + 1];
      if (e === "u") {
        if (i + 6 > s.length) {
          this.escape = s.slice(i);
          return out;
        }
        const code = parseInt(s.slice(i + 2, i + 6), 16);
        // A high surrogate is held back until its low half arrives, so no delta carries half a pair.
        if (code >= 0xd800 && code <= 0xdbff) {
          if (i + 12 > s.length) {
            this.escape = s.slice(i);
            return out;
          }
          if (s[i + 6] === "\\" && s[i + 7] === "u") {
            const low = parseInt(s.slice(i + 8, i + 12), 16);
            if (low >= 0xdc00 && low <= 0xdfff) {
              out += String.fromCharCode(code, low);
              i += 12;
              continue;
            }
          }
        }
        out += String.fromCharCode(code);
        i += 6;
        continue;
      }
      out += ESCAPES[e] ?? e;
      i += 2;
    }
    return out;
  }
}

const ESCAPES: Record<string, string> = { n: "\n", r: "\r", t: "\t", b: "\b", f: "\f", '"': '"', "\\": "\\", "/": "/" };
