// YAML parsing that remembers where every value came from, so config, mapping and lint errors can
// point at `file:line:col` instead of a bare JSON path. Knows nothing about what the YAML means.
import { isAlias, isMap, isScalar, isSeq, LineCounter, parseDocument } from "yaml";
import type { Document, Node, Pair } from "yaml";

/** A position in a source file; line and col are 1-based. */
export interface SourceLocation {
  file: string;
  line: number;
  col: number;
}

export interface SourceProblem extends SourceLocation {
  message: string;
}

/** A path into the parsed value: property names and array indexes. */
export type ValuePath = readonly (string | number)[];

export interface YamlWithLocations {
  /** The document as plain JS (`null` for an empty document). */
  value: unknown;
  /** Syntax errors (including duplicate keys). When non-empty, `value` may be partial. */
  errors: SourceProblem[];
  warnings: SourceProblem[];
  /**
   * Where `path` (array or JSON Pointer) is written. `which: "key"` points at the property name,
   * `"value"` (default) at the value. A path that does not exist resolves to its nearest existing
   * ancestor's key, which is where a "missing x" or "unknown x" message reads best.
   */
  locate(path: ValuePath | string, which?: "key" | "value"): SourceLocation;
}

export function formatLocation(loc: SourceLocation): string {
  return `${loc.file}:${loc.line}:${loc.col}`;
}

/** Splits an RFC 6901 JSON Pointer ("/a/b~1c/0") into segments; "" is the root. */
export function pointerToPath(pointer: string): string[] {
  if (pointer === "") return [];
  const body = pointer.startsWith("/") ? pointer.slice(1) : pointer;
  return body.split("/").map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"));
}

export function parseYamlWithLocations(text: string, file: string): YamlWithLocations {
  const lineCounter = new LineCounter();
  // prettyErrors off: we add our own file:line:col prefix, the library's would repeat it.
  const doc = parseDocument(text, { keepSourceTokens: true, lineCounter, prettyErrors: false });

  const at = (offset: number): SourceLocation => {
    const { line, col } = lineCounter.linePos(offset);
    return { file, line, col };
  };
  const problems = (list: readonly { pos: [number, number]; code: string; message: string }[]): SourceProblem[] =>
    list.map((e) => ({
      ...at(e.pos[0]),
      // The library's own wording here advises an API call, which means nothing to someone editing a file.
      message: e.code === "MULTIPLE_DOCS" ? "only one YAML document is allowed here (remove the ---)" : e.message,
    }));

  const locate = (path: ValuePath | string, which: "key" | "value" = "value") =>
    locateIn(doc, typeof path === "string" ? pointerToPath(path) : path, which, at);
  const errors = problems(doc.errors);
  let value: unknown = null;
  try {
    value = doc.toJS({ maxAliasCount: 1000 }) ?? null;
  } catch (err) {
    // toJS throws on e.g. alias bombs; report it like a syntax error rather than crashing.
    errors.push({ ...at(0), message: err instanceof Error ? err.message : String(err) });
  }
  return { value, errors, warnings: problems(doc.warnings), locate };
}

function locateIn(
  doc: Document,
  path: ValuePath,
  which: "key" | "value",
  at: (offset: number) => SourceLocation,
): SourceLocation {
  let node: unknown = doc.contents;
  let keyNode: Node | null = null; // key of the pair through which `node` was reached
  for (const segment of path) {
    node = deref(doc, node);
    const next = child(node, segment);
    if (!next) return startOf(keyNode, at) ?? startOf(node, at) ?? at(0);
    node = next.value;
    keyNode = next.key;
  }
  if (which === "key" && keyNode) return startOf(keyNode, at) ?? at(0);
  // An empty value (`key:` with nothing after it) has no position of its own: use the key's.
  if (node == null || (isScalar(node) && node.value == null && node.range?.[0] === node.range?.[1])) {
    return startOf(keyNode, at) ?? startOf(node, at) ?? at(0);
  }
  return startOf(node, at) ?? startOf(keyNode, at) ?? at(0);
}

function deref(doc: Document, node: unknown): unknown {
  return isAlias(node) ? node.resolve(doc) : node;
}

function child(node: unknown, segment: string | number): { key: Node | null; value: unknown } | null {
  if (isMap(node)) {
    const pair = (node.items as Pair[]).find((p) => keyText(p.key) === String(segment));
    return pair ? { key: isNodeLike(pair.key) ? (pair.key as Node) : null, value: pair.value } : null;
  }
  if (isSeq(node)) {
    const index = typeof segment === "number" ? segment : /^\d+$/.test(segment) ? Number(segment) : -1;
    return index >= 0 && index < node.items.length ? { key: null, value: node.items[index] } : null;
  }
  return null;
}

function keyText(key: unknown): string | undefined {
  if (isScalar(key)) return String(key.value);
  return key == null ? undefined : String(key);
}

function isNodeLike(x: unknown): boolean {
  return typeof x === "object" && x !== null && "range" in x;
}

function startOf(node: unknown, at: (offset: number) => SourceLocation): SourceLocation | null {
  if (!isNodeLike(node)) return null;
  const range = (node as Node).range;
  return range ? at(range[0]) : null;
}
