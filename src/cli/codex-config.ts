// Codex's config.toml: a small TOML reader (enough to find what GodeX needs, with the byte range of
// every statement) and a text editor that inserts or replaces only GodeX's own keys, so the rest of
// the user's file (comments, order, spacing, other providers) stays byte for byte as it was.
//
// Supported: comments, [tables], [[array tables]], dotted and quoted keys, basic/literal strings
// (single- and multi-line), integers/floats (incl. hex/oct/bin, _ separators, inf/nan), booleans,
// dates (kept as raw text), arrays and inline tables (nested, multi-line).
import { homedir } from "node:os";
import { join } from "node:path";

export type TomlValue = string | number | boolean | TomlValue[] | TomlTableValue | TomlRaw;
export interface TomlTableValue {
  [key: string]: TomlValue;
}
/** A value kept as written (dates and times). */
export class TomlRaw {
  constructor(readonly raw: string) {}
}

export interface TomlKeyValue {
  kind: "kv";
  /** The [table] this statement sits in ([] = top level). */
  table: string[];
  key: string[];
  value: TomlValue;
  /** Offset of the first character of the line the key is on. */
  lineStart: number;
  valueStart: number;
  valueEnd: number;
  /** Offset just past the statement (before its trailing comment and line break). */
  end: number;
  /** Offset of the line break ending the statement's last line (or text length). */
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
  statements: (TomlKeyValue | TomlHeader)[];
  errors: TomlProblem[];
  /** The file's line break ("\r\n" when its first line break is one). */
  eol: string;
}

class TomlSyntax extends Error {
  constructor(
    message: string,
    readonly at: number,
  ) {
    super(message);
  }
}

const BARE_KEY = /[A-Za-z0-9_-]/;

