// Codex's tools on the native Responses wire: each kind offered as the mapping says (native,
// converted to a function, or dropped with a diagnostic), and the registry that maps the
// provider's calls back to what the client declared.
import { ClientError } from "../../../protocol/types.ts";
import type { Diagnostics } from "../../diagnostics.ts";
import type { ResponsesRules } from "../../../mapping/doc.ts";
import type { CustomTool, FunctionTool, ToolChoice, ToolSpec } from "../../../protocol/request.ts";
import { customToolParameters, flatToolName, TOOL_SEARCH_NAME, WEB_SEARCH_FUNCTION, WEB_SEARCH_NAME, type ToolRegistry, type ToolSource } from "../tools.ts";

export const DROP_NATIVE_TOOLS = Symbol("drop_native_tools");

export interface NativeToolChoices {
  /** Custom tool names offered natively (their calls and history stay custom_tool_call). */
  custom: Set<string>;
  /** Namespaces offered natively (their calls keep name + namespace). */
  namespaces: Set<string>;
}

const HOSTED_DROPPED: Record<string, string> = {
  local_shell: "local_shell is not offered on this wire; the model uses the function shell tools instead.",
  image_generation: "Image generation is not available through this provider.",
  file_search: "File search needs OpenAI vector stores; not available through this provider.",
  code_interpreter: "The hosted code interpreter is not available through this provider.",
  computer_use_preview: "Computer use is not available through this provider.",
  mcp: "Remote MCP servers are not called by GodeX; configure them in the client instead.",
};

export function customIsNative(rules: ResponsesRules, name: string): boolean {
  if (rules.tools.custom !== "native") return false;
  const names = rules.tools.custom_native_names;
  return !names || names.includes(name);
}

/**
 * `sources`: the request's tools, then code mode's additional_tools items; a later source redeclaring a
 * name replaces the earlier declaration in place (newest wins, order and prompt cache kept).
 */
