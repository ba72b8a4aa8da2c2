// MiniMax Chat Completions emulator (api.minimax.io/v1): auth, `(2013)` errors, HTTP-200 business errors
// and byte-faithful replies (providers.md §3): reasoning inline as `<think>…</think>` in `content`,
// `role` on every delta, no finish_reason key before the last chunk, `usage:null` everywhere and a
// trailing usage chunk only with include_usage, and no `data: [DONE]` (the stream just ends).
import { decide, requestedBizError, requestedErrorStatus, type BrainInput } from "./brain.ts";
import { chatToBrainInput, isObj } from "./chat.ts";
import { accountPrompt, bearerKey, chatRoute, countUsage, jsonResponse, nowSeconds, parseChatBody, pick, randomHex, randomLowerAlnum, withNotes, withScriptedFinish, type Reply, type UsageCounts } from "./kit.ts";
import { minimaxFamily, minimaxNotes, minimaxThinking, MINIMAX_MODELS, validateMiniMax, type MiniMaxError, type MiniMaxFamily } from "./minimax-validate.ts";
import { sseData, splitArgs, splitWords } from "./sse.ts";
import { PrefixCache } from "./tokens.ts";
import { NativeResponses } from "./native.ts";
import { minimaxNative } from "./native-profiles.ts";
import type { Dialect, DialectRequest, DialectResponse, DialectSpec } from "./types.ts";

const JSON_HEADERS = { "content-type": "application/json" };
const SSE_HEADERS = { "content-type": "text/event-stream", "cache-control": "no-cache" };
const LOGIN_FAIL = "login fail: Please carry the API secret key in the 'Authorization' field of the request header (1004)";

/** `base_resp.status_msg` per business code; 1008 verified, the rest unverified. */
const BIZ_MESSAGES: Record<number, string> = {
  1000: "unknown error",
  1001: "request timeout",
  1002: "rate limit exceeded(RPM)",
  1004: "login fail: Please carry the API secret key in the 'Authorization' field of the request header",
  1008: "insufficient balance",
  1026: "input new_sensitive",
  1027: "output new_sensitive",
  1039: "token limit",
  2013: "invalid params",
};

/** `GODEX_MOCK_ERROR=<status>` → the HTTP error MiniMax sends for that situation. */
const STATUS_ERRORS: Record<number, Omit<MiniMaxError, "status">> = {
  400: { type: "bad_request_error", message: "invalid params (2013)" },
  402: { type: "insufficient_balance_error", message: "insufficient balance (1008)" }, // unverified
  429: { type: "rate_limit_error", message: "rate limit exceeded(RPM) (1002)" }, // unverified type/wording
  500: { type: "api_error", message: "unknown error (1000)" }, // unverified
  503: { type: "overloaded_error", message: "The server cluster is currently under high load. Please retry after a short wait and thank you for your patience. (2064)" }, // unverified
  529: { type: "overloaded_error", message: "The server cluster is currently under high load. Please retry after a short wait and thank you for your patience. (2064)" }, // unverified
};

function errorResponse(e: MiniMaxError): DialectResponse {
  const body = { type: "error", error: { type: e.type, message: e.message, http_code: String(e.status) }, request_id: randomHex(32) };
  return jsonResponse(e.status, body, JSON_HEADERS);
}

function authError(key: string | undefined): MiniMaxError {
  // A missing key is the verified 1004; a wrong key is reported as 2049 (invalid api key). // unverified wording for 2049
  return { status: 401, type: "authorized_error", message: key ? "invalid api key (2049)" : LOGIN_FAIL };
}

function forcedError(input: BrainInput): MiniMaxError | undefined {
  const status = requestedErrorStatus(input, "minimax");
  if (status === undefined) return undefined;
  if (status === 401) return authError(undefined);
  return { status, ...(STATUS_ERRORS[status] ?? { type: "api_error", message: `mock error (${status})` }) };
}

/** M3 family: `call_function_<12 lowercase alnum>_<1-based n>` (one random part per reply). M2.x: `call_` + 24 hex. */
export function minimaxCallIds(family: MiniMaxFamily, count: number): string[] {
  if (family === "m2") return Array.from({ length: count }, () => `call_${randomHex(24)}`);
  const tag = randomLowerAlnum(12); // unverified: shared by the calls of one reply
  return Array.from({ length: count }, (_, i) => `call_function_${tag}_${i + 1}`);
}

/** Open/close tag spelling and the gap after `</think>` vary between real replies; the body picks one. */
function thinkStyle(seed: string): { open: string; close: string; gap: string } {
  return {
    open: pick(`${seed}/open`, ["<think>\n", "<think>"]),
    close: pick(`${seed}/close`, ["\n</think>", "</think>"]),
    gap: pick(`${seed}/gap`, ["\n", "\n\n", "\n\n\n\n"]),
  };
}

