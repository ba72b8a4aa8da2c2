// Validates the body of POST /v1/responses against schemas/responses-request.schema.json and turns
// the first violation into an OpenAI-shaped 400 (`invalid_request_error`, with an OpenAI-style
// `param` such as `input[3].content[0].text`).
//
// The validator is compiled once at module load. The schema dispatches items, parts, tools,
// tool_choice and text.format on `type` with ajv's `discriminator` keyword, so the first error ajv
// reports already belongs to the branch the object claims to be: no oneOf noise to sort through.

import { readFileSync } from "node:fs";
import type { ErrorObject } from "ajv";
import { generatedValidator } from "../util/generated-validator.ts";
import { ClientError } from "./types.ts";
import type * as G from "../generated/responses-request.ts";
import { projectPath } from "../util/paths.ts";

// Generated at build time (codegen/validators.ts), loaded with its first use.
const validate = generatedValidator("responses-request.cjs");

// ---------------------------------------------------------------------------------------------
// Types: generated from schemas/responses-request.schema.json (src/generated/responses-request.ts),
// re-exported here under the names the server and engine use.
// ---------------------------------------------------------------------------------------------

export type ReasoningEffort = "none" | "minimal" | "low" | "medium" | "high" | "xhigh" | "max" | "ultra";
export type ReasoningSummaryMode = "auto" | "concise" | "detailed";
export type MessageRole = "user" | "assistant" | "system" | "developer";

// --- content parts (message.content, function_call_output.output, custom_tool_call_output.output)

export type InputTextPart = G.InputTextPart;
export type OutputTextPart = G.OutputTextPart;
export type InputImagePart = G.InputImagePart;
export type InputFilePart = G.InputFilePart;
export type RefusalPart = G.RefusalPart;
export type OtherTextPart = G.OtherTextPart;
export type ContentPart = G.ContentPart;

export type ReasoningTextPart = G.ReasoningTextPart;

// --- input items

export type MessageItem = G.MessageItem;
export type ReasoningItem = G.ReasoningItem;
export type FunctionCallItem = G.FunctionCallItem;
export type FunctionCallOutputItem = G.FunctionCallOutputItem;
export type CustomToolCallItem = G.CustomToolCallItem;
export type CustomToolCallOutputItem = G.CustomToolCallOutputItem;
export type ItemReferenceItem = G.ItemReferenceItem;
/** Codex responses-lite (code mode): tools declared inside `input`. */
export type AdditionalToolsItem = G.AdditionalToolsItem;

/** Item types accepted with a loose shape; GodeX drops them with a diagnostic. Mirrors `definitions.OtherItem` in the schema. */
export const OTHER_ITEM_TYPES = [
  "local_shell_call",
  "local_shell_call_output",
  "web_search_call",
  "tool_search_call",
  "tool_search_output",
  "image_generation_call",
  "compaction",
  "compaction_trigger",
  "agent_message",
  "ghost_snapshot",
  "file_search_call",
  "computer_call",
  "computer_call_output",
  "mcp_call",
  "mcp_list_tools",
  "mcp_approval_request",
  "mcp_approval_response",
  "code_interpreter_call",
  "shell_call",
  "shell_call_output",
  "apply_patch_call",
  "apply_patch_call_output",
  "program",
  "program_output",
] as const;
export type OtherItemType = (typeof OTHER_ITEM_TYPES)[number];
export type OtherItem = G.OtherItem;

export type InputItem = G.InputItem;

export type InputItemType =
  | "message"
  | "reasoning"
  | "function_call"
  | "function_call_output"
  | "custom_tool_call"
  | "custom_tool_call_output"
  | "additional_tools"
  | "item_reference"
  | OtherItemType;

/** The effective type of a validated item: a typeless item with `role` is a message, a typeless item with `id` an item_reference. */
export function inputItemType(item: InputItem): InputItemType {
  if (typeof item.type === "string") return item.type;
  return "role" in item ? "message" : "item_reference";
}

// --- tools

export type FunctionTool = G.FunctionTool;
export type CustomTool = G.CustomTool;
export type NamespaceTool = G.NamespaceTool;

export type HostedToolType = G.HostedTool["type"];
export type HostedTool = G.HostedTool;

export type ToolSpec = G.ToolSpec;

// --- tool_choice

export type HostedToolChoiceType = G.ToolChoiceHosted["type"];

export type ToolChoiceMode = "none" | "auto" | "required";
export type ToolChoiceFunction = G.ToolChoiceFunction;
export type ToolChoiceCustom = G.ToolChoiceCustom;
export type ToolChoiceAllowedTools = G.ToolChoiceAllowedTools;
export type ToolChoiceHosted = G.ToolChoiceHosted;
export type ToolChoice = G.ToolChoice;

// --- reasoning / text

export type ReasoningConfig = G.ReasoningConfig;

export type TextFormatText = G.TextFormatText;
export type TextFormatJsonObject = G.TextFormatJsonObject;
export type TextFormatJsonSchema = G.TextFormatJsonSchema;
export type TextFormat = G.TextFormat;

