// Xiaomi MiMo (api.xiaomimimo.com/v1) request validation (providers.md §4.2, §4.3, §4.6). Every rejection is
// HTTP 400 `{"error":{"code":"400","message":"Param Incorrect","param":<reason>,"type":""}}`; reasons marked
// unverified are guesses in the style of the verified ones.
import { isObj } from "./chat.ts";
import { isNum, present } from "./kit.ts";

export const XIAOMI_MODELS = ["mimo-v2.5-pro", "mimo-v2.5"];
export const XIAOMI_MAX_COMPLETION_TOKENS = 131072;
const ROLES = ["system", "developer", "user", "assistant", "tool"];
const EFFORTS = ["low", "medium", "high"];
const TOOL_NAME = /^[a-zA-Z0-9_-]{1,64}$/;
export const PASSBACK_PARAM = "The reasoning_content in the thinking mode must be passed back to the API.";

export interface MimoError {
  status: number;
  message: string;
  param: string;
}

const bad = (param: string): MimoError => ({ status: 400, message: "Param Incorrect", param });

/** Thinking is on unless `thinking.type` is `disabled`. */
export function xiaomiThinking(body: Record<string, unknown>): boolean {
  return !(isObj(body.thinking) && body.thinking.type === "disabled");
}

function checkMessages(messages: unknown[]): MimoError | undefined {
  if (messages.length === 0) return bad("messages must not be empty");
  for (const m of messages) {
    if (!isObj(m)) return bad("messages is invalid"); // unverified
    if (typeof m.role !== "string" || !ROLES.includes(m.role)) return bad(`Not supported role ${String(m.role)}`); // unverified
    if (m.role === "assistant") {
      // null (or absent) content is refused even next to tool_calls: send "".
      if (m.content === null || m.content === undefined) return bad("`text` is not present");
      if (Array.isArray(m.tool_calls)) {
        for (const c of m.tool_calls) {
          if (!isObj(c) || !isObj(c.function) || typeof c.function.name !== "string") return bad("`name` is not set"); // unverified for history calls
        }
      }
    }
    if (m.role === "tool") {
      // Tool results must be plain strings; arrays (even of text parts) are refused.
      if (typeof m.content !== "string") return bad("`text` is not set");
      if (typeof m.tool_call_id !== "string") return bad("`tool_call_id` is not set"); // unverified
    }
  }
  return undefined;
}

/** Models with MiMo's own web search (its docs: mimo-v2.5-pro and mimo-v2.5). */
const SEARCH_MODELS = ["mimo-v2.5-pro", "mimo-v2.5"];

function checkTools(tools: unknown[], model: string, searchPlugin: boolean): MimoError | undefined {
  for (const t of tools) {
    if (!isObj(t)) return bad("tools is invalid"); // unverified
    if (t.type === "web_search") {
      if (!searchPlugin) return bad("webSearchEnabled is false"); // the paid plugin is off
      if (!SEARCH_MODELS.includes(model)) return bad(`Not supported tool type web_search for model ${model}`); // unverified wording
      continue;
    }
    if (t.type !== "function") return bad(`Not supported tool type ${String(t.type)}`); // unverified
    if (!isObj(t.function) || typeof t.function.name !== "string" || t.function.name === "") return bad("`name` is not set");
    if (!TOOL_NAME.test(t.function.name)) return bad(`Invalid function name ${t.function.name}`); // unverified
    if ("strict" in t.function && typeof t.function.strict !== "boolean") return bad("`strict` must be a boolean"); // unverified wording (strict:null → 400 reported)
  }
  return undefined;
}

function inRange(v: unknown, min: number, max: number): boolean {
  return isNum(v) && v >= min && v <= max;
}

