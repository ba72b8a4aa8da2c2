// OpenAI Chat Completions body → BrainInput; shared by every OpenAI-shaped dialect.
import type { BrainInput, BrainMessage, BrainTool } from "./brain.ts";

export function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** String content, or the text parts of an array content joined. */
export function flattenContent(content: unknown): string {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return "";
  return content
    .map((p) => (isObj(p) && typeof p.text === "string" ? p.text : ""))
    .filter(Boolean)
    .join("\n");
}

function toMessage(m: unknown): BrainMessage {
  const o = isObj(m) ? m : {};
  const calls = Array.isArray(o.tool_calls) ? o.tool_calls : [];
  return {
    role: typeof o.role === "string" ? o.role : "",
    content: flattenContent(o.content),
    toolCalls: calls.filter(isObj).map((c) => {
      const fn = isObj(c.function) ? c.function : {};
      return {
        id: String(c.id ?? ""),
        name: String(fn.name ?? ""),
        arguments: typeof fn.arguments === "string" ? fn.arguments : "",
      };
    }),
    toolCallId: typeof o.tool_call_id === "string" ? o.tool_call_id : undefined,
  };
}

function toTool(t: unknown): BrainTool | undefined {
  if (!isObj(t) || !isObj(t.function) || typeof t.function.name !== "string") return undefined;
  return {
    name: t.function.name,
    parameters: isObj(t.function.parameters) ? t.function.parameters : undefined,
    description: typeof t.function.description === "string" ? t.function.description : undefined,
  };
}

export function chatToBrainInput(body: Record<string, unknown>, thinking: boolean, maxTokens?: number): BrainInput {
  const messages = Array.isArray(body.messages) ? body.messages.map(toMessage) : [];
  const tools = Array.isArray(body.tools) ? body.tools.map(toTool).filter((t): t is BrainTool => !!t) : [];
  // The provider's own search: a `web_search` tool (Zhipu: {type, web_search: {enable}}; MiMo: {type}).
  const search = Array.isArray(body.tools) ? body.tools.find((t) => isObj(t) && t.type === "web_search") : undefined;
  const providerSearch = isObj(search) && !(isObj(search.web_search) && search.web_search.enable === false);
  return { messages, tools, thinking, maxTokens, ...(providerSearch ? { providerSearch } : {}) };
}
