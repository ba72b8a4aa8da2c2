// The one state machine that turns provider-neutral deltas into the Responses event sequence.
// It owns item ids, ordering (one item at a time: added → deltas → done), sequence numbers,
// tool-call assembly, usage and the single terminal event. It knows nothing about providers.
import type { CanonicalDelta, Diagnostic, FinishOutcome, UpstreamFailure, Usage } from "../../protocol/types.ts";
import type { ToolRegistry } from "../request/tools.ts";
import type { ReasoningCarrier } from "../reasoning-carrier.ts";
import { JsonStringFieldStream } from "./json-field-stream.ts";
import { ThinkSplitter } from "./think-splitter.ts";
import { responseObject, ResponseSerializer, type ResponseEcho, type ResponseState } from "./response-object.ts";
import type { OutputItem, OutputReasoning, ResponseObject, UrlCitation } from "../../generated/responses-output.ts";

/** Receives each event as its type and its JSON text (already serialized, one write each). */
export type EventSink = (type: string, json: string) => void;

export interface BuilderOptions {
  responseId: string;
  /** Item ids are `<prefix>_<idBase><n>`. */
  idBase: string;
  createdAt: number;
  now: () => number;
  /** Model name echoed to the client: the alias it asked for. */
  alias: string;
  provider: string;
  /** Name the reasoning carrier seals under: the mapping (dialect), so a renamed provider keeps its history. */
  carrierName: string;
  upstreamModel: string;
  echo: ResponseEcho;
  tools: ToolRegistry;
  carrier: ReasoningCarrier;
  includeEncrypted: boolean;
  exposeRawReasoning: boolean;
  thinkTags: boolean;
  /** Keep the raw think block for verbatim replay (MiniMax). */
  keepRawPrefix: boolean;
  diagnostics: Diagnostic[];
  sink?: EventSink;
}

interface ReasoningItem {
  kind: "reasoning";
  id: string;
  index: number;
  text: string;
}
interface MessageItem {
  kind: "message";
  id: string;
  index: number;
  text: string;
}
interface CallItem {
  kind: "call";
  id: string;
  index: number;
  /** Upstream tool-call index. */
  upstreamIndex: number;
  callId: string;
  flatName: string;
  custom: boolean;
  /** Codex's tool_search, given back as a tool_search_call item. */
  search: boolean;
  /** A web search GodeX runs (hosted tool): a web_search_call item that stays open until it ran. */
  hosted: boolean;
  namespace?: string;
  name: string;
  args: string;
  input?: JsonStringFieldStream;
  streamedInput: string;
  /** The input arrives raw (a native custom tool call), not as `{"input": …}` arguments. */
  rawInput?: boolean;
}
type OpenItem = ReasoningItem | MessageItem | CallItem;

/** A hosted web search the model asked for: its item is open until the search ran. */
export interface PendingSearch {
  /** Item id and output index, given when the search starts (so its item's events come together). */
  itemId: string;
  index: number;
  callId: string;
  /** The function arguments as the model sent them. */
  arguments: string;
}

/** What one step (one upstream call of a hosted tool loop) produced, for the next call's history. */
export interface StepRecord {
  reasoning: string;
  /** The raw think block (think-tag providers), for verbatim replay. */
  rawPrefix?: string;
  text: string;
  searches: PendingSearch[];
}

/** A page a hosted search returned: cited text in the answer becomes a url_citation. */
export interface CitationSource {
  url: string;
  title: string;
}

/** A tool call whose name has not arrived yet. */
interface HeldCall {
  upstreamIndex: number;
  id: string | null;
  args: string;
}

export class ResponseBuilder {
  private seq = 0;
  private itemCount = 0;
  private current: OpenItem | null = null;
  private readonly state: ResponseState;
  private readonly closedCalls = new Set<number>();
  private held: HeldCall | null = null;
  private splitter: ThinkSplitter | null;
  /** Output index of each entry of state.output (items end in index order even when a search closes late). */
  private readonly outputIndexes: number[] = [];
  private pending: PendingSearch[] = [];
  private clientCallInStep = false;
  private providerSearchInStep = false;
  /** What the provider's own searches were, for logs and the status page (the query, when reported). */
  readonly providerSearches: string[] = [];
  private stepReasoning = "";
  private stepText = "";
  private baseUsage: Usage | null = null;
  private citations: CitationSource[] = [];
  private lastStep: StepRecord | null = null;
  private finishReason: string | null = null;
  /** Serialized output items (stream mode), reused by the terminal event. */
  private readonly outputJson: string[] = [];
  private serializer: ResponseSerializer | null = null;
  /** Status given to items closed from now on ("incomplete" when the response ends incomplete). */
  private closingStatus: "completed" | "incomplete" = "completed";
  private ended = false;
  private sawContent = false;
  /** Sealed reasoning of items the client did not ask to receive sealed: a continuation replays it. */
  private readonly sealedForHistory = new Map<string, string>();

