// The shape of a mapping file after `extends` is resolved (see schemas/mapping.schema.json).

export type PathSpec = string | string[];

export interface FieldRule {
  action: "mapped" | "ignored" | "rejected";
  message?: string;
  /** Values that mean "what GodeX does anyway": no diagnostic for them. */
  quiet?: unknown[];
  /** Never report (e.g. telemetry the client always sends). */
  quiet_always?: boolean;
}

/** keep: send as is; omit: leave it out; auto: send "auto"; drop_tools: send no tools (emulates "none"); reject: 400. */
export type ToolChoiceAction = "keep" | "omit" | "auto" | "drop_tools" | "reject";

export interface EffortEntry {
  /** Fields merged into the Chat request. */
  set?: Record<string, unknown>;
  /** Whether the provider thinks with this setting (drives pass-back and tool_choice limits). */
  thinking: boolean;
  /** Set when the effort cannot be honoured exactly: says what was sent instead. */
  note?: string;
}

export interface EffortTable {
  default_thinking: boolean;
  none: EffortEntry;
  minimal: EffortEntry;
  low: EffortEntry;
  medium: EffortEntry;
  high: EffortEntry;
  xhigh: EffortEntry;
}

export interface ModelRule {
  effort_table?: string;
  images?: boolean;
  /** Per-model request overrides merged over `request` (e.g. a different max tokens field). */
  request?: Partial<RequestRules>;
}

export interface RequestRules {
  fields: Record<string, FieldRule>;
  roles: Record<string, string>;
  system_messages: "keep" | "merge_first";
  part_separator: string;
  max_tokens_field: string;
  assistant_tool_content: string | null;
  images: boolean;
  tools: { strict: "strip" | "keep"; max: number; name_pattern: string };
  tool_choice: Record<"auto" | "none" | "required" | "function", ToolChoiceAction>;
  tool_choice_when_thinking?: Partial<Record<"auto" | "none" | "required" | "function", ToolChoiceAction>>;
  parallel_tool_calls: "keep" | "omit";
  user_field: { name: string; pattern: string } | null;
  stream_options: Record<string, unknown> | null;
  response_format: Record<"text" | "json_object" | "json_schema", "keep" | "omit" | "json_object">;
  sampling: Record<string, { min: number; max: number } | "omit">;
  sampling_ignored_when_thinking?: string[];
  /** Constant fields added to every Chat request. */
  set?: Record<string, unknown>;
  /** Extra fields only for streamed requests (e.g. Zhipu `tool_stream`). */
  set_when_streaming?: Record<string, unknown>;
  /** JSONata applied last to the Chat request; bindings: $request (Responses body), $model, $thinking. */
  patch?: string;
}

export interface PassbackRules {
  /** field: a message field (reasoning_content); content_raw: replay the raw content incl. <think>; none. */
  mode: "field" | "content_raw" | "none";
  field?: string;
  when?: "tool_calls" | "always";
  empty?: string;
}

export interface ErrorRule {
  when: string;
  code: string;
  type: string;
  http: number;
  retryable?: boolean;
  message_prefix?: string;
}

export interface StatusRule {
  code: string;
  type: string;
  http: number;
  retryable?: boolean;
  message_prefix?: string;
}

export interface FinishRule {
  status: "completed" | "incomplete" | "failed";
  reason?: string;
  code?: string;
  message?: string;
  retryable?: boolean;
}

export interface MappingDoc {
  name: string;
  extends?: string;
  abstract?: boolean;
  description?: string;
  endpoint: { path: string; auth: { header: string; prefix: string } };
  models?: Record<string, ModelRule>;
  request: RequestRules;
  reasoning: {
    effort_tables?: Record<string, EffortTable>;
    passback: PassbackRules;
  };
  response: Record<"id" | "text" | "reasoning" | "tool_calls" | "finish_reason" | "usage", PathSpec> & {
    error?: PathSpec;
  };
  stream: Record<"text" | "reasoning" | "tool_calls" | "finish_reason" | "usage", PathSpec> & {
    error?: PathSpec;
    think_tags: boolean;
    done_sentinel: "required" | "optional";
  };
  usage: Record<"input_tokens" | "cached_tokens" | "output_tokens" | "reasoning_tokens" | "total_tokens", PathSpec>;
  finish_reasons: Record<string, FinishRule>;
  errors: {
    message: PathSpec;
    code: PathSpec;
    type: PathSpec;
    param?: PathSpec;
    /** Business errors inside an HTTP 200 body or a stream chunk (e.g. MiniMax base_resp); `message`/`code` paths may list them too. */
    in_body?: { status_code: PathSpec; ok: unknown[] };
    rules: ErrorRule[];
    status: Record<string, StatusRule>;
  };
  examples?: { name: string; request: Record<string, unknown>; expect: Record<string, unknown> }[];
}
