// `generate: false` (WebSocket mode): the client warms the connection up with its tools and
// instructions; GodeX answers with a completed response that has no output and calls no provider.
// Its id can be continued with previous_response_id like any other.
import type { Diagnostic, Usage } from "../protocol/types.ts";
import type { OutputItem, ResponseObject } from "../generated/responses-output.ts";
import { newBuilder, prepare, responseIdentity, type RunOptions, type StreamOut, type Target } from "./run.ts";

const NO_USAGE: Usage = { input_tokens: 0, input_tokens_details: { cached_tokens: 0 }, output_tokens: 0, output_tokens_details: { reasoning_tokens: 0 }, total_tokens: 0 };

export async function serveWarmup(run: RunOptions, target: Target, out: StreamOut | null): Promise<{ response: ResponseObject; diagnostics: Diagnostic[] }> {
  return serveMade(run, target, out, [], NO_USAGE);
}

/**
 * A response whose output GodeX made itself (no provider stream): the warm-up's empty output, or
 * the compaction item of Codex's remote compaction. Same events, ids and terminal event as any other.
 */
export async function serveMade(run: RunOptions, target: Target, out: StreamOut | null, items: ((id: string) => OutputItem)[], usage: Usage): Promise<{ response: ResponseObject; diagnostics: Diagnostic[] }> {
  // Translated all the same: a request the provider would refuse is refused now, not on the next turn.
  const prepared = await prepare(run, target, out !== null);
  const builder = newBuilder(run, responseIdentity(run), target, prepared, out ? (type, json) => out.event(type, json) : undefined);
  out?.begin(builder.snapshot().godex.diagnostics);
  builder.start();
  for (const make of items) builder.addItem(make);
  builder.push({ kind: "usage", usage });
  builder.complete({ status: "completed" });
  out?.end();
  return { response: builder.snapshot(), diagnostics: builder.summary().diagnostics };
}