  constructor(private readonly o: BuilderOptions) {
    this.state = {
      id: o.responseId,
      createdAt: o.createdAt,
      completedAt: null,
      status: "in_progress",
      model: o.alias,
      output: [],
      error: null,
      incompleteDetails: null,
      usage: null,
      diagnostics: o.diagnostics,
      provider: o.provider,
      upstreamModel: o.upstreamModel,
    };
    this.splitter = o.thinkTags ? new ThinkSplitter() : null;
  }

  get finished(): boolean {
    return this.ended;
  }
  get gotFinishReason(): string | null {
    return this.finishReason;
  }
  get hasOutput(): boolean {
    return this.sawContent;
  }

  /** The sequence number of the next event. */
  get sequence(): number {
    return this.seq;
  }

  /** Takes over a stream another attempt already opened: its events continue that sequence. */
  resume(sequence: number) {
    this.seq = sequence;
  }

  /** The head of the stream: the response as it begins (usage that arrived before a late commit comes with the terminal event). */
  start() {
    const usage = this.state.usage;
    this.state.usage = null;
    this.emitResponse("response.created");
    this.emitResponse("response.in_progress");
    this.state.usage = usage;
  }

  /** A real event Codex counts as activity (it ignores SSE comments). */
  keepAlive() {
    if (!this.ended) this.emitResponse("response.in_progress");
  }

  push(d: CanonicalDelta) {
    if (this.ended) return;
    switch (d.kind) {
      case "reasoning":
        return this.reasoning(d.text);
      case "text":
        if (this.splitter) {
          for (const seg of this.splitter.push(d.text)) seg.kind === "reasoning" ? this.reasoning(seg.text) : this.text(seg.text);
        } else this.text(d.text);
        return;
      case "tool_call":
        if (typeof d.input === "string") return this.toolCallInput(d.index, d.id ?? null, d.name ?? null, d.input);
        return this.toolCall(d.index, d.id ?? null, d.name ?? null, d.arguments ?? null);
      case "item_end":
        this.flushSplitter();
        this.closeCurrent();
        this.closeHeld();
        return;
      case "hosted_item":
        return this.hostedItem(d.item);
      case "diagnostic":
        return this.addDiagnostic(d.diagnostic);
      case "usage":
        this.state.usage = this.baseUsage ? addUsage(this.baseUsage, d.usage) : d.usage;
        return;
      case "finish":
        this.finishReason = d.reason;
        return;
      case "web_search":
        return this.providerSearch(d.sources, d.query);
      case "error":
        return; // classified and ended by the runner (needs the async error rules)
    }
  }

  /**
   * The provider's own search ran (it reports the pages, not the call): one completed
   * web_search_call item per step, like a hosted search, and its pages become citation sources.
   * A later report in the same step (a provider repeating its list) only adds sources.
   */
  private providerSearch(sources: CitationSource[], query = "") {
    const fresh = sources.filter((s) => !this.citations.some((c) => c.url === s.url));
    this.addCitationSources(sources);
    if (this.providerSearchInStep || fresh.length === 0) return;
    this.providerSearchInStep = true;
    this.providerSearches.push(query || `(searched by ${this.o.provider}: ${fresh.length} pages)`);
    this.flushSplitter();
    this.closeCurrent();
    const s: PendingSearch = { itemId: "", index: -1, callId: "", arguments: "" };
    this.searchStarted(s);
    this.searchDone(s, query, true, fresh.map((f) => f.url));
    this.sawContent = true;
  }

  addDiagnostic(d: Diagnostic) {
    this.state.diagnostics.push(d);
  }

  /** The step asked for hosted searches only (no client tool call): the loop runs them and calls again. */
  get stepWantsSearches(): boolean {
    const open = this.current?.kind === "call" && this.current.hosted;
    return (this.pending.length > 0 || open) && !this.clientCallInStep && this.held === null;
  }