interface Turn {
  id: string;
  model: string;
  family: MiniMaxFamily;
  /** Reasoning part of content: `<think>…</think>` + gap, "" when not thinking. */
  think: string;
  includeUsage: boolean;
  reply: Reply;
  usage: UsageCounts;
  headers: Record<string, string>;
}

/** `<think>` block text, left open when generation was cut inside the reasoning. */
function thinkBlock(r: Reply, thinking: boolean, seed: string): string {
  if (!thinking || r.reasoning === undefined) return "";
  const s = thinkStyle(seed);
  const cutInside = r.finish === "length" && r.content === "" && r.toolCalls.length === 0;
  return cutInside ? s.open + r.reasoning : s.open + r.reasoning + s.close + s.gap;
}

const SENSITIVE = { input_sensitive: false, output_sensitive: false, input_sensitive_type: 0, output_sensitive_type: 0, output_sensitive_int: 0 };

function usageBody(u: UsageCounts): object {
  return { total_tokens: u.total, total_characters: 0, prompt_tokens: u.prompt, completion_tokens: u.completion, prompt_tokens_details: { cached_tokens: u.cached } };
}

/** Top-level keys after `object`: M3 family adds the sensitivity flags and service_tier. */
function tail(family: MiniMaxFamily): object {
  return family === "m2" ? {} : { ...SENSITIVE, service_tier: "standard" };
}

function renderJson(t: Turn): DialectResponse {
  const r = t.reply;
  const ids = minimaxCallIds(t.family, r.toolCalls.length);
  const calls = r.toolCalls.map((c, index) => ({ id: ids[index], type: "function", function: { name: c.name, arguments: c.arguments }, index }));
  const message = {
    content: t.think + r.content,
    role: "assistant",
    name: "MiniMax AI",
    ...(calls.length ? { tool_calls: calls } : {}),
    audio_content: "",
  };
  const body = {
    id: t.id,
    choices: [{ finish_reason: r.finish, index: 0, message }],
    created: nowSeconds(),
    model: t.model,
    object: "chat.completion",
    usage: usageBody(t.usage),
    ...SENSITIVE, // unverified for M2.x non-stream
    ...(t.family === "m2" ? {} : { service_tier: "standard" }),
    base_resp: { status_code: 0, status_msg: "" },
  };
  return jsonResponse(200, body, { ...t.headers, ...JSON_HEADERS });
}

/**
 * M3's coarse pieces: a few words of reasoning, then the rest of it (plus any text before tool calls),
 * and `final`, the text riding on the finish chunk (stop replies only).
 */
function coarsePieces(think: string, content: string, textInFinal: boolean): { pieces: string[]; final: string } {
  if (!think) {
    if (!textInFinal) return { pieces: [content].filter(Boolean), final: "" };
    const words = splitWords(content, 1);
    const half = Math.floor(words.length / 2);
    return { pieces: [words.slice(0, half).join("")].filter(Boolean), final: words.slice(half).join("") };
  }
  const words = splitWords(think, 1);
  const head = Math.min(3, words.length - 1);
  const rest = words.slice(head).join("");
  return textInFinal
    ? { pieces: [words.slice(0, head).join(""), rest].filter(Boolean), final: content }
    : { pieces: [words.slice(0, head).join(""), rest + content].filter(Boolean), final: "" };
}

