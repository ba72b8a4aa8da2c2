// Emulator of a provider's own OpenAI-style POST /responses endpoint, driven by a per-provider
// profile of its documented quirks (shared/research/providers-native-responses.md): which tools,
// items and formats it takes (400 otherwise), its effort values and default, the reasoning
// pass-back rule, its error envelope (in a 200 body for some), and its stream (named events,
// sequence_number, no [DONE]). Quirks the research marks unverified are switches in the profile.
import { decide, lastUserText, type BrainInput, type BrainMessage, type BrainTool } from "./brain.ts";
import { withScriptedFinish, type Reply, randomHex, nowSeconds, bearerKey } from "./kit.ts";
import { estimateTokens, PrefixCache } from "./tokens.ts";
import { SSE_KEEPALIVE } from "./sse.ts";
import type { DialectRequest, DialectResponse } from "./types.ts";

export interface NativeError {
  status: number;
  body: unknown;
}

export interface NativeProfile {
  models: string[];
  /** Also accept `api-key: <key>` (MiMo). */
  apiKeyHeader?: boolean;
  /** The reply to a wrong key (Zhipu answers HTTP 200 with an error body). */
  authError(key: string): NativeError;
  /** The provider's error envelope for a status, a machine code and a message. */
  error(status: number, code: string, message: string, type?: string): NativeError;
  /** Custom tools: accepted under any name, only under these names, or 400. */
  customTools: "any" | "none" | string[];
  /** Namespace tools: taken (calls carry `namespace`), silently ignored, or 400. */
  namespaceTools: "accept" | "ignore" | "reject";
  /** web_search: run server-side, or 400. */
  webSearch: "server" | "reject";
  textFormats: string[];
  /** Accepted reasoning.effort values; the default when none is sent; the values that turn thinking off. */
  efforts: string[];
  effortDefault: string;
  thinkingOff: string[];
  /** tool_choice strings accepted (a named choice needs "named"). */
  toolChoice: string[];
  /** Request fields answered with 400 when present. */
  rejectedFields: string[];
  /** Thinking + tool calls: every earlier tool-calling turn must carry its reasoning_text (DeepSeek). */
  passbackRequired: boolean;
  /** How reasoning streams: raw reasoning_text events, or summary events (MiniMax, undocumented). */
  reasoningEvents: "text" | "summary";
  /** Over-long input while streaming: HTTP 200 + response.failed (Zhipu) instead of a 400. */
  overLongStreamFailed: boolean;
  /** A `: keep-alive` comment before the first event. */
  keepAlive: boolean;
  /** Item id of the n-th output item of response `rid`. */
  itemId(rid: string, kind: "msg" | "rs" | "fc" | "ctc" | "ws", n: number): string;
  responseId(): string;
}

/** Magic strings of the native emulators (besides the brain's). */
export const NATIVE_MAGIC = {
  /** The input is treated as longer than the context window. */
  tooLong: "GODEX_MOCK_TOO_LONG",
  /** A bare `error` event after the first output. */
  streamError: "GODEX_MOCK_STREAM_ERROR",
} as const;

type Obj = Record<string, any>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);

function json(e: NativeError, headers: Record<string, string> = {}): DialectResponse {
  return { status: e.status, headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(e.body) };
}

interface Parsed {
  brain: BrainInput;
  /** flat brain tool name → how the call goes out. */
  toolKinds: Map<string, { kind: "function" | "custom"; name: string; namespace?: string }>;
  webSearch: boolean;
  thinking: boolean;
  effort: string;
}

export class NativeResponses {
  private readonly cache = new PrefixCache();
  constructor(private readonly p: NativeProfile) {}