  /**
   * End of one step of a hosted tool loop: closes the open items without a terminal event and hands
   * over what the step produced; the next upstream call continues the same response.
   */
  endStep(): StepRecord {
    this.flushSplitter();
    this.closeCurrent();
    this.closeHeld();
    const record: StepRecord = { reasoning: this.stepReasoning, text: this.stepText, searches: this.pending, ...(this.o.keepRawPrefix && this.splitter?.rawPrefix ? { rawPrefix: this.splitter.rawPrefix } : {}) };
    this.pending = [];
    this.clientCallInStep = false;
    this.providerSearchInStep = false;
    this.stepReasoning = "";
    this.stepText = "";
    this.finishReason = null;
    this.closedCalls.clear();
    this.baseUsage = this.state.usage;
    if (this.splitter) this.splitter = new ThinkSplitter();
    this.lastStep = record;
    return record;
  }

  /** The record of the step that just ended (once). */
  takeStep(): StepRecord | null {
    const r = this.lastStep;
    this.lastStep = null;
    return r;
  }

  /** A hosted search starts running: its web_search_call item opens (if not yet), then searches. */
  searchStarted(s: PendingSearch) {
    this.openSearch(s);
    this.emitIfStreaming("response.web_search_call.searching", () => `{"type":"response.web_search_call.searching","sequence_number":${this.seq},"output_index":${s.index},"item_id":"${s.itemId}"}`);
  }

  private openSearch(s: PendingSearch) {
    if (s.index >= 0) return;
    s.itemId = this.nextId("ws");
    s.index = this.itemCount++;
    this.emitItemAdded(s.index, { id: s.itemId, type: "web_search_call", status: "in_progress" });
    this.emitIfStreaming("response.web_search_call.in_progress", () => `{"type":"response.web_search_call.in_progress","sequence_number":${this.seq},"output_index":${s.index},"item_id":"${s.itemId}"}`);
  }

  /** A hosted search ran (or could not): its item ends. */
  searchDone(s: PendingSearch, query: string, ok: boolean, sources: string[] = []) {
    this.openSearch(s);
    if (ok) this.emitIfStreaming("response.web_search_call.completed", () => `{"type":"response.web_search_call.completed","sequence_number":${this.seq},"output_index":${s.index},"item_id":"${s.itemId}"}`);
    const action = sources.length > 0 ? { type: "search" as const, query, sources: sources.map((url) => ({ type: "url" as const, url })) } : { type: "search" as const, query };
    this.emitItemDone(s.index, { id: s.itemId, type: "web_search_call", status: ok ? "completed" : "failed", action });
  }

  /** Pages the hosted searches returned: the answer's text citing their URLs gets url_citation annotations. */
  addCitationSources(sources: CitationSource[]) {
    for (const s of sources) if (!this.citations.some((c) => c.url === s.url)) this.citations.push(s);
  }

  /** Closes open items and emits the terminal event for a finish outcome. */
  complete(outcome: FinishOutcome) {
    if (this.ended) return;
    if (outcome.status !== "failed" && this.current?.kind === "call" && this.current.hosted) this.closeCurrent();
    // Searches asked for in a step that also called a client tool (or ended the response) never ran.
    for (const s of this.pending.splice(0)) {
      if (outcome.status !== "failed") {
        this.flushSplitter();
        this.closeCurrent();
        this.searchDone(s, searchQuery(s.arguments), false);
      }
      this.addDiagnostic({ code: "web_search_not_run", path: `output[${s.index}]`, action: "ignored", message: "The model asked for a web search in the same step as a client tool call (or as the response ended); the search did not run." });
    }
    if (outcome.status === "failed") {
      // An item cut off by the failure is not handed over as if finished (Codex would record it,
      // or run a half-built tool call): it is left out, and the diagnostics say so.
      this.abandonOpenItems();
    } else {
      // On `incomplete` the open item is closed as incomplete: it is what the model produced.
      if (outcome.status === "incomplete") this.closingStatus = "incomplete";
      this.flushSplitter();
      this.closeCurrent();
      this.closeHeld();
    }
    if (outcome.status === "failed") {
      this.state.status = "failed";
      this.state.error = { code: outcome.code ?? "server_error", message: outcome.message ?? "The provider failed to finish the response." };
    } else if (outcome.status === "incomplete") {
      this.state.status = "incomplete";
      this.state.incompleteDetails = { reason: outcome.reason ?? "max_output_tokens" };
    } else {
      this.state.status = "completed";
      this.state.completedAt = this.o.now();
    }
    this.finalizeUsage();
    this.ended = true;
    this.emitResponse(`response.${this.state.status}`);
  }

