// YAML parsing that remembers where every value came from, so config, mapping and lint errors can
// point at `file:line:col` instead of a bare JSON path. Knows nothing about what the YAML means.
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { projectPath } from "./paths.ts";
import { requireVendored } from "./bundle.ts";
import type { Document, LineCounter, Node, Pair } from "yaml";

type YamlLibrary = typeof import("yaml");
let yamlModule: YamlLibrary | undefined;

/**
 * The yaml library, loaded with the first text that needs parsing or locating: the shipped files come
 * parsed from the build-time cache, so `godex serve` with the shipped config never loads it. From the
 * bundle it is the build's one-file copy (dist/vendor/yaml.cjs).
 */
export function yamlLibrary(): YamlLibrary {
  return (yamlModule ??= requireVendored<YamlLibrary>("yaml"));
}

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

/** What parsing one text gives, before a file name is attached: shared by every reader of that text. */
interface ParsedText {
  /** Parsed on first use when the value came from the build-time cache (only locations need it). */
  doc(): Document;
  lineCounter(): LineCounter;
  /** The plain value, never handed out itself (callers mutate theirs: defaults, env coercion). */
  value: unknown;
  /** toJS's own failure (e.g. an alias bomb), reported like a syntax error. */
  toJsError: string | null;
  /** Known to have no errors and no warnings without parsing (a build-time cache entry). */
  clean: boolean;
}

/** The shipped YAML files' values, parsed at build time (codegen/yaml-cache.ts), by SHA-256 of their text. */
export interface YamlCache {
  version: 1;
  entries: Record<string, unknown>;
}

export const YAML_CACHE_FILE = "dist/yaml-cache.json";

