// Responses request (from Codex) → Responses request for a provider's own /responses endpoint,
// as the mapping's `responses:` rules say: fields passed, renamed, dropped or rejected; tools
// offered natively or converted; effort from the native effort table; earlier reasoning restored
// from GodeX's carrier onto the input items, byte-exact. Key order is fixed (same request, same bytes).
import { ClientError } from "../../../protocol/types.ts";
import { Diagnostics } from "../../diagnostics.ts";
import type { ResponsesRequest } from "../../../protocol/request.ts";
import type { CompiledMapping } from "../../../mapping/compile.ts";
import type { ReasoningCarrier } from "../../reasoning-carrier.ts";
import type { ResponsesRules } from "../../../mapping/doc.ts";
import { applyEffort, applySummary } from "../params.ts";
import { flatToolName, toolSources, type ToolRegistry } from "../tools.ts";
import { discoveredTools } from "../messages.ts";
import { translateNativeTools, nativeToolChoice, DROP_NATIVE_TOOLS } from "./tools.ts";
import { translateNativeInput } from "./input.ts";
import type { FlatName } from "../../../mapping/readers/responses.ts";
import type { TranslateInput } from "../translate.ts";

/** What either wire's translator is given (the Chat translator's input). */
export type NativeTranslateInput = TranslateInput;

export interface NativeTranslatedRequest {
  body: Record<string, unknown>;
  diagnostics: Diagnostics;
  tools: ToolRegistry;
  thinking: boolean;
  includeEncrypted: boolean;
  /** Provider (name, namespace) → the flat name the registry knows. */
  flat: FlatName;
}

/** The built-in steps; every other field follows its pass/rename/drop/reject rule. */
export const NATIVE_MAPPED_FIELDS: readonly string[] = ["model", "input", "stream", "tools", "tool_choice", "reasoning", "text", "include", "temperature", "top_p", "previous_response_id", "generate"];
const MAPPED = new Set(NATIVE_MAPPED_FIELDS);

export function translateNativeRequest(req: ResponsesRequest, t: NativeTranslateInput): NativeTranslatedRequest {
  const rules = t.mapping.responses?.rules;
  if (!rules) throw new Error(`${t.mapping.name}: no responses wire`);
  const diags = new Diagnostics();
  const view = t.mapping.forModel(t.model);
  const pattern = new RegExp(view.request.tools.name_pattern);
  const flat: FlatName = (name, namespace) => flatToolName(name, namespace, pattern);

  const passed = fieldRules(req as unknown as Record<string, unknown>, rules, diags);
  const effort = applyEffort(req.reasoning, view.responsesEffortTable, t.model, diags);
  applySummary(req.reasoning, diags);
  includeDiagnostics(req.include, diags);

  const { tools, registry, native } = translateNativeTools(toolSources(req), rules, pattern, diags, discoveredTools(req.input), t.hostedSearch === true, t.providerSearch !== false);
  const input = translateNativeInput(req.input, {
    rules,
    provider: t.mapping.name,
    images: view.images,
    carrier: t.carrier,
    pattern,
    nativeCustom: native.custom,
    nativeNamespaces: native.namespaces,
    diags,
  });

  const body: Record<string, unknown> = { model: t.model };
  if (typeof req.instructions === "string" && req.instructions !== "") Object.assign(body, pick(passed, "instructions"));
  body.input = input;
  if (tools.length > 0) {
    const choice = nativeToolChoice(req.tool_choice, rules, pattern, diags);
    if (choice !== DROP_NATIVE_TOOLS) {
      body.tools = tools;
      if (choice !== undefined) body.tool_choice = choice;
    }
  }
  const reasoning = reasoningBlock(req, rules, effort.set, diags);
  const text = textBlock(req, rules, diags);
  for (const [k, v] of Object.entries(passed)) if (k !== "instructions") body[k] = v;
  if (!(body.tools && req.parallel_tool_calls != null)) delete body.parallel_tool_calls;
  for (const name of ["temperature", "top_p"] as const) {
    const v = clampSampling(name, req[name], rules, diags);
    if (v !== undefined) body[name] = v;
  }
  if (reasoning) body.reasoning = reasoning;
  if (text) body.text = text;
  // Effort entries may set more than `reasoning` (e.g. a provider's own thinking switch).
  for (const [k, v] of Object.entries(effort.set)) if (k !== "reasoning") body[k] = v;
  if (rules.set) Object.assign(body, rules.set);
  body.stream = t.stream;
  const includeEncrypted = Array.isArray(req.include) && req.include.includes("reasoning.encrypted_content");
  return { body, diagnostics: diags, tools: registry, thinking: effort.thinking, includeEncrypted, flat };
}