  private abandonOpenItems() {
    const open = this.current ?? (this.held ? { kind: "call" as const } : null);
    if (open) {
      const what = open.kind === "call" ? "tool call" : open.kind === "message" ? "message" : "reasoning";
      this.addDiagnostic({ code: "partial_item_dropped", path: "output", action: "ignored", message: `An unfinished ${what} was cut off by the failure and left out of the output.` });
    }
    this.current = null;
    this.held = null;
  }

  /** Ends with response.failed, keeping whatever output items were complete. */
  fail(f: Pick<UpstreamFailure, "code" | "message">) {
    this.complete({ status: "failed", code: f.code, message: f.message });
  }

  snapshot(): ResponseObject {
    return responseObject(this.state, this.o.echo);
  }

  /** Usage and diagnostics for logs and metrics (usage only when the provider reported it). */
  summary() {
    const u = this.state.usage;
    const reported = u && !this.state.diagnostics.some((d) => d.code === "usage_unavailable");
    return {
      usage: reported ? { input: u.input_tokens, cached: u.input_tokens_details.cached_tokens, output: u.output_tokens, reasoning: u.output_tokens_details.reasoning_tokens } : undefined,
      diagnostics: this.state.diagnostics,
      response: this.snapshot(),
      historyOutput: this.historyOutput(),
    };
  }

  /**
   * The output as a continuation replays it (previous_response_id): every reasoning item carries
   * its sealed text, whether or not the client asked for encrypted_content.
   */
  historyOutput(): OutputItem[] {
    if (this.sealedForHistory.size === 0) return this.state.output;
    return this.state.output.map((item) => {
      const sealed = item.type === "reasoning" && item.id ? this.sealedForHistory.get(item.id) : undefined;
      return sealed ? { ...item, encrypted_content: sealed } : item;
    });
  }

  // ---- items ----

  private reasoning(text: string) {
    if (this.current?.kind !== "reasoning") {
      this.closeCurrent();
      const item: ReasoningItem = { kind: "reasoning", id: this.nextId("rs"), index: this.itemCount++, text: "" };
      this.current = item;
      this.emitItemAdded(item.index, { id: item.id, type: "reasoning", summary: [], status: "in_progress" });
      this.emitIfStreaming(
        "response.reasoning_summary_part.added",
        () => `{"type":"response.reasoning_summary_part.added","sequence_number":${this.seq},"item_id":"${item.id}","output_index":${item.index},"summary_index":0,"part":{"type":"summary_text","text":""}}`,
      );
    }
    const item = this.current as ReasoningItem;
    item.text += text;
    this.stepReasoning += text;
    this.sawContent = true;
    if (!this.o.sink) return;
    const delta = JSON.stringify(text);
    this.emit(
      "response.reasoning_summary_text.delta",
      `{"type":"response.reasoning_summary_text.delta","sequence_number":${this.seq},"item_id":"${item.id}","output_index":${item.index},"summary_index":0,"delta":${delta}}`,
    );
    if (this.o.exposeRawReasoning) {
      this.emit(
        "response.reasoning_text.delta",
        `{"type":"response.reasoning_text.delta","sequence_number":${this.seq},"item_id":"${item.id}","output_index":${item.index},"content_index":0,"delta":${delta}}`,
      );
    }
  }

  private text(text: string) {
    if (this.current?.kind !== "message") {
      this.closeCurrent();
      const item: MessageItem = { kind: "message", id: this.nextId("msg"), index: this.itemCount++, text: "" };
      this.current = item;
      this.emitItemAdded(item.index, { id: item.id, type: "message", status: "in_progress", role: "assistant", content: [] });
      this.emitIfStreaming(
        "response.content_part.added",
        () => `{"type":"response.content_part.added","sequence_number":${this.seq},"item_id":"${item.id}","output_index":${item.index},"content_index":0,"part":{"type":"output_text","text":"","annotations":[],"logprobs":[]}}`,
      );
    }
    const item = this.current as MessageItem;
    item.text += text;
    this.stepText += text;
    this.sawContent = true;
    if (!this.o.sink) return;
    this.emit(
      "response.output_text.delta",
      `{"type":"response.output_text.delta","sequence_number":${this.seq},"item_id":"${item.id}","output_index":${item.index},"content_index":0,"delta":${JSON.stringify(text)},"logprobs":[]}`,
    );
  }