export type TextConfig = G.TextConfig;

// --- the request

export type ResponsesRequest = G.ResponsesRequestBody;

// ---------------------------------------------------------------------------------------------
// Schema and compiled validator
// ---------------------------------------------------------------------------------------------

type JsonSchema = Record<string, any>;

/** The request schema as loaded from schemas/responses-request.schema.json. */
export const responsesRequestSchema: JsonSchema = JSON.parse(
  readFileSync(projectPath("schemas", "responses-request.schema.json"), "utf8"),
);

/** Tool types accepted with a loose shape and dropped with a diagnostic (the schema's `HostedTool`). */
export const HOSTED_TOOL_TYPES: readonly HostedToolType[] = Object.freeze(responsesRequestSchema.definitions.HostedTool.properties.type.enum);

/** Hosted tool types `tool_choice` may name (the schema's `ToolChoiceHosted`). */
export const HOSTED_TOOL_CHOICE_TYPES: readonly HostedToolChoiceType[] = Object.freeze(responsesRequestSchema.definitions.ToolChoiceHosted.properties.type.enum);

/** Top-level fields GodeX accepts (the schema's `properties`), in schema order. */
export const RESPONSES_REQUEST_FIELDS: readonly string[] = Object.freeze(
  Object.keys(responsesRequestSchema.properties),
);

// `validate` is the schema compiled at build time (codegen/validators.ts): first error only, discriminator,
// verbose (errors carry `data` and `parentSchema`, only built on the failure path).

/**
 * Checks a parsed JSON body. Returns it typed on success; throws `ClientError(400,
 * "invalid_request_error", code, message, param)` describing the first violation otherwise.
 */
export function validateResponsesRequest(body: unknown): ResponsesRequest {
  if (body === null || typeof body !== "object" || Array.isArray(body)) {
    throw new ClientError(
      400,
      "invalid_request_error",
      "invalid_type",
      `Invalid request body: expected a JSON object, but got ${describe(body)} instead.`,
      null,
    );
  }
  if (!validate(body)) throw toClientError(pickError(validate.errors ?? []), body);
  checkNesting(body as Record<string, unknown>);
  return body as ResponsesRequest;
}

/** Deeper JSON than this in a part GodeX re-serializes (tool schemas, formats) is refused. */
export const MAX_NESTING = 64;

/** Tool schemas and text formats are serialized upstream and echoed back: bound their depth. */
function checkNesting(body: Record<string, unknown>) {
  const parts: [string, unknown][] = ["tools", "text", "tool_choice"].map((key) => [key, body[key]]);
  // Code mode declares tools inside input (additional_tools items): they are serialized upstream too.
  if (Array.isArray(body.input)) {
    body.input.forEach((item: { type?: unknown; tools?: unknown } | null, i: number) => {
      if (item?.type === "additional_tools") parts.push([`input[${i}].tools`, item.tools]);
    });
  }
  for (const [param, value] of parts) {
    if (value != null && depthExceeds(value, MAX_NESTING)) {
      throw new ClientError(400, "invalid_request_error", "invalid_value", `'${param}' is nested more than ${MAX_NESTING} levels deep.`, param);
    }
  }
}

function depthExceeds(root: unknown, limit: number): boolean {
  const stack: [unknown, number][] = [[root, 1]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!;
    if (v === null || typeof v !== "object") continue;
    if (depth > limit) return true;
    for (const child of Array.isArray(v) ? v : Object.values(v)) {
      if (child !== null && typeof child === "object") stack.push([child, depth + 1]);
    }
  }
  return false;
}

// ---------------------------------------------------------------------------------------------
// Error translation
// ---------------------------------------------------------------------------------------------

const WRAPPER_KEYWORDS = new Set(["if", "oneOf", "anyOf", "allOf", "not", "then", "else"]);

/** The innermost, most specific error: ajv lists inner errors before the wrappers (if, discriminator) that failed because of them. */
function pickError(errors: ErrorObject[]): ErrorObject | undefined {
  for (const e of errors) {
    if (WRAPPER_KEYWORDS.has(e.keyword)) continue;
    if (e.keyword === "discriminator" && !e.params?.error) continue;
    return e;
  }
  return errors[0];
}

