// Responses `instructions` + `input` items → Chat `messages`.
// Consecutive assistant-side items (reasoning, assistant text, tool calls) become one assistant
// message; the reasoning that preceded them is replayed on it as the mapping's pass-back says.
import type { Diagnostics } from "../diagnostics.ts";
import type { ModelView } from "../../mapping/compile.ts";
import type { ReasoningCarrier } from "../reasoning-carrier.ts";
import type { ActivePassback } from "../../mapping/doc.ts";
import { flatToolName, TOOL_SEARCH_NAME } from "./tools.ts";
import type { ChatContentPart, ChatMessage, ChatToolCall } from "../../generated/chat.ts";
import type {
  ContentPart,
  CustomToolCallItem,
  FunctionCallItem,
  FunctionCallOutputItem,
  MessageItem,
  ReasoningItem,
  ResponsesRequest,
  ToolSpec,
} from "../../protocol/request.ts";

export type { ChatMessage } from "../../generated/chat.ts";

interface PendingAssistant {
  texts: string[];
  toolCalls: ChatToolCall[];
  reasoning: string[];
  rawPrefix?: string;
  /** Set when a reasoning item of this turn had nothing to replay. */
  reasoningMissing: boolean;
  /** Set when a reasoning item of this turn was sealed for another mapping (not replayed). */
  reasoningForeign?: boolean;
  /** After the last user message: the turn in progress. */
  current: boolean;
}

export interface MessageContext {
  provider: string;
  view: ModelView;
  carrier: ReasoningCarrier;
  passback: ActivePassback;
  diags: Diagnostics;
}

/** Tools that tool_search_output items in the history made available (Codex does not list them in `tools`). */
export function discoveredTools(input: ResponsesRequest["input"]): { tool: ToolSpec; path: string }[] {
  if (typeof input === "string") return [];
  const out: { tool: ToolSpec; path: string }[] = [];
  input.forEach((item, i) => {
    const it = item as { type?: string; tools?: unknown };
    if (it.type !== "tool_search_output" || !Array.isArray(it.tools)) return;
    (it.tools as ToolSpec[]).forEach((tool, j) => out.push({ tool, path: `input[${i}].tools[${j}]` }));
  });
  return out;
}

const DROPPED_ITEMS: Record<string, string> = {
  local_shell_call: "local_shell calls cannot be replayed to a Chat Completions provider; dropped from history.",
  local_shell_call_output: "local_shell output cannot be replayed to a Chat Completions provider; dropped from history.",
  web_search_call: "Web search calls have no Chat Completions equivalent; dropped from history.",
  image_generation_call: "Image generation results cannot be replayed; dropped from history.",
  compaction: "A compaction item GodeX did not seal (e.g. OpenAI's) cannot be read by this provider; dropped from history.",
  ghost_snapshot: "Client-side snapshot items are not model input; dropped.",
  agent_message: "Multi-agent messages are not forwarded; dropped from history.",
  file_search_call: "File search results cannot be replayed; dropped from history.",
  computer_call: "Computer-use calls cannot be replayed; dropped from history.",
  computer_call_output: "Computer-use output cannot be replayed; dropped from history.",
  code_interpreter_call: "Code interpreter calls cannot be replayed; dropped from history.",
  mcp_call: "Remote MCP calls cannot be replayed; dropped from history.",
  mcp_list_tools: "Remote MCP tool lists cannot be replayed; dropped from history.",
  mcp_approval_request: "Remote MCP approvals cannot be replayed; dropped from history.",
  mcp_approval_response: "Remote MCP approvals cannot be replayed; dropped from history.",
};