/** Parses leniently: a bad statement is reported and skipped, the rest is still read. */
export function parseToml(text: string): TomlDoc {
  const statements: (TomlKeyValue | TomlHeader)[] = [];
  const errors: TomlProblem[] = [];
  const eol = /\r\n/.test(text.slice(0, (text.indexOf("\n") + 1) || text.length)) ? "\r\n" : "\n";
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  let table: string[] = [];

  const lineOf = (at: number) => {
    let n = 1;
    for (let k = 0; k < at && k < text.length; k++) if (text[k] === "\n") n++;
    return n;
  };
  const lineStartOf = (at: number) => text.lastIndexOf("\n", at - 1) + 1;
  const lineEndOf = (at: number) => {
    const n = text.indexOf("\n", at);
    const end = n < 0 ? text.length : n;
    return end > 0 && text[end - 1] === "\r" && n >= 0 ? end - 1 : end;
  };
  const skipSpaces = () => {
    while (i < text.length && (text[i] === " " || text[i] === "\t")) i++;
  };
  /** Spaces, then an optional comment, then a line break or the end. */
  const endOfLine = () => {
    skipSpaces();
    if (text[i] === "#") while (i < text.length && text[i] !== "\n") i++;
    if (i < text.length && text[i] === "\r" && text[i + 1] === "\n") i++;
    if (i < text.length && text[i] !== "\n") throw new TomlSyntax(`unexpected '${text[i]}' after a value`, i);
  };
  /** Inside arrays and inline tables: spaces, line breaks and comments. */
  const skipBlank = () => {
    for (;;) {
      skipSpaces();
      if (text[i] === "#") while (i < text.length && text[i] !== "\n") i++;
      else if (text[i] === "\n" || (text[i] === "\r" && text[i + 1] === "\n")) i += text[i] === "\r" ? 2 : 1;
      else return;
    }
  };

  function parseBasic(multi: boolean): string {
    let out = "";
    for (;;) {
      if (i >= text.length) throw new TomlSyntax("unterminated string", i);
      const c = text[i]!;
      if (multi && text.startsWith('"""', i)) {
        let q = 3;
        while (q < 5 && text[i + q] === '"') q++;
        out += '"'.repeat(q - 3);
        i += q;
        return out;
      }
      if (!multi && c === '"') {
        i++;
        return out;
      }
      if (!multi && c === "\n") throw new TomlSyntax("line break in a string", i);
      if (c === "\\") {
        const e = text[i + 1];
        const simple: Record<string, string> = { b: "\b", t: "\t", n: "\n", f: "\f", r: "\r", e: "\x1b", '"': '"', "\\": "\\" };
        if (e !== undefined && simple[e] !== undefined) {
          out += simple[e];
          i += 2;
        } else if (e === "u" || e === "U" || e === "x") {
          const len = e === "u" ? 4 : e === "U" ? 8 : 2;
          const hex = text.slice(i + 2, i + 2 + len);
          if (!/^[0-9A-Fa-f]+$/.test(hex) || hex.length !== len) throw new TomlSyntax("bad \\u escape", i);
          out += String.fromCodePoint(parseInt(hex, 16));
          i += 2 + len;
        } else if (multi && /[ \t\r\n]/.test(e ?? "")) {
          // Line-ending backslash: trims the break and the leading whitespace of the next line.
          let k = i + 1;
          while (text[k] === " " || text[k] === "\t") k++;
          if (text[k] !== "\n" && !(text[k] === "\r" && text[k + 1] === "\n")) throw new TomlSyntax("bad escape", i);
          i = k;
          while (i < text.length && /[ \t\r\n]/.test(text[i]!)) i++;
        } else throw new TomlSyntax(`bad escape \\${e ?? ""}`, i);
        continue;
      }
      out += c;
      i++;
    }
  }

  function parseLiteral(multi: boolean): string {
    const close = multi ? "'''" : "'";
    const end = text.indexOf(close, i);
    if (end < 0) throw new TomlSyntax("unterminated string", i);
    let stop = end;
    if (multi) while (stop < end + 2 && text[stop + 3] === "'") stop++;
    const body = text.slice(i, stop);
    if (!multi && body.includes("\n")) throw new TomlSyntax("line break in a string", i);
    i = stop + close.length;
    return body;
  }

  function parseString(): string {
    if (text.startsWith('"""', i)) {
      i += 3;
      if (text[i] === "\n") i++;
      else if (text[i] === "\r" && text[i + 1] === "\n") i += 2;
      return parseBasic(true);
    }
    if (text.startsWith("'''", i)) {
      i += 3;
      if (text[i] === "\n") i++;
      else if (text[i] === "\r" && text[i + 1] === "\n") i += 2;
      return parseLiteral(true);
    }
    if (text[i] === '"') {
      i++;
      return parseBasic(false);
    }
    i++;
    return parseLiteral(false);
  }

  function parseKey(): string[] {
    const parts: string[] = [];
    for (;;) {
      skipSpaces();
      const c = text[i];
      if (c === '"' || c === "'") {
        if (text.startsWith(c.repeat(3), i)) throw new TomlSyntax("a key cannot be a multi-line string", i);
        parts.push(parseString());
      } else {
        const from = i;
        while (i < text.length && BARE_KEY.test(text[i]!)) i++;
        if (i === from) throw new TomlSyntax(c === undefined || c === "\n" ? "missing key" : `unexpected '${c}' in a key`, i);
        parts.push(text.slice(from, i));
      }
      skipSpaces();
      if (text[i] !== ".") return parts;
      i++;
    }
  }

  function parseScalarWord(): TomlValue {
    const from = i;
    while (i < text.length && /[0-9A-Za-z_+\-.:]/.test(text[i]!)) i++;
    // "1979-05-27 07:32:00Z": a space may separate date and time.
    if (/^\d{4}-\d{2}-\d{2}$/.test(text.slice(from, i)) && text[i] === " " && /\d{2}:/.test(text.slice(i + 1, i + 4))) {
      i++;
      while (i < text.length && /[0-9A-Za-z_+\-.:]/.test(text[i]!)) i++;
    }
    const word = text.slice(from, i);
    if (word === "") throw new TomlSyntax(text[i] === undefined || text[i] === "\n" ? "missing value" : `unexpected '${text[i]}'`, i);
    if (word === "true") return true;
    if (word === "false") return false;
    if (/^\d{4}-\d{2}-\d{2}/.test(word) || /^\d{2}:\d{2}/.test(word)) return new TomlRaw(word);
    const clean = word.replace(/_/g, "");
    if (/^[+-]?(inf|nan)$/.test(clean)) return clean.includes("nan") ? NaN : clean.startsWith("-") ? -Infinity : Infinity;
    const radix = /^0x[0-9A-Fa-f]+$/.test(clean) ? 16 : /^0o[0-7]+$/.test(clean) ? 8 : /^0b[01]+$/.test(clean) ? 2 : 0;
    if (radix) return parseInt(clean.slice(2), radix);
    if (/^[+-]?(\d+)(\.\d+)?([eE][+-]?\d+)?$/.test(clean)) return Number(clean);
    throw new TomlSyntax(`'${word}' is not a TOML value (strings need quotes)`, from);
  }

  function parseValue(): TomlValue {
    const c = text[i];
    if (c === '"' || c === "'") return parseString();
    if (c === "[") {
      i++;
      const arr: TomlValue[] = [];
      for (;;) {
        skipBlank();
        if (text[i] === "]") {
          i++;
          return arr;
        }
        arr.push(parseValue());
        skipBlank();
        if (text[i] === ",") {
          i++;
          continue;
        }
        if (text[i] === "]") {
          i++;
          return arr;
        }
        throw new TomlSyntax("expected ',' or ']' in an array", i);
      }
    }
    if (c === "{") {
      i++;
      const obj: TomlTableValue = {};
      for (;;) {
        skipBlank();
        if (text[i] === "}") {
          i++;
          return obj;
        }
        const key = parseKey();
        skipSpaces();
        if (text[i] !== "=") throw new TomlSyntax("expected '=' in an inline table", i);
        i++;
        skipSpaces();
        setPath(obj, key, parseValue(), i);
        skipBlank();
        if (text[i] === ",") {
          i++;
          continue;
        }
        if (text[i] === "}") {
          i++;
          return obj;
        }
        throw new TomlSyntax("expected ',' or '}' in an inline table", i);
      }
    }
    return parseScalarWord();
  }

  while (i < text.length) {
    skipBlank();
    if (i >= text.length) break;
    const start = i;
    try {
      if (text[i] === "[") {
        const array = text[i + 1] === "[";
        i += array ? 2 : 1;
        const path = parseKey();
        skipSpaces();
        if (!text.startsWith(array ? "]]" : "]", i)) throw new TomlSyntax(`expected '${array ? "]]" : "]"}' after a table name`, i);
        i += array ? 2 : 1;
        endOfLine();
        table = path;
        statements.push({ kind: "table", path, array, lineStart: lineStartOf(start), lineEnd: lineEndOf(start), line: lineOf(start) });
      } else {
        const key = parseKey();
        if (text[i] !== "=") throw new TomlSyntax("expected '=' after a key", i);
        i++;
        skipSpaces();
        const valueStart = i;
        const value = parseValue();
        const valueEnd = i;
        endOfLine();
        statements.push({
          kind: "kv",
          table,
          key,
          value,
          lineStart: lineStartOf(start),
          valueStart,
          valueEnd,
          end: valueEnd,
          lineEnd: lineEndOf(valueEnd),
          line: lineOf(start),
        });
      }
    } catch (err) {
      if (!(err instanceof TomlSyntax)) throw err;
      errors.push({ line: lineOf(err.at), message: err.message });
      // Resume at the next line.
      const next = text.indexOf("\n", Math.max(err.at, start));
      i = next < 0 ? text.length : next + 1;
    }
  }
  return { text, statements, errors, eol };
}