  handle(req: DialectRequest): DialectResponse {
    const p = this.p;
    if (req.method !== "POST") return json(p.error(404, "not_found", `Not Found: ${req.method} ${req.path}`));
    const key = bearerKey(req.headers) ?? (p.apiKeyHeader ? String(req.headers["api-key"] ?? "") : "");
    if (req.expectedKey !== "" && key !== req.expectedKey) return json(p.authError(key));
    let body: unknown;
    try {
      body = JSON.parse(req.rawBody);
    } catch {
      return json(p.error(400, "invalid_request_error", "Request body is not valid JSON"));
    }
    if (!isObj(body)) return json(p.error(400, "invalid_request_error", "Request body must be a JSON object"));
    const bad = this.validate(body);
    if (bad) return json(bad);
    const parsed = this.parse(body);
    if ("status" in parsed) return json(parsed);
    const text = lastUserText(parsed.brain);
    const forced = /GODEX_MOCK_ERROR=(\d{3})/.exec(text);
    if (forced) {
      const status = Number(forced[1]);
      if (status === 401) return json(p.authError("****"));
      const code = status === 429 ? "rate_limit_exceeded" : status === 402 ? "insufficient_quota" : status >= 500 ? "server_error" : "invalid_request_error";
      return json(p.error(status, code, `Mock error ${status}`));
    }
    const stream = body.stream === true;
    if (text.includes(NATIVE_MAGIC.tooLong)) {
      const msg = "The input exceeds the model's context length.";
      if (stream && p.overLongStreamFailed) return this.failedStream(body.model, "context_length_exceeded", msg);
      return json(p.error(400, "context_length_exceeded", msg));
    }
    const reply = withScriptedFinish(parsed.brain, decide(parsed.brain));
    const search = parsed.webSearch ? /search the web for (.+)/i.exec(text)?.[1] : undefined;
    const prompt = this.cache.account(JSON.stringify([body.model, body.tools ?? null]), (Array.isArray(body.input) ? body.input : [body.input]).map((i: unknown) => JSON.stringify(i)));
    const out = this.render(body, parsed, reply, search, prompt);
    return stream ? this.stream(out, text.includes(NATIVE_MAGIC.streamError)) : { status: 200, headers: { "content-type": "application/json" }, body: JSON.stringify(out.response) };
  }

  /** What the provider would answer with instead of a reply (400s, the pass-back rule), or undefined. */
  check(body: unknown): NativeError | undefined {
    if (!isObj(body)) return this.p.error(400, "invalid_request_error", "Request body must be a JSON object");
    const bad = this.validate(body);
    if (bad) return bad;
    const parsed = this.parse(body);
    return "status" in parsed ? parsed : undefined;
  }

  private validate(b: Obj): NativeError | undefined {
    const p = this.p;
    if (typeof b.model !== "string" || !p.models.includes(b.model)) return p.error(400, "model_not_found", `Model not exist: ${String(b.model)}`);
    if (b.input === undefined) return p.error(400, "invalid_request_error", "input is required");
    for (const f of p.rejectedFields) if (b[f] !== undefined && b[f] !== null) return p.error(400, "invalid_request_error", `${f} is not supported`, "unsupported_feature");
    const effort = b.reasoning?.effort;
    if (effort != null && !p.efforts.includes(effort)) return p.error(400, "invalid_request_error", `reasoning.effort must be one of ${p.efforts.join(", ")}`);
    const format = b.text?.format?.type;
    if (format != null && !p.textFormats.includes(format)) return p.error(400, "responses_feature_not_supported", `text.format ${format} is not supported`, "unsupported_feature");
    const choice = b.tool_choice;
    if (choice != null && !(typeof choice === "string" ? p.toolChoice.includes(choice) : p.toolChoice.includes("named"))) return p.error(400, "invalid_request_error", `tool_choice ${JSON.stringify(choice)} is not supported`);
    for (const t of Array.isArray(b.tools) ? b.tools : []) {
      if (t?.type === "custom") {
        if (p.customTools === "none") return p.error(400, "responses_feature_not_supported", "custom tools are not supported", "unsupported_feature");
        if (Array.isArray(p.customTools) && !p.customTools.includes(t.name)) return p.error(400, "invalid_request_error", `custom tool '${t.name}' is not supported; only ${p.customTools.join(", ")}`);
      }
      if (t?.type === "namespace" && p.namespaceTools === "reject") return p.error(400, "invalid_request_error", "namespace tools are not supported");
      if ((t?.type === "web_search" || t?.type === "web_search_preview") && p.webSearch === "reject") return p.error(400, "responses_feature_not_supported", "web_search is not supported", "unsupported_feature");
    }
    for (const item of Array.isArray(b.input) ? b.input : []) {
      if (!isObj(item)) return p.error(400, "invalid_request_error", "input items must be objects");
      if (item.type === "reasoning" && item.encrypted_content != null) return p.error(400, "invalid_request_error", "encrypted_content is not supported");
      if ((item.type === "custom_tool_call" || item.type === "custom_tool_call_output") && p.customTools === "none") return p.error(400, "invalid_request_error", `${item.type} items are not supported`);
      if (item.type === "custom_tool_call" && Array.isArray(p.customTools) && !p.customTools.includes(item.name)) return p.error(400, "invalid_request_error", `custom_tool_call '${item.name}' is not supported`);
    }
    return undefined;
  }