export function textHash(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

let shipped: Record<string, unknown> | null | undefined;
function shippedValue(text: string): { value: unknown } | undefined {
  if (shipped === undefined) {
    try {
      const cache = JSON.parse(readFileSync(projectPath(YAML_CACHE_FILE), "utf8")) as YamlCache;
      shipped = cache.version === 1 ? cache.entries : null;
    } catch {
      shipped = null; // running from the sources without a build: every file is parsed
    }
  }
  if (!shipped) return undefined;
  const hash = textHash(text);
  return Object.hasOwn(shipped, hash) ? { value: shipped[hash] } : undefined;
}

/** The value of a text with no errors and no warnings, else undefined (what the build-time cache holds). */
export function cleanYamlValue(text: string): unknown {
  const parsed = parseFresh(text);
  return parsed.doc().errors.length === 0 && parsed.doc().warnings.length === 0 && parsed.toJsError === null ? parsed.value : undefined;
}

function parseFresh(text: string): ParsedText {
  const { LineCounter, parseDocument } = yamlLibrary();
  const lineCounter = new LineCounter();
  // prettyErrors off: we add our own file:line:col prefix, the library's would repeat it.
  const doc = parseDocument(text, { keepSourceTokens: true, lineCounter, prettyErrors: false });
  let value: unknown = null;
  let toJsError: string | null = null;
  try {
    value = doc.toJS({ maxAliasCount: 1000 }) ?? null;
  } catch (err) {
    toJsError = err instanceof Error ? err.message : String(err);
  }
  return { doc: () => doc, lineCounter: () => lineCounter, value, toJsError, clean: false };
}

function fromCache(text: string, value: unknown): ParsedText {
  let fresh: ParsedText | undefined;
  const full = () => (fresh ??= parseFresh(text));
  return { doc: () => full().doc(), lineCounter: () => full().lineCounter(), value, toJsError: null, clean: true };
}

// `godex serve` reads the same files three times at start (the lint preflight, the config loader, the
// gateway's mapping loader) and a base mapping once per provider extending it: YAML parsing was ~40% of
// start-up. Parsed texts are kept by content, so an edited file is parsed again; bounded in entries and size.
const MAX_CACHED_TEXTS = 64;
const MAX_CACHED_CHARS = 4 * 1024 * 1024;
const parsedTexts = new Map<string, ParsedText>();
let cachedChars = 0;

function parseText(text: string): ParsedText {
  const hit = parsedTexts.get(text);
  if (hit) return hit;
  const known = shippedValue(text);
  const parsed = known ? fromCache(text, known.value) : parseFresh(text);
  if (text.length <= MAX_CACHED_CHARS) {
    while (parsedTexts.size >= MAX_CACHED_TEXTS || (parsedTexts.size > 0 && cachedChars + text.length > MAX_CACHED_CHARS)) {
      const oldest = parsedTexts.keys().next().value as string;
      parsedTexts.delete(oldest);
      cachedChars -= oldest.length;
    }
    parsedTexts.set(text, parsed);
    cachedChars += text.length;
  }
  return parsed;
}

export function parseYamlWithLocations(text: string, file: string): YamlWithLocations {
  const parsed = parseText(text);
  const { value, toJsError } = parsed;

  const at = (offset: number): SourceLocation => {
    const { line, col } = parsed.lineCounter().linePos(offset);
    return { file, line, col };
  };
  const problems = (list: readonly { pos: [number, number]; code: string; message: string }[]): SourceProblem[] =>
    list.map((e) => ({
      ...at(e.pos[0]),
      // The library's own wording here advises an API call, which means nothing to someone editing a file.
      message: e.code === "MULTIPLE_DOCS" ? "only one YAML document is allowed here (remove the ---)" : e.message,
    }));

  const locateNow = (path: ValuePath | string, which: "key" | "value" = "value") =>
    locateIn(parsed.doc(), typeof path === "string" ? pointerToPath(path) : path, which, at);
  // A text from the build-time cache has no syntax tree yet: its positions are worked out when first
  // read (a finding is reported), so rules that locate before they know whether they report cost nothing.
  const locate = parsed.clean ? (path: ValuePath | string, which: "key" | "value" = "value") => lazyLocation(file, () => locateNow(path, which)) : locateNow;
  const errors = parsed.clean ? [] : problems(parsed.doc().errors);
  // toJS throws on e.g. alias bombs; report it like a syntax error rather than crashing.
  if (toJsError !== null) errors.push({ ...at(0), message: toJsError });
  return { value: toJsError === null ? structuredClone(value) : null, errors, warnings: parsed.clean ? [] : problems(parsed.doc().warnings), locate };
}

/**
 * The plain value of a YAML text, as the library's `parse` gives it, through the same cache. A text with
 * errors or warnings goes to `parse` itself, so its exceptions and warnings stay the library's own.
 */
export function parseYamlValue(text: string): unknown {
  const parsed = parseText(text);
  if (!parsed.clean && (parsed.doc().errors.length > 0 || parsed.doc().warnings.length > 0 || parsed.toJsError !== null)) return yamlLibrary().parse(text);
  return structuredClone(parsed.value);
}

function lazyLocation(file: string, resolve: () => SourceLocation): SourceLocation {
  let known: SourceLocation | undefined;
  const get = () => (known ??= resolve());
  return {
    file,
    get line() {
      return get().line;
    },
    get col() {
      return get().col;
    },
  };
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
  const { isScalar } = yamlLibrary();
  if (node == null || (isScalar(node) && node.value == null && node.range?.[0] === node.range?.[1])) {
    return startOf(keyNode, at) ?? startOf(node, at) ?? at(0);
  }
  return startOf(node, at) ?? startOf(keyNode, at) ?? at(0);
}

function deref(doc: Document, node: unknown): unknown {
  return yamlLibrary().isAlias(node) ? node.resolve(doc) : node;
}

function child(node: unknown, segment: string | number): { key: Node | null; value: unknown } | null {
  const { isMap, isSeq } = yamlLibrary();
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
  if (yamlLibrary().isScalar(key)) return String(key.value);
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