function isTable(v: TomlValue | undefined): v is TomlTableValue {
  return typeof v === "object" && v !== null && !Array.isArray(v) && !(v instanceof TomlRaw);
}

function setPath(obj: TomlTableValue, path: string[], value: TomlValue, at: number): void {
  let node = obj;
  for (const part of path.slice(0, -1)) {
    const next = node[part];
    if (next === undefined) node = node[part] = {};
    else if (isTable(next)) node = next;
    else throw new TomlSyntax(`'${part}' is already a value`, at);
  }
  node[path[path.length - 1]!] = value;
}

/** The document as nested plain objects (later duplicates win; the reader is lenient). */
export function tomlToObject(doc: TomlDoc): TomlTableValue {
  const root: TomlTableValue = {};
  let current = root;
  for (const s of doc.statements) {
    if (s.kind === "table") {
      let node = root;
      s.path.forEach((part, idx) => {
        const last = idx === s.path.length - 1;
        let next = node[part];
        if (last && s.array) {
          if (!Array.isArray(next)) next = node[part] = [];
          const item: TomlTableValue = {};
          (next as TomlValue[]).push(item);
          node = item;
          return;
        }
        if (Array.isArray(next)) {
          const lastItem = next[next.length - 1];
          next = isTable(lastItem) ? lastItem : (node[part] = {});
        } else if (!isTable(next)) next = node[part] = {};
        node = next as TomlTableValue;
      });
      current = node;
    } else {
      try {
        setPath(current, s.key, s.value, s.valueStart);
      } catch {
        /* conflicting definitions: keep the first */
      }
    }
  }
  return root;
}