  private parse(b: Obj): Parsed | NativeError {
    const p = this.p;
    const effort = typeof b.reasoning?.effort === "string" ? b.reasoning.effort : p.effortDefault;
    const thinking = !p.thinkingOff.includes(effort);
    const toolKinds: Parsed["toolKinds"] = new Map();
    const tools: BrainTool[] = [];
    let webSearch = false;
    const addTool = (t: Obj, namespace?: string) => {
      if (t.type === "function") {
        tools.push({ name: t.name, parameters: isObj(t.parameters) ? t.parameters : undefined });
        toolKinds.set(t.name, { kind: "function", name: t.name, namespace });
      } else if (t.type === "custom") {
        tools.push({ name: t.name });
        toolKinds.set(t.name, { kind: "custom", name: t.name, namespace });
      }
    };
    for (const t of Array.isArray(b.tools) ? b.tools : []) {
      if (t?.type === "namespace") {
        if (p.namespaceTools === "accept") for (const c of Array.isArray(t.tools) ? t.tools : []) addTool(c, t.name);
      } else if (t?.type === "web_search" || t?.type === "web_search_preview") webSearch = true;
      else addTool(t);
    }
    const messages: BrainMessage[] = [];
    const items: Obj[] = typeof b.input === "string" ? [{ type: "message", role: "user", content: b.input }] : b.input;
    let lastAssistant: BrainMessage | null = null;
    let turnReasoning = false;
    for (const item of items) {
      const type = item.type ?? "message";
      if (type === "message") {
        lastAssistant = null;
        const content = typeof item.content === "string" ? item.content : (Array.isArray(item.content) ? item.content : []).map((c: Obj) => (typeof c?.text === "string" ? c.text : "")).join("\n");
        messages.push({ role: item.role === "developer" ? "system" : item.role, content, toolCalls: [] });
        if (item.role === "user") turnReasoning = false;
      } else if (type === "reasoning") {
        const text = (Array.isArray(item.content) ? item.content : []).filter((c: Obj) => c?.type === "reasoning_text").map((c: Obj) => c.text).join("");
        if (p.passbackRequired && !Array.isArray(item.content)) continue;
        turnReasoning = typeof text === "string";
      } else if (type === "function_call" || type === "custom_tool_call") {
        if (p.passbackRequired && thinking && !turnReasoning) {
          return p.error(400, "invalid_request_error", "The `reasoning_text` in the thinking mode must be passed back to the API.");
        }
        if (!lastAssistant) {
          lastAssistant = { role: "assistant", content: "", toolCalls: [] };
          messages.push(lastAssistant);
        }
        const args = type === "custom_tool_call" ? JSON.stringify({ input: item.input ?? "" }) : String(item.arguments ?? "");
        lastAssistant.toolCalls.push({ id: String(item.call_id ?? ""), name: String(item.name ?? ""), arguments: args });
      } else if (type === "function_call_output" || type === "custom_tool_call_output") {
        lastAssistant = null;
        turnReasoning = false;
        messages.push({ role: "tool", content: typeof item.output === "string" ? item.output : JSON.stringify(item.output ?? ""), toolCalls: [], toolCallId: String(item.call_id ?? "") });
      }
    }
    const maxTokens = typeof b.max_output_tokens === "number" ? b.max_output_tokens : undefined;
    return { brain: { messages, tools, thinking, maxTokens }, toolKinds, webSearch, thinking, effort };
  }

