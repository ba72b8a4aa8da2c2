// Checks a godex.yaml value against schemas/config.schema.json and turns Ajv's errors into
// located, human sentences ("unknown key", "must be integer"). Also fills schema defaults.
import { readFileSync } from "node:fs";
import type { ErrorObject } from "ajv";
import { generatedValidator } from "../util/generated-validator.ts";
import type { ConfigProblem } from "./types.ts";
import type { SourceLocation, ValuePath } from "../util/yaml-source.ts";
import { projectPath } from "../util/paths.ts";

// Generated at build time (codegen/validators.ts), loaded with its first use.
const validator = generatedValidator("config.cjs");

type Locate = (path: ValuePath, which?: "key" | "value") => SourceLocation;
type JsonSchema = Record<string, unknown>;

export const configSchema: JsonSchema = JSON.parse(
  readFileSync(projectPath("schemas", "config.schema.json"), "utf8"),
);


/** Validates `data` in place (defaults are written into it) and returns every problem found. */
export function validateConfigShape(data: unknown, locate: Locate, file: string): ConfigProblem[] {
  // Generated from the schema at build time (codegen/validators.ts): useDefaults, allErrors, and verbose,
  // so errors carry parentSchema, which names the allowed keys and descriptions.
  if (validator(data)) return [];
  const problems: ConfigProblem[] = [];
  for (const error of validator.errors ?? []) {
    const problem = describe(error, locate, file);
    if (problem) problems.push(problem);
  }
  return problems;
}

/** Dotted, readable path: providers.deepseek.endpoint.base_url, models.aliases["gpt-5.5"]. */
export function displayPath(path: ValuePath): string {
  let out = "";
  for (const segment of path) {
    if (typeof segment === "number" || /^\d+$/.test(segment)) out += `[${segment}]`;
    else if (/^[A-Za-z_][A-Za-z0-9_-]*$/.test(segment)) out += out ? `.${segment}` : segment;
    else out += `[${JSON.stringify(segment)}]`;
  }
  return out || "(top level)";
}

/** The subschema that describes `path`, following properties, additionalProperties, items and $ref. */
export function schemaAt(path: ValuePath): JsonSchema | undefined {
  let schema: JsonSchema | undefined = deref(configSchema);
  for (const segment of path) {
    if (!schema) return undefined;
    const props = schema.properties as Record<string, JsonSchema> | undefined;
    if (typeof segment === "string" && props && segment in props) schema = deref(props[segment]);
    else if (typeof segment === "number" && isObject(schema.items)) schema = deref(schema.items);
    else if (isObject(schema.additionalProperties)) schema = deref(schema.additionalProperties);
    else return undefined;
  }
  return schema;
}

/**
 * `${PORT:-5678}` expands to the string "5678": give it the number or boolean type its field
 * expects, so env references work in non-string fields.
 */
export function coerceFromEnv(data: unknown, path: ValuePath): void {
  if (path.length === 0) return;
  const parent = getAt(data, path.slice(0, -1));
  const key = path[path.length - 1]!;
  if (!isObject(parent) && !Array.isArray(parent)) return;
  const holder = parent as Record<string | number, unknown>;
  const text = holder[key];
  if (typeof text !== "string") return;
  const types = typesOf(schemaAt(path));
  if (types.includes("string")) return;
  const trimmed = text.trim();
  if ((types.includes("integer") && /^-?\d+$/.test(trimmed)) || (types.includes("number") && /^-?\d+(\.\d+)?$/.test(trimmed))) {
    holder[key] = Number(trimmed);
  } else if (types.includes("boolean") && (trimmed === "true" || trimmed === "false")) {
    holder[key] = trimmed === "true";
  }
}

/** Keys present in `data` whose schema is marked deprecated (the earlier GodeX's settings). */
export function findDeprecated(data: unknown): { path: (string | number)[]; description: string }[] {
  const found: { path: (string | number)[]; description: string }[] = [];
  const walk = (value: unknown, schema: JsonSchema | undefined, path: (string | number)[]) => {
    if (!schema || !isObject(value)) return;
    for (const key of Object.keys(value)) {
      const sub = schemaAt([...path, key]);
      if (sub?.deprecated === true) found.push({ path: [...path, key], description: String(sub.description ?? "") });
      else walk(value[key], sub, [...path, key]);
    }
  };
  walk(data, configSchema, []);
  return found;
}