  private toolCall(upstreamIndex: number, id: string | null, name: string | null, args: string | null) {
    const cur = this.current;
    if (cur?.kind === "call" && cur.upstreamIndex === upstreamIndex) {
      if (args) this.callArgs(cur, args);
      return;
    }
    if (this.held && this.held.upstreamIndex === upstreamIndex) {
      this.held.id ??= id || null;
      if (args) this.held.args += args;
      if (!name) return;
      const held = this.held;
      this.held = null;
      this.openCall(upstreamIndex, held.id, name, held.args);
      return;
    }
    if (this.closedCalls.has(upstreamIndex)) {
      // A late fragment for a call already handed to the client cannot be added any more.
      if (args) this.addDiagnostic({ code: "tool_call_fragment_late", path: "upstream.tool_calls", action: "ignored", message: `The provider sent more arguments for tool call ${upstreamIndex} after another call had started; they were dropped.` });
      return;
    }
    if (!name) {
      this.closeHeld();
      this.held = { upstreamIndex, id: id || null, args: args ?? "" };
      return;
    }
    this.openCall(upstreamIndex, id || null, name, args ?? "");
  }

  private openCall(upstreamIndex: number, id: string | null, flatName: string, args: string) {
    this.closeCurrent();
    const info = this.o.tools.get(flatName);
    if (!info) {
      this.addDiagnostic({ code: "tool_call_unknown", path: "upstream.tool_calls", action: "degraded", message: `The model called '${flatName}', which the client did not declare; passed on as a function call.` });
    }
    const custom = info?.kind === "custom";
    const search = info?.kind === "tool_search";
    const hosted = info?.kind === "web_search";
    if (!hosted) this.clientCallInStep = true;
    const item: CallItem = {
      kind: "call",
      // A web search's item appears only when it runs (searchStarted): id and index are given then.
      id: hosted ? "" : this.nextId(custom ? "ctc" : search ? "tsc" : "fc"),
      index: hosted ? -1 : this.itemCount++,
      upstreamIndex,
      callId: id || `call_${this.o.idBase}${this.itemCount}`,
      flatName,
      custom,
      search,
      hosted,
      namespace: info?.namespace,
      name: info?.name ?? flatName,
      args: "",
      input: custom ? new JsonStringFieldStream("input") : undefined,
      streamedInput: "",
    };
    this.current = item;
    this.sawContent = true;
    const namespace = item.namespace ? { namespace: item.namespace } : {};
    if (hosted) {
      if (args) item.args += args;
      return;
    }
    const added: OutputItem = search
      ? { id: item.id, type: "tool_search_call", status: "in_progress", call_id: item.callId, execution: "client", arguments: {} }
      : custom
        ? { id: item.id, type: "custom_tool_call", status: "in_progress", call_id: item.callId, name: item.name, input: "", ...namespace }
        : { id: item.id, type: "function_call", status: "in_progress", call_id: item.callId, name: item.name, arguments: "", ...namespace };
    this.emitItemAdded(item.index, added);
    if (args) this.callArgs(item, args);
  }

  private callArgs(item: CallItem, args: string) {
    item.args += args;
    // The Responses stream has no argument events for a tool search or a web search.
    if (!this.o.sink || item.search || item.hosted) return;
    if (item.custom) {
      const piece = item.input!.push(args);
      if (!piece) return;
      item.streamedInput += piece;
      this.emit(
        "response.custom_tool_call_input.delta",
        `{"type":"response.custom_tool_call_input.delta","sequence_number":${this.seq},"item_id":"${item.id}","output_index":${item.index},"call_id":${JSON.stringify(item.callId)},"delta":${JSON.stringify(piece)}}`,
      );
      return;
    }
    this.emit(
      "response.function_call_arguments.delta",
      `{"type":"response.function_call_arguments.delta","sequence_number":${this.seq},"item_id":"${item.id}","output_index":${item.index},"delta":${JSON.stringify(args)}}`,
    );
  }

  /** A native custom tool call: its input arrives as raw text, streamed as it comes. */
  private toolCallInput(upstreamIndex: number, id: string | null, name: string | null, input: string) {
    let cur = this.current;
    if (!(cur?.kind === "call" && cur.upstreamIndex === upstreamIndex)) {
      if (this.closedCalls.has(upstreamIndex)) return;
      this.openCall(upstreamIndex, id, name ?? "unknown_tool", "");
      cur = this.current as CallItem;
      if (!cur.custom) {
        // Declared as a function (or not at all): the raw text becomes its one string argument.
        cur.rawInput = true;
      }
    }
    const item = cur as CallItem;
    item.rawInput = true;
    if (input === "") return;
    item.args += input;
    item.streamedInput += input;
    if (!this.o.sink || !item.custom) return;
    this.emit(
      "response.custom_tool_call_input.delta",
      `{"type":"response.custom_tool_call_input.delta","sequence_number":${this.seq},"item_id":"${item.id}","output_index":${item.index},"call_id":${JSON.stringify(item.callId)},"delta":${JSON.stringify(input)}}`,
    );
  }

