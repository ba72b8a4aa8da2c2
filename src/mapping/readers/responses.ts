// The reader of the native Responses wire: the provider's own Responses events (or a whole Response
// object) → canonical deltas for the one state machine. Which upstream event means what is the
// mapping's `responses.stream.events` table; this file knows only the OpenAI event payload shapes.
// Provider fix-ups (summaries from reasoning_text, names back to flat tool names, errors in 200
// bodies) happen here, never in the builder.
import type { CanonicalDelta, FinishOutcome, Usage } from "../../protocol/types.ts";
import type { MappingDoc, ResponsesRules } from "../doc.ts";
import { compileGetter, type Getter } from "../path.ts";
import { compileErrorMapper, type CompiledMapping } from "../compile.ts";

type EventAction = ResponsesRules["stream"]["events"][string];

/** Turns a (name, namespace) pair from the provider into the flat name the tool registry knows. */
export type FlatName = (name: string, namespace: string | undefined) => string;

export interface ResponsesStreamReader {
  /** Appends what one upstream event (parsed `data:` JSON; `event` = the SSE event name) contributes. */
  read(json: unknown, event: string | undefined, out: CanonicalDelta[]): void;
}

export interface CompiledResponsesWire {
  rules: ResponsesRules;
  newStreamReader(flat: FlatName): ResponsesStreamReader;
  /** A whole (non-streamed) Response object → deltas (a finish always included). */
  readResponse(json: unknown, flat: FlatName, out: CanonicalDelta[]): void;
  /** A finish reason of this wire (`completed`, `incomplete:<reason>`) → how the turn ends. */
  finish(reason: string): FinishOutcome;
  mapError: CompiledMapping["mapError"];
  /** True when a 200 body is an error envelope (Zhipu's `{code,msg,success:false}`, `{"error":…}`). */
  isBodyError(json: unknown): boolean;
}

interface OpenUpstreamItem {
  type: string;
  /** Upstream tool-call index (function/custom calls), counted per response. */
  callIndex: number;
  /** Whether content for it has been passed on already (deltas seen). */
  streamed: boolean;
  /** The reasoning source used for this item: raw reasoning_text or summary_text, never both. */
  reasoningSource?: "text" | "summary";
  /** A call's arguments (or custom input) arrived in added or as deltas. */
  argsStreamed?: boolean;
}

function isObj(v: unknown): v is Record<string, any> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function str(v: unknown): string {
  return typeof v === "string" ? v : "";
}