export function buildMessages(instructions: string | null | undefined, input: ResponsesRequest["input"], ctx: MessageContext): ChatMessage[] {
  const { view, diags } = ctx;
  const rules = view.request;
  const pattern = new RegExp(rules.tools.name_pattern);
  const messages: ChatMessage[] = [];
  if (typeof instructions === "string" && instructions !== "") messages.push({ role: rules.roles.system ?? "system", content: instructions });

  if (typeof input === "string") {
    messages.push({ role: "user", content: input });
    return finishSystem(messages, ctx);
  }

  let lastUser = -1;
  input.forEach((item, i) => {
    if ((item.type ?? "message") === "message" && (item as MessageItem).role === "user") lastUser = i;
  });
  let pending: PendingAssistant | null = null;
  let index = 0;
  const open = (): PendingAssistant =>
    (pending ??= { texts: [], toolCalls: [], reasoning: [], reasoningMissing: false, current: index > lastUser });
  /** Unpaired tool outputs, held until the run of tool messages they arrived in is over. */
  const deferred: ChatMessage[] = [];
  const pushNonTool = (m: ChatMessage) => {
    messages.push(...deferred.splice(0), m);
  };
  const flush = () => {
    if (pending) pushNonTool(assistantMessage(pending, ctx));
    pending = null;
  };

  input.forEach((raw, i) => {
    const path = `input[${i}]`;
    index = i;
    const type = raw.type ?? (raw.role ? "message" : undefined);
    switch (type) {
      case "message": {
        const item = raw as MessageItem;
        if (item.role === "assistant") {
          const text = contentText(item.content, `${path}.content`, ctx);
          if (text !== "") open().texts.push(text);
          return;
        }
        flush();
        const role = rules.roles[item.role] ?? item.role;
        pushNonTool({ role, content: userContent(item.content, `${path}.content`, ctx) });
        return;
      }
      case "reasoning": {
        if (pending && (pending as PendingAssistant).toolCalls.length > 0) flush();
        recoverReasoning(raw as ReasoningItem, path, open(), ctx);
        return;
      }
      case "function_call":
      case "custom_tool_call": {
        const item = raw as FunctionCallItem | CustomToolCallItem;
        const name = flatToolName(item.name, item.namespace ?? undefined, pattern);
        const args = type === "custom_tool_call" ? JSON.stringify({ input: (item as CustomToolCallItem).input ?? "" }) : safeArguments(item.arguments, `${path}.arguments`, diags);
        open().toolCalls.push({ id: item.call_id, type: "function", function: { name, arguments: args } });
        return;
      }
      case "function_call_output":
      case "custom_tool_call_output": {
        const item = raw as FunctionCallOutputItem;
        flush();
        addToolOutput(messages, deferred, item.call_id, toolOutputText(item.output, `${path}.output`, ctx), path, ctx);
        return;
      }
      case "tool_search_call": {
        // Codex's client-side tool search, replayed as a call of the function that stands for it.
        const item = raw as { call_id?: string; arguments?: unknown };
        const args = typeof item.arguments === "string" ? item.arguments : JSON.stringify(item.arguments ?? {});
        open().toolCalls.push({ id: item.call_id ?? "", type: "function", function: { name: TOOL_SEARCH_NAME, arguments: args } });
        return;
      }
      case "tool_search_output": {
        const item = raw as { call_id?: string; tools?: unknown };
        flush();
        const found = Array.isArray(item.tools) ? (item.tools as ToolSpec[]) : [];
        messages.push({ role: "tool", tool_call_id: item.call_id ?? "", content: toolSearchSummary(found, pattern) });
        return;
      }
      case "additional_tools":
        // Code mode's tool declarations: offered as the request's tools (tools.ts), not a message.
        return;
      case "item_reference":
        // Validation rejects these before translation; kept for safety.
        diags.rejected("item_reference_unsupported", path, "item_reference needs server-side storage; dropped.");
        return;
      default: {
        const why = DROPPED_ITEMS[String(type)] ?? `Input item type '${type}' is not supported; dropped.`;
        diags.ignored("input_item_dropped", path, why);
      }
    }
  });
  flush();
  messages.push(...deferred);
  return finishSystem(answerEveryCall(messages, ctx), ctx);
}

