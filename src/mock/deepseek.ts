// DeepSeek Chat Completions emulator: auth, validation, and byte-faithful replies (providers.md §1).
import { randomBytes, randomUUID } from "node:crypto";
import { decide, requestedErrorStatus, type BrainReply } from "./brain.ts";
import { chatToBrainInput, isObj } from "./chat.ts";
import { SSE_DONE, SSE_KEEPALIVE, sseData, splitArgs, splitWords } from "./sse.ts";
import { positionAt } from "./jsonpos.ts";
import { estimateTokens, PrefixCache } from "./tokens.ts";
import { NativeResponses } from "./native.ts";
import { deepseekNative } from "./native-profiles.ts";
import type { Dialect, DialectRequest, DialectResponse, DialectSpec } from "./types.ts";
import { DEEPSEEK_MODELS, thinkingEnabled, validateDeepSeek, type ApiError } from "./deepseek-validate.ts";

const FINGERPRINT = "fp_9954b31ca7_prod0820_fp8_kvcache_20260402";
const ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/** Error texts for GODEX_MOCK_ERROR; 401/402 verified, the rest use the error-code page's names. */
const STATUS_ERRORS: Record<number, { message: string; type: string }> = {
  400: { message: "Invalid Format", type: "invalid_request_error" },
  402: { message: "Insufficient Balance", type: "unknown_error" },
  422: { message: "Invalid Parameters", type: "invalid_request_error" },
  429: { message: "Rate Limit Reached", type: "rate_limit_error" },
  500: { message: "Server Error", type: "server_error" },
  503: { message: "Server Overloaded", type: "server_error" },
};

function traceHeaders(contentType: string): Record<string, string> {
  return { "content-type": contentType, "x-ds-trace-id": randomBytes(16).toString("hex") };
}

function errorResponse(e: ApiError): DialectResponse {
  const body = { error: { message: e.message, type: e.type, param: null, code: "invalid_request_error" } };
  return { status: e.status, headers: traceHeaders("application/json"), body: JSON.stringify(body) };
}

function authError(key: string): ApiError {
  return { status: 401, message: `Authentication Fails, Your api key: ****${key.slice(-4)} is invalid`, type: "authentication_error" };
}

/** `call_00_` + 24 random alphanumerics; the two digits are the call's index. */
export function deepseekCallId(index: number): string {
  const bytes = randomBytes(24);
  let tail = "";
  for (const b of bytes) tail += ALNUM[b % ALNUM.length];
  return `call_${String(index).padStart(2, "0")}_${tail}`;
}

interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  prompt_tokens_details: { cached_tokens: number };
  completion_tokens_details: { reasoning_tokens: number };
  prompt_cache_hit_tokens: number;
  prompt_cache_miss_tokens: number;
}

function usageFor(prompt: { promptTokens: number; hitTokens: number }, reply: BrainReply): Usage {
  const reasoning = estimateTokens(reply.reasoning ?? "");
  const rest = reply.content + reply.toolCalls.map((c) => c.name + c.arguments).join("");
  const completion = Math.max(1, reasoning + estimateTokens(rest));
  return {
    prompt_tokens: prompt.promptTokens,
    completion_tokens: completion,
    total_tokens: prompt.promptTokens + completion,
    prompt_tokens_details: { cached_tokens: prompt.hitTokens },
    completion_tokens_details: { reasoning_tokens: reasoning },
    prompt_cache_hit_tokens: prompt.hitTokens,
    prompt_cache_miss_tokens: prompt.promptTokens - prompt.hitTokens,
  };
}

interface Turn {
  model: string;
  thinking: boolean;
  includeUsage: boolean;
  reply: BrainReply;
  usage: Usage;
}

function renderJson(t: Turn): DialectResponse {
  const calls = t.reply.toolCalls.map((c, index) => ({
    index,
    id: deepseekCallId(index),
    type: "function",
    function: { name: c.name, arguments: c.arguments },
  }));
  const message = {
    role: "assistant",
    content: t.reply.content,
    ...(t.thinking ? { reasoning_content: t.reply.reasoning ?? "" } : {}),
    ...(calls.length ? { tool_calls: calls } : {}),
  };
  const body = {
    id: randomUUID(),
    object: "chat.completion",
    created: Math.floor(Date.now() / 1000),
    model: t.model,
    choices: [{ index: 0, message, logprobs: null, finish_reason: t.reply.finish }],
    usage: t.usage,
    system_fingerprint: FINGERPRINT,
  };
  return { status: 200, headers: traceHeaders("application/json"), body: JSON.stringify(body) };
}

