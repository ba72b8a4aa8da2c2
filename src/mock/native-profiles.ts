// The four providers' native /responses endpoints as profiles of the generic emulator
// (shared/research/providers-native-responses.md). `NATIVE_SWITCHES` flips the quirks the research
// marks unverified or conflicting, so a mapping can be tested both ways.
import { randomUUID } from "node:crypto";
import type { NativeError, NativeProfile } from "./native.ts";
import { DEEPSEEK_MODELS } from "./deepseek-validate.ts";
import { ZHIPU_MODELS } from "./zhipu-validate.ts";
import { MINIMAX_MODELS } from "./minimax-validate.ts";
import { XIAOMI_MODELS } from "./xiaomi-validate.ts";
import { randomHex } from "./kit.ts";

/** Unverified quirks, switchable per test (module state of the emulators; reset with `resetNativeSwitches`). */
export const NATIVE_SWITCHES = {
  /** DeepSeek: namespace tools silently ignored (the likely case) or rejected. */
  deepseekNamespace: "ignore" as "ignore" | "reject",
  /** MiniMax: web_search run server-side (server-tools guide) or rejected (another integration's report). */
  minimaxWebSearch: "server" as "server" | "reject",
  /** MiniMax: reasoning streamed as summary events or as reasoning_text (stream events undocumented). */
  minimaxReasoningEvents: "summary" as "summary" | "text",
  /** DeepSeek: `: keep-alive` comments before the first event. */
  deepseekKeepAlive: true,
};

export function resetNativeSwitches() {
  NATIVE_SWITCHES.deepseekNamespace = "ignore";
  NATIVE_SWITCHES.minimaxWebSearch = "server";
  NATIVE_SWITCHES.minimaxReasoningEvents = "summary";
  NATIVE_SWITCHES.deepseekKeepAlive = true;
}

const openaiError = (status: number, code: string, message: string, type = "invalid_request_error"): NativeError => ({ status, body: { error: { message, type, param: null, code } } });

export function deepseekNative(): NativeProfile {
  return {
    models: DEEPSEEK_MODELS,
    authError: (key) => openaiError(401, "invalid_request_error", `Authentication Fails, Your api key: ****${key.slice(-4)} is invalid`, "authentication_error"),
    error: (status, code, message, type) => openaiError(status, code, message, type ?? (status === 429 ? "rate_limit_error" : "invalid_request_error")),
    customTools: ["apply_patch"],
    get namespaceTools() {
      return NATIVE_SWITCHES.deepseekNamespace;
    },
    webSearch: "server",
    textFormats: ["text", "json_object", "json_schema"],
    efforts: ["low", "high", "max"],
    effortDefault: "high",
    thinkingOff: [],
    toolChoice: ["none", "auto", "required", "named"],
    rejectedFields: ["truncation"],
    passbackRequired: true,
    reasoningEvents: "text",
    overLongStreamFailed: false,
    get keepAlive() {
      return NATIVE_SWITCHES.deepseekKeepAlive;
    },
    itemId: (rid, kind, n) => `${kind}_${rid.slice(5, 17)}${n}`,
    responseId: () => `resp_${randomHex(24)}`,
  };
}

export function zhipuNative(): NativeProfile {
  return {
    models: ZHIPU_MODELS,
    // Auth failures come back as HTTP 200 with {code,msg,success:false} (third-party live probe).
    authError: () => ({ status: 200, body: { code: 401, msg: "令牌已过期或验证不正确", success: false } }),
    error: (status, code, message) => ({ status, body: { error: { code: code === "rate_limit_exceeded" ? "overloaded" : code, message } } }),
    customTools: "any",
    namespaceTools: "accept",
    webSearch: "server",
    textFormats: ["text", "json_object"],
    efforts: ["none", "minimal", "low", "medium", "high", "xhigh", "max"],
    effortDefault: "max",
    // effort none is ignored: thinking cannot be turned off here.
    thinkingOff: [],
    toolChoice: ["none", "auto"],
    rejectedFields: [],
    passbackRequired: false,
    reasoningEvents: "text",
    overLongStreamFailed: true,
    keepAlive: false,
    itemId: (rid, kind, n) => `${kind}_${rid.slice(5)}_${n}`,
    responseId: () => `resp_${randomUUID().replace(/-/g, "")}`,
  };
}

export function minimaxNative(): NativeProfile {
  return {
    models: MINIMAX_MODELS,
    authError: () => ({ status: 401, body: { error: { message: "login fail (1004)", code: "invalid_api_key" } } }),
    error: (status, code, message) => ({ status, body: { error: { message: code === "context_length_exceeded" ? "prompt is too long (2013)" : message, code: code === "context_length_exceeded" ? "invalid_prompt" : code } } }),
    customTools: "none",
    namespaceTools: "reject",
    get webSearch() {
      return NATIVE_SWITCHES.minimaxWebSearch;
    },
    textFormats: ["text"],
    efforts: ["none", "minimal", "low", "medium", "high"],
    // MiniMax's default is none: no thinking unless an effort is sent.
    effortDefault: "none",
    thinkingOff: ["none"],
    toolChoice: ["none", "auto"],
    rejectedFields: [],
    passbackRequired: false,
    get reasoningEvents() {
      return NATIVE_SWITCHES.minimaxReasoningEvents;
    },
    overLongStreamFailed: false,
    keepAlive: false,
    itemId: (rid, kind, n) => (kind === "msg" ? `${rid}_msg` : kind === "rs" ? `${rid}_rs` : `${rid}_fc_${n}`),
    responseId: () => randomHex(32),
  };
}

export function xiaomiNative(): NativeProfile {
  const unsupported = (message: string): NativeError => ({ status: 400, body: { error: { code: "responses_feature_not_supported", message, param: null, type: "unsupported_feature" } } });
  return {
    models: [...XIAOMI_MODELS, "mimo-v2.6-pro", "mimo-v2.6-flash"],
    apiKeyHeader: true,
    authError: () => ({ status: 401, body: { error: { code: "401", message: "Invalid API Key", param: null, type: "authentication_error" } } }),
    error: (status, code, message, type) => (type === "unsupported_feature" ? unsupported(message) : { status, body: { error: { code, message, param: null, type: type ?? "invalid_request_error" } } }),
    customTools: "none",
    namespaceTools: "accept",
    webSearch: "reject",
    textFormats: ["text", "json_object"],
    efforts: ["none", "low", "medium", "high"],
    effortDefault: "medium",
    thinkingOff: ["none"],
    toolChoice: ["none", "auto", "required", "named"],
    rejectedFields: ["background", "previous_response_id"],
    passbackRequired: false,
    reasoningEvents: "text",
    overLongStreamFailed: false,
    keepAlive: false,
    itemId: (rid, kind, n) => `${kind}_${rid.slice(5, 21)}_${n}`,
    responseId: () => `resp_${randomHex(32)}`,
  };
}
