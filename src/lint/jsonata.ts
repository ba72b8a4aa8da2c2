// Rule `jsonata-syntax`: every JSONata expression in a mapping file compiles. Expressions are the
// string values whose schema carries `"x-jsonata": true`; a syntax error points at the character
// inside the expression (the string's start in the YAML plus the JSONata error position).
import jsonata from "jsonata";
import { mappingSchema } from "../mapping/validate.ts";
import { positionInScalar } from "./scalar-position.ts";
import type { SourceFile } from "./sources.ts";
import { Findings, isPlainObject, showPath } from "./types.ts";

type JsonSchema = Record<string, any>;
type Path = (string | number)[];

function deref(schema: unknown): JsonSchema | undefined {
  if (!isPlainObject(schema)) return undefined;
  const ref = schema.$ref;
  if (typeof ref === "string" && ref.startsWith("#/definitions/")) return deref(mappingSchema.definitions[ref.slice("#/definitions/".length)]);
  return schema as JsonSchema;
}

/** Every string in `value` whose schema is marked `x-jsonata`, with its path. */
export function jsonataStrings(value: unknown): { path: Path; source: string }[] {
  const found: { path: Path; source: string }[] = [];
  const walk = (node: unknown, raw: unknown, path: Path) => {
    const schema = deref(raw);
    if (!schema) return;
    if (schema["x-jsonata"] === true && typeof node === "string") found.push({ path, source: node });
    for (const branch of [...(schema.oneOf ?? []), ...(schema.anyOf ?? []), ...(schema.allOf ?? [])]) walk(node, branch, path);
    if (isPlainObject(node)) {
      const props: Record<string, unknown> = schema.properties ?? {};
      for (const [key, child] of Object.entries(node)) {
        if (Object.hasOwn(props, key)) walk(child, props[key], [...path, key]);
        else if (isPlainObject(schema.additionalProperties)) walk(child, schema.additionalProperties, [...path, key]);
      }
    } else if (Array.isArray(node) && schema.items) {
      node.forEach((child, i) => walk(child, schema.items, [...path, i]));
    }
  };
  walk(value, mappingSchema, []);
  return found;
}

/**
 * 0-based index of the offending character from a JSONata error: `position` is where the tokenizer
 * stood (just after the offending token); `(end)` and tokenizer errors point at `position` itself.
 */
export function errorIndex(err: { position?: number; token?: unknown }, source: string): number {
  const position = typeof err.position === "number" ? err.position : 0;
  const clamp = (i: number) => Math.max(0, Math.min(source.length, i));
  if (err.token === undefined || err.token === null || err.token === "(end)") return clamp(position);
  const token = String(err.token);
  const start = position - token.length;
  if (source.slice(start, position) === token) return clamp(start);
  // A string literal's token is its value: step over the quotes around it.
  const quoted = position - token.length - 2;
  if (quoted >= 0 && /["'`]/.test(source[quoted] ?? "") && source.slice(quoted + 1, position - 1) === token) return clamp(quoted);
  return clamp(start);
}

/** Rule `jsonata-syntax` over one file as written (not merged: each expression lives in one file). */
export function lintJsonata(file: SourceFile, findings: Findings): void {
  for (const { path, source } of jsonataStrings(file.value)) {
    try {
      jsonata(source);
    } catch (err) {
      const e = err as { message?: string; position?: number; token?: unknown; code?: string };
      const start = file.locate(path);
      const index = errorIndex(e, source);
      const inside = positionInScalar(file.text, start, source, index);
      const at = inside ? { file: start.file, ...inside } : start;
      const code = e.code ? `${e.code} ` : "";
      findings.error(at, "jsonata-syntax", `${showPath(path)}: JSONata does not compile at character ${index + 1}: ${code}${e.message ?? String(err)}`);
    }
  }
}
