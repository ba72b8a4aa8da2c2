// Xiaomi MiMo Chat Completions emulator (api.xiaomimimo.com/v1): `api-key` or Bearer auth, "Param Incorrect"
// errors, the reasoning_content pass-back rule, and byte-faithful replies (providers.md §4): explicit nulls,
// every delta key always present, an all-null finish chunk with `usage:null`, then always a `choices:[]`
// usage chunk, then `data: [DONE]`.
import { decide, requestedErrorStatus, type BrainInput } from "./brain.ts";
import { chatToBrainInput } from "./chat.ts";
import { accountPrompt, bearerKey, chatRoute, countUsage, jsonResponse, nowSeconds, parseChatBody, randomHex, withNotes, withScriptedFinish, type Reply, type UsageCounts } from "./kit.ts";
import { SSE_DONE, sseData, splitArgs, splitWords } from "./sse.ts";
import { PrefixCache } from "./tokens.ts";
import { NativeResponses } from "./native.ts";
import { xiaomiNative } from "./native-profiles.ts";
import type { Dialect, DialectRequest, DialectResponse, DialectSpec } from "./types.ts";
import { validateXiaomi, XIAOMI_MODELS, xiaomiNotes, xiaomiThinking, type MimoError } from "./xiaomi-validate.ts";

const JSON_HEADERS = { "content-type": "application/json" };
const SSE_HEADERS = { "content-type": "text/event-stream", "cache-control": "no-cache" };
const AUTH_BODY = { error: { message: "Invalid API Key", param: "Please provide valid API Key", code: "401", type: "invalid_key" } };

/** `GODEX_MOCK_ERROR=<status>` bodies; statuses from the error-code page, texts unverified. */
const STATUS_ERRORS: Record<number, { message: string; param: string }> = {
  400: { message: "Param Incorrect", param: "messages must not be empty" },
  402: { message: "Insufficient Balance", param: "Your account balance is insufficient" }, // unverified
  403: { message: "Forbidden", param: "Access denied" }, // unverified
  421: { message: "Content Risk", param: "The content may violate relevant regulations" }, // unverified
  429: { message: "Too Many Requests", param: "Rate limit exceeded, please try again later" }, // unverified
  500: { message: "Internal Server Error", param: "" }, // unverified
  503: { message: "Service Unavailable", param: "The service is overloaded, please try again later" }, // unverified
};

function errorResponse(e: MimoError): DialectResponse {
  return jsonResponse(e.status, { error: { code: String(e.status), message: e.message, param: e.param, type: "" } }, JSON_HEADERS);
}

function forcedError(input: BrainInput): DialectResponse | undefined {
  const status = requestedErrorStatus(input, "xiaomi");
  if (status === undefined) return undefined;
  if (status === 401) return jsonResponse(401, AUTH_BODY, JSON_HEADERS);
  return errorResponse({ status, ...(STATUS_ERRORS[status] ?? { message: `Mock error ${status}`, param: "" }) });
}

/** `call_` + 24 hex, e.g. call_5850d8fee82b4ca3940e9a2f. */
export function xiaomiCallId(): string {
  return `call_${randomHex(24)}`;
}

interface Turn {
  model: string;
  thinking: boolean;
  reply: Reply;
  usage: UsageCounts;
  headers: Record<string, string>;
}

function usageBody(u: UsageCounts): object {
  return {
    completion_tokens: u.completion,
    prompt_tokens: u.prompt,
    total_tokens: u.total,
    completion_tokens_details: { reasoning_tokens: u.reasoning },
    prompt_tokens_details: u.cached > 0 ? { cached_tokens: u.cached } : null, // unverified: null when nothing was cached
  };
}

/** The pages MiMo's own search used, as url_citation annotations (providers.md §4.4). // unverified entry keys */
function annotations(r: Reply): object[] | undefined {
  return r.webSearch?.results.map((x) => ({
    type: "url_citation",
    url: x.url,
    title: x.title,
    site_name: new URL(x.url).hostname,
    summary: x.content,
    publish_time: x.publishedDate ?? "",
    logo_url: "",
  }));
}

function renderJson(t: Turn): DialectResponse {
  const r = t.reply;
  const calls = r.toolCalls.map((c) => ({ id: xiaomiCallId(), function: { arguments: c.arguments, name: c.name }, type: "function" }));
  const message = {
    content: r.content,
    role: "assistant",
    tool_calls: calls.length ? calls : null,
    reasoning_content: t.thinking ? (r.reasoning ?? "") : null,
    ...(r.webSearch ? { annotations: annotations(r) } : {}),
  };
  const body = {
    id: randomHex(32),
    choices: [{ finish_reason: r.finish, index: 0, message }],
    created: nowSeconds(),
    model: t.model,
    object: "chat.completion",
    usage: usageBody(t.usage),
  };
  return jsonResponse(200, body, { ...t.headers, ...JSON_HEADERS });
}

