// Search backends are data: search/<name>.yaml, checked against schemas/search.schema.json and
// compiled once (JSONata for the body and the result fields). No backend is named in TypeScript.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import jsonata from "jsonata";
import { projectPath } from "../util/paths.ts";
import { jsonataCompileProblems, type ExpressionAt } from "../util/jsonata-check.ts";
import { generatedValidator } from "../util/generated-validator.ts";
import { yamlLibrary } from "../util/yaml-source.ts";

// Generated at build time (codegen/validators.ts), loaded with its first use.
const validateShape = generatedValidator("search.cjs");

export const DEFAULT_SEARCH_DIR = projectPath("search");

export interface SearchBackendDoc {
  name: string;
  description?: string;
  key: "none" | "optional" | "required";
  key_from_provider?: string;
  legacy_names?: string[];
  default_base_url: string;
  request: { method: "GET" | "POST"; path: string; query?: Record<string, string>; headers?: Record<string, string>; body?: string };
  results: { list: string; title: string; url: string; snippet: string; date?: string };
}

export interface CompiledSearchBackend {
  doc: SearchBackendDoc;
  file: string;
  body: jsonata.Expression | null;
  list: jsonata.Expression;
  fields: { title: jsonata.Expression; url: jsonata.Expression; snippet: jsonata.Expression; date: jsonata.Expression | null };
}

export class SearchBackendError extends Error {}

export interface SearchBackendProblem {
  path: (string | number)[];
  message: string;
  rule: "schema" | "jsonata" | "name";
}

// validateShape: schemas/search.schema.json compiled at build time (codegen/validators.ts).

/** Every problem of one backend document: its shape, then its expressions. */
export function validateSearchBackend(doc: unknown, expectedName?: string): SearchBackendProblem[] {
  if (!validateShape(doc)) {
    return (validateShape.errors ?? []).map((e) => {
      const path: (string | number)[] = e.instancePath.split("/").slice(1);
      let message = e.message ?? "invalid";
      if (e.keyword === "additionalProperties") {
        const key = (e.params as { additionalProperty: string }).additionalProperty;
        path.push(key);
        message = `unknown key '${key}'`;
      } else if (e.keyword === "enum") message = `${message}: ${(e.params as { allowedValues: unknown[] }).allowedValues.join(", ")}`;
      return { path, message, rule: "schema" as const };
    });
  }
  const d = doc as SearchBackendDoc;
  const problems: SearchBackendProblem[] = [];
  if (expectedName !== undefined && d.name !== expectedName) {
    problems.push({ path: ["name"], message: `the name '${d.name}' differs from the file name '${expectedName}'`, rule: "name" });
  }
  const expressions: ExpressionAt[] = [
    [["request", "body"], d.request.body],
    ...Object.entries(d.results).map(([k, v]): [(string | number)[], string] => [["results", k], v]),
  ];
  problems.push(...jsonataCompileProblems(expressions));
  return problems;
}

/** `<dir>/<name>.yaml`, or the shipped one when `dir` lacks it. */
export function searchBackendFile(name: string, dir = DEFAULT_SEARCH_DIR): string {
  const own = join(dir, `${name}.yaml`);
  if (existsSync(own) || dir === DEFAULT_SEARCH_DIR) return own;
  const shipped = join(DEFAULT_SEARCH_DIR, `${name}.yaml`);
  return existsSync(shipped) ? shipped : own;
}

/** The backend names a config can use: the shipped definitions and those of `dir`. */
export function searchBackendNames(dir?: string): string[] {
  const names = new Set<string>();
  for (const d of [DEFAULT_SEARCH_DIR, dir]) {
    if (d && existsSync(d)) for (const f of readdirSync(d)) if (f.endsWith(".yaml")) names.add(f.slice(0, -".yaml".length));
  }
  return [...names].sort();
}

/** Reads, validates and compiles one backend; throws SearchBackendError listing every problem. */
export function loadSearchBackend(name: string, dir = DEFAULT_SEARCH_DIR): CompiledSearchBackend {
  const file = searchBackendFile(name, dir);
  if (!/^[a-z0-9][a-z0-9_-]*$/.test(name) || !existsSync(file)) {
    throw new SearchBackendError(`web_search.backend '${name}': no search backend definition ${file}`);
  }
  let doc: unknown;
  try {
    doc = yamlLibrary().parse(readFileSync(file, "utf8"));
  } catch (err) {
    throw new SearchBackendError(`${file}: not valid YAML: ${(err as Error).message}`);
  }
  const problems = validateSearchBackend(doc, name);
  if (problems.length > 0) {
    const lines = problems.map((p) => `  ${p.path.join(".") || "(root)"}: ${p.message} [${p.rule}]`);
    throw new SearchBackendError(`search backend '${name}' (${file}) is invalid (run 'godex lint ${file}'):\n${lines.join("\n")}`);
  }
  return compileSearchBackend(doc as SearchBackendDoc, file);
}

export function compileSearchBackend(doc: SearchBackendDoc, file = "<inline>"): CompiledSearchBackend {
  const r = doc.results;
  return {
    doc,
    file,
    body: doc.request.body ? jsonata(doc.request.body) : null,
    list: jsonata(r.list),
    fields: { title: jsonata(r.title), url: jsonata(r.url), snippet: jsonata(r.snippet), date: r.date ? jsonata(r.date) : null },
  };
}

/** A search backend document is told apart from configs and mappings by its top-level keys. */
export function looksLikeSearchBackend(value: unknown): boolean {
  return !!value && typeof value === "object" && "results" in value && "request" in value && "default_base_url" in value;
}