export function compileResponsesWire(doc: MappingDoc, rules: ResponsesRules): CompiledResponsesWire {
  const u = rules.usage;
  const input = compileGetter(u.input_tokens)!;
  const cached = compileGetter(u.cached_tokens);
  const output = compileGetter(u.output_tokens)!;
  const reasoning = compileGetter(u.reasoning_tokens);
  const total = compileGetter(u.total_tokens);
  const int = (v: unknown) => (typeof v === "number" && Number.isFinite(v) ? Math.max(0, Math.trunc(v)) : 0);
  const readUsage = (raw: unknown): Usage => {
    const i = int(input(raw));
    const o = int(output(raw));
    const t = total?.(raw);
    return {
      input_tokens: i,
      input_tokens_details: { cached_tokens: int(cached?.(raw)) },
      output_tokens: o,
      output_tokens_details: { reasoning_tokens: int(reasoning?.(raw)) },
      total_tokens: typeof t === "number" ? int(t) : i + o,
    };
  };

  const e = rules.errors;
  const mapError = compileErrorMapper({
    message: e.message ?? doc.errors.message,
    code: e.code ?? doc.errors.code,
    type: e.type ?? doc.errors.type,
    param: e.param === undefined ? doc.errors.param : e.param,
    rules: [...(e.rules ?? []), ...doc.errors.rules],
    status: doc.errors.status,
  });
  const inBody = e.in_body ? { code: compileGetter(e.in_body.status_code) as Getter, ok: e.in_body.ok } : null;

  function isBodyError(json: unknown): boolean {
    if (!isObj(json)) return false;
    // A Response object carries `error: null` (or a failure, read as a terminal status instead).
    if (json.object !== "response" && isObj(json.error)) return true;
    if (!inBody) return false;
    const code = inBody.code(json);
    return code != null && !inBody.ok.includes(code);
  }

  function finish(reason: string): FinishOutcome {
    if (reason === "completed") return { status: "completed" };
    const why = reason.replace(/^incomplete:/, "");
    const rule = rules.incomplete_reasons[why];
    if (!rule) return { status: "incomplete", reason: "max_output_tokens", message: `unknown incomplete reason '${why}' reported as max_output_tokens` };
    return { status: rule.status, reason: rule.reason, code: rule.code, message: rule.message };
  }

  /** Usage, then the finish (or the failure) of a terminal Response object. */
  function terminal(resp: unknown, kind: "completed" | "incomplete" | "failed", out: CanonicalDelta[]) {
    const r = isObj(resp) ? resp : {};
    if (isObj(r.usage)) out.push({ kind: "usage", usage: readUsage(r.usage) });
    if (kind === "failed") {
      out.push({ kind: "error", status: 200, body: isObj(r.error) ? { error: r.error } : { error: { message: "The provider reported response.failed without an error." } } });
      return;
    }
    if (kind === "incomplete") {
      const why = str(isObj(r.incomplete_details) ? r.incomplete_details.reason : "") || "max_output_tokens";
      out.push({ kind: "finish", reason: `incomplete:${why}` });
      return;
    }
    out.push({ kind: "finish", reason: "completed" });
  }

  /** What a finished upstream item contributes when its deltas did not (or could not) carry it. */
  function wholeItem(item: Record<string, any>, state: OpenUpstreamItem, flat: FlatName, out: CanonicalDelta[]) {
    switch (item.type) {
      case "message": {
        if (state.streamed) break;
        const parts = Array.isArray(item.content) ? item.content : [];
        const text = parts.map((p: any) => (p?.type === "output_text" ? str(p.text) : p?.type === "refusal" ? str(p.refusal) : "")).join("");
        if (text) out.push({ kind: "text", text });
        break;
      }
      case "reasoning": {
        if (state.streamed) break;
        const raw = (Array.isArray(item.content) ? item.content : []).filter((c: any) => c?.type === "reasoning_text").map((c: any) => str(c.text)).join("");
        const summary = (Array.isArray(item.summary) ? item.summary : []).map((s: any) => str(s?.text)).join("\n\n");
        const text = raw || summary;
        if (text) out.push({ kind: "reasoning", text });
        break;
      }
      case "function_call":
        if (!state.streamed) out.push({ kind: "tool_call", index: state.callIndex, id: str(item.call_id) || null, name: flat(str(item.name), item.namespace ?? undefined), arguments: str(item.arguments) });
        break;
      case "custom_tool_call":
        if (!state.streamed) out.push({ kind: "tool_call", index: state.callIndex, id: str(item.call_id) || null, name: flat(str(item.name), item.namespace ?? undefined), input: str(item.input) });
        break;
      case "web_search_call":
        out.push({ kind: "hosted_item", item: { type: "web_search_call", status: str(item.status) || "completed", action: item.action } });
        break;
      default:
        out.push({ kind: "diagnostic", diagnostic: { code: "upstream_item_dropped", path: "upstream.output", action: "ignored", message: `The provider returned an output item of type '${String(item.type)}', which GodeX does not pass on.` } });
    }
  }

  function newStreamReader(flat: FlatName): ResponsesStreamReader {
    const items = new Map<number, OpenUpstreamItem>();
    let calls = 0;
    const warned = new Set<string>();
    const itemAt = (json: Record<string, any>): OpenUpstreamItem | undefined => items.get(Number(json.output_index));

    return {
      read(json, event, out) {
        if (!isObj(json)) return;
        const type = str(json.type) || event || "";
        // A bare error payload (Zhipu's `event: error` without a type, `{"error":…}`) ends the stream.
        const action: EventAction | undefined = Object.hasOwn(rules.stream.events, type) ? rules.stream.events[type] : type === "" && (isObj(json.error) || json.code != null) ? "error" : undefined;
        if (action === undefined) {
          if (rules.stream.unknown_events === "diagnose" && !warned.has(type)) {
            warned.add(type);
            out.push({ kind: "diagnostic", diagnostic: { code: "upstream_event_unknown", path: "upstream.stream", action: "ignored", message: `The provider sent an event GodeX does not know ('${type.slice(0, 60)}'); it was skipped.` } });
          }
          return;
        }
        switch (action) {
          case "ignore":
          case "created":
          case "search_progress":
            return;
          case "item_added": {
            const item = isObj(json.item) ? json.item : {};
            const t = str(item.type);
            const state: OpenUpstreamItem = { type: t, callIndex: -1, streamed: false };
            items.set(Number(json.output_index), state);
            if (t === "function_call" || t === "custom_tool_call") {
              state.callIndex = calls++;
              const name = flat(str(item.name), item.namespace ?? undefined);
              const id = str(item.call_id) || null;
              const first = t === "custom_tool_call" ? str(item.input) : str(item.arguments);
              if (t === "custom_tool_call") out.push({ kind: "tool_call", index: state.callIndex, id, name, input: first });
              else out.push({ kind: "tool_call", index: state.callIndex, id, name, arguments: first || null });
              state.streamed = true;
              state.argsStreamed = first !== "";
            }
            return;
          }
          case "text_delta": {
            const s = itemAt(json);
            const text = str(json.delta);
            if (s) s.streamed = true;
            if (text) out.push({ kind: "text", text });
            return;
          }
          case "reasoning_delta":
          case "summary_delta": {
            const s = itemAt(json);
            const source = action === "reasoning_delta" ? "text" : "summary";
            if (s) {
              // A provider that sends both raw text and a summary: the first one seen is passed on.
              s.reasoningSource ??= source;
              if (s.reasoningSource !== source) return;
              s.streamed = true;
            }
            const text = str(json.delta);
            if (text) out.push({ kind: "reasoning", text });
            return;
          }
          case "arguments_delta": {
            const s = itemAt(json);
            if (!s || s.callIndex < 0) return;
            const delta = str(json.delta);
            s.argsStreamed = true;
            if (delta) out.push({ kind: "tool_call", index: s.callIndex, arguments: delta });
            return;
          }
          case "custom_input_delta": {
            const s = itemAt(json);
            if (!s || s.callIndex < 0) return;
            const delta = str(json.delta);
            s.argsStreamed = true;
            if (delta) out.push({ kind: "tool_call", index: s.callIndex, input: delta });
            return;
          }
          case "item_done": {
            const item = isObj(json.item) ? json.item : {};
            const s = itemAt(json) ?? { type: str(item.type), callIndex: item.type === "function_call" || item.type === "custom_tool_call" ? calls++ : -1, streamed: false };
            // Arguments that came whole in done (no deltas) are still passed on.
            if (s.callIndex >= 0 && s.streamed) {
              if (!s.argsStreamed && item.type === "function_call" && str(item.arguments)) out.push({ kind: "tool_call", index: s.callIndex, arguments: item.arguments });
              if (!s.argsStreamed && item.type === "custom_tool_call" && str(item.input)) out.push({ kind: "tool_call", index: s.callIndex, input: item.input });
            } else wholeItem(item, s, flat, out);
            items.delete(Number(json.output_index));
            out.push({ kind: "item_end" });
            return;
          }
          case "completed":
          case "incomplete":
          case "failed":
            return terminal(json.response, action, out);
          case "error":
            out.push({ kind: "error", status: 200, body: isObj(json.error) ? { error: json.error } : json });
            return;
        }
      },
    };
  }

  function readResponse(json: unknown, flat: FlatName, out: CanonicalDelta[]) {
    if (isBodyError(json)) {
      out.push({ kind: "error", status: 200, body: json });
      return;
    }
    const r = isObj(json) ? json : {};
    const output = Array.isArray(r.output) ? r.output : [];
    let calls = 0;
    for (const item of output) {
      if (!isObj(item)) continue;
      const state: OpenUpstreamItem = { type: str(item.type), callIndex: item.type === "function_call" || item.type === "custom_tool_call" ? calls++ : -1, streamed: false };
      wholeItem(item, state, flat, out);
      out.push({ kind: "item_end" });
    }
    const status = str(r.status);
    terminal(r, status === "failed" ? "failed" : status === "incomplete" ? "incomplete" : "completed", out);
  }

  return { rules, newStreamReader, readResponse, finish, mapError, isBodyError };
}