function renderStream(t: Turn): DialectResponse {
  const id = randomUUID();
  const created = Math.floor(Date.now() / 1000);
  const chunk = (delta: object, finish: string | null = null, usage?: Usage): string =>
    sseData({
      id,
      object: "chat.completion.chunk",
      created,
      model: t.model,
      system_fingerprint: FINGERPRINT,
      choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
      ...(usage ? { usage } : t.includeUsage ? { usage: null } : {}),
    });
  const r = t.reply;
  const events = [SSE_KEEPALIVE];
  if (t.thinking) {
    events.push(chunk({ role: "assistant", content: null, reasoning_content: "" }));
    for (const piece of splitWords(r.reasoning ?? "")) events.push(chunk({ content: null, reasoning_content: piece }));
    for (const piece of splitWords(r.content)) events.push(chunk({ content: piece, reasoning_content: null }));
  } else {
    events.push(chunk({ role: "assistant", content: "" }));
    for (const piece of splitWords(r.content)) events.push(chunk({ content: piece }));
  }
  r.toolCalls.forEach((c, index) => {
    events.push(chunk({ tool_calls: [{ index, id: deepseekCallId(index), type: "function", function: { name: c.name, arguments: "" } }] }));
    for (const piece of splitArgs(c.arguments)) events.push(chunk({ tool_calls: [{ index, function: { arguments: piece } }] }));
  });
  const last = t.thinking ? { content: "", reasoning_content: null } : { content: "" };
  events.push(chunk(last, r.finish, t.usage), SSE_DONE);
  return { status: 200, headers: { ...traceHeaders("text/event-stream"), "cache-control": "no-cache" }, events };
}

class DeepSeek implements Dialect {
  private readonly cache = new PrefixCache();

  /** The native POST /responses endpoint (native-profiles.ts). */
  private readonly native = new NativeResponses(deepseekNative());

  handle(req: DialectRequest): DialectResponse {
    if (req.path === "/responses" || req.path === "/v1/responses") return this.native.handle(req);
    // /v1 is an alias of the root; /beta enables strict tools.
    const beta = req.path.startsWith("/beta/");
    const path = req.path.replace(/^\/(v1|beta)(?=\/)/, "");
    const route = `${req.method} ${path}`;
    if (route !== "POST /chat/completions" && route !== "GET /models") {
      return errorResponse({ status: 404, message: `Not Found: ${req.method} ${req.path}`, type: "invalid_request_error" }); // unverified
    }
    const auth = /^Bearer (.*)$/.exec(String(req.headers.authorization ?? ""));
    const key = auth?.[1] ?? "";
    if (req.expectedKey !== "" && key !== req.expectedKey) return errorResponse(authError(key));
    if (route === "GET /models") return this.models();
    return this.complete(req, beta, key);
  }

  private models(): DialectResponse {
    const data = DEEPSEEK_MODELS.map((id) => ({ id, object: "model", owned_by: "deepseek" }));
    return { status: 200, headers: traceHeaders("application/json"), body: JSON.stringify({ object: "list", data }) };
  }

  private complete(req: DialectRequest, beta: boolean, key: string): DialectResponse {
    if (!String(req.headers["content-type"] ?? "").includes("application/json")) {
      return errorResponse({ status: 415, message: "Expected request with `Content-Type: application/json`", type: "invalid_request_error" }); // axum's wording; envelope unverified
    }
    let body: unknown;
    try {
      body = JSON.parse(req.rawBody);
    } catch (err) {
      return errorResponse(parseError(req.rawBody, err));
    }
    const invalid = validateDeepSeek(req.rawBody, body, beta);
    if (invalid) return errorResponse(invalid);

    const b = body as Record<string, unknown>;
    const thinking = thinkingEnabled(b);
    const input = chatToBrainInput(b, thinking, typeof b.max_tokens === "number" ? b.max_tokens : undefined);
    const forced = requestedErrorStatus(input, "deepseek");
    if (forced !== undefined) {
      if (forced === 401) return errorResponse(authError(key));
      const known = STATUS_ERRORS[forced] ?? { message: `Mock error ${forced}`, type: "invalid_request_error" };
      return errorResponse({ status: forced, ...known });
    }

    const reply = decide(input);
    const head = JSON.stringify([b.model, b.tools ?? null]);
    const prompt = this.cache.account(head, (b.messages as unknown[]).map((m) => JSON.stringify(m)));
    const opts = isObj(b.stream_options) ? b.stream_options : {};
    const turn: Turn = { model: b.model as string, thinking, includeUsage: opts.include_usage === true, reply, usage: usageFor(prompt, reply) };
    return b.stream === true ? renderStream(turn) : renderJson(turn);
  }
}

/** serde-like "Failed to parse" error from a JSON.parse failure. */
function parseError(raw: string, err: unknown): ApiError {
  const pos = /position (\d+)/.exec(String((err as Error).message));
  const at = pos ? Number(pos[1]) + 1 : raw.length;
  const what = raw.trim() === "" || !pos ? "EOF while parsing a value" : "expected value";
  const { line, column } = positionAt(raw, at);
  return { status: 400, message: `Failed to parse the request body as JSON: ${what} at line ${line} column ${column}`, type: "invalid_request_error" };
}

export const deepseek: DialectSpec = {
  defaultKey: "mock-deepseek-key",
  create: () => new DeepSeek(),
};
