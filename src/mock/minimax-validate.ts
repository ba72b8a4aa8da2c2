// MiniMax (api.minimax.io/v1) request validation; every rejection is a 400 `bad_request_error` whose
// message ends in the business code `(2013)` (providers.md §3.2, §3.7). Texts marked unverified are guesses
// in the style of the verified ones.
import { isObj } from "./chat.ts";
import { isNum, present } from "./kit.ts";

export const MINIMAX_MODELS = ["MiniMax-M2.5", "MiniMax-M2.7", "MiniMax-M3", "MiniMax-M3.1-Flash-Preview"];
export type MiniMaxFamily = "m2" | "m3" | "flash";
const ROLES = ["system", "user", "assistant", "tool", "user_system", "group", "sample_message_user", "sample_message_ai"];
const FLASH_EFFORTS = ["low", "medium", "high", "xhigh", "max"];

export interface MiniMaxError {
  status: number;
  type: string;
  message: string;
}

export function minimaxFamily(model: string): MiniMaxFamily {
  if (model === "MiniMax-M3") return "m3";
  if (model === "MiniMax-M3.1-Flash-Preview") return "flash";
  return "m2";
}

/** M2.x and M3.1-Flash always think; M3 unless `thinking.type` is `disabled`. */
export function minimaxThinking(body: Record<string, unknown>): boolean {
  if (minimaxFamily(String(body.model)) !== "m3") return true;
  return !(isObj(body.thinking) && body.thinking.type === "disabled");
}

const bad = (message: string): MiniMaxError => ({ status: 400, type: "bad_request_error", message });
export const CHAT_SETTING = "invalid chat setting (2013)";

function checkMessages(messages: unknown[]): MiniMaxError | undefined {
  if (messages.length === 0) return bad("invalid params, messages is empty (2013)");
  for (const [i, m] of messages.entries()) {
    if (!isObj(m)) return bad("invalid params, messages is invalid (2013)"); // unverified
    const role = String(m.role);
    if (!ROLES.includes(role)) return bad(`invalid message role: ${role} (2013)`); // developer: wording modelled on the system one
    // Exactly one system message, and it must come first.
    if (role === "system" && i > 0) return bad("invalid message role: system (2013)");
    if (role === "assistant" && (m.content === null || m.content === undefined)) return bad(CHAT_SETTING);
  }
  return undefined;
}

function checkTools(tools: unknown[]): MiniMaxError | undefined {
  for (const t of tools) {
    if (!isObj(t) || t.type !== "function" || !isObj(t.function)) return bad(CHAT_SETTING); // unverified
    const fn = t.function;
    if (typeof fn.name !== "string" || fn.name === "" || !isObj(fn.parameters))
      return bad("invalid params, function name or parameters is empty (2013)");
    if ("strict" in fn && fn.strict === null) return bad(CHAT_SETTING);
  }
  return undefined;
}

function checkReasoning(b: Record<string, unknown>, family: MiniMaxFamily): MiniMaxError | undefined {
  if (family !== "m2" && present(b.thinking)) {
    const type = isObj(b.thinking) ? b.thinking.type : undefined;
    if (family === "flash" && type === "disabled")
      return bad("invalid params, MiniMax-M3.1-Flash-Preview requires adaptive thinking (2013)"); // only "requires adaptive thinking (2013)" is reported
    if (type !== "adaptive" && type !== "disabled") return bad("invalid params, thinking type must be adaptive or disabled (2013)"); // unverified
  }
  // reasoning_effort exists on M3.1-Flash only; the others ignore it.
  if (family === "flash" && present(b.reasoning_effort) && !FLASH_EFFORTS.includes(b.reasoning_effort as string))
    return bad(`invalid params, reasoning_effort must be one of ${FLASH_EFFORTS.join(", ")} (2013)`); // unverified
  return undefined;
}

function checkSampling(b: Record<string, unknown>, family: MiniMaxFamily): MiniMaxError | undefined {
  if (present(b.n) && b.n !== 1) return bad("invalid params, n must be 1 (2013)"); // unverified wording
  // M2.x: temperature and top_p in (0, 1]; M3 ignores temperature. // unverified wording
  if (family === "m2" && present(b.temperature) && (!isNum(b.temperature) || b.temperature <= 0 || b.temperature > 1))
    return bad("invalid params, temperature must be in (0, 1] (2013)");
  if (present(b.top_p) && (!isNum(b.top_p) || b.top_p <= 0 || b.top_p > 1)) return bad("invalid params, top_p must be in (0, 1] (2013)"); // unverified
  for (const field of ["max_completion_tokens", "max_tokens"]) {
    const v = b[field];
    if (present(v) && (!isNum(v) || !Number.isInteger(v) || v < 1)) return bad(`invalid params, ${field} must be positive (2013)`); // unverified
  }
  return undefined;
}

/** undefined when the request is acceptable. */
export function validateMiniMax(body: unknown): MiniMaxError | undefined {
  if (!isObj(body)) return bad("invalid params, invalid request body (2013)"); // unverified
  if (typeof body.model !== "string" || body.model === "") return bad("invalid params, model is empty (2013)"); // unverified
  if (!MINIMAX_MODELS.includes(body.model)) return bad(`unknown model '${body.model}' (2013)`);
  const family = minimaxFamily(body.model);
  if (!Array.isArray(body.messages)) return bad("invalid params, messages is empty (2013)"); // unverified for a non-array
  const msgError = checkMessages(body.messages);
  if (msgError) return msgError;
  if (present(body.tools)) {
    if (!Array.isArray(body.tools)) return bad(CHAT_SETTING); // unverified
    const toolError = checkTools(body.tools);
    if (toolError) return toolError;
  }
  // tool_choice: "none" works; an explicit "auto" is reported to 400, anything else is outside the enum.
  if (present(body.tool_choice) && body.tool_choice !== "none") return bad(CHAT_SETTING);
  return checkReasoning(body, family) ?? checkSampling(body, family);
}

/** What MiniMax accepts silently but a test may care about (x-mock-notes). */
export function minimaxNotes(body: Record<string, unknown>): string[] {
  const notes: string[] = [];
  const family = minimaxFamily(String(body.model));
  const messages = Array.isArray(body.messages) ? body.messages : [];
  messages.forEach((m, i) => {
    if (!isObj(m) || m.role !== "assistant" || !Array.isArray(m.tool_calls) || m.tool_calls.length === 0) return;
    const text = typeof m.content === "string" ? m.content : "";
    if (!text.includes("<think>") && !Array.isArray(m.reasoning_details)) notes.push(`think block not passed back: messages[${i}]`);
  });
  if (present(body.max_tokens)) notes.push(present(body.max_completion_tokens) ? "max_tokens ignored (max_completion_tokens wins)" : "max_tokens is deprecated");
  if (present(body.reasoning_effort) && family !== "flash") notes.push("reasoning_effort ignored");
  if (present(body.thinking) && family === "m2") notes.push("thinking ignored (M2.x always thinks)");
  if (present(body.temperature) && family !== "m2") notes.push("temperature ignored");
  if (body.reasoning_split === true) notes.push("reasoning_split not emulated");
  return notes;
}
