// The Response object GodeX returns (and embeds in created/in_progress/completed events), with
// every field strict validators of the published schema expect.
import type { Diagnostic, Usage } from "../../protocol/types.ts";
import type { OutputItem, ResponseObject } from "../../generated/responses-output.ts";
import type { ResponsesRequest } from "../../protocol/request.ts";
import type { EchoedSampling } from "../../mapping/doc.ts";

/** The Response fields that echo the request (types from schemas/responses-output.schema.json). */
export type ResponseEcho = Pick<
  ResponseObject,
  | "frequency_penalty"
  | "instructions"
  | "max_output_tokens"
  | "max_tool_calls"
  | "metadata"
  | "parallel_tool_calls"
  | "presence_penalty"
  | "previous_response_id"
  | "prompt_cache_key"
  | "reasoning"
  | "safety_identifier"
  | "store"
  | "temperature"
  | "text"
  | "tool_choice"
  | "tools"
  | "top_logprobs"
  | "top_p"
  | "truncation"
  | "user"
>;

/** What the provider was actually asked to do, beyond what the client sent. */
export interface AppliedSettings {
  /** Sampling values in effect: what GodeX sent upstream, else the provider's default (mapping data). */
  sampling: Record<EchoedSampling, number>;
  /** Whether the provider enforces a function's schema when the client asks for strict. */
  strictKept: boolean;
}

/** The sampling values in effect for an upstream body: each sent value, else the mapping's default. */
export function appliedSampling(body: Record<string, unknown>, defaults: Record<EchoedSampling, number>): Record<EchoedSampling, number> {
  const pick = (k: EchoedSampling) => (typeof body[k] === "number" ? (body[k] as number) : defaults[k]);
  return { temperature: pick("temperature"), top_p: pick("top_p"), presence_penalty: pick("presence_penalty"), frequency_penalty: pick("frequency_penalty") };
}

/**
 * A function tool as strict clients expect it echoed (Open Responses FunctionTool: description and
 * parameters present, possibly null; strict a boolean saying whether the schema is enforced).
 * Other tool types are echoed as sent.
 */
function echoTool(tool: Record<string, unknown>, strictKept: boolean): Record<string, unknown> {
  if (tool?.type !== "function") return tool;
  return { ...tool, description: tool.description ?? null, parameters: tool.parameters ?? null, strict: strictKept && tool.strict === true };
}

/** GPT-6 efforts above xhigh (Codex's max/ultra) are served as xhigh (with a diagnostic): the echo says what applied. */
function echoedEffort(effort: NonNullable<ResponsesRequest["reasoning"]>["effort"] | undefined): ResponseEcho["reasoning"]["effort"] {
  if (effort === undefined || effort === null) return null;
  return effort === "max" || effort === "ultra" ? "xhigh" : effort;
}

/** What the client asked for, echoed back the way OpenAI does (with OpenAI's defaults), and what applied. */
export function echoFromRequest(req: ResponsesRequest, applied: AppliedSettings): ResponseEcho {
  const text: ResponseEcho["text"] = { format: req.text?.format ?? { type: "text" }, verbosity: req.text?.verbosity ?? "medium" };
  return {
    frequency_penalty: applied.sampling.frequency_penalty,
    instructions: req.instructions ?? null,
    max_output_tokens: req.max_output_tokens ?? null,
    max_tool_calls: req.max_tool_calls ?? null,
    metadata: req.metadata ?? {},
    parallel_tool_calls: req.parallel_tool_calls ?? true,
    presence_penalty: applied.sampling.presence_penalty,
    previous_response_id: req.previous_response_id ?? null,
    prompt_cache_key: req.prompt_cache_key ?? null,
    reasoning: { effort: echoedEffort(req.reasoning?.effort), summary: req.reasoning?.summary ?? null },
    safety_identifier: req.safety_identifier ?? null,
    store: req.store ?? true,
    temperature: applied.sampling.temperature,
    text,
    tool_choice: req.tool_choice ?? "auto",
    tools: (req.tools ?? []).map((t) => echoTool(t as Record<string, unknown>, applied.strictKept)) as ResponseEcho["tools"],
    top_logprobs: req.top_logprobs ?? 0,
    top_p: applied.sampling.top_p,
    truncation: req.truncation ?? "disabled",
    user: req.user ?? null,
  };
}