/** A TOML basic string. JSON's escapes are all valid TOML escapes. */
export function tomlString(s: string): string {
  return JSON.stringify(s);
}

export function tomlLiteral(v: string | boolean | number): string {
  return typeof v === "string" ? tomlString(v) : String(v);
}

export function defaultCodexHome(env: NodeJS.ProcessEnv = process.env): string {
  return env.CODEX_HOME?.trim() || join(env.HOME?.trim() || homedir(), ".codex");
}

// ---------------------------------------------------------------------------------------------
// Editing

interface Edit {
  at: number;
  /** Characters replaced from `at` (0 = insert). */
  remove: number;
  insert: string;
}

function applyEdits(text: string, edits: Edit[]): string {
  let out = text;
  for (const e of [...edits].sort((a, b) => b.at - a.at)) out = out.slice(0, e.at) + e.insert + out.slice(e.at + e.remove);
  return out;
}

export interface WantedKey {
  key: string;
  value: string | boolean;
  /** always: make it this value; if-missing: only add it when the key is absent. */
  mode: "always" | "if-missing";
  /** A comment line written above the key when it is added. */
  comment?: string;
}

export interface TomlEditResult {
  text: string;
  changed: boolean;
  /** What was done, for the user ("added model_providers.godex.base_url"). */
  changes: string[];
  /** Things left alone that the user should know about. */
  notes: string[];
  errors: string[];
}

const samePath = (a: string[], b: string[]) => a.length === b.length && a.every((x, k) => x === b[k]);
const showKey = (path: string[]) => path.map((p) => (/^[A-Za-z0-9_-]+$/.test(p) ? p : tomlString(p))).join(".");

function kvsOf(doc: TomlDoc, table: string[]): TomlKeyValue[] {
  return doc.statements.filter((s): s is TomlKeyValue => s.kind === "kv" && samePath(s.table, table));
}

/** Where new top-level keys go: after the last top-level key, else above the first table (and the comments right above it). */
function topLevelInsertAt(doc: TomlDoc): { at: number; before: boolean } {
  const top = kvsOf(doc, []);
  if (top.length > 0) return { at: top[top.length - 1]!.lineEnd, before: false };
  const first = doc.statements.find((s) => s.kind === "table");
  if (!first) return { at: doc.text.length, before: false };
  let at = first.lineStart;
  for (;;) {
    if (at === 0) break;
    const prevStart = doc.text.lastIndexOf("\n", at - 2) + 1;
    const prevLine = doc.text.slice(prevStart, at).trim();
    if (!prevLine.startsWith("#")) break;
    at = prevStart;
  }
  return { at, before: true };
}

function renderKeys(keys: WantedKey[]): string[] {
  const lines: string[] = [];
  for (const k of keys) {
    if (k.comment) lines.push(`# ${k.comment}`);
    lines.push(`${showKey([k.key])} = ${tomlLiteral(k.value)}`);
  }
  return lines;
}

/**
 * Makes `keys` hold at the top level of the document (before any [table]). Keys present with another
 * value are replaced in place for mode "always", left alone for "if-missing".
 */
