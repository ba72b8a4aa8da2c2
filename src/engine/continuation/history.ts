// previous_response_id: a continuation names an earlier response and sends only the new items.
// GodeX keeps what each response leaves behind (the items the model saw, then its output) and
// rebuilds the full history before translating, so the provider still gets the whole conversation.
// Where the history is kept (per WebSocket connection, or the response store) is the transport's
// business: it hands serveResponse a `Continuations`.
import { ClientError } from "../../protocol/types.ts";
import type { InputItem, ResponsesRequest } from "../../protocol/request.ts";
import type { OutputItem, ResponseObject } from "../../generated/responses-output.ts";

/** The conversation a response leaves behind: every item the model saw, then its output, as input items. */
export interface History {
  items: readonly InputItem[];
  /**
   * Serialized size of `items` (what the bounds count). Only a keeper reads it (a WebSocket
   * connection's cache), so histories made here count it on first read: serializing a 1 MB
   * history only to learn its size cost more per request than the whole translation.
   */
  readonly bytes: number;
}

/** A response that finished (completed or incomplete), as a continuation store keeps it. */
export interface FinishedResponse {
  id: string;
  /** The request as the client sent it (new items only, previous_response_id kept). */
  request: ResponsesRequest;
  /** The request's own input items (a string input becomes one user message). */
  input: InputItem[];
  /** The history up to and including this response's output. */
  history: History;
  /** The output as a continuation replays it (reasoning sealed). */
  output: OutputItem[];
  /** The Response object as the client received it. */
  response: ResponseObject;
}

/** Where continuations come from and go to, for one transport (a WebSocket connection, the store). */
export interface Continuations {
  /** The history `id` left behind; null when unknown (never seen, expired, evicted, elsewhere). */
  find(id: string): Promise<History | null> | History | null;
  /** A response finished: keep it (when the request asks for that) for later continuations. */
  remember(r: FinishedResponse): Promise<void> | void;
  /** A continuation of `id` failed: forget it (connection-local state is not trusted after a failure). */
  forget(id: string): Promise<void> | void;
}

export function notFound(id: string): ClientError {
  return new ClientError(400, "invalid_request_error", "previous_response_not_found", `Previous response with id '${id}' not found.`, "previous_response_id");
}

/** The request's own input as items. */
export function ownInput(req: ResponsesRequest): InputItem[] {
  if (typeof req.input === "string") return [{ type: "message", role: "user", content: req.input } as InputItem];
  return (req.input ?? []) as InputItem[];
}

export function sizeOf(items: readonly unknown[]): number {
  let n = 2;
  for (const item of items) n += Buffer.byteLength(JSON.stringify(item)) + 1;
  return n;
}

/**
 * The request with `input` replaced by the whole conversation (previous history + new items).
 * A tool output whose call is nowhere in the conversation fails here: the continuation is broken.
 */
export function continueFrom(req: ResponsesRequest, prev: History | null): { request: ResponsesRequest; history: History } {
  const own = ownInput(req);
  const items = prev ? [...prev.items, ...own] : own;
  if (prev) checkToolOutputs(own, items);
  return { request: prev ? { ...req, input: items } : req, history: new ExtendedHistory(items, prev, own) };
}

/** The history after a response: what the model saw, then its output. */
export function afterResponse(seen: History, output: OutputItem[]): History {
  const items = [...seen.items, ...(output as unknown as InputItem[])];
  return new ExtendedHistory(items, seen, output);
}

/** `base`'s items followed by `added`: its size is base's plus added's, counted once, when first read. */
class ExtendedHistory implements History {
  private size: number | undefined;
  constructor(
    readonly items: readonly InputItem[],
    private base: History | null,
    private added: readonly unknown[] | null,
  ) {}

  get bytes(): number {
    if (this.size === undefined) {
      this.size = (this.base ? this.base.bytes : 2) + sizeOf(this.added ?? []) - 2;
      this.base = null; // counted: the size no longer needs them
      this.added = null;
    }
    return this.size;
  }
}

const CALLS = new Set(["function_call", "custom_tool_call", "tool_search_call", "local_shell_call", "computer_call"]);
const OUTPUTS = new Set(["function_call_output", "custom_tool_call_output", "tool_search_output", "local_shell_call_output", "computer_call_output"]);

function checkToolOutputs(own: InputItem[], all: readonly InputItem[]) {
  const calls = new Set<string>();
  for (const item of all) {
    const it = item as { type?: string; call_id?: unknown };
    if (it.type && CALLS.has(it.type) && typeof it.call_id === "string") calls.add(it.call_id);
  }
  own.forEach((item, i) => {
    const it = item as { type?: string; call_id?: unknown };
    if (!it.type || !OUTPUTS.has(it.type) || typeof it.call_id !== "string") return;
    if (!calls.has(it.call_id)) {
      throw new ClientError(400, "invalid_request_error", "tool_call_not_found", `No tool call found for ${it.type} with call_id '${it.call_id}' in the previous response or this input.`, `input[${i}].call_id`);
    }
  });
}
