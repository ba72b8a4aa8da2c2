// Core contracts shared by the request translator, the stream interpreter and the server.
// Provider knowledge never appears here: it lives in mappings/*.yaml.

/** One compatibility finding: what GodeX could not pass on exactly. */
export interface Diagnostic {
  /** Stable machine code, e.g. `tool_dropped`, `reasoning_effort_degraded`. */
  code: string;
  /** Where in the client request (or upstream reply) the finding is, e.g. `tools[9]`, `reasoning.effort`. */
  path: string;
  action: "degraded" | "ignored" | "rejected";
  message: string;
}

/** What an upstream reply contributes, provider-neutral. Produced by the reader of each wire. */
export type CanonicalDelta =
  | { kind: "reasoning"; text: string }
  | { kind: "text"; text: string }
  | {
      kind: "tool_call";
      index: number;
      id?: string | null;
      name?: string | null;
      arguments?: string | null;
      /** Raw freeform input of a native custom tool call (no JSON wrapping). */
      input?: string | null;
    }
  /** The upstream closed the current item (a wire with explicit items): the next delta starts a new one. */
  | { kind: "item_end" }
  /** A finished server-side tool item (web_search_call), handed to the client under GodeX's id. */
  | { kind: "hosted_item"; item: { type: "web_search_call"; status: string; action?: unknown } }
  /** Something the reader could not pass on exactly. */
  | { kind: "diagnostic"; diagnostic: Diagnostic }
  | { kind: "finish"; reason: string }
  | { kind: "usage"; usage: Usage }
  /** The provider's own web search ran (a mapping's request.web_search): the pages it reports. */
  | { kind: "web_search"; sources: { url: string; title: string }[]; query?: string }
  /** An error reported inside a 200 body or a stream chunk; classified by the mapping's error rules. */
  | { kind: "error"; status: number; body: unknown };

/** Usage in Responses terms. `input_tokens` includes cached tokens. */
export interface Usage {
  input_tokens: number;
  input_tokens_details: { cached_tokens: number };
  output_tokens: number;
  output_tokens_details: { reasoning_tokens: number };
  total_tokens: number;
}

/** How one upstream finish reason ends the Responses turn. */
export interface FinishOutcome {
  status: "completed" | "incomplete" | "failed";
  /** incomplete_details.reason for `incomplete`. */
  reason?: string;
  /** error.code for `failed`. */
  code?: string;
  message?: string;
}

/** A failure as the client should see it, in the OpenAI error vocabulary. */
export interface UpstreamFailure {
  /** HTTP status for a non-streamed reply. */
  httpStatus: number;
  /** OpenAI error.type (invalid_request_error, authentication_error, rate_limit_error, server_error, …). */
  type: string;
  /** OpenAI/Codex error.code (context_length_exceeded, rate_limit_exceeded, insufficient_quota, server_error, invalid_prompt, …). */
  code: string;
  message: string;
  param: string | null;
  /** Whether GodeX may retry the upstream call (only before any byte went to the client). */
  retryable: boolean;
  /** Delay the upstream asked for (Retry-After), in ms. */
  retryAfterMs?: number;
}

/** An error answered to the client before anything was streamed. */
export class ClientError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    readonly code: string,
    message: string,
    readonly param: string | null = null,
  ) {
    super(message);
  }
  toBody() {
    return { error: { message: this.message, type: this.type, code: this.code, param: this.param } };
  }
}
