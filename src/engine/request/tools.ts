// Responses tools → Chat function tools, and the registry that turns the provider's calls back
// into what the client declared (function, freeform custom tool, namespaced MCP tool).
import { createHash } from "node:crypto";
import type { Diagnostics } from "../diagnostics.ts";
import type { RequestRules } from "../../mapping/doc.ts";
import type { ChatProviderTool, ChatTool } from "../../generated/chat.ts";
import type { CustomTool, FunctionTool, ToolSpec } from "../../protocol/request.ts";

export type { ChatTool } from "../../generated/chat.ts";

export interface ToolInfo {
  /** tool_search: Codex's client-executed tool discovery, offered as a function and given back as tool_search_call. */
  /** web_search: a search GodeX runs itself (web_search config), given back as web_search_call. */
  kind: "function" | "custom" | "tool_search" | "web_search";
  /** Name as the client declared it. */
  name: string;
  namespace?: string;
}

export type ToolRegistry = Map<string, ToolInfo>;

const MAX_NAME = 64;

/** Reversible, provider-safe flat name for a (namespace, name) pair. Deterministic: history uses it too. */
export function flatToolName(name: string, namespace: string | undefined, pattern: RegExp): string {
  let flat = namespace ? (namespace.endsWith("_") ? namespace + name : `${namespace}__${name}`) : name;
  if (pattern.test(flat)) return flat;
  flat = flat.replace(/[^A-Za-z0-9_-]/g, "_");
  if (flat.length > MAX_NAME || !pattern.test(flat)) {
    const hash = createHash("sha256").update(`${namespace ?? ""}\u0000${name}`).digest("hex").slice(0, 8);
    flat = `${flat.slice(0, MAX_NAME - 9)}_${hash}`;
  }
  return flat;
}

export function customToolParameters(tool: CustomTool) {
  const format = tool.format;
  const grammar =
    format?.type === "grammar" && typeof format.definition === "string"
      ? `The input must follow this ${format.syntax ?? ""} grammar:\n${format.definition}`
      : "The input is free text.";
  return {
    type: "object",
    properties: { input: { type: "string", description: `Raw input of the ${tool.name} tool, passed verbatim. ${grammar}` } },
    required: ["input"],
    additionalProperties: false,
  };
}

const DROPPED_TOOL_TYPES: Record<string, string> = {
  web_search: "Web search is not available through this provider; the tool was not offered to the model.",
  web_search_preview: "Web search is not available through this provider; the tool was not offered to the model.",
  local_shell: "The local_shell tool has no Chat Completions equivalent; the model uses the function shell tools instead.",
  image_generation: "Image generation is not available through this provider.",
  file_search: "File search needs OpenAI vector stores; not available through this provider.",
  code_interpreter: "The hosted code interpreter is not available through this provider.",
  computer_use_preview: "Computer use is not available through this provider.",
  mcp: "Remote MCP servers are not called by GodeX; configure them in the client instead.",
};

/** Name of the function that stands for Codex's client-executed tool search. */
export const TOOL_SEARCH_NAME = "tool_search";

/** Name of the function that stands for Codex's hosted web_search when GodeX runs the searches. */
export const WEB_SEARCH_NAME = "web_search";
/** The function offered for it (description and parameters), the same on every wire. */
export const WEB_SEARCH_FUNCTION = {
  description: "Search the web. Returns the top results (title, URL, snippet). Use it for current information or documentation; cite the URLs of results you use.",
  parameters: { type: "object", properties: { query: { type: "string", description: "The search query." } }, required: ["query"] },
};
const WEB_SEARCH_TYPES = new Set(["web_search", "web_search_preview", "web_search_2025_08_26", "web_search_preview_2025_03_11"]);

/** One list of tool declarations: top-level `tools`, or the `tools` of an `additional_tools` input item. */
export interface ToolSource {
  tools: ToolSpec[];
  /** Where the list is in the request, for diagnostics: `tools`, `input[0].tools`. */
  path: string;
}

