// Stored responses (store: true): what a response leaves behind, kept for previous_response_id over
// HTTP, GET /v1/responses/{id}, its input items, and DELETE. One row per response: its own input
// items, its output as a continuation replays it (reasoning sealed, exactly as encrypted_content
// carries it), the Response object the client got, and the id it continued. A continuation's
// history is the chain of rows up to the first response. This is not the usage ledger: it keeps
// items, bounded by age and total size, and nothing else reads it.
import type { InputItem } from "../protocol/request.ts";
import type { ResponseObject } from "../generated/responses-output.ts";
import type { Continuations, FinishedResponse, History } from "../engine/continuation/history.ts";

export interface StoredRow {
  id: string;
  previousId: string | null;
  createdAt: number;
  expiresAt: number;
  bytes: number;
  input: string;
  output: string;
  response: string;
}

export interface ResponseStore {
  put(r: FinishedResponse): Promise<void>;
  /** The Response object, or null when unknown or expired. */
  get(id: string): Promise<ResponseObject | null>;
  /** The response's own input items (with ids), or null when unknown or expired. */
  inputItems(id: string): Promise<InputItem[] | null>;
  /** The whole conversation the response leaves (its chain of rows), or null when any link is gone. */
  history(id: string): Promise<History | null>;
  /** True when it existed. */
  delete(id: string): Promise<boolean>;
  close(): Promise<void>;
}

export interface StoreLimits {
  retentionMs: number;
  maxBytes: number;
}

/** The row for a finished response; input items get stable ids so input_items can list them. */
export function toRow(r: FinishedResponse, limits: StoreLimits, now = Date.now()): StoredRow {
  const hex = r.id.replace(/^resp_/, "");
  const input = r.input.map((item, i) => ((item as { id?: unknown }).id ? item : ({ id: `in_${hex}_${i}`, ...item } as InputItem)));
  const inputJson = JSON.stringify(input);
  const outputJson = JSON.stringify(r.output);
  const responseJson = JSON.stringify(r.response);
  return {
    id: r.id,
    previousId: r.request.previous_response_id ?? null,
    createdAt: now,
    expiresAt: now + limits.retentionMs,
    bytes: inputJson.length + outputJson.length + responseJson.length,
    input: inputJson,
    output: outputJson,
    response: responseJson,
  };
}

/** Rows from the newest back to the first response → the conversation, oldest first. */
export function historyOf(chain: { id: string; previousId: string | null; input: string; output: string }[], id: string): History | null {
  if (chain.length === 0 || chain[0].id !== id) return null;
  // Every link must be there: a chain with an expired or deleted ancestor cannot be rebuilt.
  for (let i = 0; i < chain.length - 1; i++) if (chain[i].previousId !== chain[i + 1].id) return null;
  if (chain[chain.length - 1].previousId !== null) return null;
  const items: InputItem[] = [];
  let bytes = 2;
  for (let i = chain.length - 1; i >= 0; i--) {
    for (const part of [chain[i].input, chain[i].output]) {
      const parsed = JSON.parse(part) as InputItem[];
      items.push(...parsed);
      bytes += part.length - 2;
    }
  }
  return { items, bytes };
}

/** The store as a continuation source for serveResponse: keeps store:true responses, never forgets on failure. */
export function storeContinuations(store: ResponseStore): Continuations {
  return {
    find: (id) => store.history(id),
    remember: (r) => (r.request.store === false ? undefined : store.put(r)),
    forget: () => undefined,
  };
}
