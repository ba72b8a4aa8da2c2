// Codex's `input` items → the provider's Responses input items. Reasoning GodeX sealed in its
// carrier is restored byte-exact as the provider wants it back (reasoning_text content or a
// summary); items the provider cannot take are converted or dropped with a diagnostic.
import type { Diagnostics } from "../../diagnostics.ts";
import type { ResponsesRules } from "../../../mapping/doc.ts";
import type { ReasoningCarrier } from "../../reasoning-carrier.ts";
import type { ContentPart, CustomToolCallItem, FunctionCallItem, FunctionCallOutputItem, MessageItem, ReasoningItem, ResponsesRequest, ToolSpec } from "../../../protocol/request.ts";
import { flatToolName, TOOL_SEARCH_NAME } from "../tools.ts";
import { toolSearchSummary } from "../messages.ts";

export interface NativeInputContext {
  rules: ResponsesRules;
  /** Mapping name the carrier sealed reasoning under. */
  provider: string;
  images: boolean;
  carrier: ReasoningCarrier;
  pattern: RegExp;
  nativeCustom: Set<string>;
  nativeNamespaces: Set<string>;
  diags: Diagnostics;
}

type Item = Record<string, unknown>;

export function translateNativeInput(input: ResponsesRequest["input"], ctx: NativeInputContext): string | Item[] {
  if (typeof input === "string") return input;
  const out: Item[] = [];
  const { rules, diags } = ctx;
  const itemRule = (type: string) => (Object.hasOwn(rules.input_items, type) ? rules.input_items[type] : "drop");
  /** Index in `out` where the current assistant turn starts, and whether it has a reasoning item. */
  let turnStart = 0;
  let turnHasReasoning = false;
  let turnHasCall = false;
  const boundary = () => {
    turnStart = out.length;
    turnHasReasoning = false;
    turnHasCall = false;
  };
  const call = (item: Item) => {
    if (rules.reasoning.passback === "required" && !turnHasReasoning && !turnHasCall) {
      // The provider demands the reasoning of every tool-calling turn back; none is known for this one.
      out.splice(turnStart, 0, reasoningItem("", rules));
      diags.degraded("reasoning_passback_missing", "input", "An earlier tool-calling turn has no recoverable reasoning; sent an empty reasoning item so the provider accepts the history.");
      turnHasReasoning = true;
    }
    turnHasCall = true;
    out.push(item);
  };
  const name = (n: string, ns: string | null | undefined): Item => (ns && ctx.nativeNamespaces.has(ns) ? { name: n, namespace: ns } : { name: flatToolName(n, ns ?? undefined, ctx.pattern) });

  input.forEach((raw, i) => {
    const path = `input[${i}]`;
    const type = raw.type ?? (raw.role ? "message" : undefined);
    switch (type) {
      case "message": {
        const m = raw as MessageItem;
        if (m.role !== "assistant") boundary();
        else if (turnHasCall) boundary();
        const role = rules.roles[m.role] ?? m.role;
        out.push({ type: "message", role, content: messageContent(m, `${path}.content`, ctx) });
        return;
      }
      case "reasoning": {
        if (turnHasCall) boundary();
        const text = recoverReasoning(raw as ReasoningItem, path, ctx);
        if (rules.reasoning.input === "drop") return;
        if (text === null) return;
        out.push(reasoningItem(text, rules));
        turnHasReasoning = true;
        return;
      }
      case "function_call": {
        const f = raw as FunctionCallItem;
        call({ type: "function_call", call_id: f.call_id, ...name(f.name, f.namespace), arguments: typeof f.arguments === "string" && f.arguments !== "" ? f.arguments : "{}" });
        return;
      }
      case "custom_tool_call": {
        const c = raw as CustomToolCallItem;
        if (ctx.nativeCustom.has(c.name) && itemRule("custom_tool_call") === "pass") call({ type: "custom_tool_call", call_id: c.call_id, ...name(c.name, c.namespace), input: c.input ?? "" });
        else call({ type: "function_call", call_id: c.call_id, ...name(c.name, c.namespace), arguments: JSON.stringify({ input: c.input ?? "" }) });
        return;
      }
      case "function_call_output":
      case "custom_tool_call_output": {
        const o = raw as FunctionCallOutputItem;
        boundary();
        const nativeOut = type === "custom_tool_call_output" && itemRule("custom_tool_call_output") === "pass" && isNativeCall(out, o.call_id);
        out.push({ type: nativeOut ? "custom_tool_call_output" : "function_call_output", call_id: o.call_id, output: outputText(o.output, `${path}.output`, ctx) });
        return;
      }
      case "tool_search_call": {
        const s = raw as { call_id?: string; arguments?: unknown };
        call({ type: "function_call", call_id: s.call_id ?? "", name: TOOL_SEARCH_NAME, arguments: typeof s.arguments === "string" ? s.arguments : JSON.stringify(s.arguments ?? {}) });
        return;
      }
      case "tool_search_output": {
        const s = raw as { call_id?: string; tools?: unknown };
        boundary();
        out.push({ type: "function_call_output", call_id: s.call_id ?? "", output: toolSearchSummary(Array.isArray(s.tools) ? (s.tools as ToolSpec[]) : [], ctx.pattern) });
        return;
      }
      case "web_search_call": {
        if (itemRule("web_search_call") !== "pass") {
          diags.ignored("input_item_dropped", path, "The provider does not take earlier web searches back; dropped from history.");
          return;
        }
        const w = raw as Item;
        out.push(stripNulls({ type: "web_search_call", id: w.id, status: w.status ?? "completed", action: w.action }));
        return;
      }
      case "additional_tools":
        // Code mode's tool declarations: offered as tools (translateNativeTools), not sent as history.
        return;
      default:
        diags.ignored("input_item_dropped", path, `Input item type '${String(type)}' cannot be sent to this provider; dropped from history.`);
    }
  });
  return out;
}

