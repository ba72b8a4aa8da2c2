// Rules `config-schema` and `mapping-schema`: JSON Schema validity (every error, not just the first),
// located at the offending key or value in the file that wrote it.
import type { ErrorObject } from "ajv";
import { isPlainPath } from "../mapping/path.ts";
import { locateInChain, type MappingChain } from "./sources.ts";
import { Findings, getPath, isPlainObject, showPath, type Path } from "./types.ts";
import { MAPPING_PATH_KEYS, mappingSchema, validateMappingShape as validateMapping } from "../mapping/validate.ts";

type JsonSchema = Record<string, any>;


export function pointerPath(pointer: string): string[] {
  if (pointer === "") return [];
  return pointer.slice(1).split("/").map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"));
}

function deref(schema: unknown): JsonSchema | undefined {
  if (!isPlainObject(schema)) return undefined;
  const ref = schema.$ref;
  if (typeof ref === "string" && ref.startsWith("#/definitions/")) {
    return { ...deref(mappingSchema.definitions[ref.slice("#/definitions/".length)]), ...schema, $ref: undefined };
  }
  return schema as JsonSchema;
}

/** "a non-empty string", "a list of non-empty strings", "null", "an object with min, max". */
export function describeSchema(raw: unknown): string {
  const s = deref(raw);
  if (!s) return "anything";
  if (s.const !== undefined) return JSON.stringify(s.const);
  if (Array.isArray(s.enum)) return `one of ${s.enum.map((v: unknown) => JSON.stringify(v)).join(", ")}`;
  if (Array.isArray(s.oneOf)) return s.oneOf.map(describeSchema).join(" or ");
  const types: string[] = Array.isArray(s.type) ? s.type : s.type ? [s.type] : [];
  return types
    .map((t) => {
      switch (t) {
        case "string":
          return s.minLength >= 1 ? "a non-empty string" : "a string";
        case "array": {
          const items = s.items ? describeSchema(s.items).replace(/^an? /, "") : "items";
          return `a ${s.minItems >= 1 ? "non-empty " : ""}list of ${items.endsWith("s") ? items : `${items}s`}`;
        }
        case "object":
          return Array.isArray(s.required) && s.required.length ? `a mapping with ${s.required.join(", ")}` : "a mapping";
        case "integer":
          return "an integer";
        case "number":
          return "a number";
        case "boolean":
          return "a boolean (true/false)";
        case "null":
          return "null";
        default:
          return t;
      }
    })
    .join(" or ");
}

function jsonType(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "a mapping";
  if (typeof value === "number") return Number.isInteger(value) ? "an integer" : "a number";
  return typeof value === "boolean" ? "a boolean" : typeof value === "string" ? "a string" : typeof value;
}

export interface SchemaIssue {
  /** Logical path of the problem (for a missing or unknown key: the key's own path). */
  path: string[];
  /** Where to point: the key or the value at `at`. */
  at: string[];
  which: "key" | "value";
  message: string;
}

/** Turns ajv's errors into one readable issue per problem (oneOf branch noise folded into one). */
export function schemaIssues(errors: ErrorObject[], data: unknown): SchemaIssue[] {
  const oneOfs = errors.filter((e) => e.keyword === "oneOf" || e.keyword === "anyOf");
  const insideBranch = (e: ErrorObject) =>
    oneOfs.some((o) => o !== e && e.schemaPath.startsWith(`${o.schemaPath}/`) && e.instancePath.startsWith(o.instancePath));
  const out: SchemaIssue[] = [];
  for (const e of errors) {
    if (insideBranch(e) || e.keyword === "propertyNames") continue;
    const path = pointerPath(e.instancePath);
    const field = showPath(path);
    const params = e.params as Record<string, any>;
    if (e.propertyName !== undefined) {
      out.push({ path: [...path, e.propertyName], at: [...path, e.propertyName], which: "key", message: `invalid key '${e.propertyName}' in ${field}: ${e.message}` });
      continue;
    }
    switch (e.keyword) {
      case "additionalProperties": {
        const key = String(params.additionalProperty);
        const allowed = Object.keys(deref(e.parentSchema)?.properties ?? {});
        const list = allowed.length ? ` (allowed: ${allowed.join(", ")})` : "";
        out.push({ path: [...path, key], at: [...path, key], which: "key", message: `unknown key '${key}' in ${field}${list}` });
        break;
      }
      case "required": {
        const key = String(params.missingProperty);
        const where = path.length === 0 ? "the mapping" : field;
        out.push({ path: [...path, key], at: path, which: "key", message: `${where} is missing required key '${key}'` });
        break;
      }
      case "oneOf":
      case "anyOf": {
        if (Array.isArray(params.passingSchemas)) {
          out.push({ path, at: path, which: "value", message: `${field} matches more than one allowed form` });
          break;
        }
        const wanted = describeSchema(e.parentSchema);
        out.push({ path, at: path, which: "value", message: `${field} must be ${wanted}, got ${jsonType(getPath(data, path))}` });
        break;
      }
      case "type":
        out.push({ path, at: path, which: "value", message: `${field} must be ${describeSchema({ type: params.type })}, got ${jsonType(e.data)}` });
        break;
      case "enum":
        out.push({ path, at: path, which: "value", message: `${field} must be one of ${(params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(", ")}` });
        break;
      case "const":
        out.push({ path, at: path, which: "value", message: `${field} must be ${JSON.stringify(params.allowedValue)}` });
        break;
      case "format":
        out.push({ path, at: path, which: "value", message: `${field} must be a valid ${String(params.format)}${params.format === "regex" ? " (JavaScript regular expression)" : ""}` });
        break;
      default:
        out.push({ path, at: path, which: "value", message: `${field} ${e.message ?? "is invalid"}` });
    }
  }
  return out;
}

