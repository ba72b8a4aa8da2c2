// Scalar Responses parameters → Chat parameters, each as the mapping's tables say.
import { ClientError } from "../../protocol/types.ts";
import type { Diagnostics } from "../diagnostics.ts";
import type { EffortEntry, EffortTable, FieldRule, RequestRules, ToolChoiceAction } from "../../mapping/doc.ts";
import { flatToolName, type ToolRegistry } from "./tools.ts";
import type { ReasoningConfig, ResponsesRequest, TextConfig, ToolChoice } from "../../protocol/request.ts";
import type { ChatResponseFormat, ChatToolChoice } from "../../generated/chat.ts";

const EFFORTS = ["none", "minimal", "low", "medium", "high", "xhigh"] as const;
/** Levels Codex offers for GPT-6 models, above what the effort tables describe: sent as xhigh. */
const ABOVE_XHIGH: readonly string[] = ["max", "ultra"];

/** Diagnostics (or a 400) for top-level fields the mapping ignores or rejects. */
export function applyFieldRules(req: Record<string, unknown>, fields: Record<string, FieldRule>, diags: Diagnostics) {
  for (const key of Object.keys(req)) {
    const rule = Object.hasOwn(fields, key) ? fields[key] : undefined;
    const value = req[key];
    if (!rule) {
      diags.ignored("field_unknown", key, `'${key}' is not a Responses parameter GodeX knows; it was ignored.`);
      continue;
    }
    if (rule.action === "mapped" || value === null || value === undefined) continue;
    if (rule.quiet_always) continue;
    if (rule.quiet?.some((q) => q === value)) continue;
    const message = rule.message ?? `'${key}' is not supported by this provider.`;
    if (rule.action === "rejected") throw new ClientError(400, "invalid_request_error", "unsupported_parameter", message, key);
    diags.ignored("field_ignored", key, message);
  }
}

export interface EffortResult {
  set: Record<string, unknown>;
  thinking: boolean;
}

export function applyEffort(reasoning: ReasoningConfig | undefined, table: EffortTable | null, model: string, diags: Diagnostics): EffortResult {
  const effort = reasoning?.effort;
  if (effort == null) return { set: {}, thinking: table?.default_thinking ?? false };
  if (!table) {
    diags.ignored("reasoning_effort_unsupported", "reasoning.effort", `${model} has no reasoning control; effort '${effort}' was not sent.`);
    return { set: {}, thinking: false };
  }
  const level = ABOVE_XHIGH.includes(effort) ? "xhigh" : effort;
  if (!(EFFORTS as readonly string[]).includes(level)) return { set: {}, thinking: table.default_thinking };
  const entry: EffortEntry = table[level as (typeof EFFORTS)[number]];
  if (level !== effort) diags.degraded("reasoning_effort_degraded", "reasoning.effort", `effort '${effort}' for ${model}: sent as the strongest level GodeX maps, xhigh.`);
  if (entry.note) diags.degraded("reasoning_effort_degraded", "reasoning.effort", `effort '${level}' for ${model}: ${entry.note}`);
  return { set: entry.set ?? {}, thinking: entry.thinking };
}

export function applySummary(reasoning: ReasoningConfig | undefined, diags: Diagnostics) {
  const summary = reasoning?.summary ?? reasoning?.generate_summary;
  if (summary === "concise" || summary === "detailed") {
    diags.degraded("reasoning_summary_full_text", "reasoning.summary", `The provider returns its reasoning as written, not a ${summary} summary; the full reasoning text is shown as the summary.`);
  }
}

type ChoiceKind = "auto" | "none" | "required" | "function";

/** Marker: send no tools at all (a provider without tool_choice "none"). */
export const DROP_TOOLS = Symbol("drop_tools");

/** Returns the Chat tool_choice to send, `undefined` to omit it, or DROP_TOOLS. */
export function translateToolChoice(
  choice: ToolChoice | undefined,
  rules: RequestRules,
  thinking: boolean,
  hasTools: boolean,
  diags: Diagnostics,
  registry?: ToolRegistry,
): ChatToolChoice | undefined | typeof DROP_TOOLS {
  if (choice == null) return undefined;
  let kind: ChoiceKind;
  let chat: ChatToolChoice;
  if (typeof choice === "string") {
    kind = choice;
    chat = choice;
  } else if (choice.type === "function" || choice.type === "custom") {
    kind = "function";
    const pattern = new RegExp(rules.tools.name_pattern);
    chat = { type: "function", function: { name: resolveNamed(choice.name, choice.namespace as string | undefined, pattern, registry) } };
  } else if (choice.type === "allowed_tools") {
    kind = choice.mode === "required" ? "required" : "auto";
    chat = kind;
    diags.degraded("tool_choice_allowed_tools", "tool_choice", `allowed_tools is not supported; sent tool_choice '${kind}' with all tools.`);
  } else {
    kind = "auto";
    chat = "auto";
    diags.degraded("tool_choice_hosted", "tool_choice", `tool_choice for hosted tool '${choice.type}' is not supported; sent 'auto'.`);
  }
  // Without tools a tool_choice means nothing to a Chat provider (and some reject it).
  if (!hasTools) return undefined;
  const action: ToolChoiceAction = (thinking ? rules.tool_choice_when_thinking?.[kind] : undefined) ?? rules.tool_choice[kind] ?? "keep";
  const why = thinking && rules.tool_choice_when_thinking?.[kind] ? " while thinking" : "";
  switch (action) {
    case "keep":
      return chat;
    case "omit":
      if (kind !== "auto") diags.ignored("tool_choice_ignored", "tool_choice", `The provider does not accept tool_choice '${kind}'${why}; it was not sent (the model decides).`);
      return undefined;
    case "auto":
      if (kind !== "auto") diags.degraded("tool_choice_degraded", "tool_choice", `The provider does not accept tool_choice '${kind}'${why}; sent 'auto'.`);
      return "auto";
    case "drop_tools":
      diags.degraded("tool_choice_none_emulated", "tool_choice", `The provider does not accept tool_choice '${kind}'${why}; the tools were not sent, so the model cannot call them.`);
      return DROP_TOOLS;
    case "reject":
      throw new ClientError(400, "invalid_request_error", "unsupported_value", `tool_choice '${kind}' is not supported by this provider${why}.`, "tool_choice");
  }
}

