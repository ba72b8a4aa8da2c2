// Maps a character of a YAML string's *value* back to its place in the source text, for plain,
// single-quoted, double-quoted, literal (|) and folded (>) scalars. Used to point a JSONata syntax
// error at the offending character. The mapping is only trusted when re-reading the source this way
// reproduces the parsed value; otherwise callers fall back to the start of the scalar.

interface Built {
  chars: string[];
  offsets: number[];
}

const ESCAPES: Record<string, string> = {
  "0": "\0", a: "\x07", b: "\b", t: "\t", "\t": "\t", n: "\n", v: "\v", f: "\f", r: "\r", e: "\x1b",
  " ": " ", '"': '"', "/": "/", "\\": "\\", N: "\u0085", _: "\u00a0", L: "\u2028", P: "\u2029",
};
const HEX_LENGTH: Record<string, number> = { x: 2, u: 4, U: 8 };

function isBreak(text: string, i: number): number {
  if (text[i] === "\n") return 1;
  if (text[i] === "\r" && text[i + 1] === "\n") return 2;
  return 0;
}

/** Plain and quoted scalars: line folding, `''` and backslash escapes. */
function buildFlow(text: string, start: number, style: "plain" | "single" | "double", want: number): Built {
  const chars: string[] = [];
  const offsets: number[] = [];
  const push = (c: string, at: number) => {
    chars.push(c);
    offsets.push(at);
  };
  let i = style === "plain" ? start : start + 1;
  let trailingSpace = 0; // literal blanks at the end of `chars`: dropped when the line folds
  while (i < text.length) {
    const c = text[i]!;
    if (style === "single" && c === "'") {
      if (text[i + 1] !== "'") break;
      push("'", i);
      i += 2;
      trailingSpace = 0;
      continue;
    }
    if (style === "double" && c === '"') break;
    if (style === "double" && c === "\\") {
      const next = text[i + 1] ?? "";
      const nl = isBreak(text, i + 1);
      if (nl) {
        // Escaped line break: joins the lines without a space.
        i += 1 + nl;
        while (text[i] === " " || text[i] === "\t") i++;
        trailingSpace = 0;
        continue;
      }
      const hex = HEX_LENGTH[next];
      if (hex) {
        const code = Number.parseInt(text.slice(i + 2, i + 2 + hex), 16);
        for (const unit of String.fromCodePoint(Number.isFinite(code) ? code : 0xfffd).split("")) push(unit, i);
        i += 2 + hex;
      } else {
        push(ESCAPES[next] ?? next, i);
        i += 2;
      }
      trailingSpace = 0;
      continue;
    }
    const nl = isBreak(text, i);
    if (nl) {
      chars.splice(chars.length - trailingSpace);
      offsets.splice(offsets.length - trailingSpace);
      trailingSpace = 0;
      const breakAt = i;
      let j = i + nl;
      let empty = 0;
      for (;;) {
        while (text[j] === " " || text[j] === "\t") j++;
        const more = isBreak(text, j);
        if (!more) break;
        empty++;
        j += more;
      }
      if (empty === 0) push(" ", breakAt);
      else for (let k = 0; k < empty; k++) push("\n", breakAt);
      i = j;
      continue;
    }
    push(c, i);
    trailingSpace = c === " " || c === "\t" ? trailingSpace + 1 : 0;
    i++;
    if (style === "plain" && chars.length >= want) break;
  }
  return { chars, offsets };
}

/** Literal (|) and folded (>) block scalars. */
function buildBlock(text: string, start: number): Built {
  const chars: string[] = [];
  const offsets: number[] = [];
  const folded = text[start] === ">";
  const headerEnd = text.indexOf("\n", start);
  if (headerEnd < 0) return { chars, offsets };
  const header = text.slice(start + 1, headerEnd).replace(/\s+#.*$/, "").trim();
  const explicit = /[1-9]/.exec(header);
  const lineStart = text.lastIndexOf("\n", start - 1) + 1;
  const parentIndent = /^ */.exec(text.slice(lineStart, start))![0].length;

  // Split the rest into lines with their start offsets.
  const lines: { at: number; text: string }[] = [];
  let p = headerEnd + 1;
  while (p <= text.length) {
    let end = text.indexOf("\n", p);
    if (end < 0) end = text.length;
    lines.push({ at: p, text: text.slice(p, end).replace(/\r$/, "") });
    if (end === text.length) break;
    p = end + 1;
  }
  let indent = explicit ? parentIndent + Number(explicit[0]) : -1;
  if (indent < 0) {
    const first = lines.find((l) => l.text.trim() !== "");
    indent = first ? /^ */.exec(first.text)![0].length : 0;
  }
  let pendingEmpty = 0;
  let previous: { more: boolean; breakAt: number } | null = null;
  for (const line of lines) {
    if (line.text.trim() === "") {
      pendingEmpty++;
      continue;
    }
    const lead = /^ */.exec(line.text)![0].length;
    if (lead < indent) break; // the block ended
    const content = line.text.slice(indent);
    const more = content.startsWith(" ") || content.startsWith("\t");
    if (previous) {
      if (folded && !previous.more && !more) {
        if (pendingEmpty === 0) chars.push(" "), offsets.push(previous.breakAt);
        else for (let k = 0; k < pendingEmpty; k++) chars.push("\n"), offsets.push(previous.breakAt);
      } else {
        for (let k = 0; k <= pendingEmpty; k++) chars.push("\n"), offsets.push(previous.breakAt);
      }
    } else {
      for (let k = 0; k < pendingEmpty; k++) chars.push("\n"), offsets.push(line.at);
    }
    pendingEmpty = 0;
    for (let k = 0; k < content.length; k++) {
      chars.push(content[k]!);
      offsets.push(line.at + indent + k);
    }
    previous = { more, breakAt: line.at + line.text.length };
  }
  if (previous) chars.push("\n"), offsets.push(previous.breakAt);
  return { chars, offsets };
}

function lineStarts(text: string): number[] {
  const starts = [0];
  for (let i = 0; i < text.length; i++) if (text[i] === "\n") starts.push(i + 1);
  return starts;
}

/**
 * Line and column (1-based) in `text` of character `index` of the string `value`, whose scalar
 * starts at `line`:`col`. An index at or past the end points just after the last character.
 * Returns null when the source does not read back as `value`.
 */
export function positionInScalar(
  text: string,
  at: { line: number; col: number },
  value: string,
  index: number,
): { line: number; col: number } | null {
  const starts = lineStarts(text);
  const start = (starts[at.line - 1] ?? 0) + at.col - 1;
  const first = text[start];
  const built =
    first === "|" || first === ">"
      ? buildBlock(text, start)
      : buildFlow(text, start, first === "'" ? "single" : first === '"' ? "double" : "plain", value.length);
  if (built.chars.join("").slice(0, value.length) !== value || value.length === 0) return null;
  const offset = index < value.length ? built.offsets[Math.max(0, index)]! : built.offsets[value.length - 1]! + 1;
  let line = 0;
  while (line + 1 < starts.length && starts[line + 1]! <= offset) line++;
  return { line: line + 1, col: offset - starts[line]! + 1 };
}
