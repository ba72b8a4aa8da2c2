// A TOML file read twice by maintained parsers: smol-toml (a conformant TOML 1.1 parser) says
// whether the file is valid and what it means; toml-eslint-parser (an AST with source ranges) says
// where each `[table]` header and `key = value` statement stands, so an editor can change a value
// or insert a line and leave every other byte (comments, order, spacing) as it was.
import { parse, TomlError, type TomlTable, type TomlValue } from "smol-toml";
import { getStaticTOMLValue, parseTOML, ParseError, type AST } from "toml-eslint-parser";

export type { TomlTable, TomlValue };

export interface TomlKeyValue {
  kind: "kv";
  /** The [table] this statement sits in ([] = top level). */
  table: string[];
  key: string[];
  /** The value as smol-toml reads it. */
  value: TomlValue;
  /** Offset of the first character of the line the key is on. */
  lineStart: number;
  valueStart: number;
  valueEnd: number;
  /** Offset of the line break ending the statement's last line (or the text's length). */
  lineEnd: number;
  /** 1-based. */
  line: number;
}

export interface TomlHeader {
  kind: "table";
  path: string[];
  array: boolean;
  lineStart: number;
  lineEnd: number;
  line: number;
}

export interface TomlProblem {
  line: number;
  message: string;
}

export interface TomlDoc {
  text: string;
  /** Empty when the text is not valid TOML. */
  statements: (TomlKeyValue | TomlHeader)[];
  /** The whole document as smol-toml reads it ({} when it is not valid TOML). */
  value: TomlTable;
  errors: TomlProblem[];
  /** The file's line break ("\r\n" when its first line break is one). */
  eol: string;
}

const TOML_VERSION = "1.1"; // what smol-toml implements

/** Reads `text`; a file that is not valid TOML gives its first error and no statements. */
export function readToml(text: string): TomlDoc {
  const eol = /\r\n/.test(text.slice(0, text.indexOf("\n") + 1)) ? "\r\n" : "\n";
  const invalid = (problem: TomlProblem): TomlDoc => ({ text, statements: [], value: {}, errors: [problem], eol });
  let value: TomlTable;
  try {
    value = parse(text);
  } catch (err) {
    if (!(err instanceof TomlError)) throw err;
    return invalid({ line: err.line, message: err.message.split("\n")[0]!.replace(/^Invalid TOML document: /, "") });
  }
  let program: AST.TOMLProgram;
  try {
    // The AST parser does not skip a byte-order mark; a space keeps every offset where it was.
    program = parseTOML(text.replace(/^\uFEFF/, " "), { tomlVersion: TOML_VERSION });
  } catch (err) {
    if (!(err instanceof ParseError)) throw err;
    return invalid({ line: err.lineNumber, message: err.message });
  }
  const lineStartOf = (at: number) => text.lastIndexOf("\n", at - 1) + 1;
  const lineEndOf = (at: number) => {
    const n = text.indexOf("\n", at);
    if (n < 0) return text.length;
    return text[n - 1] === "\r" ? n - 1 : n;
  };
  const statements: (TomlKeyValue | TomlHeader)[] = [];
  const keyValue = (kv: AST.TOMLKeyValue, table: string[], resolved: (string | number)[]): TomlKeyValue => {
    const key = getStaticTOMLValue(kv.key);
    return {
      kind: "kv",
      table,
      key,
      value: valueAt(value, [...resolved, ...key]),
      lineStart: lineStartOf(kv.range[0]),
      valueStart: kv.value.range[0],
      valueEnd: kv.value.range[1],
      lineEnd: lineEndOf(kv.value.range[1]),
      line: kv.loc.start.line,
    };
  };
  for (const node of program.body[0]?.body ?? []) {
    if (node.type === "TOMLKeyValue") {
      statements.push(keyValue(node, [], []));
      continue;
    }
    const path = getStaticTOMLValue(node.key);
    statements.push({ kind: "table", path, array: node.kind === "array", lineStart: lineStartOf(node.range[0]), lineEnd: lineEndOf(node.key.range[1]), line: node.loc.start.line });
    for (const kv of node.body) statements.push(keyValue(kv, path, node.resolvedKey));
  }
  return { text, statements, value, errors: [], eol };
}

function valueAt(root: TomlTable, path: (string | number)[]): TomlValue {
  let node: unknown = root;
  for (const part of path) node = (node as Record<string | number, unknown>)[part];
  return node as TomlValue;
}

export function isTomlTable(v: TomlValue | undefined): v is TomlTable {
  return typeof v === "object" && v !== null && !Array.isArray(v) && !(v instanceof Date);
}

/** A TOML basic string. JSON's escapes are all TOML escapes; TOML also wants DEL escaped. */
export function tomlString(s: string): string {
  return JSON.stringify(s).replace(/\x7f/g, "\\u007f");
}

export function tomlLiteral(v: string | boolean | number): string {
  return typeof v === "string" ? tomlString(v) : String(v);
}

/** A key path as TOML writes it: bare where it can be, quoted where it must. */
export function tomlKey(path: string[]): string {
  return path.map((p) => (/^[A-Za-z0-9_-]+$/.test(p) ? p : tomlString(p))).join(".");
}

/** A value for a message: strings quoted, dates as written, the rest as JSON. */
export function showTomlValue(v: TomlValue): string {
  if (typeof v === "string") return tomlString(v);
  if (v instanceof Date) return v.toISOString();
  return JSON.stringify(v) ?? String(v);
}
