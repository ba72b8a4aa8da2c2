// Characters of a YAML string value mapped back to the source, for every scalar style.
import { describe, expect, it } from "vitest";
import { parseYamlWithLocations } from "../../src/util/yaml-source.ts";
import { positionInScalar } from "../../src/lint/scalar-position.ts";
import { errorIndex } from "../../src/lint/jsonata.ts";

const text = [
  "plain: a plain",
  "  continued",
  "single: 'it''s",
  "",
  "  two'",
  'double: "x \\u00e9 \\"y\\" \\',
  '   z"',
  "literal: |",
  "  one",
  "    two",
  "folded: >-",
  "  uno",
  "  dos",
  "",
  "  tres",
  "",
].join("\n");

const doc = parseYamlWithLocations(text, "t.yaml");
const lines = text.split("\n");

/** The source character every value character maps to (escapes map to their backslash, folds to the line end). */
function check(key: string) {
  const value = (doc.value as Record<string, string>)[key]!;
  const start = doc.locate([key]);
  for (let i = 0; i < value.length; i++) {
    const pos = positionInScalar(text, start, value, i);
    expect(pos, `${key}[${i}]`).not.toBeNull();
    const src = lines[pos!.line - 1]![pos!.col - 1];
    if (value[i] === " " || value[i] === "\n") continue;
    if (src === "\\") continue;
    expect(src, `${key}[${i}] at ${pos!.line}:${pos!.col}`).toBe(value[i]);
  }
  return value;
}

describe("positionInScalar", () => {
  it("plain multi-line", () => expect(check("plain")).toBe("a plain continued"));
  it("single-quoted with '' and an empty line", () => expect(check("single")).toBe("it's\ntwo"));
  it("double-quoted with escapes and an escaped line break", () => expect(check("double")).toBe('x é "y" z'));
  it("literal block", () => expect(check("literal")).toBe("one\n  two\n"));
  it("folded block", () => expect(check("folded")).toBe("uno dos\ntres"));

  it("an index past the end points just after the last character", () => {
    expect(positionInScalar(text, doc.locate(["single"]), "it's\ntwo", 99)).toEqual({ line: 5, col: 6 });
  });

  it("returns null when the source does not read back as the value", () => {
    expect(positionInScalar(text, doc.locate(["plain"]), "something else", 0)).toBeNull();
  });
});

describe("errorIndex", () => {
  it("uses the token to find where it starts; (end) means the end", () => {
    expect(errorIndex({ position: 4, token: "+" }, "a ++ b")).toBe(3);
    expect(errorIndex({ position: 12, token: 2 }, '{"a": 1 +* 2}')).toBe(11);
    expect(errorIndex({ position: 7, token: "bc" }, '(a "bc" d)')).toBe(3);
    expect(errorIndex({ position: 9, token: "(end)" }, "1 + $foo(")).toBe(9);
    expect(errorIndex({ position: 6 }, 'x = "y')).toBe(6);
  });
});