function toClientError(err: ErrorObject | undefined, body: unknown): ClientError {
  const fail = (code: string, message: string, param: string | null) =>
    new ClientError(400, "invalid_request_error", code, message, param);
  if (!err) return fail("invalid_value", "Invalid request body.", null);

  const here = pointerToParam(err.instancePath, body);
  const child = (key: string) => (here ? `${here}.${key}` : key);

  switch (err.keyword) {
    case "required": {
      const param = child(String(err.params.missingProperty));
      return fail("missing_required_parameter", `Missing required parameter: '${param}'.`, param);
    }
    case "additionalProperties": {
      const param = child(String(err.params.additionalProperty));
      return fail("unknown_parameter", `Unknown parameter: '${param}'.`, param);
    }
    case "type": {
      const expected = listTypes(err.params.type);
      return fail(
        "invalid_type",
        `Invalid type for '${here}': expected ${expected}, but got ${describe(err.data)} instead.`,
        here || null,
      );
    }
    case "enum":
    case "const": {
      const allowed: unknown[] =
        err.keyword === "enum" ? (err.params.allowedValues as unknown[]) : [err.params.allowedValue];
      const stringsOnly = allowed.every((v) => v === null || typeof v === "string");
      if (stringsOnly && err.data !== null && typeof err.data !== "string") {
        const expected = allowed.includes(null) ? "a string or null" : "a string";
        return fail(
          "invalid_type",
          `Invalid type for '${here}': expected ${expected}, but got ${describe(err.data)} instead.`,
          here || null,
        );
      }
      return fail("invalid_value", invalidValueMessage(here, allowed), here || null);
    }
    case "discriminator": {
      const tagName = String(err.params.tagName ?? "type");
      const param = child(tagName);
      if (err.params.error === "tag") {
        const tag = (err.data as Record<string, unknown> | null)?.[tagName];
        if (tag === undefined) {
          return fail("missing_required_parameter", `Missing required parameter: '${param}'.`, param);
        }
        return fail(
          "invalid_type",
          `Invalid type for '${param}': expected a string, but got ${describe(tag)} instead.`,
          param,
        );
      }
      return fail("invalid_value", invalidValueMessage(param, tagValues(err.parentSchema)), param);
    }
    case "minimum":
    case "maximum":
    case "exclusiveMinimum":
    case "exclusiveMaximum": {
      const below = err.keyword === "minimum" || err.keyword === "exclusiveMinimum";
      const declared: unknown = (err.parentSchema as JsonSchema | undefined)?.type;
      const integerOnly = declared === "integer" || (Array.isArray(declared) && declared.includes("integer"));
      const kind = integerOnly ? "integer" : "decimal";
      return fail(
        "invalid_value",
        `Invalid '${here}': ${kind} ${below ? "below minimum" : "above maximum"} value. ` +
          `Expected a value ${err.params.comparison} ${err.params.limit}, but got ${String(err.data)} instead.`,
        here || null,
      );
    }
    case "minLength":
      return fail(
        "invalid_value",
        `Invalid '${here}': string too short. Expected a string with minimum length ${err.params.limit}, but got a string with length ${
          typeof err.data === "string" ? err.data.length : 0
        } instead.`,
        here || null,
      );
    default:
      return fail("invalid_value", `Invalid value for '${here}': ${err.message ?? "invalid"}.`, here || null);
  }
}

function invalidValueMessage(param: string, allowed: unknown[]): string {
  const shown = allowed.filter((v) => v !== null).map(String);
  return `Invalid value for '${param}': expected one of ${shown.join(", ")}.`;
}

/** Tag values of a discriminated `oneOf` (resolving local `$ref`s), for the error message. */
function tagValues(parentSchema: unknown): string[] {
  const out: string[] = [];
  const branches: JsonSchema[] = (parentSchema as JsonSchema | undefined)?.oneOf ?? [];
  for (let branch of branches) {
    const ref: unknown = branch.$ref;
    if (typeof ref === "string" && ref.startsWith("#/definitions/")) {
      branch = responsesRequestSchema.definitions[ref.slice("#/definitions/".length)] ?? {};
    }
    const tag = branch.properties?.type;
    if (tag?.const !== undefined) out.push(String(tag.const));
    else if (Array.isArray(tag?.enum)) for (const v of tag.enum) if (v !== null) out.push(String(v));
  }
  return out;
}

/** `/input/3/content/0/text` → `input[3].content[0].text`, using the data to tell array indexes from keys. */
function pointerToParam(pointer: string, root: unknown): string {
  if (!pointer) return "";
  let out = "";
  let node: any = root;
  for (const raw of pointer.slice(1).split("/")) {
    const key = raw.replace(/~1/g, "/").replace(/~0/g, "~");
    if (Array.isArray(node)) out += `[${key}]`;
    else out += out ? `.${key}` : key;
    node = node?.[key];
  }
  return out;
}

const TYPE_NAMES: Record<string, string> = {
  string: "a string",
  array: "an array",
  object: "an object",
  boolean: "a boolean",
  integer: "an integer",
  number: "a number",
  null: "null",
};

function listTypes(type: unknown): string {
  const types = (Array.isArray(type) ? type : String(type).split(",")).map(String);
  const names = types.map((t) => TYPE_NAMES[t] ?? t);
  if (names.length <= 1) return names[0] ?? "a valid value";
  return `${names.slice(0, -1).join(", ")} or ${names[names.length - 1]}`;
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (value === undefined) return "nothing";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "number") return Number.isInteger(value) ? "an integer" : "a decimal";
  if (typeof value === "string") return "a string";
  if (typeof value === "boolean") return "a boolean";
  return "an object";
}
