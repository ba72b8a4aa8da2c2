// Responses request → Chat Completions request for one provider mapping.
// The key order of the result is fixed, so the same request always gives the same bytes.
import { Diagnostics } from "../diagnostics.ts";
import type { ResponsesRequest } from "../../protocol/request.ts";
import type { CompiledMapping } from "../../mapping/compile.ts";
import type { ReasoningCarrier } from "../reasoning-carrier.ts";
import { buildMessages, discoveredTools, type ChatMessage } from "./messages.ts";
import { applyReasoningContext, deepMerge } from "./reasoning-context.ts";
import { toolSources, translateTools, type ToolRegistry } from "./tools.ts";
import type { ChatCompletionRequest, ChatProviderTool } from "../../generated/chat.ts";
import {
  applyEffort,
  applyFieldRules,
  DROP_TOOLS,
  applySummary,
  includeDiagnostics,
  sampling,
  translateTextFormat,
  translateToolChoice,
  translateUser,
} from "./params.ts";

export interface TranslateInput {
  mapping: CompiledMapping;
  /** Upstream model name. */
  model: string;
  stream: boolean;
  carrier: ReasoningCarrier;
  /** GodeX runs web searches itself: Codex's web_search tool is offered as a function. */
  hostedSearch?: boolean;
  /** The provider searches itself: Codex's web_search tool becomes the mapping's request.web_search.tool. */
  providerSearch?: boolean;
}

export interface TranslatedRequest {
  /** The Chat Completions body (schemas/chat.schema.json), after the mapping's patch. */
  body: ChatCompletionRequest;
  diagnostics: Diagnostics;
  tools: ToolRegistry;
  /** Whether the provider will think for this request (as far as the mapping knows). */
  thinking: boolean;
  /** The client asked for reasoning.encrypted_content. */
  includeEncrypted: boolean;
}

export async function translateRequest(req: ResponsesRequest, t: TranslateInput): Promise<TranslatedRequest> {
  const diags = new Diagnostics();
  const view = t.mapping.forModel(t.model);
  const rules = view.request;

  applyFieldRules(req, rules.fields, diags);
  const effort = applyEffort(req.reasoning, view.effortTable, t.model, diags);
  applySummary(req.reasoning, diags);
  const context = applyReasoningContext(req.reasoning, t.mapping.doc.reasoning.passback, effort.thinking, diags);
  includeDiagnostics(req.include, diags);

  const { chatTools, registry } = translateTools(toolSources(req), rules, diags, discoveredTools(req.input), t.hostedSearch === true, t.providerSearch && rules.web_search ? (rules.web_search.tool as ChatProviderTool) : undefined);
  const messages: ChatMessage[] = buildMessages(req.instructions, req.input, {
    provider: t.mapping.name,
    view,
    carrier: t.carrier,
    passback: context.passback,
    diags,
  });
  const format = translateTextFormat(req.text, rules, diags);
  if (format.instruction) addSystemInstruction(messages, format.instruction, rules.roles.system ?? "system");

  const body: ChatCompletionRequest = { model: t.model, messages };
  const choice = chatTools.length > 0 ? translateToolChoice(req.tool_choice, rules, effort.thinking, true, diags, registry) : undefined;
  if (chatTools.length > 0 && choice !== DROP_TOOLS) {
    body.tools = chatTools;
    if (choice !== undefined) body.tool_choice = choice;
    if (typeof req.parallel_tool_calls === "boolean") {
      if (rules.parallel_tool_calls === "keep") body.parallel_tool_calls = req.parallel_tool_calls;
      else if (req.parallel_tool_calls === false)
        diags.ignored("parallel_tool_calls_ignored", "parallel_tool_calls", "The provider cannot turn parallel tool calls off; the model may call several tools at once.");
    }
  }
  if (typeof req.max_output_tokens === "number") body[rules.max_tokens_field] = req.max_output_tokens;
  const temperature = sampling("temperature", req.temperature, rules, effort.thinking, diags);
  if (temperature !== undefined) body.temperature = temperature;
  const topP = sampling("top_p", req.top_p, rules, effort.thinking, diags);
  if (topP !== undefined) body.top_p = topP;
  if (format.responseFormat) body.response_format = format.responseFormat;
  const user = translateUser(req, rules, diags);
  if (user) body[user[0]] = user[1];
  Object.assign(body, effort.set);
  if (context.set) deepMerge(body as Record<string, unknown>, context.set);
  if (rules.set) Object.assign(body, rules.set);
  if (t.stream) {
    body.stream = true;
    if (rules.stream_options) body.stream_options = rules.stream_options;
    if (rules.set_when_streaming) Object.assign(body, rules.set_when_streaming);
  }

  let finalBody = body;
  if (t.mapping.patch) {
    const patched = await t.mapping.patch.evaluate(body, { request: req, model: t.model, thinking: effort.thinking });
    if (patched && typeof patched === "object") finalBody = patched as ChatCompletionRequest;
  }
  const includeEncrypted = Array.isArray(req.include) && req.include.includes("reasoning.encrypted_content");
  return { body: finalBody, diagnostics: diags, tools: registry, thinking: effort.thinking, includeEncrypted };
}

function addSystemInstruction(messages: ChatMessage[], text: string, systemRole: string) {
  const first = messages[0];
  if (first && first.role === systemRole && typeof first.content === "string") first.content = `${first.content}\n\n${text}`;
  else messages.unshift({ role: systemRole, content: text });
}
