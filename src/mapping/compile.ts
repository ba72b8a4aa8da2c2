// Turns a merged mapping document into the functions the interpreter calls.
// Everything is compiled here, once, at load: paths become property reads, JSONata is parsed.
import jsonata from "jsonata";
import type { CanonicalDelta, FinishOutcome, UpstreamFailure, Usage } from "../protocol/types.ts";
import type { EffortTable, MappingDoc, ModelRule, RequestRules } from "./doc.ts";
import { compileGetter, type Getter } from "./path.ts";
import { deepMerge } from "./load.ts";
import { ruleForModel } from "./glob.ts";
import { compileResponsesWire, type CompiledResponsesWire } from "./readers/responses.ts";

export type Wire = "chat" | "responses";

export interface ModelView {
  request: RequestRules;
  /** The name of the model's effort table (null: no reasoning control), and the table. */
  effortTableName: string | null;
  effortTable: EffortTable | null;
  images: boolean;
  /** Tokens; null when the mapping does not say. */
  contextWindow: number | null;
  /** The wire the mapping chooses for this model (a config override may still change it). */
  wire: Wire;
  /** Effort table on the native Responses wire. */
  responsesEffortTable: EffortTable | null;
}

export interface CompiledMapping {
  name: string;
  doc: MappingDoc;
  forModel(model: string): ModelView;
  /** Appends what one stream chunk contributes to `out`. */
  readChunk(chunk: any, out: CanonicalDelta[]): void;
  /** Appends what a whole (non-streamed) completion contributes to `out`. */
  readResponse(json: any, out: CanonicalDelta[]): void;
  finish(reason: string): FinishOutcome;
  /** Classifies an upstream error reply (HTTP error body, or an error inside a 200 body / chunk). */
  mapError(status: number, body: unknown, retryAfter?: string | null): Promise<UpstreamFailure>;
  patch: jsonata.Expression | null;
  /** The native Responses wire, when the mapping describes one. */
  responses: CompiledResponsesWire | null;
}

/** Where a chunk or a whole reply keeps each part (compiled paths). */
interface Parts {
  search: SearchReader | null;
  reasoning: Getter | null;
  text: Getter;
  tools: Getter | null;
  usage: Getter | null;
  finish: Getter;
}

function must(g: Getter | null, what: string): Getter {
  if (!g) throw new Error(`mapping lacks ${what}`);
  return g;
}

function compileUsage(doc: MappingDoc) {
  const input = must(compileGetter(doc.usage.input_tokens), "usage.input_tokens");
  const cached = compileGetter(doc.usage.cached_tokens);
  const output = must(compileGetter(doc.usage.output_tokens), "usage.output_tokens");
  const reasoning = compileGetter(doc.usage.reasoning_tokens);
  const total = compileGetter(doc.usage.total_tokens);
  const int = (v: unknown) => (typeof v === "number" && Number.isFinite(v) ? Math.max(0, Math.trunc(v)) : 0);
  return (u: any): Usage => {
    const input_tokens = int(input(u));
    const output_tokens = int(output(u));
    const t = total?.(u);
    return {
      input_tokens,
      input_tokens_details: { cached_tokens: int(cached?.(u)) },
      output_tokens,
      output_tokens_details: { reasoning_tokens: int(reasoning?.(u)) },
      total_tokens: typeof t === "number" ? int(t) : input_tokens + output_tokens,
    };
  };
}

/** Where a reply lists the pages the provider's own search found (response.web_search / stream.web_search). */
interface SearchReader {
  list: Getter;
  url: Getter;
  title: Getter | null;
  query: Getter | null;
}

function compileSearch(spec: { list: string | string[]; url: string | string[]; title?: string | string[]; query?: string | string[] } | undefined): SearchReader | null {
  if (!spec) return null;
  return { list: must(compileGetter(spec.list), "web_search.list"), url: must(compileGetter(spec.url), "web_search.url"), title: compileGetter(spec.title), query: compileGetter(spec.query) };
}