  /** A finished server-side item (the provider's own web search): added and done at once. */
  private hostedItem(hosted: { type: "web_search_call"; status: string; action?: unknown }) {
    this.flushSplitter();
    this.closeCurrent();
    this.closeHeld();
    const index = this.itemCount++;
    const id = this.nextId("ws");
    const status = ["in_progress", "searching", "completed", "incomplete", "failed"].includes(hosted.status) ? hosted.status : "completed";
    const clean = providerSearchAction(hosted.action);
    const action = clean ? { action: clean } : {};
    this.sawContent = true;
    this.emitItemAdded(index, { id, type: "web_search_call", status: "in_progress", ...action } as OutputItem);
    this.emitItemDone(index, { id, type: "web_search_call", status, ...action } as OutputItem);
  }

  private closeHeld() {
    if (!this.held) return;
    const held = this.held;
    this.held = null;
    this.addDiagnostic({ code: "tool_call_without_name", path: "upstream.tool_calls", action: "degraded", message: `The provider sent tool call ${held.upstreamIndex} without a name; passed on as 'unknown_tool'.` });
    this.openCall(held.upstreamIndex, held.id, "unknown_tool", held.args);
    this.closeCurrent();
  }

  private flushSplitter() {
    if (!this.splitter) return;
    for (const seg of this.splitter.end()) seg.kind === "reasoning" ? this.reasoning(seg.text) : this.text(seg.text);
  }

  private closeCurrent() {
    const item = this.current;
    if (!item) return;
    this.current = null;
    if (item.kind === "reasoning") return this.closeReasoning(item);
    if (item.kind === "message") return this.closeMessage(item);
    return this.closeCall(item);
  }

  private closeReasoning(item: ReasoningItem) {
    const text = JSON.stringify(item.text);
    this.emitIfStreaming(
      "response.reasoning_summary_text.done",
      () => `{"type":"response.reasoning_summary_text.done","sequence_number":${this.seq},"item_id":"${item.id}","output_index":${item.index},"summary_index":0,"text":${text}}`,
    );
    this.emitIfStreaming(
      "response.reasoning_summary_part.done",
      () => `{"type":"response.reasoning_summary_part.done","sequence_number":${this.seq},"item_id":"${item.id}","output_index":${item.index},"summary_index":0,"part":{"type":"summary_text","text":${text}}}`,
    );
    if (this.o.exposeRawReasoning) {
      this.emitIfStreaming(
        "response.reasoning_text.done",
        () => `{"type":"response.reasoning_text.done","sequence_number":${this.seq},"item_id":"${item.id}","output_index":${item.index},"content_index":0,"text":${text}}`,
      );
    }
    // Key order is the wire order: id, type, summary, [content], [encrypted_content], status.
    const done: OutputReasoning = {
      id: item.id,
      type: "reasoning",
      summary: [{ type: "summary_text", text: item.text }],
      ...(this.o.exposeRawReasoning ? { content: [{ type: "reasoning_text", text: item.text }] } : {}),
      ...(this.o.includeEncrypted ? { encrypted_content: this.sealReasoning(item.text) } : {}),
      status: this.closingStatus,
    };
    if (!this.o.includeEncrypted) this.sealedForHistory.set(item.id, this.sealReasoning(item.text));
    this.emitItemDone(item.index, done);
  }

  private sealReasoning(reasoning: string): string {
    const rawPrefix = this.o.keepRawPrefix && this.splitter ? this.splitter.rawPrefix : undefined;
    return this.o.carrier.seal({ provider: this.o.carrierName, reasoning, rawPrefix });
  }

