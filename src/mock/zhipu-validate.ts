// Zhipu GLM (open.bigmodel.cn / api.z.ai) request validation with the live business codes (providers.md §2).
// Verified texts: 401, 1210 (tool without name), 1211, 1214 输入不能为空 / 角色信息不正确. Messages built
// from the docs' template "<param> 参数非法。请检查文档。" are marked unverified.
import { isObj } from "./chat.ts";
import { isNum, present } from "./kit.ts";

export interface ZhipuError {
  status: number;
  code: string;
  message: string;
}

export const ZHIPU_MODELS = ["glm-5.1", "glm-5", "glm-5-turbo", "glm-4.7", "glm-4.6", "glm-5.2", "glm-5.3"];
export const ZHIPU_MAX_TOKENS = 131072;
const ROLES = ["system", "user", "assistant", "tool"];
const TOOL_TYPES = ["function", "retrieval", "web_search", "mcp"];
const EFFORTS_52 = ["none", "minimal", "low", "medium", "high", "xhigh", "max"];
const EFFORTS_53 = ["low", "high", "max"];

export const ZHIPU_TEXT = {
  auth: "令牌已过期或验证不正确",
  params: "API 调用参数有误，请检查文档。",
  model: "模型不存在，请检查模型代码。",
  empty: "输入不能为空",
  role: "角色信息不正确",
} as const;

const bad = (code: string, message: string): ZhipuError => ({ status: 400, code, message });
/** 1214 with the docs' template wording. */
const illegal = (param: string): ZhipuError => bad("1214", `${param} 参数非法。请检查文档。`); // unverified wording

/** Thinking is on unless disabled; glm-5.3 cannot disable it; glm-5.2 skips it for effort none/minimal. */
export function zhipuThinking(body: Record<string, unknown>): boolean {
  const model = body.model;
  if (model === "glm-5.3") return true;
  if (isObj(body.thinking) && body.thinking.type === "disabled") return false;
  if (model === "glm-5.2" && (body.reasoning_effort === "none" || body.reasoning_effort === "minimal")) return false;
  return true; // glm-5.x / 4.7 think by default; 4.6 "decides" — the mock always does
}

function checkMessages(messages: unknown[]): ZhipuError | undefined {
  if (messages.length === 0) return bad("1214", ZHIPU_TEXT.empty);
  for (const m of messages) {
    if (!isObj(m) || typeof m.role !== "string" || !ROLES.includes(m.role)) return bad("1214", ZHIPU_TEXT.role);
  }
  if (messages.every((m) => (m as Record<string, unknown>).role === "system")) return illegal("messages"); // unverified wording (code 1214 reported)
  return undefined;
}

function checkTools(tools: unknown[]): ZhipuError | undefined {
  if (tools.length > 128) return illegal("tools"); // unverified
  for (const t of tools) {
    if (!isObj(t) || typeof t.type !== "string") return bad("1210", ZHIPU_TEXT.params); // unverified
    if (!TOOL_TYPES.includes(t.type)) return illegal("tools.type"); // unverified
    if (t.type !== "function") continue;
    // `strict` is not in Zhipu's schema: ignored, like any unknown key.
    if (!isObj(t.function) || typeof t.function.name !== "string" || t.function.name === "") return bad("1210", ZHIPU_TEXT.params);
  }
  return undefined;
}

function checkReasoning(b: Record<string, unknown>): ZhipuError | undefined {
  if (present(b.thinking)) {
    if (!isObj(b.thinking) || (b.thinking.type !== "enabled" && b.thinking.type !== "disabled")) return illegal("thinking.type"); // unverified
    if (present(b.thinking.clear_thinking) && typeof b.thinking.clear_thinking !== "boolean") return illegal("thinking.clear_thinking"); // unverified
    if (b.model === "glm-5.3" && b.thinking.type === "disabled") return illegal("thinking.type"); // unverified wording: 5.3 cannot disable thinking
  }
  if (present(b.reasoning_effort)) {
    // Only glm-5.2/5.3 know reasoning_effort; other models ignore it (not in their schema).
    if (b.model === "glm-5.2" && !EFFORTS_52.includes(b.reasoning_effort as string)) return illegal("reasoning_effort"); // unverified
    if (b.model === "glm-5.3" && !EFFORTS_53.includes(b.reasoning_effort as string)) return illegal("reasoning_effort"); // unverified
  }
  return undefined;
}

function checkSampling(b: Record<string, unknown>): ZhipuError | undefined {
  if (present(b.temperature) && (!isNum(b.temperature) || b.temperature < 0 || b.temperature > 1)) return illegal("temperature"); // unverified wording
  if (present(b.top_p) && (!isNum(b.top_p) || b.top_p < 0.01 || b.top_p > 1)) return illegal("top_p"); // unverified
  if (present(b.max_tokens)) {
    const v = b.max_tokens;
    if (!isNum(v) || !Number.isInteger(v) || v < 1 || v > ZHIPU_MAX_TOKENS) return illegal("max_tokens"); // unverified
  }
  if (present(b.stop)) {
    // Documented as a list holding at most one stop word; a bare string is tolerated. // unverified
    const ok = typeof b.stop === "string" || (Array.isArray(b.stop) && b.stop.length <= 1 && b.stop.every((s) => typeof s === "string"));
    if (!ok) return illegal("stop"); // unverified wording
  }
  if (present(b.user_id) && (typeof b.user_id !== "string" || b.user_id.length < 6 || b.user_id.length > 128)) return illegal("user_id"); // unverified
  return undefined;
}

/** undefined when the request is acceptable. */
export function validateZhipu(body: unknown): ZhipuError | undefined {
  if (!isObj(body)) return bad("1210", ZHIPU_TEXT.params); // unverified
  if (typeof body.model !== "string" || !ZHIPU_MODELS.includes(body.model)) return bad("1211", ZHIPU_TEXT.model);
  if (!Array.isArray(body.messages)) return bad("1214", ZHIPU_TEXT.empty); // unverified for a non-array
  const msgError = checkMessages(body.messages);
  if (msgError) return msgError;
  if (present(body.tools)) {
    if (!Array.isArray(body.tools)) return bad("1210", ZHIPU_TEXT.params); // unverified
    const toolError = checkTools(body.tools);
    if (toolError) return toolError;
  }
  // Zhipu supports tool_choice "auto" only. // unverified: code/wording of the rejection
  if (present(body.tool_choice) && body.tool_choice !== "auto") return illegal("tool_choice");
  return checkReasoning(body) ?? checkSampling(body);
}

/** What Zhipu accepts silently but a test may care about (x-mock-notes). */
export function zhipuNotes(body: Record<string, unknown>): string[] {
  const notes: string[] = [];
  const messages = Array.isArray(body.messages) ? body.messages : [];
  messages.forEach((m, i) => {
    if (isObj(m) && m.role === "assistant" && Array.isArray(m.tool_calls) && m.tool_calls.length > 0 && typeof m.reasoning_content !== "string")
      notes.push(`reasoning_content not passed back: messages[${i}]`);
  });
  const tools = Array.isArray(body.tools) ? body.tools : [];
  if (tools.some((t) => isObj(t) && isObj(t.function) && "strict" in t.function)) notes.push("tools[].function.strict ignored");
  if (present(body.reasoning_effort) && body.model !== "glm-5.2" && body.model !== "glm-5.3") notes.push("reasoning_effort ignored");
  if (present(body.max_completion_tokens)) notes.push("max_completion_tokens ignored");
  if (isObj(body.stream_options) && body.stream_options.include_usage === true) notes.push("stream_options.include_usage: usage in a trailing chunk");
  return notes;
}