function renderStream(t: Turn, bizCode?: number): DialectResponse {
  const created = nowSeconds();
  const r = t.reply;
  const m3 = t.family !== "m2";
  const frame = (choices: object[] | null, extra: object = {}): string =>
    sseData({ id: t.id, choices, created, model: t.model, object: "chat.completion.chunk", usage: null, ...tail(t.family), ...extra });
  const ids = minimaxCallIds(t.family, r.toolCalls.length);
  const events: string[] = [];

  if (m3) {
    // Coarse chunks; the final one carries finish_reason and either the tool calls or the last text.
    const { pieces, final } = coarsePieces(t.think, r.content, r.toolCalls.length === 0);
    for (const p of pieces) events.push(frame([{ index: 0, delta: { content: p, role: "assistant", name: "MiniMax AI", audio_content: "" } }]));
    const finalDelta = r.toolCalls.length
      ? {
          role: "assistant",
          name: "MiniMax AI",
          tool_calls: r.toolCalls.map((c, index) => ({ id: ids[index], type: "function", function: { name: c.name, arguments: c.arguments }, index })),
          audio_content: "",
        }
      : { content: final, role: "assistant", name: "MiniMax AI", audio_content: "" };
    events.push(frame([{ finish_reason: r.finish, index: 0, delta: finalDelta }]));
  } else {
    for (const p of splitWords(t.think + r.content)) events.push(frame([{ index: 0, delta: { content: p, role: "assistant" } }]));
    r.toolCalls.forEach((c, index) => {
      events.push(frame([{ index: 0, delta: { content: "", role: "assistant", tool_calls: [{ id: ids[index], type: "function", function: { name: c.name, arguments: "" }, index }] } }]));
      for (const piece of splitArgs(c.arguments))
        events.push(frame([{ index: 0, delta: { content: "", role: "assistant", tool_calls: [{ type: "function", function: { arguments: piece }, index }] } }]));
    });
    events.push(frame([{ finish_reason: r.finish, index: 0, delta: { content: "", role: "assistant" } }]));
  }

  if (bizCode !== undefined) {
    // Business error mid-stream: a chunk whose base_resp is non-zero, then the connection closes. // unverified chunk shape
    const keep = events.slice(0, Math.max(1, Math.min(2, events.length - 1)));
    const err = frame(null, { base_resp: { status_code: bizCode, status_msg: BIZ_MESSAGES[bizCode] ?? "unknown error" } });
    return { status: 200, headers: { ...t.headers, ...SSE_HEADERS }, events: [...keep, err] };
  }
  if (t.includeUsage) events.push(sseData({ id: t.id, choices: [], created, model: t.model, object: "chat.completion.chunk", usage: usageBody(t.usage) }));
  // No `data: [DONE]`: MiniMax just closes the connection.
  return { status: 200, headers: { ...t.headers, ...SSE_HEADERS }, events };
}

/** HTTP 200 whose body only says, in base_resp, that the request failed. */
function bizErrorJson(t: Turn, code: number): DialectResponse {
  const body = {
    id: t.id,
    choices: null,
    created: nowSeconds(),
    model: t.model,
    object: "chat.completion",
    usage: { total_tokens: 0, total_characters: 0, prompt_tokens: 0, completion_tokens: 0 }, // unverified exact zero-usage shape
    ...SENSITIVE,
    base_resp: { status_code: code, status_msg: BIZ_MESSAGES[code] ?? "unknown error" },
  };
  return jsonResponse(200, body, { ...t.headers, ...JSON_HEADERS });
}

class MiniMax implements Dialect {
  private readonly cache = new PrefixCache(512, 1);

  /** The native POST /responses endpoint (native-profiles.ts). */
  private readonly native = new NativeResponses(minimaxNative());

  handle(req: DialectRequest): DialectResponse {
    if (req.path === "/responses") return this.native.handle(req);
    const route = chatRoute(req);
    if (!route) return errorResponse({ status: 404, type: "not_found_error", message: `not found: ${req.path}` }); // unverified
    const key = bearerKey(req.headers);
    if (req.expectedKey !== "" && key !== req.expectedKey) return errorResponse(authError(key));
    if (route === "models") {
      const data = MINIMAX_MODELS.map((id) => ({ id, object: "model", created: 1_700_000_000, owned_by: "minimax" })); // unverified shape
      return jsonResponse(200, { object: "list", data }, JSON_HEADERS);
    }
    return this.complete(req);
  }

  private complete(req: DialectRequest): DialectResponse {
    const parsed = parseChatBody(req.rawBody, validateMiniMax, { status: 400, type: "bad_request_error", message: "invalid params, invalid json body (2013)" }); // unverified
    if ("error" in parsed) return errorResponse(parsed.error);

    const b = parsed.body;
    const family = minimaxFamily(b.model as string);
    const thinking = minimaxThinking(b);
    const budget = [b.max_completion_tokens, b.max_tokens].find((v): v is number => typeof v === "number");
    const input = chatToBrainInput(b, thinking, budget);
    const forced = forcedError(input);
    if (forced) return errorResponse(forced);

    const reply = withScriptedFinish(input, decide(input));
    const prompt = accountPrompt(this.cache, b);
    const streamOpts = isObj(b.stream_options) ? b.stream_options : {};
    const turn: Turn = {
      id: randomHex(32),
      model: b.model as string,
      family,
      think: thinkBlock(reply, thinking, req.rawBody),
      includeUsage: streamOpts.include_usage === true,
      reply,
      usage: countUsage(prompt, reply),
      headers: withNotes({}, minimaxNotes(b)),
    };
    const biz = requestedBizError(input);
    if (b.stream === true) return renderStream(turn, biz === undefined ? undefined : biz || 1002);
    return biz === undefined ? renderJson(turn) : bizErrorJson(turn, biz || 1008);
  }
}

export const minimax: DialectSpec = {
  defaultKey: "mock-minimax-key",
  create: () => new MiniMax(),
};
