// The one state machine that turns provider-neutral deltas into the Responses event sequence.
// It owns item ids, ordering (one item at a time: added → deltas → done), sequence numbers,
// tool-call assembly, usage and the single terminal event. It knows nothing about providers.
import type { CanonicalDelta, Diagnostic, FinishOutcome, UpstreamFailure, Usage } from "../../protocol/types.ts";
import type { ToolRegistry } from "../request/tools.ts";
import type { ReasoningCarrier } from "../reasoning-carrier.ts";
import { JsonStringFieldStream } from "./json-field-stream.ts";
import { ThinkSplitter } from "./think-splitter.ts";
import { responseObject, ResponseSerializer, type ResponseEcho, type ResponseState } from "./response-object.ts";
import type { OutputItem, OutputReasoning, ResponseObject } from "../../generated/responses-output.ts";

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
  namespace?: string;
  name: string;
  args: string;
  input?: JsonStringFieldStream;
  streamedInput: string;
  /** The input arrives raw (a native custom tool call), not as `{"input": …}` arguments. */
  rawInput?: boolean;
}
type OpenItem = ReasoningItem | MessageItem | CallItem;

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
  private readonly splitter: ThinkSplitter | null;
  private finishReason: string | null = null;
  /** Serialized output items (stream mode), reused by the terminal event. */
  private readonly outputJson: string[] = [];
  private serializer: ResponseSerializer | null = null;
  /** Status given to items closed from now on ("incomplete" when the response ends incomplete). */
  private closingStatus: "completed" | "incomplete" = "completed";
  private ended = false;
  private sawContent = false;

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
        this.state.usage = d.usage;
        return;
      case "finish":
        this.finishReason = d.reason;
        return;
      case "error":
        return; // classified and ended by the runner (needs the async error rules)
    }
  }

  addDiagnostic(d: Diagnostic) {
    this.state.diagnostics.push(d);
  }

  /** Closes open items and emits the terminal event for a finish outcome. */
  complete(outcome: FinishOutcome) {
    if (this.ended) return;
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
    };
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
    const item: CallItem = {
      kind: "call",
      id: this.nextId(custom ? "ctc" : search ? "tsc" : "fc"),
      index: this.itemCount++,
      upstreamIndex,
      callId: id || `call_${this.o.idBase}${this.itemCount}`,
      flatName,
      custom,
      search,
      namespace: info?.namespace,
      name: info?.name ?? flatName,
      args: "",
      input: custom ? new JsonStringFieldStream("input") : undefined,
      streamedInput: "",
    };
    this.current = item;
    this.sawContent = true;
    const namespace = item.namespace ? { namespace: item.namespace } : {};
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
    // The Responses stream has no argument events for a tool search: its arguments arrive whole in done.
    if (!this.o.sink || item.search) return;
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
    const action = hosted.action && typeof hosted.action === "object" ? { action: hosted.action as Record<string, unknown> } : {};
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
    this.emitItemDone(item.index, done);
  }

  private sealReasoning(reasoning: string): string {
    const rawPrefix = this.o.keepRawPrefix && this.splitter ? this.splitter.rawPrefix : undefined;
    return this.o.carrier.seal({ provider: this.o.carrierName, reasoning, rawPrefix });
  }

  private closeMessage(item: MessageItem) {
    const text = JSON.stringify(item.text);
    this.emitIfStreaming(
      "response.output_text.done",
      () => `{"type":"response.output_text.done","sequence_number":${this.seq},"item_id":"${item.id}","output_index":${item.index},"content_index":0,"text":${text},"logprobs":[]}`,
    );
    this.emitIfStreaming(
      "response.content_part.done",
      () => `{"type":"response.content_part.done","sequence_number":${this.seq},"item_id":"${item.id}","output_index":${item.index},"content_index":0,"part":{"type":"output_text","text":${text},"annotations":[],"logprobs":[]}}`,
    );
    this.emitItemDone(item.index, {
      id: item.id,
      type: "message",
      status: this.closingStatus,
      role: "assistant",
      content: [{ type: "output_text", text: item.text, annotations: [], logprobs: [] }],
    });
  }

  private closeCall(item: CallItem) {
    this.closedCalls.add(item.upstreamIndex);
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
    this.state.output.push(item);
    if (!this.o.sink) return;
    const json = JSON.stringify(item);
    this.outputJson.push(json);
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
