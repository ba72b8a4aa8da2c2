// Rule `coverage-responses-wire`: the native Responses wire of a mapping says what happens to
// everything, like the Chat rules do.
//  - every top-level Responses request field has an entry in responses.fields (mapped, pass, rename,
//    drop, reject); `mapped` only where the native translator has a step; `rename` names its target;
//  - the stream table reads the events a Responses stream must carry (items, text, reasoning, calls,
//    the terminal events, a bare error), so no upstream content is skipped silently;
//  - a model rule (or the mapping) that chooses `wire: responses` has a responses section, and
//    `responses_effort_table` names a table that exists (a native model without one passes the
//    effort unchanged: a warning).
import { RESPONSES_REQUEST_FIELDS } from "../protocol/request.ts";
import { NATIVE_MAPPED_FIELDS } from "../engine/request/responses-wire/translate.ts";
import { locateInChain, type MappingChain } from "./sources.ts";
import { Findings, getPath, isPlainObject, showPath } from "./types.ts";

const RULE = "coverage-responses-wire";
const ACTIONS = ["mapped", "pass", "rename", "drop", "reject"];

/** Upstream events whose content GodeX must read, and the reader action each needs. */
export const REQUIRED_EVENTS: Record<string, string[]> = {
  "response.output_item.added": ["item_added"],
  "response.output_item.done": ["item_done"],
  "response.output_text.delta": ["text_delta"],
  "response.reasoning_text.delta": ["reasoning_delta", "summary_delta"],
  "response.reasoning_summary_text.delta": ["reasoning_delta", "summary_delta"],
  "response.function_call_arguments.delta": ["arguments_delta"],
  "response.custom_tool_call_input.delta": ["custom_input_delta"],
  "response.completed": ["completed"],
  "response.incomplete": ["incomplete"],
  "response.failed": ["failed"],
  error: ["error"],
};

export function lintResponsesWire(chain: MappingChain, findings: Findings): void {
  const doc = chain.merged;
  const responses = doc.responses;
  const models = isPlainObject(doc.models) ? doc.models : {};
  if (!isPlainObject(responses)) {
    if (doc.wire === "responses") findings.error(locateInChain(chain, ["wire"]), RULE, "wire: responses needs a `responses:` section (the native wire's rules)", { doc: chain.id, path: ["wire"] });
    for (const [model, rule] of Object.entries(models)) {
      if (isPlainObject(rule) && rule.wire === "responses") {
        const path = ["models", model, "wire"];
        findings.error(locateInChain(chain, path), RULE, `${showPath(path)}: wire responses needs a \`responses:\` section (the native wire's rules)`, { doc: chain.id, path });
      }
    }
    return;
  }

  const fields = isPlainObject(responses.fields) ? responses.fields : {};
  for (const name of RESPONSES_REQUEST_FIELDS) {
    const rule = fields[name];
    const path = ["responses", "fields", name];
    if (!isPlainObject(rule) || !ACTIONS.includes(rule.action as string)) {
      findings.error(locateInChain(chain, path), RULE, `Responses request field '${name}' has no valid entry in responses.fields: say whether it is mapped, passed, renamed, dropped (with a diagnostic) or rejected`, { doc: chain.id, path });
      continue;
    }
    if (rule.action === "mapped" && !NATIVE_MAPPED_FIELDS.includes(name)) {
      findings.error(locateInChain(chain, [...path, "action"]), RULE, `${showPath(path)}: the native translator has no step for '${name}', so 'mapped' would drop it; use pass, rename, drop or reject`, { doc: chain.id, path });
    }
    if (rule.action === "rename" && typeof rule.to !== "string") {
      findings.error(locateInChain(chain, [...path, "action"]), RULE, `${showPath(path)}: rename needs \`to\`, the provider's name for the field`, { doc: chain.id, path });
    }
  }
  for (const name of Object.keys(fields)) {
    if (!RESPONSES_REQUEST_FIELDS.includes(name)) {
      const path = ["responses", "fields", name];
      findings.warning(locateInChain(chain, path, "key"), RULE, `${showPath(path)}: '${name}' is not a field of the Responses request; a typo?`);
    }
  }

  const events = getPath(responses, ["stream", "events"]);
  const table = isPlainObject(events) ? events : {};
  for (const [event, actions] of Object.entries(REQUIRED_EVENTS)) {
    if (!actions.includes(table[event] as string)) {
      const path = ["responses", "stream", "events", event];
      findings.error(locateInChain(chain, path), RULE, `${showPath(path)}: a Responses stream carries '${event}'; it must be read as ${actions.join(" or ")}, or its content is lost`, { doc: chain.id, path });
    }
  }

  const tools = isPlainObject(responses.tools) ? responses.tools : {};
  if (Array.isArray(tools.custom_native_names) && tools.custom !== "native") {
    const path = ["responses", "tools", "custom_native_names"];
    findings.warning(locateInChain(chain, path, "key"), RULE, `${showPath(path)}: only used when tools.custom is native`);
  }

  const tables = isPlainObject(responses.effort_tables) ? responses.effort_tables : {};
  const wireOf = (rule: Record<string, unknown>) => rule.wire ?? doc.wire ?? "chat";
  for (const [model, rule] of Object.entries(models)) {
    if (!isPlainObject(rule)) continue;
    const name = rule.responses_effort_table;
    if (typeof name === "string" && !Object.hasOwn(tables, name)) {
      const path = ["models", model, "responses_effort_table"];
      findings.error(locateInChain(chain, path), RULE, `${showPath(path)}: no table '${name}' under responses.effort_tables`, { doc: chain.id, path });
    }
    if (wireOf(rule) === "responses" && typeof name !== "string") {
      const path = ["models", model];
      findings.warning(locateInChain(chain, path, "key"), RULE, `${showPath(path)} is served on the native wire without responses_effort_table: reasoning.effort is passed on unchanged`);
    }
  }
}
