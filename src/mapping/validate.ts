// Checks a merged mapping document before it is compiled: JSON Schema shape, then the references
// and expressions the schema cannot see (effort tables, JSONata, regexes, field paths).
import { readFileSync } from "node:fs";
import { generatedValidator } from "../util/generated-validator.ts";
import { ECHOED_SAMPLING, type MappingDoc } from "./doc.ts";
import { deepMerge } from "./load.ts";
import { isPlainPath } from "./path.ts";
import { projectPath } from "../util/paths.ts";
import { jsonataCompileProblems, type ExpressionAt } from "../util/jsonata-check.ts";

// Generated at build time (codegen/validators.ts), loaded with its first use.
const validateShape = generatedValidator("mapping.cjs");

export interface MappingProblem {
  /** JSON path inside the merged document, e.g. ["request", "tool_choice", "auto"]. */
  path: (string | number)[];
  message: string;
  rule: string;
}

/** schemas/mapping.schema.json, as loaded (also what `godex lint` checks mapping files against). */
export const mappingSchema: Record<string, any> = JSON.parse(readFileSync(projectPath("schemas", "mapping.schema.json"), "utf8"));

/** The mapping schema's validator, generated at build time (codegen/validators.ts: every error, ajv-formats, verbose). */
export { validateShape as validateMappingShape };

/** The keys whose values are field paths into provider replies (plain paths only: logic is JSONata). */
export const MAPPING_PATH_KEYS: readonly [string, readonly string[]][] = [
  ["response", ["id", "text", "reasoning", "tool_calls", "finish_reason", "usage", "error"]],
  ["stream", ["text", "reasoning", "tool_calls", "finish_reason", "usage", "error"]],
  ["usage", ["input_tokens", "cached_tokens", "output_tokens", "reasoning_tokens", "total_tokens"]],
  ["errors", ["message", "code", "type", "param"]],
];

export function validateMappingDoc(doc: unknown): MappingProblem[] {
  const problems: MappingProblem[] = [];
  if (!validateShape(doc)) {
    for (const e of validateShape.errors ?? []) {
      const path = e.instancePath.split("/").slice(1).map((k: string) => k.replace(/~1/g, "/").replace(/~0/g, "~"));
      let message = e.message ?? "invalid";
      if (e.keyword === "additionalProperties") {
        const key = (e.params as { additionalProperty: string }).additionalProperty;
        path.push(key);
        message = `unknown key '${key}'`;
      } else if (e.keyword === "enum") message = `${message}: ${(e.params as { allowedValues: unknown[] }).allowedValues.join(", ")}`;
      problems.push({ path, message, rule: "schema" });
    }
    return problems;
  }
  const d = doc as MappingDoc;
  const tables = d.reasoning.effort_tables ?? {};
  for (const [model, rule] of Object.entries(d.models ?? {})) {
    if (rule.effort_table && !Object.hasOwn(tables, rule.effort_table)) {
      problems.push({ path: ["models", model, "effort_table"], message: `no effort table named '${rule.effort_table}' in reasoning.effort_tables`, rule: "reference" });
    }
  }
  const expressions: ExpressionAt[] = [
    [["request", "patch"], d.request.patch],
    ...d.errors.rules.map((r, i): [(string | number)[], string] => [["errors", "rules", i, "when"], r.when]),
    // The native wire's own rules too: compileErrorMapper compiles every rule with the first error it maps.
    ...(d.responses?.errors?.rules ?? []).map((r, i): [(string | number)[], string] => [["responses", "errors", "rules", i, "when"], r.when]),
  ];
  problems.push(...jsonataCompileProblems(expressions));
  for (const [section, keys] of MAPPING_PATH_KEYS) {
    const obj = (d as unknown as Record<string, Record<string, unknown>>)[section];
    for (const key of keys) {
      const spec = obj?.[key];
      for (const p of spec == null ? [] : Array.isArray(spec) ? spec : [spec]) {
        if (typeof p === "string" && !isPlainPath(p)) problems.push({ path: [section, key], message: `'${p}' is not a plain field path (a.b[0].c)`, rule: "path" });
      }
    }
  }
  problems.push(...samplingDefaultProblems(d));
  if (d.reasoning.passback.mode === "field" && !d.reasoning.passback.field) {
    problems.push({ path: ["reasoning", "passback", "field"], message: "passback mode 'field' needs the field name", rule: "reference" });
  }
  return problems;
}

/**
 * The Response object echoes temperature, top_p and the penalties as numbers: what GodeX sent, else
 * what the provider applies. Every model's request rules (the file's, merged with a model entry's
 * own `request`) must say that default, inside the provider's `request.sampling` range.
 */
export function samplingDefaultProblems(d: MappingDoc): MappingProblem[] {
  const problems: MappingProblem[] = [];
  const views: [(string | number)[], unknown][] = [[["request"], d.request]];
  for (const [model, rule] of Object.entries(d.models ?? {})) {
    if (rule?.request?.sampling_defaults !== undefined || rule?.request?.sampling !== undefined) {
      views.push([["models", model, "request"], deepMerge(d.request, rule.request)]);
    }
  }
  for (const [at, request] of views) {
    const r = request as { sampling_defaults?: Record<string, unknown>; sampling?: Record<string, unknown> } | undefined;
    for (const name of ECHOED_SAMPLING) {
      const value = r?.sampling_defaults?.[name];
      const path = [...at, "sampling_defaults", name];
      if (typeof value !== "number") {
        problems.push({ path, message: `no default for '${name}': the Response object echoes the value the provider applies when none is sent`, rule: "coverage-request" });
        continue;
      }
      const range = r?.sampling?.[name];
      if (range && typeof range === "object") {
        const { min, max } = range as { min: number; max: number };
        if (value < min || value > max) problems.push({ path, message: `default ${name} ${value} is outside request.sampling.${name} [${min}, ${max}]`, rule: "coverage-request" });
      }
    }
  }
  return problems;
}
