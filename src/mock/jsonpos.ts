// Locates values inside raw JSON text so validation errors can quote serde-style
// `line L column C` positions (serde counts bytes; column = bytes consumed on that line).

export type JsonPath = (string | number)[];

function skipWs(s: string, i: number): number {
  while (i < s.length && (s[i] === " " || s[i] === "\n" || s[i] === "\r" || s[i] === "\t")) i++;
  return i;
}

function skipString(s: string, i: number): number {
  for (i++; i < s.length; i++) {
    if (s[i] === "\\") i++;
    else if (s[i] === '"') return i + 1;
  }
  return s.length;
}

function skipValue(s: string, i: number): number {
  const c = s[i];
  if (c === '"') return skipString(s, i);
  if (c === "{" || c === "[") {
    let depth = 0;
    for (; i < s.length; i++) {
      const d = s[i];
      if (d === '"') i = skipString(s, i) - 1;
      else if (d === "{" || d === "[") depth++;
      else if ((d === "}" || d === "]") && --depth === 0) return i + 1;
    }
    return s.length;
  }
  while (i < s.length && !",]} \n\r\t".includes(s[i]!)) i++;
  return i;
}

/** [start, end) of the value at `path` in valid JSON text, or undefined if absent. */
export function valueSpan(raw: string, path: JsonPath): { start: number; end: number } | undefined {
  let i = skipWs(raw, 0);
  for (const key of path) {
    if (typeof key === "number") {
      if (raw[i] !== "[") return undefined;
      i = skipWs(raw, i + 1);
      if (raw[i] === "]") return undefined;
      for (let n = 0; n < key; n++) {
        i = skipWs(raw, skipValue(raw, i));
        if (raw[i] !== ",") return undefined;
        i = skipWs(raw, i + 1);
      }
    } else {
      if (raw[i] !== "{") return undefined;
      i = skipWs(raw, i + 1);
      let found = false;
      while (raw[i] === '"') {
        const keyEnd = skipString(raw, i);
        const k = JSON.parse(raw.slice(i, keyEnd)) as string;
        i = skipWs(raw, skipWs(raw, keyEnd) + 1); // past the colon
        if (k === key) {
          found = true;
          break;
        }
        i = skipWs(raw, skipValue(raw, i));
        if (raw[i] === ",") i = skipWs(raw, i + 1);
      }
      if (!found) return undefined;
    }
  }
  return { start: i, end: skipValue(raw, i) };
}

/** serde_json position after consuming `consumed` characters of `raw`. */
export function positionAt(raw: string, consumed: number): { line: number; column: number } {
  const before = raw.slice(0, consumed);
  const nl = before.lastIndexOf("\n");
  const line = before.split("\n").length;
  return { line, column: Buffer.byteLength(before.slice(nl + 1)) };
}