export function upsertTopLevel(text: string, keys: WantedKey[]): TomlEditResult {
  const doc = parseToml(text);
  if (doc.errors.length > 0) return failed(text, doc);
  const edits: Edit[] = [];
  const changes: string[] = [];
  const missing: WantedKey[] = [];
  for (const k of keys) {
    const found = kvsOf(doc, []).find((s) => samePath(s.key, [k.key]));
    if (!found) {
      missing.push(k);
      continue;
    }
    if (k.mode === "always" && found.value !== k.value) {
      edits.push({ at: found.valueStart, remove: found.valueEnd - found.valueStart, insert: tomlLiteral(k.value) });
      changes.push(`set ${k.key} = ${tomlLiteral(k.value)} (was ${showValue(found.value)})`);
    }
  }
  if (missing.length > 0) {
    const { at, before } = topLevelInsertAt(doc);
    const block = renderKeys(missing).join(doc.eol);
    let insert: string;
    if (before) insert = block + doc.eol + doc.eol; // above the first table, a blank line between
    else if (kvsOf(doc, []).length > 0) insert = doc.eol + block; // after the last top-level key's line
    else if (text.length === 0) insert = block + doc.eol;
    else insert = (text.endsWith("\n") ? "" : doc.eol) + block + doc.eol; // only comments so far
    edits.push({ at, remove: 0, insert });
    for (const k of missing) changes.push(`added ${k.key} = ${tomlLiteral(k.value)}`);
  }
  const out = applyEdits(text, edits);
  return { text: out, changed: out !== text, changes, notes: [], errors: [] };
}

/**
 * Makes `[path]` hold `keys`: updates them in place, adds the missing ones after the table's last key,
 * or appends the whole table (with `header` comment lines) at the end of the file. Other keys of the
 * table and everything else in the file are kept.
 */
export function upsertTable(text: string, path: string[], keys: WantedKey[], header: string[] = []): TomlEditResult {
  const doc = parseToml(text);
  if (doc.errors.length > 0) return failed(text, doc);
  const name = showKey(path);
  const headerStmt = doc.statements.find((s): s is TomlHeader => s.kind === "table" && !s.array && samePath(s.path, path));
  if (!headerStmt) {
    // Defined some other way (dotted keys, an inline table, or inside an inline parent)?
    const other = definedElsewhere(doc, path);
    if (other) return { text, changed: false, changes: [], notes: [`${name} is written as ${other}; GodeX left it alone: check it by hand`], errors: [] };
    const body = [...header.map((h) => `# ${h}`), `[${name}]`, ...keys.map((k) => `${showKey([k.key])} = ${tomlLiteral(k.value)}`)];
    const sep = text.length === 0 ? "" : text.endsWith("\n") ? (/\n\s*\n$/.test(text) || /^\s*$/.test(text) ? "" : doc.eol) : doc.eol + doc.eol;
    const out = text + sep + body.join(doc.eol) + doc.eol;
    return { text: out, changed: true, changes: [`added [${name}]`], notes: [], errors: [] };
  }
  const own = kvsOf(doc, path);
  const edits: Edit[] = [];
  const changes: string[] = [];
  const missing: WantedKey[] = [];
  for (const k of keys) {
    const found = own.find((s) => samePath(s.key, [k.key]));
    if (!found) missing.push(k);
    else if (k.mode === "always" && found.value !== k.value) {
      edits.push({ at: found.valueStart, remove: found.valueEnd - found.valueStart, insert: tomlLiteral(k.value) });
      changes.push(`set ${name}.${k.key} = ${tomlLiteral(k.value)} (was ${showValue(found.value)})`);
    }
  }
  if (missing.length > 0) {
    const after = own.length > 0 ? own[own.length - 1]!.lineEnd : headerStmt.lineEnd;
    const lines = missing.map((k) => `${showKey([k.key])} = ${tomlLiteral(k.value)}`);
    const atEof = after === text.length;
    edits.push({ at: after, remove: 0, insert: doc.eol + lines.join(doc.eol) + (atEof ? doc.eol : "") });
    for (const k of missing) changes.push(`added ${name}.${k.key} = ${tomlLiteral(k.value)}`);
  }
  const out = applyEdits(text, edits);
  return { text: out, changed: out !== text, changes, notes: [], errors: [] };
}