interface Delta {
  content?: string | null;
  role?: string | null;
  tool_calls?: object[] | null;
  reasoning_content?: string | null;
  annotations?: object[];
}

function renderStream(t: Turn): DialectResponse {
  const id = randomHex(32);
  const created = nowSeconds();
  const r = t.reply;
  // Every delta key is always present, nulls included, in this order.
  const chunk = (d: Delta, finish: string | null = null, extra: object = {}): string =>
    sseData({
      id,
      choices: [
        {
          delta: { content: d.content ?? null, role: d.role ?? null, tool_calls: d.tool_calls ?? null, reasoning_content: d.reasoning_content ?? null, ...(d.annotations ? { annotations: d.annotations } : {}) },
          finish_reason: finish,
          index: 0,
        },
      ],
      created,
      model: t.model,
      object: "chat.completion.chunk",
      ...extra,
    });
  // With web search on, the first chunk carries the annotations (§4.4).
  const cited = annotations(r);
  const events = [cited ? chunk({ content: "", role: "assistant", annotations: cited }) : chunk({ content: "", role: "assistant" })];
  for (const piece of splitWords(r.reasoning ?? "")) events.push(chunk({ reasoning_content: piece }));
  for (const piece of splitWords(r.content)) events.push(chunk({ content: piece }));
  r.toolCalls.forEach((c, index) => {
    events.push(chunk({ tool_calls: [{ index, id: xiaomiCallId(), function: { arguments: "", name: c.name }, type: "function" }] }));
    for (const piece of splitArgs(c.arguments)) events.push(chunk({ tool_calls: [{ index, id: null, function: { arguments: piece, name: null }, type: "function" }] }));
  });
  events.push(chunk({}, r.finish, { usage: null }));
  events.push(sseData({ id, choices: [], created, model: t.model, object: "chat.completion.chunk", usage: usageBody(t.usage) }));
  events.push(SSE_DONE);
  return { status: 200, headers: { ...t.headers, ...SSE_HEADERS }, events };
}

class Xiaomi implements Dialect {
  private readonly cache = new PrefixCache();

  /** The native POST /responses endpoint (native-profiles.ts). */
  private readonly native = new NativeResponses(xiaomiNative());

  handle(req: DialectRequest): DialectResponse {
    if (req.path === "/responses") return this.native.handle(req);
    const route = chatRoute(req);
    if (!route) return errorResponse({ status: 404, message: "Not Found", param: `Not supported path ${req.path}` }); // unverified
    // Either header works: `api-key: <key>` (the docs' default) or `Authorization: Bearer <key>`.
    const apiKey = req.headers["api-key"];
    const keys = [typeof apiKey === "string" ? apiKey : undefined, bearerKey(req.headers)];
    if (req.expectedKey !== "" && !keys.includes(req.expectedKey)) return jsonResponse(401, AUTH_BODY, JSON_HEADERS);
    if (route === "models") {
      const data = XIAOMI_MODELS.map((id) => ({ id, object: "model", owned_by: "xiaomi" }));
      return jsonResponse(200, { object: "list", data }, JSON_HEADERS);
    }
    return this.complete(req);
  }

  private complete(req: DialectRequest): DialectResponse {
    const parsed = parseChatBody(req.rawBody, (body) => validateXiaomi(body, req.searchPlugin === true), { status: 400, message: "Param Incorrect", param: "Request body is not valid JSON" }); // unverified
    if ("error" in parsed) return errorResponse(parsed.error);

    const b = parsed.body;
    const thinking = xiaomiThinking(b);
    const budget = [b.max_completion_tokens, b.max_tokens].find((v): v is number => typeof v === "number");
    const input = chatToBrainInput(b, thinking, budget);
    const forced = forcedError(input);
    if (forced) return forced;

    const reply = withScriptedFinish(input, decide(input));
    const prompt = accountPrompt(this.cache, b);
    const turn: Turn = { model: b.model as string, thinking, reply, usage: countUsage(prompt, reply), headers: withNotes({}, xiaomiNotes(b)) };
    return b.stream === true ? renderStream(turn) : renderJson(turn);
  }
}

export const xiaomi: DialectSpec = {
  defaultKey: "mock-xiaomi-key",
  create: () => new Xiaomi(),
};
