// The shape of a mapping file after `extends` is resolved. The types are generated from
// schemas/mapping.schema.json (src/generated/mapping.ts); a merged document additionally has
// every request rule that the shared openai-chat base supplies, which is what is made required here.
import type * as G from "../generated/mapping.ts";

export type PathSpec = string | [string, ...string[]];
export type FieldRule = G.FieldRule;
export type EffortEntry = G.EffortEntry;
export type EffortTable = G.EffortTable;
export type FinishRule = G.FinishRule;
export type ErrorRule = G.ErrorRule;
export type StatusRule = G.StatusRule;

type ToolChoiceRules = NonNullable<G.RequestRules["tool_choice"]>;
/** keep: send as is; omit: leave it out; auto: send "auto"; drop_tools: send no tools (emulates "none"); reject: 400. */
export type ToolChoiceAction = NonNullable<ToolChoiceRules["auto"]>;

/** Rules a file may leave out even after merging. */
type OptionalRules = "tool_choice_when_thinking" | "sampling_ignored_when_thinking" | "set" | "set_when_streaming" | "patch";

/** The sampling parameters the Response object echoes as numbers (Open Responses ResponseResource). */
export const ECHOED_SAMPLING = ["temperature", "top_p", "presence_penalty", "frequency_penalty"] as const;
export type EchoedSampling = (typeof ECHOED_SAMPLING)[number];

export type RequestRules = Required<
  Omit<G.RequestRules, OptionalRules | "fields" | "roles" | "tools" | "tool_choice" | "response_format" | "sampling" | "sampling_defaults">
> &
  Pick<G.RequestRules, OptionalRules> & {
    fields: Record<string, FieldRule>;
    roles: Record<string, string>;
    tools: Required<NonNullable<G.RequestRules["tools"]>>;
    tool_choice: Required<ToolChoiceRules>;
    response_format: Required<NonNullable<G.RequestRules["response_format"]>>;
    sampling: Record<string, "omit" | { min: number; max: number }>;
    /** What the provider applies when nothing is sent (lint/validate guarantee all four). */
    sampling_defaults: Record<EchoedSampling, number>;
  };

export type ResponsesRules = G.ResponsesRules;
export type ResponsesFieldRule = G.ResponsesFieldRule;

export type PassbackRules = G.MappingFile["reasoning"]["passback"];
/** The pass-back rules in force for one request, after its `reasoning.context` was applied. */
export type ActivePassback = PassbackRules & { turns?: "all" | "current" };

export interface ModelRule {
  effort_table?: string;
  wire?: "chat" | "responses";
  /** Effort table under responses.effort_tables, for the native wire. */
  responses_effort_table?: string;
  images?: boolean;
  /** Tokens, from the provider's model documentation. */
  context_window?: number;
  /** Per-model request overrides merged over `request`. */
  request?: G.RequestRules;
}

export type MappingDoc = Omit<G.MappingFile, "request" | "models" | "reasoning" | "finish_reasons" | "errors"> & {
  models?: Record<string, ModelRule>;
  request: RequestRules;
  reasoning: { effort_tables?: Record<string, EffortTable>; passback: PassbackRules };
  finish_reasons: Record<string, FinishRule>;
  errors: Omit<G.MappingFile["errors"], "status"> & { status: Record<string, StatusRule> };
};
