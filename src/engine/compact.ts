// POST /v1/responses/compact: the conversation (input, or previous_response_id's history) is
// summarized by the routed model with the configured compaction prompt; the reply is the compacted
// window the spec defines: the user's messages, then one `compaction` item whose encrypted_content
// GodeX sealed. Sent back later in `input`, that item becomes the summary text for the provider.
import { ClientError } from "../protocol/types.ts";
import type { InputItem } from "../protocol/request.ts";
import { randomHex } from "../util/ids.ts";
import type { GatewayRuntime } from "./runtime.ts";
import { serveResponse, type ResponseTransport, type ServeOptions } from "./serve.ts";
import { sealSummary } from "./continuation/compaction.ts";
import type { Continuations } from "./continuation/history.ts";

export interface CompactResult {
  status: number;
  body: unknown;
}

/** The request fields that shape the summary; the rest (stream, store, tools) are GodeX's to set. */
const PASSED = ["model", "input", "instructions", "previous_response_id", "reasoning", "text", "prompt_cache_key", "metadata", "safety_identifier", "user"];

export async function compactConversation(rt: GatewayRuntime, raw: unknown, signal: AbortSignal, o: Pick<ServeOptions, "continuations" | "onInternalError"> = {}): Promise<CompactResult> {
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
    return err(new ClientError(400, "invalid_request_error", "invalid_type", "Invalid request body: expected a JSON object."));
  }
  const body = raw as Record<string, unknown>;
  if (typeof body.model !== "string" || body.model === "") {
    return err(new ClientError(400, "invalid_request_error", "missing_required_parameter", "Missing required parameter: 'model'.", "model"));
  }
  if (body.input !== undefined && body.input !== null && typeof body.input !== "string" && !Array.isArray(body.input)) {
    return err(new ClientError(400, "invalid_request_error", "invalid_type", "Invalid type for 'input': expected a string or an array of input items.", "input"));
  }
  const nothing = body.input === undefined || body.input === null || body.input === "" || (Array.isArray(body.input) && body.input.length === 0);
  if (nothing && (typeof body.previous_response_id !== "string" || body.previous_response_id === "")) {
    return err(new ClientError(400, "invalid_request_error", "missing_required_parameter", "Nothing to compact: send 'input' (the conversation) or 'previous_response_id'.", "input"));
  }
  const request: Record<string, unknown> = {};
  for (const k of PASSED) if (body[k] !== undefined && body[k] !== null) request[k] = body[k];
  const own: InputItem[] = typeof body.input === "string" ? [{ type: "message", role: "user", content: body.input } as InputItem] : Array.isArray(body.input) ? (body.input as InputItem[]) : [];
  request.input = [...own, { type: "message", role: "user", content: rt.config.compaction.prompt }];
  request.stream = false;
  request.store = false;
  request.tools = [];

  let reply: CompactResult | null = null;
  const transport: ResponseTransport = {
    requestId: `req_${randomHex(8)}`,
    signal,
    reply: (status, b) => {
      reply = { status, body: b };
    },
    openStream: () => {
      throw new Error("compaction never streams");
    },
    started: false,
    abandon: () => {},
  };
  // The summary request is a continuation like any other (previous_response_id), but it is not kept.
  // The history it continues is noted: its user messages belong in the compacted window too.
  let earlier: readonly InputItem[] = [];
  const continuations: Continuations | undefined = o.continuations
    ? {
        find: async (id) => {
          const h = await o.continuations!.find(id);
          earlier = h?.items ?? [];
          return h;
        },
        remember: () => {},
        forget: () => {},
      }
    : undefined;
  await serveResponse(rt, request, transport, { continuations, onInternalError: o.onInternalError });
  const got = reply as CompactResult | null;
  if (!got) return err(new ClientError(499, "invalid_request_error", "request_aborted", "The client went away."));
  if (got.status !== 200) return got;
  const response = got.body as { output?: { type: string; content?: { type: string; text?: string }[] }[]; usage?: unknown; created_at?: number };
  const summary = (response.output ?? [])
    .filter((i) => i.type === "message")
    .flatMap((i) => (i.content ?? []).filter((p) => p.type === "output_text").map((p) => p.text ?? ""))
    .join("\n")
    .trim();
  if (summary === "") {
    return err(new ClientError(502, "server_error", "server_error", "The model returned no summary text; the conversation was not compacted. Retry."));
  }
  // The compacted window: the user's messages (as OpenAI keeps them), then the sealed summary.
  const kept = [...earlier, ...own].flatMap((i) => userMessage(i));
  const hex = randomHex(12);
  return {
    status: 200,
    body: {
      id: `cmp_${hex}`,
      object: "response.compaction",
      created_at: response.created_at ?? Math.floor(Date.now() / 1000),
      output: [...kept, { id: `cmp_item_${hex}`, type: "compaction", encrypted_content: sealSummary(rt.carrier, summary), created_by: "godex" }],
      usage: response.usage,
    },
  };
}

/** A user message of the conversation as an output item (id, status, content parts), else nothing. */
function userMessage(item: InputItem): object[] {
  const it = item as { type?: string; role?: string; id?: unknown; content?: unknown };
  if ((it.type !== undefined && it.type !== "message") || it.role !== "user") return [];
  const content = typeof it.content === "string" ? [{ type: "input_text", text: it.content }] : Array.isArray(it.content) ? it.content : [];
  const id = typeof it.id === "string" && it.id !== "" ? it.id : `msg_${randomHex(12)}`;
  return [{ type: "message", id, status: "completed", role: "user", content }];
}

function err(e: ClientError): CompactResult {
  return { status: e.status, body: e.toBody() };
}