  private render(b: Obj, parsed: Parsed, reply: Reply, search: string | undefined, prompt: { promptTokens: number; hitTokens: number }) {
    const p = this.p;
    const rid = p.responseId();
    const output: Obj[] = [];
    let n = 0;
    if (search) output.push({ id: p.itemId(rid, "ws", n++), type: "web_search_call", status: "completed", action: { type: "search", query: search.trim() } });
    if (reply.reasoning) {
      output.push({ id: p.itemId(rid, "rs", n++), type: "reasoning", summary: p.reasoningEvents === "summary" ? [{ type: "summary_text", text: reply.reasoning }] : [], content: [{ type: "reasoning_text", text: reply.reasoning }], status: "completed" });
    }
    const content = search ? `Search results for ${search.trim()}: GodeX emulated result.` : reply.content;
    if (content) output.push({ id: p.itemId(rid, "msg", n++), type: "message", status: "completed", role: "assistant", content: [{ type: "output_text", text: content, annotations: [] }] });
    if (!search) {
      reply.toolCalls.forEach((c) => {
        const kind = parsed.toolKinds.get(c.name);
        const ns = kind?.namespace ? { namespace: kind.namespace } : {};
        const callId = `call_${randomHex(24)}`;
        if (kind?.kind === "custom") {
          let input = c.arguments;
          try {
            const a = JSON.parse(c.arguments);
            if (typeof a?.input === "string") input = a.input;
          } catch {
            /* raw */
          }
          output.push({ id: p.itemId(rid, "ctc", n++), type: "custom_tool_call", status: "completed", call_id: callId, name: c.name, input, ...ns });
        } else {
          output.push({ id: p.itemId(rid, "fc", n++), type: "function_call", status: "completed", call_id: callId, name: c.name, arguments: c.arguments, ...ns });
        }
      });
    }
    const reasoningTokens = estimateTokens(reply.reasoning ?? "");
    const outTokens = Math.max(1, reasoningTokens + estimateTokens(content + reply.toolCalls.map((c) => c.name + c.arguments).join("")));
    const usage = {
      input_tokens: prompt.promptTokens,
      input_tokens_details: { cached_tokens: prompt.hitTokens },
      output_tokens: outTokens,
      output_tokens_details: { reasoning_tokens: reasoningTokens },
      total_tokens: prompt.promptTokens + outTokens,
    };
    const incomplete = reply.finish === "length" ? { reason: "max_output_tokens" } : reply.finish === "content_filter" || reply.finish === "sensitive" ? { reason: "content_filter" } : null;
    const response = {
      id: rid,
      object: "response",
      created_at: nowSeconds(),
      status: incomplete ? "incomplete" : "completed",
      model: b.model,
      output,
      incomplete_details: incomplete,
      error: null,
      reasoning: { effort: parsed.effort },
      store: false,
      truncation: "disabled",
      parallel_tool_calls: true,
      usage,
    };
    return { response, rid };
  }