/**
 * Strict providers refuse an assistant tool call that no tool message answers before the next message
 * (e.g. a turn interrupted mid-call): such a call gets a tool message saying no output was recorded.
 */
function answerEveryCall(messages: ChatMessage[], ctx: MessageContext): ChatMessage[] {
  const out: ChatMessage[] = [];
  for (let i = 0; i < messages.length; i++) {
    const m = messages[i]!;
    out.push(m);
    if (!Array.isArray(m.tool_calls) || m.tool_calls.length === 0) continue;
    const answered = new Set<string>();
    while (i + 1 < messages.length && messages[i + 1]!.role === "tool") {
      answered.add(String(messages[i + 1]!.tool_call_id));
      out.push(messages[++i]!);
    }
    for (const call of m.tool_calls) {
      if (answered.has(call.id)) continue;
      ctx.diags.degraded("tool_output_missing", "input", `Tool call '${call.id}' has no output in the history; sent a tool message saying so, because providers refuse an unanswered call.`);
      out.push({ role: "tool", tool_call_id: call.id, content: "No output was recorded for this tool call." });
    }
  }
  return out;
}

function assistantMessage(p: PendingAssistant, ctx: MessageContext): ChatMessage {
  const rules = ctx.view.request;
  const text = p.texts.join(rules.part_separator);
  const hasTools = p.toolCalls.length > 0;
  const msg: ChatMessage = { role: rules.roles.assistant ?? "assistant", content: text };
  if (hasTools && text === "") msg.content = rules.assistant_tool_content;
  if (hasTools) msg.tool_calls = p.toolCalls;
  const pb = ctx.passback;
  // reasoning.context current_turn (where the mapping honours it that way): earlier turns carry none.
  if (pb.turns === "current" && !p.current) p = { ...p, reasoning: [], rawPrefix: undefined, reasoningMissing: false };
  if (pb.mode !== "none" && (pb.when === "always" || hasTools)) {
    if (pb.mode === "field" && pb.field) {
      if (p.reasoning.length === 0 && hasTools && p.reasoningMissing && !p.reasoningForeign) {
        ctx.diags.degraded("reasoning_passback_missing", "input", `An earlier tool-calling turn has no recoverable reasoning; sent ${pb.field} "" so the provider accepts the history.`);
      }
      msg[pb.field] = p.reasoning.length > 0 ? p.reasoning.join("") : (pb.empty ?? "");
    } else if (pb.mode === "content_raw" && p.reasoning.length > 0) {
      // Replay the think block verbatim when we have it, else rebuild it from the reasoning text.
      msg.content = (p.rawPrefix ?? `<think>\n${p.reasoning.join("")}\n</think>\n\n`) + text;
    }
  }
  return msg;
}

/** What a provider gets instead of another mapping's reasoning, in the words of its pass-back rules. */
function passbackInstead(pb: ActivePassback): string {
  if (pb.mode === "field" && pb.field) return `its assistant turns carry ${pb.field} ${JSON.stringify(pb.empty ?? "")}${pb.when === "tool_calls" ? " where they have tool calls" : ""}`;
  if (pb.mode === "content_raw") return "its assistant turns are replayed without a think block";
  return "it takes no reasoning back";
}

