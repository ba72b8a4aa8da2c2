// One reader per upstream wire, behind the same small interface, so the run (and the one state
// machine behind it) never asks which wire it is on: Chat chunks or native Responses events in,
// canonical deltas out; finish reasons and error bodies classified by that wire's rules.
import type { CanonicalDelta, FinishOutcome } from "../protocol/types.ts";
import type { Wire } from "../mapping/compile.ts";
import type { FlatName } from "../mapping/readers/responses.ts";
import type { CallTarget } from "../upstream/call.ts";
import type { ProviderRuntime } from "./provider-runtime.ts";

export interface WireReader extends CallTarget {
  wire: Wire;
  /** One SSE payload (and its event name) of a streamed reply. */
  readEvent(json: unknown, event: string | undefined, out: CanonicalDelta[]): void;
  finish(reason: string): FinishOutcome;
  /** `<think>` tags inside text carry reasoning (Chat dialects that inline it). */
  thinkTags: boolean;
  /** Keep the raw think block for verbatim replay (Chat pass-back mode content_raw). */
  keepRawPrefix: boolean;
}

export function wireReader(p: ProviderRuntime, wire: Wire, url: string, flat: FlatName | null): WireReader {
  const m = p.mapping;
  if (wire === "responses" && m.responses && flat) {
    const r = m.responses;
    const stream = r.newStreamReader(flat);
    return {
      wire,
      url,
      readEvent: (json, event, out) => stream.read(json, event, out),
      readWhole: (json, out) => r.readResponse(json, flat, out),
      finish: (reason) => r.finish(reason),
      mapError: r.mapError,
      thinkTags: false,
      keepRawPrefix: false,
    };
  }
  return {
    wire: "chat",
    url,
    readEvent: (json, _event, out) => m.readChunk(json, out),
    readWhole: (json, out) => m.readResponse(json, out),
    finish: (reason) => m.finish(reason),
    mapError: m.mapError,
    thinkTags: m.doc.stream.think_tags,
    keepRawPrefix: m.doc.reasoning.passback.mode === "content_raw",
  };
}
