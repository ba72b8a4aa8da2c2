// Zhipu GLM Chat Completions emulator (open.bigmodel.cn/api/paas/v4): auth, business-code errors and
// byte-faithful replies (providers.md §2): alphabetically sorted non-stream JSON, chunks without
// finish_reason until the last one, whole tool calls unless `tool_stream`, usage on the finish chunk, [DONE].
import { randomBytes } from "node:crypto";
import { decide, lastUserText, requestedErrorStatus, type BrainInput } from "./brain.ts";
import { chatToBrainInput, isObj } from "./chat.ts";
import { accountPrompt, bearerKey, chatRoute, countUsage, jsonResponse, nowSeconds, parseChatBody, randomHex, sortKeysDeep, withNotes, withScriptedFinish, type Reply, type UsageCounts } from "./kit.ts";
import { SSE_DONE, sseData, splitArgs, splitWords } from "./sse.ts";
import { PrefixCache } from "./tokens.ts";
import { NativeResponses } from "./native.ts";
import { zhipuNative } from "./native-profiles.ts";
import type { Dialect, DialectRequest, DialectResponse, DialectSpec } from "./types.ts";
import { validateZhipu, ZHIPU_MODELS, ZHIPU_TEXT, zhipuNotes, zhipuThinking, type ZhipuError } from "./zhipu-validate.ts";

const JSON_TYPE = "application/json; charset=UTF-8"; // unverified charset suffix
const SSE_TYPE = "text/event-stream;charset=UTF-8"; // unverified charset suffix

/** Business errors for `GODEX_MOCK_ERROR=<code>` (a 4-digit business code works too). */
const BUSINESS: Record<string, ZhipuError> = {
  "1113": { status: 429, code: "1113", message: "余额不足或无可用资源包,请充值。" },
  "1301": { status: 400, code: "1301", message: "系统检测到输入或生成内容可能包含不安全或敏感内容，请您避免输入易产生敏感内容的提示语，感谢您的配合。" }, // unverified tail
  "1302": { status: 429, code: "1302", message: "您当前使用该API的并发数过高，请降低并发，或联系客服增加限额。" }, // unverified wording
  "1305": { status: 429, code: "1305", message: "当前API请求过多，请稍后重试。" }, // unverified wording
};
/** HTTP status → what Zhipu really sends for that situation. */
const BY_STATUS: Record<number, string> = { 402: "1113", 429: "1302", 503: "1305" };

function errorResponse(e: ZhipuError): DialectResponse {
  return jsonResponse(e.status, { error: { code: e.code, message: e.message } }, { "content-type": JSON_TYPE });
}

function forcedError(input: BrainInput): ZhipuError | undefined {
  const business = /GODEX_MOCK_ERROR=(\d{4})/.exec(lastUserText(input));
  if (business && BUSINESS[business[1]!]) return BUSINESS[business[1]!];
  const status = requestedErrorStatus(input, "zhipu");
  if (status === undefined) return undefined;
  if (status === 401) return { status, code: "401", message: ZHIPU_TEXT.auth };
  const code = BY_STATUS[status];
  if (code) return BUSINESS[code];
  if (status === 400) return { status, code: "1214", message: "messages 参数非法。请检查文档。" }; // unverified
  return { status, code: String(status), message: status >= 500 ? "Internal Error" : `Mock error ${status}` }; // unverified
}

/** `YYYYMMDDhhmmss` in Beijing time + 16 hex, e.g. 20260507051936350491ce62f448ea. */
export function zhipuRequestId(now = new Date()): string {
  const t = new Date(now.getTime() + 8 * 3600_000).toISOString(); // 2026-05-07T05:19:36.000Z
  return t.slice(0, 19).replace(/\D/g, "") + randomHex(16);
}

/** Non-stream tool call id: `call_` + a random signed 64-bit integer, e.g. call_-7666540262859992883. */
export function zhipuJsonCallId(): string {
  return `call_${randomBytes(8).readBigInt64BE(0)}`;
}

/** Streamed tool call id: `call_` + 24 hex. */
export function zhipuStreamCallId(): string {
  return `call_${randomHex(24)}`;
}

interface Turn {
  id: string;
  model: string;
  thinking: boolean;
  toolStream: boolean;
  includeUsage: boolean;
  reply: Reply;
  usage: UsageCounts;
  headers: Record<string, string>;
}

/** What Zhipu's own search found, as its replies list it (top-level `web_search[]`, providers.md §2.4). */
function webSearchList(r: Reply): object[] | undefined {
  if (!r.webSearch) return undefined;
  // Entry keys as the web-search docs list them; icon/media values are illustrative. // unverified values
  return r.webSearch.results.map((x, i) => ({
    content: x.content,
    icon: "",
    link: x.url,
    media: new URL(x.url).hostname,
    publish_date: x.publishedDate?.slice(0, 10) ?? "",
    refer: `ref_${i + 1}`,
    title: x.title,
  }));
}

function renderJson(t: Turn): DialectResponse {
  const r = t.reply;
  const message: Record<string, unknown> = { role: "assistant", content: r.content };
  if (t.thinking) message.reasoning_content = r.reasoning ?? "";
  if (r.toolCalls.length)
    message.tool_calls = r.toolCalls.map((c, index) => ({ id: zhipuJsonCallId(), index, type: "function", function: { name: c.name, arguments: c.arguments } }));
  const body = {
    id: t.id,
    request_id: t.id,
    created: nowSeconds(),
    model: t.model,
    object: "chat.completion",
    choices: [{ index: 0, finish_reason: r.finish, message }],
    ...(r.webSearch ? { web_search: webSearchList(r) } : {}),
    usage: {
      prompt_tokens: t.usage.prompt,
      completion_tokens: t.usage.completion,
      total_tokens: t.usage.total,
      prompt_tokens_details: { cached_tokens: t.usage.cached },
      completion_tokens_details: { reasoning_tokens: t.usage.reasoning },
    },
  };
  return jsonResponse(200, JSON.stringify(sortKeysDeep(body)), { ...t.headers, "content-type": JSON_TYPE });
}