export function translateNativeTools(sources: ToolSource[], rules: ResponsesRules, pattern: RegExp, diags: Diagnostics, discovered: { tool: ToolSpec; path: string }[] = [], hostedSearch = false, providerSearch = true) {
  const registry: ToolRegistry = new Map();
  const out: Record<string, unknown>[] = [];
  const native: NativeToolChoices = { custom: new Set(), namespaces: new Set() };
  /** Top-level name → [index in out, source it came from]. */
  const slots = new Map<string, [number, number]>();
  let source = -1;
  /** Puts a top-level tool in its slot: new, or replacing a declaration of an earlier source. */
  const place = (key: string, tool: Record<string, unknown>, path: string): boolean => {
    const slot = slots.get(key);
    if (slot && slot[1] === source) {
      diags.ignored("tool_duplicate", path, `A tool named '${key}' was already declared; this one was dropped.`);
      return false;
    }
    if (slot) {
      out[slot[0]] = tool;
      slots.set(key, [slot[0], source]);
      return true;
    }
    slots.set(key, [out.length, source]);
    out.push(tool);
    return true;
  };

  /** One function or custom tool; `into` is the namespace's tool list when offered natively. */
  const add = (tool: FunctionTool | CustomTool, path: string, namespace: string | undefined, into: Record<string, unknown>[]) => {
    const flat = flatToolName(tool.name, namespace, pattern);
    const topLevel = into === out;
    if (!topLevel && registry.has(flat) && slots.get(flat)?.[1] === source) return diags.ignored("tool_duplicate", path, `A tool named '${flat}' was already declared; this one was dropped.`);
    const push = (t: Record<string, unknown>) => (topLevel ? place(flat, t, path) : (into.push(t), true));
    const nsNative = namespace !== undefined && rules.tools.namespace === "native";
    const sentName = nsNative ? tool.name : flat;
    if (tool.type === "custom") {
      const mode = customIsNative(rules, tool.name) ? "native" : rules.tools.custom === "drop" ? "drop" : "convert";
      if (mode === "drop") return diags.ignored("tool_dropped", path, `The provider does not accept freeform tool '${tool.name}'; it was not offered.`);
      const sent = mode === "native" ? stripNulls({ type: "custom", name: sentName, description: tool.description, format: tool.format }) : stripNulls({ type: "function", name: sentName, description: tool.description ?? "", parameters: customToolParameters(tool) });
      if (!push(sent)) return;
      registry.set(flat, { kind: "custom", name: tool.name, namespace });
      if (mode === "native") native.custom.add(tool.name);
      else diags.degraded("custom_tool_as_function", path, `The provider does not accept freeform tool '${tool.name}' natively; offered as a function with one string argument 'input', calls come back as custom_tool_call.`);
      return;
    }
    if (!namespace && flat !== tool.name) diags.degraded("tool_renamed", `${path}.name`, `Tool name '${tool.name}' is not valid for the provider; sent as '${flat}' and mapped back on the way out.`);
    const fn: Record<string, unknown> = { type: "function", name: sentName };
    if (tool.description != null) fn.description = tool.description;
    fn.parameters = tool.parameters ?? { type: "object", properties: {} };
    if (tool.strict === true) {
      if (rules.tools.strict === "strip") diags.degraded("tool_strict_dropped", `${path}.strict`, "Strict schema adherence is not supported by the provider; the schema is sent as a hint.");
      else fn.strict = true;
    }
    if (push(fn)) registry.set(flat, { kind: "function", name: tool.name, namespace });
  };

  const visit = (tool: ToolSpec, path: string, fromSearch: boolean) => {
    if (tool.type === "function" || tool.type === "custom") {
      if (fromSearch && registry.has(flatToolName(tool.name, undefined, pattern))) return;
      return add(tool, path, undefined, out);
    }
    if (tool.type === "tool_search") {
      const t = tool as { description?: string; parameters?: unknown };
      if (place(TOOL_SEARCH_NAME, { type: "function", name: TOOL_SEARCH_NAME, description: t.description ?? "Search the deferred tools.", parameters: (t.parameters as Record<string, unknown>) ?? { type: "object", properties: { query: { type: "string" } }, required: ["query"] } }, path)) registry.set(TOOL_SEARCH_NAME, { kind: "tool_search", name: TOOL_SEARCH_NAME });
      return;
    }
    if (tool.type === "namespace") {
      const children: Record<string, unknown>[] = [];
      const nsNative = rules.tools.namespace === "native";
      (tool.tools ?? []).forEach((child, j) => {
        if (fromSearch && registry.has(flatToolName(child.name, tool.name, pattern))) return;
        if (child.type === "function" || child.type === "custom") add(child, `${path}.tools[${j}]`, tool.name, nsNative ? children : out);
        else diags.ignored("tool_dropped", `${path}.tools[${j}]`, `Tool type '${(child as { type: unknown }).type}' inside a namespace is not supported; dropped.`);
      });
      if (nsNative && children.length > 0) {
        native.namespaces.add(tool.name);
        place(`namespace:${tool.name}`, stripNulls({ type: "namespace", name: tool.name, description: (tool as { description?: string }).description, tools: children }), path);
      } else if (!nsNative && (tool.tools ?? []).length > 0) {
        diags.degraded("namespace_flattened", path, `The provider does not accept namespace tools; the tools of '${tool.name}' were offered as plain functions (e.g. '${flatToolName(tool.tools?.[0]?.name ?? "tool", tool.name, pattern)}') and mapped back.`);
      }
      return;
    }
    if (/^web_search(_preview)?(_\d{4}_\d{2}_\d{2})?$/.test(tool.type)) {
      const mode = rules.tools.web_search;
      if (mode === "native" && providerSearch) {
        place(`hosted:${tool.type}`, { ...(tool as Record<string, unknown>) }, path);
        return;
      }
      if (mode !== "drop" && hostedSearch) {
        // GodeX's hosted search loop: the model gets a web_search function, GodeX runs the searches.
        if ((tool as { external_web_access?: unknown }).external_web_access === false) {
          diags.degraded("web_search_live", `${path}.external_web_access`, "The client asked for cached web results only (external_web_access: false); GodeX's search backend answers with live results.");
        }
        if (place(WEB_SEARCH_NAME, { type: "function", name: WEB_SEARCH_NAME, ...WEB_SEARCH_FUNCTION }, path)) registry.set(WEB_SEARCH_NAME, { kind: "web_search", name: WEB_SEARCH_NAME });
        return;
      }
      const why =
        mode === "native"
          ? "Web search was not offered to the model (web_search.native: never in godex.yaml, or the search limit of this response was reached)."
          : mode === "hosted"
          ? "The provider does not run web search on this wire and GodeX's own web search is off (web_search in godex.yaml); the tool was not offered to the model."
          : "The provider does not run web search on this wire; the tool was not offered to the model.";
      return diags.ignored("tool_dropped", path, why);
    }
    diags.ignored("tool_dropped", path, HOSTED_DROPPED[tool.type] ?? `Tool type '${tool.type}' is not supported by this provider; dropped.`);
  };
  sources.forEach((s, i) => {
    source = i;
    s.tools.forEach((tool, j) => visit(tool, `${s.path}[${j}]`, false));
  });
  source = sources.length;
  for (const d of discovered) visit(d.tool, d.path, true);

  const max = rules.tools.max ?? 128;
  if (out.length > max) {
    out.splice(max);
    diags.ignored("tools_over_limit", "tools", `The provider accepts at most ${max} tools; the rest were dropped.`);
  }
  return { tools: out, registry, native };
}

