// Shapes shared by the lint rules: a finding, the rule ids, and the collector the rules write to.
import type { SourceLocation } from "../util/yaml-source.ts";

export type Severity = "error" | "warning";

/** Stable rule ids: tools and docs/lint.md refer to them. */
export const RULES = [
  "yaml-syntax",
  "file",
  "config-schema",
  "mapping-schema",
  "jsonata-syntax",
  "reference",
  "env-unset",
  "literal-key",
  "coverage-request",
  "coverage-reply",
  "effort-coverage",
  "coverage-responses-wire",
  "examples",
  "price",
  "search-schema",
] as const;
export type RuleId = (typeof RULES)[number];

export interface Finding {
  file: string;
  line: number;
  col: number;
  rule: RuleId;
  severity: Severity;
  message: string;
}

/** A finding plus what the collector needs to de-duplicate: the logical path in the merged document. */
export interface DraftFinding extends Finding {
  /** `doc` identifies the merged document (leaf mapping file) the path belongs to. */
  owner?: { doc: string; path: readonly (string | number)[] };
}

export class Findings {
  readonly list: DraftFinding[] = [];
  /** Set when a file could not be read or parsed: the run is incomplete (exit 2). */
  couldNotRun = false;

  add(at: SourceLocation, rule: RuleId, severity: Severity, message: string, owner?: DraftFinding["owner"]): void {
    // Line and column are read when the finding is reported: a file from the build-time YAML cache
    // builds its syntax tree only then (the serve preflight reports errors only, so a warning costs no parse).
    this.list.push({
      file: at.file,
      get line() {
        return at.line;
      },
      get col() {
        return at.col;
      },
      rule,
      severity,
      message,
      ...(owner ? { owner } : {}),
    });
  }
  error(at: SourceLocation, rule: RuleId, message: string, owner?: DraftFinding["owner"]): void {
    this.add(at, rule, "error", message, owner);
  }
  warning(at: SourceLocation, rule: RuleId, message: string, owner?: DraftFinding["owner"]): void {
    this.add(at, rule, "warning", message, owner);
  }
}

export type Path = readonly (string | number)[];

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Whether `path` exists in `value` (a key present with a null value counts). */
export function hasPath(value: unknown, path: Path): boolean {
  let node = value;
  for (const segment of path) {
    if (Array.isArray(node)) {
      const i = typeof segment === "number" ? segment : Number(segment);
      if (!Number.isInteger(i) || i < 0 || i >= node.length) return false;
      node = node[i];
    } else if (isPlainObject(node)) {
      if (!Object.hasOwn(node, String(segment))) return false;
      node = node[String(segment)];
    } else return false;
  }
  return true;
}

export function getPath(value: unknown, path: Path): unknown {
  let node = value;
  for (const segment of path) {
    if (Array.isArray(node)) node = node[Number(segment)];
    else if (isPlainObject(node)) node = node[String(segment)];
    else return undefined;
  }
  return node;
}

/** `request.fields.store`, `errors.rules[0].when`, `models["glm-5.3"]`. */
export function showPath(path: Path): string {
  let out = "";
  for (const segment of path) {
    if (typeof segment === "number") out += `[${segment}]`;
    else if (/^[A-Za-z_][A-Za-z0-9_-]*$/.test(segment)) out += out ? `.${segment}` : segment;
    else out += `[${JSON.stringify(segment)}]`;
  }
  return out || "(top level)";
}

/** A short JSON rendering of a value for messages. */
export function preview(value: unknown, max = 80): string {
  if (value === undefined) return "(absent)";
  const text = JSON.stringify(value) ?? String(value);
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