function checkParams(b: Record<string, unknown>): MimoError | undefined {
  if (present(b.thinking) && (!isObj(b.thinking) || (b.thinking.type !== "enabled" && b.thinking.type !== "disabled")))
    return bad("thinking.type must be enabled or disabled"); // unverified
  if (present(b.reasoning_effort) && !EFFORTS.includes(b.reasoning_effort as string))
    return bad(`Not supported reasoning_effort ${String(b.reasoning_effort)}`); // unverified wording ("none" → 400 reported)
  for (const field of ["max_completion_tokens", "max_tokens"]) {
    const v = b[field];
    if (present(v) && (!Number.isInteger(v) || !inRange(v, 1, XIAOMI_MAX_COMPLETION_TOKENS)))
      return bad(`${field} must be in [1, ${XIAOMI_MAX_COMPLETION_TOKENS}]`); // unverified wording; max_tokens handling unverified
  }
  if ("n" in b) return bad("n is not supported"); // unverified wording
  if (present(b.stop)) {
    const ok = typeof b.stop === "string" || (Array.isArray(b.stop) && b.stop.length <= 4 && b.stop.every((s) => typeof s === "string"));
    if (!ok) return bad("stop must have at most 4 sequences"); // unverified wording
  }
  if (present(b.temperature) && !inRange(b.temperature, 0, 1.5)) return bad("temperature must be in [0, 1.5]"); // unverified wording
  if (present(b.top_p) && !inRange(b.top_p, 0.01, 1)) return bad("top_p must be in [0.01, 1]"); // unverified wording
  for (const field of ["frequency_penalty", "presence_penalty"]) {
    if (present(b[field]) && !inRange(b[field], -2, 2)) return bad(`${field} must be in [-2, 2]`); // unverified wording
  }
  if (present(b.response_format)) {
    const type = isObj(b.response_format) ? b.response_format.type : undefined;
    if (type !== "text" && type !== "json_object") return bad(`Not supported response_format ${String(type)}`); // unverified
  }
  return undefined;
}

/** In thinking mode, every assistant message with tool_calls must carry its reasoning_content (since 2026-05-12). */
function checkPassBack(messages: Record<string, unknown>[]): MimoError | undefined {
  const missing = messages.some(
    (m) => m.role === "assistant" && Array.isArray(m.tool_calls) && m.tool_calls.length > 0 && typeof m.reasoning_content !== "string",
  );
  return missing ? bad(PASSBACK_PARAM) : undefined;
}

/** undefined when the request is acceptable. */
export function validateXiaomi(body: unknown, searchPlugin = false): MimoError | undefined {
  if (!isObj(body)) return bad("Request body is invalid"); // unverified
  if (typeof body.model !== "string" || !XIAOMI_MODELS.includes(body.model)) return bad(`Not supported model ${String(body.model ?? "")}`);
  if (!Array.isArray(body.messages)) return bad("messages must not be empty"); // unverified for a non-array
  const error =
    checkMessages(body.messages) ??
    (present(body.tools) ? (Array.isArray(body.tools) ? checkTools(body.tools, body.model, searchPlugin) : bad("tools is invalid")) : undefined) ??
    checkParams(body);
  if (error) return error;
  return xiaomiThinking(body) ? checkPassBack(body.messages as Record<string, unknown>[]) : undefined;
}

/** What MiMo accepts silently but a test may care about (x-mock-notes). */
export function xiaomiNotes(body: Record<string, unknown>): string[] {
  const notes: string[] = [];
  if (present(body.tool_choice) && body.tool_choice !== "auto") notes.push(`tool_choice ${JSON.stringify(body.tool_choice)} ignored`);
  if (present(body.max_tokens) && !present(body.max_completion_tokens)) notes.push("max_tokens used as max_completion_tokens");
  if (present(body.reasoning_effort)) notes.push("reasoning_effort has no effect");
  if (xiaomiThinking(body) && (present(body.temperature) || present(body.top_p))) notes.push("temperature/top_p forced to 1.0/0.95 in thinking mode");
  return notes;
}