  private closeMessage(item: MessageItem) {
    const text = JSON.stringify(item.text);
    const annotations = citationsIn(item.text, this.citations);
    annotations.forEach((a, i) =>
      this.emitIfStreaming(
        "response.output_text.annotation.added",
        () => `{"type":"response.output_text.annotation.added","sequence_number":${this.seq},"item_id":"${item.id}","output_index":${item.index},"content_index":0,"annotation_index":${i},"annotation":${JSON.stringify(a)}}`,
      ),
    );
    const annotationsJson = JSON.stringify(annotations);
    this.emitIfStreaming(
      "response.output_text.done",
      () => `{"type":"response.output_text.done","sequence_number":${this.seq},"item_id":"${item.id}","output_index":${item.index},"content_index":0,"text":${text},"logprobs":[]}`,
    );
    this.emitIfStreaming(
      "response.content_part.done",
      () => `{"type":"response.content_part.done","sequence_number":${this.seq},"item_id":"${item.id}","output_index":${item.index},"content_index":0,"part":{"type":"output_text","text":${text},"annotations":${annotationsJson},"logprobs":[]}}`,
    );
    this.emitItemDone(item.index, {
      id: item.id,
      type: "message",
      status: this.closingStatus,
      role: "assistant",
      content: [{ type: "output_text", text: item.text, annotations, logprobs: [] }],
    });
  }

  private closeCall(item: CallItem) {
    this.closedCalls.add(item.upstreamIndex);
    if (item.hosted) {
      // Stays open: the search runs at the end of the step (searchStarted / searchDone).
      this.pending.push({ itemId: "", index: -1, callId: item.callId, arguments: item.args });
      return;
    }
    const argsValid = item.rawInput || isJson(item.args);
    if (!argsValid && item.args !== "") {
      this.addDiagnostic({ code: "tool_arguments_invalid", path: `output[${item.index}]`, action: "degraded", message: `The provider's arguments for '${item.name}' are not valid JSON (truncated?); passed on unchanged.` });
    }
    if (item.search) {
      // Codex reads tool_search_call.arguments as an object and runs the search itself.
      const parsed: unknown = argsValid ? JSON.parse(item.args) : {};
      const args = parsed && typeof parsed === "object" && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : {};
      return this.emitItemDone(item.index, { id: item.id, type: "tool_search_call", status: this.closingStatus, call_id: item.callId, execution: "client", arguments: args });
    }
    if (item.rawInput && !item.custom) {
      // A raw-input call for a tool the client declared as a function: wrap it as its one argument.
      item.args = JSON.stringify({ input: item.streamedInput });
    }
    if (item.custom) {
      const input = item.rawInput ? item.streamedInput : customInput(item.args, item.streamedInput);
      this.emitIfStreaming(
        "response.custom_tool_call_input.done",
        () => `{"type":"response.custom_tool_call_input.done","sequence_number":${this.seq},"item_id":"${item.id}","output_index":${item.index},"call_id":${JSON.stringify(item.callId)},"input":${JSON.stringify(input)}}`,
      );
      const namespace = item.namespace ? { namespace: item.namespace } : {};
      return this.emitItemDone(item.index, { id: item.id, type: "custom_tool_call", status: this.closingStatus, call_id: item.callId, name: item.name, input, ...namespace });
    }
    const args = item.args === "" ? "{}" : item.args;
    this.emitIfStreaming(
      "response.function_call_arguments.done",
      () => `{"type":"response.function_call_arguments.done","sequence_number":${this.seq},"item_id":"${item.id}","output_index":${item.index},"name":${JSON.stringify(item.name)},"arguments":${JSON.stringify(args)}}`,
    );
    const namespace = item.namespace ? { namespace: item.namespace } : {};
    this.emitItemDone(item.index, { id: item.id, type: "function_call", status: this.closingStatus, call_id: item.callId, name: item.name, arguments: args, ...namespace });
  }

  private finalizeUsage() {
    if (this.state.usage) return;
    const empty: Usage = {
      input_tokens: 0,
      input_tokens_details: { cached_tokens: 0 },
      output_tokens: 0,
      output_tokens_details: { reasoning_tokens: 0 },
      total_tokens: 0,
    };
    this.state.usage = empty;
    if (this.state.status !== "failed") {
      this.addDiagnostic({ code: "usage_unavailable", path: "usage", action: "degraded", message: "The provider reported no token usage; zeros were returned." });
    }
  }

  // ---- emission ----

  /** An item GodeX made whole (a compaction summary): added and done at once, after any open item. */
  addItem(make: (id: string) => OutputItem) {
    this.closeCurrent();
    const item = make(this.nextId("cmp"));
    const index = this.itemCount++;
    this.sawContent = true;
    this.emitItemAdded(index, item);
    this.emitItemDone(index, item);
  }

  private nextId(prefix: string): string {
    return `${prefix}_${this.o.idBase}${this.itemCount}`;
  }

  private emitItemAdded(index: number, item: OutputItem) {
    this.emitIfStreaming(
      "response.output_item.added",
      () => `{"type":"response.output_item.added","sequence_number":${this.seq},"output_index":${index},"item":${JSON.stringify(item)}}`,
    );
  }

