// The hosted web_search loop: steps above the single call. GodeX offers the model a web_search
// function; when a step ends with searches only, GodeX runs them through the configured backend,
// adds the calls and their results to the conversation, and calls the provider again, all inside
// one Responses response (one builder: web_search_call items, summed usage, one terminal event).
// The first step is an ordinary routed attempt (run-route.ts): a target that fails before any
// output hands the request to the next one; later steps stay on the target that served the first.
import type { InputItem } from "../../protocol/request.ts";
import { formatResults, runSearch } from "../../search/client.ts";
import type { ClientReply } from "../client-reply.ts";
import { attempt, prepare, type AttemptResult, type RunOptions, type RunStats, type Target } from "../run.ts";
import { searchQuery, type PendingSearch, type ResponseBuilder, type StepRecord } from "../stream/response-builder.ts";
import { WEB_SEARCH_NAME } from "../request/tools.ts";
import type { HostedSearch } from "./search-runtime.ts";

/** Steps beyond the searches themselves: a model that keeps asking after the limit is cut off. */
const EXTRA_STEPS = 2;

/**
 * The steps after the first: the first step (an ordinary attempt, routed like any other) ended asking
 * for searches. Runs them, calls the same target again with the results, until the model answers.
 * Returns how the last step ended: `failed` only while nothing reached the client (a whole JSON
 * reply), so routing may still hand the request to another target, which starts over.
 */
export async function continueSearchSteps(o: RunOptions, target: Target, builder: ResponseBuilder, reply: ClientReply, stats: RunStats, search: HostedSearch): Promise<AttemptResult> {
  const queries: string[] = stats.searches ?? [];
  stats.searches = queries;
  let input = asItems(o.req.input);
  let searchesRun = 0;
  for (let step = 0; ; step++) {
    const record = builder.finished ? null : builder.takeStep();
    if (!record) return { kind: "served" };
    const outputs: string[] = [];
    for (const s of record.searches) {
      const q = searchQuery(s.arguments);
      if (searchesRun >= search.maxSearches || step >= search.maxSearches + EXTRA_STEPS) {
        builder.searchDone(s, q, false);
        builder.addDiagnostic({ code: "web_search_limit", path: "web_search.max_searches_per_response", action: "ignored", message: `The model asked for more than ${search.maxSearches} web searches in one response; it was told to answer with what it has.` });
        outputs.push(`Search limit reached (${search.maxSearches} searches per response). Answer now with the results you already have.`);
        continue;
      }
      searchesRun++;
      outputs.push(await runOne(builder, s, q, search, o.signal, queries));
      if (o.signal.aborted) return { kind: "aborted" };
    }
    input = [...input, ...historyOf(o, target, record, outputs)];
    const refused = searchesRun >= search.maxSearches && step >= search.maxSearches + EXTRA_STEPS - 1;
    // Past the limit the tool is no longer offered, so the model has to answer.
    const p = await prepare({ ...o, req: { ...o.req, input } }, target, reply.streaming, !refused);
    const result = await attempt({ ...o }, target, p, builder, reply, stats);
    if (result.kind !== "served") return result;
  }
}

async function runOne(builder: ResponseBuilder, s: PendingSearch, query: string, search: HostedSearch, signal: AbortSignal, queries: string[]): Promise<string> {
  builder.searchStarted(s);
  if (query === "") {
    builder.searchDone(s, query, false);
    builder.addDiagnostic({ code: "web_search_failed", path: `output[${s.index}]`, action: "degraded", message: "The model called web_search without a query." });
    return "The web_search call had no query. Call it with {\"query\": \"...\"}.";
  }
  queries.push(query);
  if (search.problem) {
    builder.searchDone(s, query, false);
    return `Web search is not available: ${search.problem}.`;
  }
  const outcome = await runSearch(search.settings, query, signal);
  if (!outcome.ok) {
    builder.searchDone(s, query, false);
    if (outcome.reason !== "aborted") {
      builder.addDiagnostic({ code: "web_search_failed", path: `output[${s.index}]`, action: "degraded", message: `${outcome.message} The model was told the search failed.` });
    }
    return `The web search for "${query}" failed: ${outcome.message} Answer without it, or try another query.`;
  }
  if (outcome.results.length === 0) {
    builder.addDiagnostic({ code: "web_search_empty", path: `output[${s.index}]`, action: "degraded", message: `The web search for "${query}" found nothing.` });
  }
  builder.addCitationSources(outcome.results.map((r) => ({ url: r.url, title: r.title || r.url })));
  builder.searchDone(s, query, true, outcome.results.map((r) => r.url));
  return formatResults(query, outcome.results, search.maxResultChars);
}

/** The step as Responses input items: its reasoning (sealed, so pass-back rules hold), text, calls and results. */
function historyOf(o: RunOptions, target: Target, r: StepRecord, outputs: string[]): InputItem[] {
  const items: Record<string, unknown>[] = [];
  if (r.reasoning) {
    const sealed = o.carrier.seal({ provider: target.provider.mapping.name, reasoning: r.reasoning, rawPrefix: r.rawPrefix });
    items.push({ type: "reasoning", summary: [{ type: "summary_text", text: r.reasoning }], encrypted_content: sealed });
  }
  if (r.text) items.push({ type: "message", role: "assistant", content: [{ type: "output_text", text: r.text }] });
  r.searches.forEach((s, i) => {
    items.push({ type: "function_call", call_id: s.callId, name: WEB_SEARCH_NAME, arguments: s.arguments || "{}" });
    items.push({ type: "function_call_output", call_id: s.callId, output: outputs[i] ?? "" });
  });
  return items as unknown as InputItem[];
}

function asItems(input: unknown): InputItem[] {
  if (typeof input === "string") return [{ type: "message", role: "user", content: input } as unknown as InputItem];
  return Array.isArray(input) ? (input as InputItem[]) : [];
}
