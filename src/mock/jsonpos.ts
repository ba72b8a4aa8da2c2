// Locates values inside raw JSON text (jsonc-parser's syntax tree) so validation errors can quote
// serde-style `line L column C` positions (serde counts bytes; column = bytes consumed on that line).
import { findNodeAtLocation, parseTree } from "jsonc-parser";

export type JsonPath = (string | number)[];

/** [start, end) of the value at `path` in valid JSON text, or undefined if absent (first of duplicate keys). */
export function valueSpan(raw: string, path: JsonPath): { start: number; end: number } | undefined {
  const tree = parseTree(raw);
  const node = tree && findNodeAtLocation(tree, path);
  return node ? { start: node.offset, end: node.offset + node.length } : undefined;
}

/** serde_json position after consuming `consumed` characters of `raw`. */
export function positionAt(raw: string, consumed: number): { line: number; column: number } {
  const before = raw.slice(0, consumed);
  const nl = before.lastIndexOf("\n");
  const line = before.split("\n").length;
  return { line, column: Buffer.byteLength(before.slice(nl + 1)) };
}