/**
 * The flat name of a named tool_choice. Without a namespace, a name declared only inside one namespace
 * (code mode's `exec` lives in `functions`) still finds its tool.
 */
function resolveNamed(name: string, namespace: string | undefined, pattern: RegExp, registry: ToolRegistry | undefined): string {
  const flat = flatToolName(name, namespace, pattern);
  if (!registry || registry.has(flat) || namespace) return flat;
  const matches = [...registry].filter(([, info]) => info.name === name);
  return matches.length === 1 ? matches[0]![0] : flat;
}

/** Clamps a sampling value into the provider's range (with a diagnostic), or omits it. */
export function sampling(name: string, value: unknown, rules: RequestRules, thinking: boolean, diags: Diagnostics): number | undefined {
  if (typeof value !== "number") return undefined;
  const range = rules.sampling[name];
  if (range === undefined || range === "omit") {
    diags.ignored("sampling_ignored", name, `The provider does not support ${name}; it was not sent.`);
    return undefined;
  }
  let v = value;
  if (v < range.min || v > range.max) {
    v = Math.min(range.max, Math.max(range.min, v));
    diags.degraded("sampling_clamped", name, `${name} ${value} is outside the provider's range [${range.min}, ${range.max}]; sent ${v}.`);
  }
  if (thinking && rules.sampling_ignored_when_thinking?.includes(name)) {
    diags.ignored("sampling_ignored_thinking", name, `The provider ignores ${name} while thinking.`);
  }
  return v;
}

/** text.format → response_format, plus an instruction to add to the system prompt when degraded. */
export function translateTextFormat(text: TextConfig | undefined, rules: RequestRules, diags: Diagnostics): { responseFormat?: ChatResponseFormat; instruction?: string } {
  if (text?.verbosity != null) {
    diags.ignored("text_verbosity_ignored", "text.verbosity", `Chat Completions has no verbosity control; '${text.verbosity}' was not sent.`);
  }
  const format = text?.format;
  if (!format || format.type === "text") return {};
  const action = rules.response_format[format.type as "json_object" | "json_schema"] ?? "omit";
  if (action === "omit") {
    diags.ignored("text_format_ignored", "text.format", `The provider does not support response format '${format.type}'; it was not sent.`);
    return {};
  }
  if (format.type === "json_object") return { responseFormat: { type: "json_object" } };
  if (action === "json_object") {
    diags.degraded("json_schema_as_json_object", "text.format", "The provider does not enforce JSON schemas; sent json_object mode with the schema in the system prompt.");
    return {
      responseFormat: { type: "json_object" },
      instruction: `Respond only with a JSON object that conforms to this JSON schema (name: ${format.name ?? "output"}):\n${JSON.stringify(format.schema ?? {})}`,
    };
  }
  const json_schema: NonNullable<ChatResponseFormat["json_schema"]> = { name: format.name ?? "output", schema: format.schema ?? {} };
  if (format.strict != null) json_schema.strict = format.strict;
  if (format.description != null) json_schema.description = format.description;
  return { responseFormat: { type: "json_schema", json_schema } };
}

/** `user` / `safety_identifier` → the provider's user field when the value fits its pattern. */
export function translateUser(req: ResponsesRequest, rules: RequestRules, diags: Diagnostics): [string, string] | undefined {
  const value = req.safety_identifier ?? req.user;
  if (typeof value !== "string") return undefined;
  const path = req.safety_identifier != null ? "safety_identifier" : "user";
  if (!rules.user_field) {
    diags.ignored("user_ignored", path, "The provider has no end-user identifier field; it was not sent.");
    return undefined;
  }
  if (!new RegExp(rules.user_field.pattern).test(value)) {
    diags.ignored("user_ignored", path, `The value does not fit the provider's ${rules.user_field.name} format; it was not sent.`);
    return undefined;
  }
  return [rules.user_field.name, value];
}

export function includeDiagnostics(include: unknown, diags: Diagnostics) {
  if (!Array.isArray(include)) return;
  include.forEach((v, i) => {
    if (v !== "reasoning.encrypted_content") diags.ignored("include_ignored", `include[${i}]`, `'${v}' cannot be provided for this provider.`);
  });
}