/** Finds the provider reasoning of a replayed reasoning item: the sealed copy first, then visible text. */
function recoverReasoning(item: ReasoningItem, path: string, p: PendingAssistant, ctx: MessageContext) {
  const { diags } = ctx;
  if (item.encrypted_content != null) {
    const opened = ctx.carrier.open(item.encrypted_content, ctx.provider);
    if (opened.ok) {
      p.reasoning.push(opened.value.reasoning);
      if (opened.value.rawPrefix !== undefined) p.rawPrefix = (p.rawPrefix ?? "") + opened.value.rawPrefix;
      return;
    }
    if (opened.reason === "other_provider") {
      // The conversation moved between targets: another mapping's reasoning is never replayed here
      // (not even as visible text); this provider gets what its own pass-back rules demand.
      p.reasoningForeign = true;
      diags.ignored("reasoning_from_other_target", `${path}.encrypted_content`, `Reasoning produced by '${opened.provider}' is not replayed to '${ctx.provider}' (the conversation moved between targets); ${passbackInstead(ctx.passback)}.`);
      return;
    }
    const why =
      opened.reason === "tampered"
          ? "its integrity check failed (altered, or sealed by another GodeX key)"
          : "it was not produced by GodeX";
    diags.ignored("reasoning_blob_untrusted", `${path}.encrypted_content`, `Reasoning blob not used: ${why}.`);
  }
  const raw = Array.isArray(item.content) ? item.content.filter((c) => c?.type === "reasoning_text").map((c) => c.text ?? "").join("") : "";
  const summary = Array.isArray(item.summary) ? item.summary.map((s) => s?.text ?? "").join("\n\n") : "";
  const visible = raw || summary;
  if (visible) {
    p.reasoning.push(visible);
    diags.degraded("reasoning_from_visible_text", path, "Reasoning replayed from the item's visible text instead of the sealed original.");
  } else {
    p.reasoningMissing = true;
  }
}

function finishSystem(messages: ChatMessage[], ctx: MessageContext): ChatMessage[] {
  const rules = ctx.view.request;
  const systemRole = rules.roles.system ?? "system";
  if (rules.system_messages !== "merge_first") return messages;
  const system: string[] = [];
  const rest: ChatMessage[] = [];
  let moved = false;
  let seenOther = false;
  for (const m of messages) {
    if (m.role === systemRole) {
      system.push(typeof m.content === "string" ? m.content : JSON.stringify(m.content));
      if (seenOther) moved = true;
    } else {
      seenOther = true;
      rest.push(m);
    }
  }
  if (system.length === 0) return messages;
  if (moved) ctx.diags.degraded("system_messages_merged", "input", "The provider accepts one leading system message; later system/developer messages were moved into it.");
  return [{ role: systemRole, content: system.join(rules.part_separator) }, ...rest];
}

/** A content part as the translator reads it (a bare Chat-style `text` part is read too). */
type ReadablePart = ContentPart | { type: "text"; text?: string };

function contentText(content: string | readonly ReadablePart[] | undefined, path: string, ctx: MessageContext): string {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return "";
  const texts: string[] = [];
  content.forEach((part: ReadablePart, j: number) => {
    if (part?.type === "input_text" || part?.type === "output_text" || part?.type === "text") texts.push(part.text ?? "");
    else if (part?.type === "refusal") texts.push(part.refusal ?? "");
    else ctx.diags.ignored("content_part_dropped", `${path}[${j}]`, `Content part '${part?.type}' is not supported here; dropped.`);
  });
  return texts.join(ctx.view.request.part_separator);
}

/** User/system content: a string, or an array of Chat parts when images are present and supported. */
function userContent(content: MessageItem["content"] | undefined, path: string, ctx: MessageContext): string | ChatContentPart[] {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return "";
  const hasImage = content.some((p) => p?.type === "input_image");
  if (!hasImage || !ctx.view.images) {
    if (hasImage) {
      content.forEach((p, j) => {
        if (p?.type === "input_image") ctx.diags.ignored("image_dropped", `${path}[${j}]`, "This model does not accept images; the image was dropped.");
      });
    }
    return contentText(content.filter((p) => p?.type !== "input_image"), path, ctx);
  }
  const parts: ChatContentPart[] = [];
  content.forEach((part, j) => {
    if (part?.type === "input_text" || part?.type === "output_text") parts.push({ type: "text", text: part.text ?? "" });
    else if (part?.type === "input_image" && typeof part.image_url === "string") {
      const image_url: { url: string; detail?: string } = { url: part.image_url };
      if (part.detail && part.detail !== "auto" && part.detail !== "original") image_url.detail = part.detail;
      parts.push({ type: "image_url", image_url });
    } else ctx.diags.ignored("content_part_dropped", `${path}[${j}]`, `Content part '${part?.type}' is not supported; dropped.`);
  });
  return parts;
}