function renderStream(t: Turn): DialectResponse {
  const created = nowSeconds();
  const frame = (choice: object, extra: object = {}): string =>
    sseData({ id: t.id, created, object: "chat.completion.chunk", model: t.model, choices: [choice], ...extra });
  const delta = (d: object): string => frame({ index: 0, delta: d });
  const r = t.reply;
  const events: string[] = [];
  // The search results ride on the first chunk, before the answer. // unverified: which chunk carries them
  const searched = webSearchList(r);
  if (searched) events.push(frame({ index: 0, delta: { role: "assistant", content: "" } }, { web_search: searched }));
  // No empty opening chunk: the first delta already carries text.
  for (const piece of splitWords(r.reasoning ?? "")) events.push(delta({ role: "assistant", reasoning_content: piece }));
  for (const piece of splitWords(r.content)) events.push(delta({ role: "assistant", content: piece }));
  r.toolCalls.forEach((c, index) => {
    const id = zhipuStreamCallId();
    if (!t.toolStream) {
      // Buffered: the whole call in one delta (one delta per call with several calls). // unverified for parallel calls
      events.push(delta({ tool_calls: [{ id, index, type: "function", function: { name: c.name, arguments: c.arguments } }] }));
      return;
    }
    // tool_stream: first fragment names the call, later ones carry only arguments. // unverified exact shape
    const [first = "", ...rest] = splitArgs(c.arguments);
    events.push(delta({ tool_calls: [{ id, index, type: "function", function: { name: c.name, arguments: first } }] }));
    for (const piece of rest) events.push(delta({ tool_calls: [{ index, function: { arguments: piece } }] }));
  });
  const usage = {
    prompt_tokens: t.usage.prompt,
    completion_tokens: t.usage.completion,
    total_tokens: t.usage.total,
    prompt_tokens_details: { cached_tokens: t.usage.cached },
    completion_tokens_details: { reasoning_tokens: t.usage.reasoning },
  };
  const finish = { index: 0, finish_reason: r.finish, delta: { role: "assistant", content: "" } };
  if (t.includeUsage) {
    // Seen once (glm-4.6, Feb 2026, probably with include_usage): finish chunk without usage, then a choices:[] chunk. // unverified
    events.push(frame(finish));
    events.push(sseData({ id: t.id, created, model: t.model, choices: [], usage, object: "chat.completion.chunk" }));
  } else {
    events.push(frame(finish, { usage }));
  }
  events.push(SSE_DONE);
  return { status: 200, headers: { ...t.headers, "content-type": SSE_TYPE, "cache-control": "no-cache" }, events };
}

class Zhipu implements Dialect {
  private readonly cache = new PrefixCache();

  /** The native POST /responses endpoint (native-profiles.ts). */
  private readonly native = new NativeResponses(zhipuNative());

  handle(req: DialectRequest): DialectResponse {
    // The real base path (/api/paas/v4) is part of the emulated base URL; the native wire lives at /api/v1.
    req = { ...req, path: req.path.replace(/^\/api\/paas\/v4(?=\/)/, "") };
    if (req.path === "/api/v1/responses") return this.native.handle(req);
    const route = chatRoute(req);
    if (!route) return jsonResponse(404, { error: { code: "404", message: `Not Found: ${req.path}` } }, { "content-type": JSON_TYPE }); // unverified
    const key = bearerKey(req.headers);
    if (req.expectedKey !== "" && key !== req.expectedKey) return errorResponse({ status: 401, code: "401", message: ZHIPU_TEXT.auth });
    if (route === "models") {
      const data = ZHIPU_MODELS.map((id) => ({ id, object: "model", created: 1_700_000_000, owned_by: "system" })); // unverified shape
      return jsonResponse(200, { object: "list", data }, { "content-type": JSON_TYPE });
    }
    return this.complete(req);
  }

  private complete(req: DialectRequest): DialectResponse {
    const parsed = parseChatBody(req.rawBody, validateZhipu, { status: 400, code: "1210", message: ZHIPU_TEXT.params }); // unverified for malformed JSON
    if ("error" in parsed) return errorResponse(parsed.error);

    const b = parsed.body;
    const thinking = zhipuThinking(b);
    const input = chatToBrainInput(b, thinking, typeof b.max_tokens === "number" ? b.max_tokens : undefined);
    const forced = forcedError(input);
    if (forced) return errorResponse(forced);

    const reply = withScriptedFinish(input, decide(input));
    const prompt = accountPrompt(this.cache, b);
    const streamOpts = isObj(b.stream_options) ? b.stream_options : {};
    const turn: Turn = {
      // A caller-supplied request_id becomes the response id. // unverified
      id: typeof b.request_id === "string" && b.request_id !== "" ? b.request_id : zhipuRequestId(),
      model: b.model as string,
      thinking,
      toolStream: b.tool_stream === true,
      includeUsage: streamOpts.include_usage === true,
      reply,
      usage: countUsage(prompt, reply),
      headers: withNotes({}, zhipuNotes(b)),
    };
    return b.stream === true ? renderStream(turn) : renderJson(turn);
  }
}

export const zhipu: DialectSpec = {
  defaultKey: "mock-zhipu-key",
  basePath: "/api/paas/v4",
  create: () => new Zhipu(),
};