function describe(error: ErrorObject, locate: Locate, file: string): ConfigProblem | null {
  const path = pointerSegments(error.instancePath);
  const field = displayPath(path);
  const parent = (error.parentSchema ?? {}) as JsonSchema;
  const at = (p: ValuePath, which: "key" | "value" = "value") => ({ ...locate(p, which), file });
  const params = error.params as Record<string, unknown>;

  // A propertyNames failure arrives twice: the inner error (with propertyName) and a wrapper.
  if (error.keyword === "propertyNames") return null;
  // An if/then/else failure arrives as the branch's own errors plus this wrapper.
  if (error.keyword === "if") return null;
  if (error.propertyName !== undefined) {
    const name = error.propertyName;
    const what = path[path.length - 1] === "providers" ? "provider name" : "key";
    const rule = typeof parent.description === "string" ? parent.description : String(error.message);
    return { ...at([...path, name], "key"), path: displayPath([...path, name]), message: `invalid ${what} "${name}" in ${field}: must be ${rule}` };
  }

  switch (error.keyword) {
    case "additionalProperties": {
      const key = String(params.additionalProperty);
      const allowed = allowedKeys(parent);
      const hint = suggest(key, allowed);
      const list = allowed.length ? ` (allowed: ${allowed.join(", ")})` : "";
      return {
        ...at([...path, key], "key"),
        path: displayPath([...path, key]),
        message: `unknown key "${key}"${path.length === 0 ? "" : ` in ${field}`}${hint ? `; did you mean "${hint}"?` : list}`,
      };
    }
    case "required": {
      const key = String(params.missingProperty);
      const where = path.length === 0 ? "the config" : field;
      return { ...at(path, "key"), path: displayPath([...path, key]), message: `${where} is missing required key "${key}"` };
    }
    case "type": {
      const expected = Array.isArray(params.type) ? params.type.join(" or ") : String(params.type);
      return { ...at(path), path: field, message: `${field} must be ${article(expected)}, got ${jsonType(error.data)}` };
    }
    case "enum": {
      const values = (params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(", ");
      return { ...at(path), path: field, message: `${field} must be one of ${values}` };
    }
    case "pattern": {
      const rule = typeof parent.description === "string" ? parent.description : `matching /${String(params.pattern)}/`;
      return { ...at(path), path: field, message: `${field} must be ${rule}` };
    }
    case "exclusiveMinimum":
      return { ...at(path), path: field, message: `${field} must be greater than ${String(params.limit)}, got ${JSON.stringify(error.data)}` };
    case "minItems":
      return { ...at(path), path: field, message: `${field} must list at least ${String(params.limit)} item${params.limit === 1 ? "" : "s"}` };
    case "minLength":
      return { ...at(path), path: field, message: params.limit === 1 ? `${field} must not be empty` : `${field} ${error.message}` };
    case "minProperties":
      return { ...at(path), path: field, message: `${field} must have at least ${String(params.limit)} entr${params.limit === 1 ? "y" : "ies"}` };
    case "uniqueItems": {
      // Ajv orders i and j differently depending on the item type: point at the later copy.
      const [first, second] = [Number(params.i), Number(params.j)].sort((a, b) => a - b);
      return { ...at([...path, second!]), path: field, message: `${field} lists the same item twice (#${first} and #${second})` };
    }
    default:
      return { ...at(path), path: field, message: `${field} ${error.message ?? "is invalid"}` };
  }
}

function allowedKeys(schema: JsonSchema): string[] {
  const props = (deref(schema)?.properties ?? {}) as Record<string, JsonSchema>;
  return Object.keys(props).filter((k) => deref(props[k])?.deprecated !== true);
}

/** The closest allowed key within edit distance 2, for typos like "prot" → "port". */
function suggest(key: string, allowed: string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = 3;
  for (const candidate of allowed) {
    const d = distance(key.toLowerCase(), candidate.toLowerCase());
    if (d < bestDistance) [best, bestDistance] = [candidate, d];
  }
  return best;
}

function distance(a: string, b: string): number {
  // Optimal string alignment: Levenshtein plus adjacent swaps ("prot" → "port" is 1).
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  }
  return d[a.length]![b.length]!;
}

function deref(schema: unknown): JsonSchema | undefined {
  if (!isObject(schema)) return undefined;
  const ref = schema.$ref;
  if (typeof ref === "string" && ref.startsWith("#/definitions/")) {
    const definitions = configSchema.definitions as Record<string, JsonSchema>;
    return { ...deref(definitions[ref.slice("#/definitions/".length)]), ...schema, $ref: undefined };
  }
  return schema;
}

function typesOf(schema: JsonSchema | undefined): string[] {
  const type = schema?.type;
  return Array.isArray(type) ? type.map(String) : typeof type === "string" ? [type] : [];
}

function pointerSegments(pointer: string): string[] {
  if (pointer === "") return [];
  return pointer.slice(1).split("/").map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"));
}

function getAt(data: unknown, path: ValuePath): unknown {
  let value = data;
  for (const segment of path) {
    if (!isObject(value) && !Array.isArray(value)) return undefined;
    value = (value as Record<string | number, unknown>)[segment];
  }
  return value;
}

function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === "object" && x !== null && !Array.isArray(x);
}

function jsonType(value: unknown): string {
  if (value === null) return "null (empty)";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "a mapping";
  if (typeof value === "number") return Number.isInteger(value) ? "an integer" : "a number";
  return typeof value === "boolean" ? "a boolean" : "a string";
}

function article(type: string): string {
  const names: Record<string, string> = { object: "a mapping", array: "a list", integer: "an integer", number: "a number", string: "a string", boolean: "a boolean (true/false)" };
  return type.split(" or ").map((t) => names[t] ?? t).join(" or ");
}