function pick(o: Record<string, unknown>, key: string): Record<string, unknown> {
  return Object.hasOwn(o, key) ? { [key]: o[key] } : {};
}

/** pass / rename / drop / reject for each top-level field; returns the fields to send as they are. */
function fieldRules(req: Record<string, unknown>, rules: ResponsesRules, diags: Diagnostics): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(req)) {
    const value = req[key];
    const rule = Object.hasOwn(rules.fields, key) ? rules.fields[key] : undefined;
    if (!rule) {
      diags.ignored("field_unknown", key, `'${key}' is not a Responses parameter GodeX knows; it was ignored.`);
      continue;
    }
    if (value === null || value === undefined) continue;
    if (rule.action === "mapped") {
      // previous_response_id was resolved into `input` and generate:false answered before translation.
      if (!MAPPED.has(key)) diags.ignored("field_ignored", key, `'${key}' has no built-in translation on this wire; it was not sent.`);
      continue;
    }
    if (rule.action === "pass") {
      out[key] = value;
      continue;
    }
    if (rule.action === "rename") {
      out[rule.to ?? key] = value;
      continue;
    }
    if (rule.quiet_always || rule.quiet?.some((q) => q === value)) continue;
    const message = rule.message ?? `'${key}' is not supported by this provider.`;
    if (rule.action === "reject") throw new ClientError(400, "invalid_request_error", "unsupported_parameter", message, key);
    diags.ignored("field_ignored", key, message);
  }
  return out;
}

function reasoningBlock(req: ResponsesRequest, rules: ResponsesRules, set: Record<string, unknown>, diags: Diagnostics): Record<string, unknown> | undefined {
  const out: Record<string, unknown> = {};
  const fromTable = set.reasoning;
  if (fromTable && typeof fromTable === "object") Object.assign(out, fromTable);
  else if (typeof req.reasoning?.effort === "string" && Object.keys(set).length === 0 && !("reasoning" in set)) {
    // No effort table for this model: the effort goes through unchanged.
    out.effort = req.reasoning.effort;
  }
  const summary = req.reasoning?.summary ?? req.reasoning?.generate_summary;
  if (summary != null) {
    if (rules.reasoning.summary === "pass") out.summary = summary;
    else if (summary !== "auto") diags.ignored("reasoning_summary_not_sent", "reasoning.summary", "The provider takes no summary setting; GodeX shows its reasoning text as the summary.");
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

function textBlock(req: ResponsesRequest, rules: ResponsesRules, diags: Diagnostics): Record<string, unknown> | undefined {
  const text = req.text;
  if (!text) return undefined;
  if (text.verbosity != null) diags.ignored("text_verbosity_ignored", "text.verbosity", `The provider has no verbosity control; '${text.verbosity}' was not sent.`);
  const format = text.format;
  if (!format || format.type === "text") return undefined;
  const action = format.type === "json_object" ? rules.text_format.json_object : rules.text_format.json_schema;
  if (action === "omit") {
    diags.ignored("text_format_ignored", "text.format", `The provider does not support response format '${format.type}'; it was not sent.`);
    return undefined;
  }
  if (format.type === "json_schema" && action === "json_object") {
    diags.degraded("json_schema_as_json_object", "text.format", "The provider does not enforce JSON schemas; sent json_object mode (the schema was not enforced).");
    return { format: { type: "json_object" } };
  }
  return { format };
}

function clampSampling(name: "temperature" | "top_p", value: unknown, rules: ResponsesRules, diags: Diagnostics): number | undefined {
  if (typeof value !== "number") return undefined;
  const range = rules.sampling?.[name];
  if (range === undefined) return value;
  if (range === "omit") {
    diags.ignored("sampling_ignored", name, `The provider does not support ${name}; it was not sent.`);
    return undefined;
  }
  if (value < range.min || value > range.max) {
    const v = Math.min(range.max, Math.max(range.min, value));
    diags.degraded("sampling_clamped", name, `${name} ${value} is outside the provider's range [${range.min}, ${range.max}]; sent ${v}.`);
    return v;
  }
  return value;
}

function includeDiagnostics(include: unknown, diags: Diagnostics) {
  if (!Array.isArray(include)) return;
  include.forEach((v, i) => {
    if (v !== "reasoning.encrypted_content") diags.ignored("include_ignored", `include[${i}]`, `'${v}' cannot be provided for this provider.`);
  });
}