function definedElsewhere(doc: TomlDoc, path: string[]): string | null {
  for (const s of doc.statements) {
    if (s.kind !== "kv") continue;
    const full = [...s.table, ...s.key];
    // `model_providers.godex.x = …` at the top, `godex = {…}` in [model_providers], `model_providers = {…}`.
    const n = Math.min(full.length, path.length);
    if (samePath(full.slice(0, n), path.slice(0, n))) {
      if (full.length > path.length) return `dotted keys (line ${s.line})`;
      if (full.length === path.length) return `an inline table (line ${s.line})`;
      return `part of an inline table (line ${s.line})`;
    }
  }
  const arrayHeader = doc.statements.find((s) => s.kind === "table" && s.array && samePath(s.path.slice(0, path.length), path));
  if (arrayHeader) return `an array of tables (line ${arrayHeader.line})`;
  return null;
}

function failed(text: string, doc: TomlDoc): TomlEditResult {
  return {
    text,
    changed: false,
    changes: [],
    notes: [],
    errors: doc.errors.map((e) => `line ${e.line}: ${e.message}`),
  };
}

function showValue(v: TomlValue): string {
  if (typeof v === "string") return tomlString(v);
  if (v instanceof TomlRaw) return v.raw;
  return JSON.stringify(v) ?? String(v);
}

// ---------------------------------------------------------------------------------------------
// GodeX's blocks in Codex's config

export const PROVIDER_ID = "godex";

export interface CodexSetup {
  /** e.g. http://127.0.0.1:5678/v1 */
  baseUrl: string;
  /** The model Codex uses when GodeX becomes its default provider. */
  model: string;
  /** Absolute path of the model catalog JSON. */
  catalogPath: string;
}

export function providerKeys(baseUrl: string): WantedKey[] {
  return [
    { key: "name", value: "GodeX", mode: "if-missing" },
    { key: "base_url", value: baseUrl, mode: "always" },
    { key: "wire_api", value: "responses", mode: "always" },
    { key: "requires_openai_auth", value: false, mode: "always" },
    { key: "supports_websockets", value: false, mode: "always" },
  ];
}

const PROVIDER_HEADER = ["GodeX: a local gateway from Codex to DeepSeek, Zhipu GLM, MiniMax and Xiaomi MiMo.", "`godex init --write-codex` keeps the keys below up to date; keys you add are kept."];
const CATALOG_COMMENT = "GodeX model metadata (reasoning levels, apply_patch, context windows); replaces Codex's built-in model list.";

/** The text `godex init` prints: what a fresh config.toml gets. */
export function renderCodexBlock(setup: CodexSetup): string {
  return [
    `model = ${tomlString(setup.model)}`,
    `model_provider = ${tomlString(PROVIDER_ID)}`,
    `# ${CATALOG_COMMENT}`,
    `model_catalog_json = ${tomlString(setup.catalogPath)}`,
    "",
    ...PROVIDER_HEADER.map((h) => `# ${h}`),
    `[model_providers.${PROVIDER_ID}]`,
    ...providerKeys(setup.baseUrl).map((k) => `${k.key} = ${tomlLiteral(k.value)}`),
    "",
  ].join("\n");
}

export interface CodexMerge extends TomlEditResult {
  /** GodeX is (now) Codex's default provider. */
  godexIsDefault: boolean;
}

/**
 * Merges GodeX into the text of a config.toml:
 * - [model_providers.godex] is added or brought up to date (other keys in it are kept);
 * - with no model_provider and no model yet, GodeX becomes the default (model, model_provider,
 *   model_catalog_json); when model_provider is already "godex", only model_catalog_json is added;
 * - with another default, nothing at the top level changes: the catalog would replace Codex's list
 *   for that provider's models too, so it goes into the godex profile instead (see mergeCodexProfile).
 */