  private emitItemDone(index: number, item: OutputItem) {
    // Items end in output-index order, except a web search that ran after later items closed.
    let at = this.outputIndexes.length;
    while (at > 0 && this.outputIndexes[at - 1]! > index) at--;
    this.outputIndexes.splice(at, 0, index);
    this.state.output.splice(at, 0, item);
    if (!this.o.sink) return;
    const json = JSON.stringify(item);
    this.outputJson.splice(at, 0, json);
    this.emit("response.output_item.done", `{"type":"response.output_item.done","sequence_number":${this.seq},"output_index":${index},"item":${json}}`);
  }

  private emitResponse(type: string) {
    if (!this.o.sink) return;
    this.serializer ??= new ResponseSerializer(this.o.echo, this.o.alias);
    this.emit(type, `{"type":${JSON.stringify(type)},"sequence_number":${this.seq},"response":${this.serializer.json(this.state, this.outputJson)}}`);
  }

  private emitIfStreaming(type: string, json: () => string) {
    if (this.o.sink) this.emit(type, json());
  }

  private emit(type: string, json: string) {
    this.seq++;
    this.o.sink!(type, json);
  }
}

function addUsage(a: Usage, b: Usage): Usage {
  return {
    input_tokens: a.input_tokens + b.input_tokens,
    input_tokens_details: { cached_tokens: a.input_tokens_details.cached_tokens + b.input_tokens_details.cached_tokens },
    output_tokens: a.output_tokens + b.output_tokens,
    output_tokens_details: { reasoning_tokens: a.output_tokens_details.reasoning_tokens + b.output_tokens_details.reasoning_tokens },
    total_tokens: a.total_tokens + b.total_tokens,
  };
}

/**
 * The action of a provider-run search in the Responses vocabulary (search, open_page, find), keeping
 * only the fields that vocabulary has; anything else is left out rather than passed on unchecked.
 */
function providerSearchAction(raw: unknown): Record<string, unknown> | undefined {
  if (!raw || typeof raw !== "object") return undefined;
  const a = raw as Record<string, unknown>;
  const str = (v: unknown) => (typeof v === "string" ? v : undefined);
  if (a.type === "search") {
    const query = str(a.query) ?? (Array.isArray(a.queries) ? a.queries.filter((q) => typeof q === "string").join(" ") : "");
    const urls = Array.isArray(a.sources) ? a.sources.map((x) => str((x as { url?: unknown } | null)?.url)).filter((u): u is string => !!u) : [];
    return urls.length > 0 ? { type: "search", query, sources: urls.map((url) => ({ type: "url", url })) } : { type: "search", query };
  }
  if (a.type === "open_page") return str(a.url) ? { type: "open_page", url: a.url } : { type: "open_page" };
  if (a.type === "find" && str(a.url) && str(a.pattern)) return { type: "find", url: a.url, pattern: a.pattern };
  return undefined;
}

/** The query of a web_search call's arguments ("" when unreadable). */
export function searchQuery(args: string): string {
  try {
    const v = JSON.parse(args) as { query?: unknown; queries?: unknown };
    if (typeof v.query === "string") return v.query.trim();
    if (Array.isArray(v.queries) && typeof v.queries[0] === "string") return v.queries[0].trim();
  } catch {
    /* fall through */
  }
  return "";
}

/** One url_citation per cited result URL occurrence in the text (first occurrence of each URL). */
function citationsIn(text: string, sources: CitationSource[]): UrlCitation[] {
  const out: UrlCitation[] = [];
  for (const s of sources) {
    const bare = s.url.replace(/\/+$/, "");
    const at = text.indexOf(bare);
    if (at < 0) continue;
    let end = at + bare.length;
    if (text[end] === "/" && s.url.endsWith("/")) end++;
    out.push({ type: "url_citation", start_index: at, end_index: end, url: s.url, title: s.title });
  }
  return out.sort((a, b) => a.start_index - b.start_index);
}

function isJson(s: string): boolean {
  if (s === "") return false;
  try {
    JSON.parse(s);
    return true;
  } catch {
    return false;
  }
}

/** The freeform input from `{"input": "…"}` arguments; raw text when the model sent no JSON. */
function customInput(args: string, streamed: string): string {
  try {
    const parsed = JSON.parse(args);
    if (parsed && typeof parsed === "object" && typeof parsed.input === "string") return parsed.input;
    if (typeof parsed === "string") return parsed;
  } catch {
    /* fall through */
  }
  if (streamed) return streamed;
  return args;
}