type ChoiceKind = "auto" | "none" | "required" | "function";

/** tool_choice for the native wire, or undefined to omit it, or DROP_NATIVE_TOOLS. */
export function nativeToolChoice(choice: ToolChoice | undefined, rules: ResponsesRules, pattern: RegExp, diags: Diagnostics): unknown {
  if (choice == null) return undefined;
  let kind: ChoiceKind;
  let value: unknown;
  if (typeof choice === "string") {
    kind = choice;
    value = choice;
  } else if (choice.type === "function" || choice.type === "custom") {
    kind = "function";
    const ns = choice.namespace as string | undefined;
    value = { type: choice.type === "custom" && customIsNative(rules, choice.name) ? "custom" : "function", name: ns && rules.tools.namespace === "native" ? choice.name : flatToolName(choice.name, ns, pattern) };
  } else if (choice.type === "web_search" || choice.type === "web_search_preview") {
    kind = "function";
    value = rules.tools.web_search === "native" ? { type: choice.type } : "auto";
  } else {
    kind = choice.type === "allowed_tools" && choice.mode === "required" ? "required" : "auto";
    value = kind;
    diags.degraded("tool_choice_degraded", "tool_choice", `tool_choice '${choice.type}' is not supported by this provider; sent '${kind}'.`);
  }
  const action = rules.tool_choice?.[kind] ?? "keep";
  switch (action) {
    case "keep":
      return value;
    case "omit":
      if (kind !== "auto") diags.ignored("tool_choice_ignored", "tool_choice", `The provider does not accept tool_choice '${kind}'; it was not sent (the model decides).`);
      return undefined;
    case "auto":
      if (kind !== "auto") diags.degraded("tool_choice_degraded", "tool_choice", `The provider does not accept tool_choice '${kind}'; sent 'auto'.`);
      return "auto";
    case "drop_tools":
      diags.degraded("tool_choice_none_emulated", "tool_choice", `The provider does not accept tool_choice '${kind}'; the tools were not sent, so the model cannot call them.`);
      return DROP_NATIVE_TOOLS;
    case "reject":
      throw new ClientError(400, "invalid_request_error", "unsupported_value", `tool_choice '${kind}' is not supported by this provider.`, "tool_choice");
  }
}

function stripNulls(o: Record<string, unknown>): Record<string, unknown> {
  for (const k of Object.keys(o)) if (o[k] == null) delete o[k];
  return o;
}