  private stream(out: { response: Obj; rid: string }, breakMidway: boolean): DialectResponse {
    const r = out.response;
    let seq = 0;
    const events: string[] = [];
    if (this.p.keepAlive) events.push(SSE_KEEPALIVE);
    const ev = (type: string, data: Obj) => events.push(`event: ${type}\ndata: ${JSON.stringify({ type, sequence_number: seq++, ...data })}\n\n`);
    const shell = { ...r, status: "in_progress", output: [], usage: null, incomplete_details: null };
    ev("response.created", { response: shell });
    ev("response.in_progress", { response: shell });
    (r.output as Obj[]).forEach((item, oi) => {
      const base = { item_id: item.id, output_index: oi };
      if (item.type === "reasoning") {
        ev("response.output_item.added", { output_index: oi, item: { id: item.id, type: "reasoning", summary: [], content: [], status: "in_progress" } });
        const text = item.content[0].text as string;
        if (this.p.reasoningEvents === "summary") {
          ev("response.reasoning_summary_part.added", { ...base, summary_index: 0, part: { type: "summary_text", text: "" } });
          for (const piece of pieces(text)) ev("response.reasoning_summary_text.delta", { ...base, summary_index: 0, delta: piece });
          ev("response.reasoning_summary_text.done", { ...base, summary_index: 0, text });
          ev("response.reasoning_summary_part.done", { ...base, summary_index: 0, part: { type: "summary_text", text } });
        } else {
          for (const piece of pieces(text)) ev("response.reasoning_text.delta", { ...base, content_index: 0, delta: piece });
          ev("response.reasoning_text.done", { ...base, content_index: 0, text });
        }
        ev("response.output_item.done", { output_index: oi, item });
      } else if (item.type === "message") {
        ev("response.output_item.added", { output_index: oi, item: { ...item, status: "in_progress", content: [] } });
        ev("response.content_part.added", { ...base, content_index: 0, part: { type: "output_text", text: "", annotations: [] } });
        const text = item.content[0].text as string;
        for (const piece of pieces(text)) ev("response.output_text.delta", { ...base, content_index: 0, delta: piece });
        if (breakMidway) {
          events.push(`event: error\ndata: ${JSON.stringify({ code: "server_error", message: "The service is temporarily unavailable." })}\n\n`);
          return;
        }
        ev("response.output_text.done", { ...base, content_index: 0, text });
        ev("response.content_part.done", { ...base, content_index: 0, part: item.content[0] });
        ev("response.output_item.done", { output_index: oi, item });
      } else if (item.type === "function_call") {
        ev("response.output_item.added", { output_index: oi, item: { ...item, status: "in_progress", arguments: "" } });
        for (const piece of pieces(item.arguments, 9)) ev("response.function_call_arguments.delta", { ...base, delta: piece });
        ev("response.function_call_arguments.done", { ...base, arguments: item.arguments });
        ev("response.output_item.done", { output_index: oi, item });
      } else if (item.type === "custom_tool_call") {
        ev("response.output_item.added", { output_index: oi, item: { ...item, status: "in_progress", input: "" } });
        for (const piece of pieces(item.input, 9)) ev("response.custom_tool_call_input.delta", { ...base, delta: piece });
        ev("response.custom_tool_call_input.done", { ...base, input: item.input });
        ev("response.output_item.done", { output_index: oi, item });
      } else if (item.type === "web_search_call") {
        ev("response.output_item.added", { output_index: oi, item: { ...item, status: "in_progress" } });
        ev("response.web_search_call.in_progress", base);
        ev("response.web_search_call.searching", base);
        ev("response.web_search_call.completed", base);
        ev("response.output_item.done", { output_index: oi, item });
      }
    });
    if (!breakMidway) ev(r.status === "incomplete" ? "response.incomplete" : "response.completed", { response: r });
    return { status: 200, headers: { "content-type": "text/event-stream", "cache-control": "no-cache" }, events };
  }

  private failedStream(model: string, code: string, message: string): DialectResponse {
    const rid = this.p.responseId();
    const shell = { id: rid, object: "response", created_at: nowSeconds(), status: "in_progress", model, output: [], error: null };
    const events = [
      `event: response.created\ndata: ${JSON.stringify({ type: "response.created", sequence_number: 0, response: shell })}\n\n`,
      `event: response.failed\ndata: ${JSON.stringify({ type: "response.failed", sequence_number: 1, response: { ...shell, status: "failed", error: { code, message } } })}\n\n`,
    ];
    return { status: 200, headers: { "content-type": "text/event-stream", "cache-control": "no-cache" }, events };
  }
}

/** Text split into small deltas (two words each), lossless when joined. */
function pieces(text: string, size?: number): string[] {
  if (size) {
    const out: string[] = [];
    for (let i = 0; i < text.length; i += size) out.push(text.slice(i, i + size));
    return out;
  }
  const words = text.match(/\s*\S+|\s+$/g) ?? [];
  const out: string[] = [];
  for (let i = 0; i < words.length; i += 2) out.push(words.slice(i, i + 2).join(""));
  return out;
}