function reasoningItem(text: string, rules: ResponsesRules): Item {
  if (rules.reasoning.input === "summary") return { type: "reasoning", summary: [{ type: "summary_text", text }] };
  return { type: "reasoning", summary: [], content: [{ type: "reasoning_text", text }] };
}

/** The provider's original reasoning from the carrier (byte-exact), else the item's visible text; null when none. */
function recoverReasoning(item: ReasoningItem, path: string, ctx: NativeInputContext): string | null {
  if (item.encrypted_content != null) {
    const opened = ctx.carrier.open(item.encrypted_content, ctx.provider);
    if (opened.ok) return opened.value.reasoning;
    const why =
      opened.reason === "other_provider"
        ? `it was produced by provider '${opened.provider}', not '${ctx.provider}'`
        : opened.reason === "tampered"
          ? "its integrity check failed (altered, or sealed by another GodeX key)"
          : "it was not produced by GodeX";
    ctx.diags.ignored("reasoning_blob_untrusted", `${path}.encrypted_content`, `Reasoning blob not used: ${why}.`);
  }
  const raw = Array.isArray(item.content) ? item.content.filter((c) => c?.type === "reasoning_text").map((c) => c.text ?? "").join("") : "";
  const summary = Array.isArray(item.summary) ? item.summary.map((s) => s?.text ?? "").join("\n\n") : "";
  const visible = raw || summary;
  if (!visible) return null;
  ctx.diags.degraded("reasoning_from_visible_text", path, "Reasoning replayed from the item's visible text instead of the sealed original.");
  return visible;
}

function isNativeCall(out: Item[], callId: string): boolean {
  return out.some((o) => o.type === "custom_tool_call" && o.call_id === callId);
}

function messageContent(m: MessageItem, path: string, ctx: NativeInputContext): string | Item[] {
  if (typeof m.content === "string") return m.content;
  if (!Array.isArray(m.content)) return "";
  const parts: Item[] = [];
  const assistant = m.role === "assistant";
  m.content.forEach((p: ContentPart, j: number) => {
    const part = p as Item;
    if (part?.type === "input_text" || part?.type === "output_text" || part?.type === "text") parts.push({ type: assistant ? "output_text" : "input_text", text: part.text ?? "" });
    else if (part?.type === "refusal") parts.push({ type: "output_text", text: part.refusal ?? "" });
    else if (part?.type === "input_image" && !assistant) {
      if (ctx.images && typeof part.image_url === "string") parts.push(stripNulls({ type: "input_image", image_url: part.image_url, detail: part.detail }));
      else ctx.diags.ignored("image_dropped", `${path}[${j}]`, "This model does not accept images; the image was dropped.");
    } else ctx.diags.ignored("content_part_dropped", `${path}[${j}]`, `Content part '${String(part?.type)}' is not supported here; dropped.`);
  });
  return parts;
}

function outputText(output: FunctionCallOutputItem["output"] | undefined, path: string, ctx: NativeInputContext): string {
  if (typeof output === "string") return output;
  if (!Array.isArray(output)) return output == null ? "" : JSON.stringify(output);
  return output
    .map((part, j) => {
      if (part?.type === "input_text" || part?.type === "output_text") return part.text ?? "";
      ctx.diags.degraded("tool_output_part_dropped", `${path}[${j}]`, `Tool output part '${part?.type}' cannot be sent back; replaced by a placeholder.`);
      return `[${part?.type ?? "part"} omitted]`;
    })
    .join("\n");
}

function stripNulls(o: Item): Item {
  for (const k of Object.keys(o)) if (o[k] == null) delete o[k];
  return o;
}
