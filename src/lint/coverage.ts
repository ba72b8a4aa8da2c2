// Rules `coverage-request` and `coverage-reply`: nothing a client sends or a provider returns is
// dropped without the mapping saying so.
//  - coverage-request: every top-level field of schemas/responses-request.schema.json has an entry
//    in request.fields (mapped, ignored with a diagnostic, or rejected), and `mapped` is only used
//    for fields the interpreter actually translates. Also: the sampling values the Response object
//    echoes (temperature, top_p, presence_penalty, frequency_penalty) each have a provider default
//    in request.sampling_defaults, inside request.sampling's range.
//  - coverage-reply: every place a provider reply / stream chunk carries text, reasoning, tool
//    calls, a finish reason, usage or an error message/code has a destination path, and every
//    finish reason the Chat dialect can send maps to an outcome.
import { RESPONSES_REQUEST_FIELDS } from "../protocol/request.ts";
import type { MappingDoc } from "../mapping/doc.ts";
import { samplingDefaultProblems } from "../mapping/validate.ts";
import { locateInChain, type MappingChain } from "./sources.ts";
import { Findings, getPath, isPlainObject, showPath } from "./types.ts";

/**
 * Fields src/engine/request/translate.ts (and the response echo) handles itself: only these may be
 * `action: mapped`. Anything else marked mapped would be dropped without a diagnostic.
 */
export const INTERPRETER_FIELDS: readonly string[] = [
  "model",
  "input",
  "instructions",
  "stream",
  "tools",
  "tool_choice",
  "parallel_tool_calls",
  "reasoning",
  "max_output_tokens",
  "temperature",
  "top_p",
  "text",
  "include",
  "user",
  "safety_identifier",
  "metadata",
  // Handled by the engine before translation (src/engine/serve.ts, src/engine/continuation/).
  "previous_response_id",
  "generate",
];

const ACTIONS = ["mapped", "ignored", "rejected"];

export function lintRequestCoverage(chain: MappingChain, findings: Findings): void {
  const fields = getPath(chain.merged, ["request", "fields"]);
  const table = isPlainObject(fields) ? fields : {};
  for (const name of RESPONSES_REQUEST_FIELDS) {
    const path = ["request", "fields", name];
    const rule = table[name];
    if (!isPlainObject(rule) || !ACTIONS.includes(rule.action as string)) {
      const what =
        rule === undefined ? "has no entry in request.fields" : rule === null ? "is null in request.fields" : "has an entry in request.fields without a valid action";
      findings.error(
        locateInChain(chain, path),
        "coverage-request",
        `Responses request field '${name}' ${what}: say whether it is mapped, ignored (with a diagnostic) or rejected`,
        { doc: chain.id, path },
      );
    }
  }
  const check = (prefix: (string | number)[], entries: Record<string, unknown>) => {
    for (const [name, rule] of Object.entries(entries)) {
      const path = [...prefix, name];
      if (!RESPONSES_REQUEST_FIELDS.includes(name)) {
        findings.warning(locateInChain(chain, path, "key"), "coverage-request", `${showPath(path)}: '${name}' is not a field of the Responses request (schemas/responses-request.schema.json); a typo?`);
      }
      if (isPlainObject(rule) && rule.action === "mapped" && !INTERPRETER_FIELDS.includes(name)) {
        findings.error(
          locateInChain(chain, [...path, "action"]),
          "coverage-request",
          `${showPath(path)}: GodeX has no translation step for '${name}', so 'mapped' would drop it silently; use ignored (with a message) or rejected`,
          { doc: chain.id, path },
        );
      }
    }
  };
  check(["request", "fields"], table);
  for (const p of samplingDefaultProblems(chain.merged as unknown as MappingDoc)) {
    findings.error(locateInChain(chain, p.path), "coverage-request", `${showPath(p.path)}: ${p.message}`, { doc: chain.id, path: p.path });
  }
  const models = chain.merged.models;
  if (isPlainObject(models)) {
    for (const [model, rule] of Object.entries(models)) {
      const own = getPath(rule, ["request", "fields"]);
      if (isPlainObject(own)) check(["models", model, "request", "fields"], own);
    }
  }
}

/** Where reply content lands; each must name a field path. */
const DESTINATIONS: [string, string, string][] = [
  ["response", "text", "answer text of a completion"],
  ["response", "reasoning", "reasoning of a completion"],
  ["response", "tool_calls", "tool calls of a completion"],
  ["response", "finish_reason", "finish reason of a completion"],
  ["response", "usage", "usage of a completion"],
  ["stream", "text", "answer text of a stream chunk"],
  ["stream", "reasoning", "reasoning of a stream chunk"],
  ["stream", "tool_calls", "tool calls of a stream chunk"],
  ["stream", "finish_reason", "finish reason of a stream chunk"],
  ["stream", "usage", "usage of a stream chunk"],
  ["usage", "input_tokens", "input token count"],
  ["usage", "cached_tokens", "cached input token count"],
  ["usage", "output_tokens", "output token count"],
  ["usage", "reasoning_tokens", "reasoning token count"],
  ["usage", "total_tokens", "total token count"],
  ["errors", "message", "error message"],
  ["errors", "code", "error code"],
];

/** Finish reasons every OpenAI-compatible Chat Completions endpoint can send. */
export const CHAT_FINISH_REASONS: readonly string[] = ["stop", "length", "tool_calls", "content_filter", "function_call"];

const FINISH_STATUSES = ["completed", "incomplete", "failed"];

function isPathSpec(v: unknown): boolean {
  if (typeof v === "string") return v.trim() !== "";
  return Array.isArray(v) && v.length > 0 && v.every((p) => typeof p === "string" && p.trim() !== "");
}

export function lintReplyCoverage(chain: MappingChain, findings: Findings): void {
  const doc = chain.merged;
  for (const [section, key, what] of DESTINATIONS) {
    const path = [section, key];
    const spec = getPath(doc, path);
    if (isPathSpec(spec)) continue;
    const state = spec === undefined ? "is missing" : spec === null ? "is null" : "is empty or not a field path";
    findings.error(
      locateInChain(chain, path),
      "coverage-reply",
      `${showPath(path)} ${state}: the provider's ${what} would have no destination (give a field path, or a list of fallback paths)`,
      { doc: chain.id, path },
    );
  }
  const stream = doc.stream;
  if (isPlainObject(stream) && stream.error == null && getPath(doc, ["errors", "in_body"]) == null) {
    findings.warning(
      locateInChain(chain, ["stream"], "key"),
      "coverage-reply",
      "neither stream.error nor errors.in_body is set: an error reported inside a stream would be read as an empty chunk",
    );
  }
  // Finish reasons: the Chat ones, plus every one the base of the chain maps, must still map.
  const root = chain.files[chain.files.length - 1];
  const baseReasons = root ? getPath(root.value, ["finish_reasons"]) : undefined;
  const reasons = [...new Set([...CHAT_FINISH_REASONS, ...(isPlainObject(baseReasons) ? Object.keys(baseReasons) : [])])];
  const table = getPath(doc, ["finish_reasons"]);
  for (const reason of reasons) {
    const path = ["finish_reasons", reason];
    const rule = isPlainObject(table) ? table[reason] : undefined;
    if (isPlainObject(rule) && FINISH_STATUSES.includes(rule.status as string)) continue;
    const state = rule === undefined ? "has no entry in finish_reasons" : "has no valid status (completed, incomplete or failed)";
    findings.error(
      locateInChain(chain, path),
      "coverage-reply",
      `finish reason '${reason}' ${state}: a reply ending with it would be reported as completed without notice`,
      { doc: chain.id, path },
    );
  }
}