function pushSearch(r: SearchReader, json: unknown, out: CanonicalDelta[]) {
  const list = r.list(json);
  if (!Array.isArray(list) || list.length === 0) return;
  const sources: { url: string; title: string }[] = [];
  let query: string | undefined;
  for (const entry of list) {
    const url = r.url(entry);
    if (typeof url !== "string" || !/^https?:\/\//.test(url) || sources.some((s) => s.url === url)) continue;
    const title = r.title?.(entry);
    sources.push({ url, title: typeof title === "string" && title !== "" ? title : url });
    const q = r.query?.(entry);
    if (query === undefined && typeof q === "string" && q.trim() !== "") query = q.trim();
  }
  if (sources.length > 0) out.push({ kind: "web_search", sources, ...(query !== undefined ? { query } : {}) });
}

function pushToolCalls(calls: unknown, out: CanonicalDelta[]) {
  if (!Array.isArray(calls)) return;
  for (let i = 0; i < calls.length; i++) {
    const c = calls[i];
    if (!c || typeof c !== "object") continue;
    out.push({
      kind: "tool_call",
      // Non-streamed MiMo tool calls carry no index: their position is the index.
      index: typeof c.index === "number" ? c.index : i,
      id: c.id,
      name: c.function?.name,
      arguments: c.function?.arguments,
    });
  }
}

export function compileMapping(doc: MappingDoc): CompiledMapping {
  const s = doc.stream;
  const sText = must(compileGetter(s.text), "stream.text");
  const sReasoning = compileGetter(s.reasoning);
  const sTools = compileGetter(s.tool_calls);
  const sFinish = must(compileGetter(s.finish_reason), "stream.finish_reason");
  const sUsage = compileGetter(s.usage);
  const sError = compileGetter(s.error);
  const r = doc.response;
  const rText = must(compileGetter(r.text), "response.text");
  const rReasoning = compileGetter(r.reasoning);
  const rTools = compileGetter(r.tool_calls);
  const rFinish = must(compileGetter(r.finish_reason), "response.finish_reason");
  const rUsage = compileGetter(r.usage);
  const readUsage = compileUsage(doc);

  const inBody = doc.errors.in_body
    ? { code: must(compileGetter(doc.errors.in_body.status_code), "errors.in_body.status_code"), ok: doc.errors.in_body.ok }
    : null;
  const patch = doc.request.patch ? jsonata(doc.request.patch) : null;

  const views = new Map<string, ModelView>();
  function forModel(model: string): ModelView {
    let v = views.get(model);
    if (v) return v;
    const rule: ModelRule = modelRule(doc, model);
    const request = (rule.request ? deepMerge(doc.request, rule.request) : doc.request) as RequestRules;
    const tableName = rule.effort_table;
    const effortTable = tableName ? (doc.reasoning.effort_tables?.[tableName] ?? null) : null;
    if (tableName && !effortTable) throw new Error(`${doc.name}: model ${model} names unknown effort table ${tableName}`);
    const nativeName = rule.responses_effort_table;
    const responsesEffortTable = nativeName ? (doc.responses?.effort_tables?.[nativeName] ?? null) : null;
    if (nativeName && !responsesEffortTable) throw new Error(`${doc.name}: model ${model} names unknown responses effort table ${nativeName}`);
    const wire: Wire = rule.wire ?? doc.wire ?? "chat";
    if (wire === "responses" && !doc.responses) throw new Error(`${doc.name}: model ${model} uses wire responses, but the mapping has no responses section`);
    v = { request, effortTableName: tableName ?? null, effortTable, images: rule.images ?? request.images, contextWindow: rule.context_window ?? null, wire, responsesEffortTable };
    views.set(model, v);
    return v;
  }

  const streamParts: Parts = { search: compileSearch(s.web_search), reasoning: sReasoning, text: sText, tools: sTools, usage: sUsage, finish: sFinish };
  const responseParts: Parts = { search: compileSearch(r.web_search), reasoning: rReasoning, text: rText, tools: rTools, usage: rUsage, finish: rFinish };

  /** What one chunk (or one whole reply) contributes, in the order a reader expects it. */
  function readParts(p: Parts, json: any, out: CanonicalDelta[], defaultFinish: string | null) {
    if (hasBodyError(json)) {
      out.push({ kind: "error", status: 200, body: json });
      return;
    }
    // The provider searched before it answered: its results come first.
    if (p.search) pushSearch(p.search, json, out);
    const reasoning = p.reasoning?.(json);
    if (typeof reasoning === "string" && reasoning !== "") out.push({ kind: "reasoning", text: reasoning });
    const text = p.text(json);
    if (typeof text === "string" && text !== "") out.push({ kind: "text", text });
    if (p.tools) pushToolCalls(p.tools(json), out);
    const usage = p.usage?.(json);
    if (usage && typeof usage === "object") out.push({ kind: "usage", usage: readUsage(usage) });
    const finish = p.finish(json);
    if (typeof finish === "string" && finish !== "") out.push({ kind: "finish", reason: finish });
    else if (defaultFinish) out.push({ kind: "finish", reason: defaultFinish });
  }

  /** True when the body reports an error although the HTTP status was 200. */
  function hasBodyError(json: any): boolean {
    const e = sError?.(json);
    if (e && typeof e === "object") return true;
    if (!inBody) return false;
    const code = inBody.code(json);
    return code != null && !inBody.ok.includes(code);
  }

  return {
    name: doc.name,
    doc,
    forModel,
    readChunk: (chunk, out) => readParts(streamParts, chunk, out, null),
    // A whole completion always finishes: a missing finish reason means it stopped normally.
    readResponse: (json, out) => readParts(responseParts, json, out, "stop"),
    finish(reason) {
      const rule = doc.finish_reasons[reason];
      if (!rule) {
        return { status: "completed", message: `unknown finish reason '${reason}' treated as completed` };
      }
      return { status: rule.status, reason: rule.reason, code: rule.code, message: rule.message };
    },
    mapError: compileErrorMapper(doc.errors),
    patch,
    responses: doc.responses ? compileResponsesWire(doc, doc.responses) : null,
  };
}

/** The error envelope of one wire: paths to the fields, then rules, well-known codes, the status table. */
export type ErrorsDoc = Pick<MappingDoc["errors"], "message" | "code" | "type" | "param" | "rules" | "status">;

export function compileErrorMapper(errors: ErrorsDoc): CompiledMapping["mapError"] {
  const errMessage = compileGetter(errors.message);
  const errCode = compileGetter(errors.code);
  const errType = compileGetter(errors.type);
  const errParam = compileGetter(errors.param);
  // Compiled once, with the first error this wire maps, not at load: upstream errors are rare, and parsing
  // every rule of every mapping was ~5% of `godex serve`'s start (docs/performance.md). They are known to
  // compile: loadMappingDoc checks every `when` (validateMappingDoc), or the build did for a shipped chain
  // (src/mapping/verdicts.ts), and `godex serve`'s preflight lints them (jsonata-syntax).
  let compiled: { rule: ErrorsDoc["rules"][number]; expr: jsonata.Expression }[] | undefined;
  const compiledRules = () => (compiled ??= errors.rules.map((rule) => ({ rule, expr: jsonata(rule.when) })));
  const errorFields = (json: any) => ({ message: errMessage?.(json), code: errCode?.(json), type: errType?.(json), param: errParam?.(json) });
  return async function mapError(status: number, body: unknown, retryAfter?: string | null): Promise<UpstreamFailure> {
    let json: any = typeof body === "object" ? body : null;
    const bodyText = typeof body === "string" ? body : JSON.stringify(body ?? "");
    if (json === null) {
      // Some providers frame a rejected streamed request's error as SSE (`data: {"error":…}`).
      const payload = /^\s*data:\s*/.test(bodyText) ? bodyText.replace(/^\s*data:\s*/, "").split(/\r?\n/)[0] : bodyText;
      try {
        json = JSON.parse(payload);
      } catch {
        /* not JSON: the text itself is the message */
      }
    }
    const fields = json ? errorFields(json) : { message: undefined, code: undefined, type: undefined, param: undefined };
    const message = typeof fields.message === "string" && fields.message ? fields.message : plainMessage(bodyText, status);
    const ctx = { status, code: fields.code == null ? null : String(fields.code), type: fields.type ?? null, message, param: fields.param ?? null };
    let failure: UpstreamFailure | null = null;
    for (const { rule, expr } of compiledRules()) {
      if (await expr.evaluate(ctx)) {
        failure = {
          httpStatus: rule.http,
          type: rule.type,
          code: rule.code,
          message: (rule.message_prefix ?? "") + message,
          param: typeof ctx.param === "string" ? ctx.param : null,
          retryable: rule.retryable ?? false,
        };
        break;
      }
    }
    // An error inside a 200 body has no status to classify by: trust a well-known OpenAI code it names.
    if (!failure && status < 300 && typeof ctx.code === "string" && Object.hasOwn(WELL_KNOWN, ctx.code)) {
      const [http, type, retryable] = WELL_KNOWN[ctx.code];
      failure = { httpStatus: http, type, code: ctx.code, message, param: null, retryable };
    }
    failure ??= { ...statusFailure(status, errors), message: (statusRule(status, errors)?.message_prefix ?? "") + message };
    const ra = parseRetryAfter(retryAfter);
    if (ra != null) failure.retryAfterMs = ra;
    return failure;
  };
}

const WELL_KNOWN: Record<string, [number, string, boolean]> = {
  invalid_api_key: [401, "authentication_error", false],
  rate_limit_exceeded: [429, "rate_limit_error", true],
  insufficient_quota: [429, "insufficient_quota", false],
  context_length_exceeded: [400, "invalid_request_error", false],
  invalid_request_error: [400, "invalid_request_error", false],
  server_error: [502, "server_error", true],
};

/** A readable message from a non-JSON error body (an HTML error page says little beyond its title). */
function plainMessage(text: string, status: number): string {
  const t = text.trim();
  if (t === "") return `HTTP ${status}`;
  if (/^<(!doctype|html)/i.test(t)) {
    const title = /<title[^>]*>([^<]*)<\/title>/i.exec(t)?.[1]?.trim();
    return `HTTP ${status} with an HTML error page${title ? `: ${title}` : ""}`;
  }
  return t.slice(0, 500);
}

/** Exact model name first, then glob keys (`MiniMax-M2*`) in file order, then "*". */
export function modelRule(doc: MappingDoc, model: string): ModelRule {
  return ruleForModel(doc.models, model) ?? {};
}

function statusRule(status: number, errors: Pick<ErrorsDoc, "status">) {
  const table = errors.status;
  return table[String(status)] ?? table[`${String(status)[0]}xx`];
}

function statusFailure(status: number, errors: Pick<ErrorsDoc, "status">): UpstreamFailure {
  const rule = statusRule(status, errors);
  if (!rule) {
    return { httpStatus: 502, type: "server_error", code: "server_error", message: `HTTP ${status}`, param: null, retryable: status >= 500 };
  }
  return { httpStatus: rule.http, type: rule.type, code: rule.code, message: `HTTP ${status}`, param: null, retryable: rule.retryable ?? false };
}

/** Retry-After in seconds or as an HTTP date, to milliseconds. */
export function parseRetryAfter(v: string | null | undefined): number | null {
  if (!v) return null;
  const secs = Number(v);
  if (Number.isFinite(secs)) return Math.max(0, secs * 1000);
  const at = Date.parse(v);
  return Number.isFinite(at) ? Math.max(0, at - Date.now()) : null;
}