export function mergeCodexConfig(text: string, setup: CodexSetup): CodexMerge {
  const doc = parseToml(text);
  if (doc.errors.length > 0) return { ...failed(text, doc), godexIsDefault: false };
  const obj = tomlToObject(doc);
  const provider = typeof obj.model_provider === "string" ? obj.model_provider : undefined;
  const model = typeof obj.model === "string" ? obj.model : undefined;
  const notes: string[] = [];
  const changes: string[] = [];
  let current = text;
  let godexIsDefault = provider === PROVIDER_ID;

  if (provider === undefined && model === undefined) {
    const r = upsertTopLevel(current, [
      { key: "model", value: setup.model, mode: "if-missing" },
      { key: "model_provider", value: PROVIDER_ID, mode: "if-missing" },
      { key: "model_catalog_json", value: setup.catalogPath, mode: "if-missing", comment: CATALOG_COMMENT },
    ]);
    if (r.errors.length) return { ...r, godexIsDefault: false };
    current = r.text;
    changes.push(...r.changes);
    godexIsDefault = true;
  } else if (godexIsDefault) {
    const existing = typeof obj.model_catalog_json === "string" ? obj.model_catalog_json : undefined;
    if (existing === undefined) {
      const r = upsertTopLevel(current, [{ key: "model_catalog_json", value: setup.catalogPath, mode: "if-missing", comment: CATALOG_COMMENT }]);
      current = r.text;
      changes.push(...r.changes);
    } else if (existing !== setup.catalogPath) {
      notes.push(`model_catalog_json already points to ${existing} (kept): GodeX's catalog is ${setup.catalogPath}; merge its "models" into yours, or point model_catalog_json at it`);
    }
  } else {
    notes.push(
      `Codex's default is ${provider ? `model_provider = "${provider}"` : "the OpenAI provider"}${model ? ` with model = "${model}"` : ""} (kept). ` +
        `Use GodeX with \`codex -p godex\` (profile with GodeX's model catalog) or \`codex -c model_provider=godex -m ${setup.model}\`.`,
    );
  }

  const r = upsertTable(current, ["model_providers", PROVIDER_ID], providerKeys(setup.baseUrl), PROVIDER_HEADER);
  if (r.errors.length) return { ...r, godexIsDefault };
  current = r.text;
  changes.push(...r.changes);
  notes.push(...r.notes);
  return { text: current, changed: current !== text, changes, notes, errors: [], godexIsDefault };
}

/** `$CODEX_HOME/godex.config.toml`, the profile `codex -p godex` layers over config.toml. */
export function mergeCodexProfile(text: string, setup: CodexSetup): TomlEditResult {
  const base = text.length === 0 ? "# Codex profile for GodeX: `codex -p godex`. Written by `godex init --write-codex`.\n" : text;
  const r = upsertTopLevel(base, [
    { key: "model_provider", value: PROVIDER_ID, mode: "always" },
    { key: "model", value: setup.model, mode: "if-missing" },
    { key: "model_catalog_json", value: setup.catalogPath, mode: "always" },
  ]);
  return { ...r, changed: r.text !== text };
}

export interface CodexConfigView {
  file: string;
  exists: boolean;
  errors: string[];
  modelProvider?: string;
  model?: string;
  catalogPath?: string;
  /** model_providers.godex as written, if any. */
  godex?: TomlTableValue;
}

/** Reads what doctor needs from a config.toml text. */
export function viewCodexConfig(file: string, text: string | null): CodexConfigView {
  if (text === null) return { file, exists: false, errors: [] };
  const doc = parseToml(text);
  const obj = tomlToObject(doc);
  const providers = obj.model_providers;
  const godex = isTable(providers) && isTable(providers[PROVIDER_ID]) ? (providers[PROVIDER_ID] as TomlTableValue) : undefined;
  return {
    file,
    exists: true,
    errors: doc.errors.map((e) => `${file}:${e.line}: ${e.message}`),
    ...(typeof obj.model_provider === "string" ? { modelProvider: obj.model_provider } : {}),
    ...(typeof obj.model === "string" ? { model: obj.model } : {}),
    ...(typeof obj.model_catalog_json === "string" ? { catalogPath: obj.model_catalog_json } : {}),
    ...(godex ? { godex } : {}),
  };
}

/** config.toml.bak-20261124T063000Z (with -2, -3 … when that name is taken). */
export function backupName(file: string, now: Date, exists: (p: string) => boolean): string {
  const stamp = now.toISOString().replace(/[-:]/g, "").replace(/\.\d+Z$/, "Z");
  let name = `${file}.bak-${stamp}`;
  for (let n = 2; exists(name); n++) name = `${file}.bak-${stamp}-${n}`;
  return name;
}