/** Rule `mapping-schema` over one merged mapping document. Returns whether the document is valid. */
export function lintMappingSchema(chain: MappingChain, findings: Findings): boolean {
  const doc = chain.merged;
  let valid = true;
  if (!validateMapping(doc)) {
    valid = false;
    for (const issue of schemaIssues(validateMapping.errors ?? [], doc)) {
      findings.error(locateInChain(chain, issue.at, issue.which), "mapping-schema", issue.message, { doc: chain.id, path: issue.path });
    }
  }
  // What the schema cannot express: field paths must be plain paths (logic belongs in JSONata).
  for (const [section, keys] of MAPPING_PATH_KEYS) {
    const obj = doc[section];
    if (!isPlainObject(obj)) continue;
    for (const key of keys) {
      const spec = obj[key];
      const list = Array.isArray(spec) ? spec : [spec];
      list.forEach((p, i) => {
        if (typeof p !== "string" || p === "" || isPlainPath(p)) return;
        const path: Path = Array.isArray(spec) ? [section, key, i] : [section, key];
        valid = false;
        findings.error(locateInChain(chain, path), "mapping-schema", `${showPath([section, key])}: '${p}' is not a plain field path (a.b[0].c); logic belongs in a JSONata expression`, { doc: chain.id, path: path as string[] });
      });
    }
  }
  // The provider's own search results (response/stream.web_search): plain paths too.
  for (const section of ["response", "stream"]) {
    const ws = isPlainObject(doc[section]) ? (doc[section] as Record<string, unknown>).web_search : undefined;
    if (!isPlainObject(ws)) continue;
    for (const [key, spec] of Object.entries(ws)) {
      const list = Array.isArray(spec) ? spec : [spec];
      list.forEach((p, i) => {
        if (typeof p !== "string" || p === "" || isPlainPath(p)) return;
        valid = false;
        const path: Path = Array.isArray(spec) ? [section, "web_search", key, i] : [section, "web_search", key];
        findings.error(locateInChain(chain, path), "mapping-schema", `${showPath([section, "web_search", key])}: '${p}' is not a plain field path (a.b[0].c); logic belongs in a JSONata expression`, { doc: chain.id, path: path as string[] });
      });
    }
  }
  const inBody = isPlainObject(doc.errors) ? doc.errors.in_body : undefined;
  if (isPlainObject(inBody) && typeof inBody.status_code === "string" && inBody.status_code !== "" && !isPlainPath(inBody.status_code)) {
    valid = false;
    findings.error(locateInChain(chain, ["errors", "in_body", "status_code"]), "mapping-schema", `errors.in_body.status_code: '${inBody.status_code}' is not a plain field path`);
  }
  const passback = isPlainObject(doc.reasoning) ? doc.reasoning.passback : undefined;
  if (isPlainObject(passback) && passback.mode === "field" && !passback.field) {
    valid = false;
    findings.error(locateInChain(chain, ["reasoning", "passback", "mode"]), "mapping-schema", "reasoning.passback.mode 'field' needs reasoning.passback.field (the message field that carries reasoning)");
  }
  return valid;
}