/**
 * A tool result as a tool message that strict providers accept: it must answer a call of the assistant
 * message right before the run of tool messages it joins, once. Several outputs for one call (Codex code
 * mode's `notify()` adds one while the script runs) become one message; an output whose call is not
 * there (compacted away, answered earlier, never made) is kept as a user message instead of making the
 * provider fail, placed after the tool messages it arrived among (`deferred`) so it does not cut them off
 * from their calls.
 */
function addToolOutput(messages: ChatMessage[], deferred: ChatMessage[], callId: string, text: string, path: string, ctx: MessageContext) {
  let start = messages.length;
  while (start > 0 && messages[start - 1]!.role === "tool") start--;
  const answered = messages.slice(start).find((m) => m.tool_call_id === callId);
  if (answered) {
    answered.content = joinOutput(String(answered.content ?? ""), text);
    return;
  }
  const calls = messages[start - 1]?.tool_calls;
  if (Array.isArray(calls) && calls.some((c) => c.id === callId)) {
    messages.push({ role: "tool", tool_call_id: callId, content: text });
    return;
  }
  ctx.diags.degraded("tool_output_unpaired", path, `No tool call '${callId}' precedes this output; it was sent as a user message, because providers refuse a tool message that answers no call.`);
  const message: ChatMessage = { role: ctx.view.request.roles.user ?? "user", content: `Output of tool call ${callId}:\n${text}` };
  if (Array.isArray(calls) && calls.length > 0) deferred.push(message);
  else messages.push(message);
}

/** Output pieces on their own lines, without doubling a newline the previous piece already ends with. */
function joinOutput(before: string, next: string): string {
  if (before === "") return next;
  return before.endsWith("\n") ? before + next : `${before}\n${next}`;
}

/** Tool results are sent as strings: several providers reject arrays. */
function toolOutputText(output: FunctionCallOutputItem["output"] | undefined, path: string, ctx: MessageContext): string {
  if (typeof output === "string") return output;
  if (!Array.isArray(output)) return output == null ? "" : JSON.stringify(output);
  let text = "";
  output.forEach((part, j) => {
    if (part?.type === "input_text" || part?.type === "output_text") text = joinOutput(text, part.text ?? "");
    else {
      text = joinOutput(text, `[${part?.type ?? "part"} omitted]`);
      ctx.diags.degraded("tool_output_part_dropped", `${path}[${j}]`, `Tool output part '${part?.type}' cannot be sent in a tool message; replaced by a placeholder.`);
    }
  });
  return text;
}

/** What a tool search found, as the model will see the tools it can now call. */
export function toolSearchSummary(found: ToolSpec[], pattern: RegExp): string {
  const lines: string[] = [];
  for (const tool of found) {
    const t = tool as { type: string; name?: string; description?: string; tools?: { name: string; description?: string }[] };
    if (t.type === "namespace") {
      for (const child of t.tools ?? []) lines.push(`- ${flatToolName(child.name, t.name, pattern)}: ${(child.description ?? "").trim().split("\n")[0]}`);
    } else if (t.name) lines.push(`- ${flatToolName(t.name, undefined, pattern)}: ${(t.description ?? "").trim().split("\n")[0]}`);
  }
  return lines.length > 0 ? `Tools now available:\n${lines.join("\n")}` : "No matching tools were found.";
}

/** Truncated tool-call JSON in history makes some providers answer 400: salvage it to `{}`. */
function safeArguments(args: unknown, path: string, diags: Diagnostics): string {
  if (typeof args !== "string" || args === "") return "{}";
  try {
    JSON.parse(args);
    return args;
  } catch {
    diags.degraded("tool_arguments_repaired", path, "Tool-call arguments in history were not valid JSON (truncated?); replayed as {}.");
    return "{}";
  }
}