export interface ResponseState {
  id: string;
  createdAt: number;
  completedAt: number | null;
  status: ResponseObject["status"];
  model: string;
  output: OutputItem[];
  error: ResponseObject["error"];
  incompleteDetails: ResponseObject["incomplete_details"];
  usage: Usage | null;
  diagnostics: Diagnostic[];
  provider: string;
  upstreamModel: string;
}

export function responseObject(s: ResponseState, echo: ResponseEcho): ResponseObject {
  return {
    id: s.id,
    object: "response",
    created_at: s.createdAt,
    status: s.status,
    background: false,
    completed_at: s.completedAt,
    error: s.error,
    frequency_penalty: echo.frequency_penalty,
    incomplete_details: s.incompleteDetails,
    instructions: echo.instructions,
    max_output_tokens: echo.max_output_tokens,
    max_tool_calls: echo.max_tool_calls,
    model: s.model,
    output: s.output,
    parallel_tool_calls: echo.parallel_tool_calls,
    presence_penalty: echo.presence_penalty,
    previous_response_id: echo.previous_response_id,
    prompt_cache_key: echo.prompt_cache_key,
    reasoning: echo.reasoning,
    safety_identifier: echo.safety_identifier,
    service_tier: "default",
    store: echo.store,
    temperature: echo.temperature,
    text: echo.text,
    tool_choice: echo.tool_choice,
    tools: echo.tools,
    top_logprobs: echo.top_logprobs,
    top_p: echo.top_p,
    truncation: echo.truncation,
    usage: s.usage,
    user: echo.user,
    metadata: echo.metadata,
    // Namespaced GodeX extension: Codex and the openai SDK ignore unknown top-level fields.
    godex: { provider: s.provider, upstream_model: s.upstreamModel, diagnostics: s.diagnostics },
  };
}

/**
 * Serializes the Response object for stream events byte-identically to
 * JSON.stringify(responseObject(…)), but without re-serializing what never changes during a
 * request (the echoed tools alone are tens of KB for Codex) or the items already serialized for
 * their output_item.done events.
 */
export class ResponseSerializer {
  private readonly afterError: string;
  private readonly beforeOutput: string;
  private readonly afterOutput: string;
  private readonly afterUsage: string;

  constructor(echo: ResponseEcho, model: string) {
    const J = JSON.stringify;
    this.afterError = `,"frequency_penalty":${J(echo.frequency_penalty)}`;
    this.beforeOutput = `,"instructions":${J(echo.instructions)},"max_output_tokens":${J(echo.max_output_tokens)},"max_tool_calls":${J(echo.max_tool_calls)},"model":${J(model)}`;
    this.afterOutput =
      `,"parallel_tool_calls":${J(echo.parallel_tool_calls)},"presence_penalty":${J(echo.presence_penalty)},"previous_response_id":${J(echo.previous_response_id)},"prompt_cache_key":${J(echo.prompt_cache_key)}` +
      `,"reasoning":${J(echo.reasoning)},"safety_identifier":${J(echo.safety_identifier)},"service_tier":"default","store":${J(echo.store)}` +
      `,"temperature":${J(echo.temperature)},"text":${J(echo.text)},"tool_choice":${J(echo.tool_choice)},"tools":${J(echo.tools)}` +
      `,"top_logprobs":${J(echo.top_logprobs)},"top_p":${J(echo.top_p)},"truncation":${J(echo.truncation)}`;
    this.afterUsage = `,"user":${J(echo.user)},"metadata":${J(echo.metadata)}`;
  }

  /** `outputJson`: the serialized output items, in order. */
  json(s: ResponseState, outputJson: readonly string[]): string {
    const J = JSON.stringify;
    return (
      `{"id":${J(s.id)},"object":"response","created_at":${J(s.createdAt)},"status":${J(s.status)},"background":false` +
      `,"completed_at":${J(s.completedAt)},"error":${J(s.error)}` +
      this.afterError +
      `,"incomplete_details":${J(s.incompleteDetails)}` +
      this.beforeOutput +
      `,"output":[${outputJson.join(",")}]` +
      this.afterOutput +
      `,"usage":${J(s.usage)}` +
      this.afterUsage +
      `,"godex":${J({ provider: s.provider, upstream_model: s.upstreamModel, diagnostics: s.diagnostics })}}`
    );
  }
}
