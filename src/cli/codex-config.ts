// Codex's config.toml: GodeX's own keys inserted or replaced by text edits at the places the TOML
// reader (toml-doc.ts) found, so the rest of the user's file (comments, order, spacing, other
// providers) stays byte for byte as it was; every edited text is read back by the conformant parser
// before it is used.
import { homedir } from "node:os";
import { join } from "node:path";
import { isTomlTable, readToml, showTomlValue, tomlKey, tomlLiteral, tomlString, type TomlDoc, type TomlHeader, type TomlKeyValue, type TomlTable, type TomlValue } from "./toml-doc.ts";

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
    lines.push(`${tomlKey([k.key])} = ${tomlLiteral(k.value)}`);
  }
  return lines;
}

/**
 * Makes `keys` hold at the top level of the document (before any [table]). Keys present with another
 * value are replaced in place for mode "always", left alone for "if-missing".
 */
export function upsertTopLevel(text: string, keys: WantedKey[]): TomlEditResult {
  const doc = readToml(text);
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
      changes.push(`set ${k.key} = ${tomlLiteral(k.value)} (was ${showTomlValue(found.value)})`);
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
  return checked(text, applyEdits(text, edits), [], keys, changes);
}

/**
 * Makes `[path]` hold `keys`: updates them in place, adds the missing ones after the table's last key,
 * or appends the whole table (with `header` comment lines) at the end of the file. Other keys of the
 * table and everything else in the file are kept.
 */
export function upsertTable(text: string, path: string[], keys: WantedKey[], header: string[] = []): TomlEditResult {
  const doc = readToml(text);
  if (doc.errors.length > 0) return failed(text, doc);
  const name = tomlKey(path);
  const headerStmt = doc.statements.find((s): s is TomlHeader => s.kind === "table" && !s.array && samePath(s.path, path));
  if (!headerStmt) {
    // Defined some other way (dotted keys, an inline table, or inside an inline parent)?
    const other = definedElsewhere(doc, path);
    if (other) return { text, changed: false, changes: [], notes: [`${name} is written as ${other}; GodeX left it alone: check it by hand`], errors: [] };
    const body = [...header.map((h) => `# ${h}`), `[${name}]`, ...keys.map((k) => `${tomlKey([k.key])} = ${tomlLiteral(k.value)}`)];
    const sep = text.length === 0 ? "" : text.endsWith("\n") ? (/\n\s*\n$/.test(text) || /^\s*$/.test(text) ? "" : doc.eol) : doc.eol + doc.eol;
    return checked(text, text + sep + body.join(doc.eol) + doc.eol, path, keys, [`added [${name}]`]);
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
      changes.push(`set ${name}.${k.key} = ${tomlLiteral(k.value)} (was ${showTomlValue(found.value)})`);
    }
  }
  if (missing.length > 0) {
    const after = own.length > 0 ? own[own.length - 1]!.lineEnd : headerStmt.lineEnd;
    const lines = missing.map((k) => `${tomlKey([k.key])} = ${tomlLiteral(k.value)}`);
    const atEof = after === text.length;
    edits.push({ at: after, remove: 0, insert: doc.eol + lines.join(doc.eol) + (atEof ? doc.eol : "") });
    for (const k of missing) changes.push(`added ${name}.${k.key} = ${tomlLiteral(k.value)}`);
  }
  return checked(text, applyEdits(text, edits), path, keys, changes);
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

/**
 * The edited text read back by the conformant parser: it must be valid TOML and hold every wanted
 * key of `table` (with its value, for mode "always"). Otherwise the edit is refused.
 */
function checked(before: string, after: string, table: string[], keys: WantedKey[], changes: string[], notes: string[] = []): TomlEditResult {
  const doc = readToml(after);
  const problems = doc.errors.map((e) => `GodeX's edit would make line ${e.line} invalid (${e.message}); nothing was changed`);
  if (problems.length === 0) {
    let node: TomlValue | undefined = doc.value;
    for (const part of table) node = isTomlTable(node) ? node[part] : undefined;
    for (const k of keys) {
      const got = isTomlTable(node) ? node[k.key] : undefined;
      if (got === undefined || (k.mode === "always" && got !== k.value)) problems.push(`GodeX's edit did not set ${tomlKey([...table, k.key])}; nothing was changed`);
    }
  }
  if (problems.length > 0) return { text: before, changed: false, changes: [], notes, errors: problems };
  return { text: after, changed: after !== before, changes, notes, errors: [] };
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
  /** GodeX serves WebSocket mode (server.websocket.enabled): Codex may use it instead of one POST per turn. */
  websocket: boolean;
}

export function providerKeys(baseUrl: string, websocket: boolean): WantedKey[] {
  return [
    { key: "name", value: "GodeX", mode: "if-missing" },
    { key: "base_url", value: baseUrl, mode: "always" },
    { key: "wire_api", value: "responses", mode: "always" },
    { key: "requires_openai_auth", value: false, mode: "always" },
    { key: "supports_websockets", value: websocket, mode: "always" },
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
    ...providerKeys(setup.baseUrl, setup.websocket).map((k) => `${k.key} = ${tomlLiteral(k.value)}`),
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
  const doc = readToml(text);
  if (doc.errors.length > 0) return { ...failed(text, doc), godexIsDefault: false };
  const obj = doc.value;
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
      if (r.errors.length) return { ...r, godexIsDefault };
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

  const r = upsertTable(current, ["model_providers", PROVIDER_ID], providerKeys(setup.baseUrl, setup.websocket), PROVIDER_HEADER);
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
  godex?: TomlTable;
}

/** Reads what doctor needs from a config.toml text. */
export function viewCodexConfig(file: string, text: string | null): CodexConfigView {
  if (text === null) return { file, exists: false, errors: [] };
  const doc = readToml(text);
  const obj = doc.value;
  const providers = obj.model_providers;
  const entry = isTomlTable(providers) ? providers[PROVIDER_ID] : undefined;
  const godex = isTomlTable(entry) ? entry : undefined;
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