/**
 * Every declaration list of a request in the order a later one overrides an earlier one: top-level
 * `tools` first, then each `additional_tools` input item (Codex responses-lite / code mode) in input order.
 */
export function toolSources(req: { tools?: ToolSpec[] | null; input: unknown }): ToolSource[] {
  const sources: ToolSource[] = [];
  if (Array.isArray(req.tools)) sources.push({ tools: req.tools, path: "tools" });
  if (Array.isArray(req.input)) {
    req.input.forEach((item: { type?: unknown; tools?: unknown }, i: number) => {
      if (item?.type === "additional_tools" && Array.isArray(item.tools)) sources.push({ tools: item.tools as ToolSpec[], path: `input[${i}].tools` });
    });
  }
  return sources;
}

/**
 * Declared tools → Chat function tools. Within one list a repeated name keeps the first declaration
 * (diagnostic); a later list redeclaring a name replaces the earlier declaration in place (the newest
 * declaration wins, Codex's "tool availability can change between calls"), so the order of the tools
 * sent upstream (first declaration) stays the same from turn to turn and the provider's prompt cache holds.
 * `discovered`: tools a tool_search_output in the history made available (Codex does not add them to
 * `tools`), offered like declared ones so the model can call what it found.
 */
export function translateTools(sources: ToolSource[], rules: RequestRules, diags: Diagnostics, discovered: { tool: ToolSpec; path: string }[] = [], hostedSearch = false, providerSearch?: ChatProviderTool) {
  const registry: ToolRegistry = new Map();
  const chatTools: (ChatTool | ChatProviderTool)[] = [];
  let providerSearchWanted = false;
  if (sources.length === 0 && discovered.length === 0) return { chatTools, registry };
  const pattern = new RegExp(rules.tools.name_pattern);
  /** Flat name → [index in chatTools, the source it was declared in]. */
  const slots = new Map<string, [number, number]>();
  let source = -1;

  const place = (flat: string, info: ToolInfo, tool: ChatTool, path: string): void => {
    const slot = slots.get(flat);
    if (slot && slot[1] === source) {
      diags.ignored("tool_duplicate", path, `A tool named '${flat}' was already declared; this one was dropped.`);
      return;
    }
    registry.set(flat, info);
    if (slot) {
      chatTools[slot[0]] = tool;
      slots.set(flat, [slot[0], source]);
      return;
    }
    slots.set(flat, [chatTools.length, source]);
    chatTools.push(tool);
  };

  const add = (tool: FunctionTool | CustomTool, path: string, namespace?: string) => {
    const kind = tool.type === "custom" ? "custom" : "function";
    const flat = flatToolName(tool.name, namespace, pattern);
    if (slots.get(flat)?.[1] === source) {
      diags.ignored("tool_duplicate", path, `A tool named '${flat}' was already declared; this one was dropped.`);
      return;
    }
    if (!namespace && flat !== tool.name) {
      diags.degraded("tool_renamed", `${path}.name`, `Tool name '${tool.name}' is not valid for the provider; sent as '${flat}' and mapped back on the way out.`);
    }
    let fn: ChatTool["function"];
    if (tool.type === "custom") {
      fn = { name: flat, description: tool.description ?? "", parameters: customToolParameters(tool) };
      diags.degraded("custom_tool_as_function", path, `Freeform tool '${tool.name}' is offered as a function with one string argument 'input'; calls come back as custom_tool_call.`);
    } else {
      fn = { name: flat, description: tool.description ?? undefined, parameters: tool.parameters ?? { type: "object", properties: {} } };
      if (fn.description === undefined) delete fn.description;
      if (tool.strict === true) {
        if (rules.tools.strict === "keep") fn.strict = true;
        else diags.degraded("tool_strict_dropped", `${path}.strict`, "Strict schema adherence is not supported by the provider; the schema is sent as a hint.");
      }
    }
    place(flat, { kind, name: tool.name, namespace }, { type: "function", function: fn }, path);
  };

  const addSearch = (tool: ToolSpec, path: string) => {
    const t = tool as { description?: string; parameters?: unknown };
    const fn = { name: TOOL_SEARCH_NAME, description: t.description ?? "Search the deferred tools.", parameters: (t.parameters as Record<string, unknown>) ?? { type: "object", properties: { query: { type: "string" } }, required: ["query"] } };
    place(TOOL_SEARCH_NAME, { kind: "tool_search", name: TOOL_SEARCH_NAME }, { type: "function", function: fn }, path);
  };

  const addWebSearch = (tool: ToolSpec, path: string) => {
    const fn = { name: WEB_SEARCH_NAME, ...WEB_SEARCH_FUNCTION };
    if ((tool as { external_web_access?: unknown }).external_web_access === false) {
      diags.degraded("web_search_live", `${path}.external_web_access`, "The client asked for cached web results only (external_web_access: false); GodeX's search backend answers with live results.");
    }
    place(WEB_SEARCH_NAME, { kind: "web_search", name: WEB_SEARCH_NAME }, { type: "function", function: fn }, path);
  };

  /** The provider searches itself (the mapping's request.web_search.tool): its tool is sent as declared. */
  const addProviderSearch = (tool: ToolSpec, path: string) => {
    if ((tool as { external_web_access?: unknown }).external_web_access === false) {
      diags.degraded("web_search_live", `${path}.external_web_access`, "The client asked for cached web results only (external_web_access: false); the provider's own search answers with live results.");
    }
    providerSearchWanted = true;
  };

  const visit = (tool: ToolSpec, path: string, fromSearch: boolean) => {
    if (tool.type === "function" || tool.type === "custom") {
      if (fromSearch && registry.has(flatToolName(tool.name, undefined, pattern))) return;
      return add(tool, path);
    }
    if (tool.type === "tool_search") return addSearch(tool, path);
    if (providerSearch && WEB_SEARCH_TYPES.has(tool.type)) return addProviderSearch(tool, path);
    if (hostedSearch && WEB_SEARCH_TYPES.has(tool.type)) return addWebSearch(tool, path);
    if (tool.type === "namespace") {
      (tool.tools ?? []).forEach((child, j) => {
        if (fromSearch && registry.has(flatToolName(child.name, tool.name, pattern))) return;
        if (child.type === "function" || child.type === "custom") add(child, `${path}.tools[${j}]`, tool.name);
        else diags.ignored("tool_dropped", `${path}.tools[${j}]`, `Tool type '${(child as { type: unknown }).type}' inside a namespace is not supported; dropped.`);
      });
      return;
    }
    const why = DROPPED_TOOL_TYPES[tool.type] ?? `Tool type '${tool.type}' has no Chat Completions equivalent; dropped.`;
    diags.ignored("tool_dropped", path, why);
  };
  sources.forEach((s, k) => {
    source = k;
    s.tools.forEach((tool, i) => visit(tool, `${s.path}[${i}]`, false));
  });
  source = sources.length;
  for (const d of discovered) visit(d.tool, d.path, true);

  if (chatTools.length + (providerSearchWanted ? 1 : 0) > rules.tools.max) {
    const dropped = chatTools.splice(rules.tools.max - (providerSearchWanted ? 1 : 0));
    for (const t of dropped) if (t.type === "function") registry.delete((t as ChatTool).function.name);
    diags.ignored("tools_over_limit", "tools", `The provider accepts at most ${rules.tools.max} tools; the last ${dropped.length} were dropped.`);
  }
  // Last, so the function tools before it keep their places (and the provider's prompt cache) from turn to turn.
  if (providerSearchWanted && providerSearch) chatTools.push(structuredClone(providerSearch));
  return { chatTools, registry };
}
