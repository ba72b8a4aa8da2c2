// Reads an upstream SSE body: comments and blank lines are skipped, `[DONE]` is reported, each
// data payload is parsed as JSON. One parser for every provider.
import { createParser } from "eventsource-parser";
import { TransportError } from "./http.ts";

/** `event`: the SSE event name, when the provider sent one (the Responses wire names its events). */
export type SseItem = { kind: "json"; value: unknown; event?: string } | { kind: "done" } | { kind: "bad"; data: string };

/** Largest single SSE event (characters) GodeX buffers; a provider sending more is cut off. */
export const MAX_SSE_EVENT_CHARS = 32 * 1024 * 1024;

/**
 * Yields parsed SSE payloads; a non-JSON payload is reported as `bad`, never thrown. An event that
 * never ends (no blank line within MAX_SSE_EVENT_CHARS) throws a TransportError instead of
 * buffering without bound.
 */
export async function* readSse(body: AsyncIterable<Uint8Array>, onActivity?: () => void, maxEventChars = MAX_SSE_EVENT_CHARS): AsyncGenerator<SseItem[]> {
  const decoder = new TextDecoder();
  let batch: SseItem[] = [];
  let overflow = false;
  const parser = createParser({
    maxBufferSize: maxEventChars,
    onEvent(ev) {
      const data = ev.data;
      if (data === "[DONE]") batch.push({ kind: "done" });
      else if (data.trim() !== "") {
        try {
          batch.push(ev.event ? { kind: "json", value: JSON.parse(data), event: ev.event } : { kind: "json", value: JSON.parse(data) });
        } catch {
          batch.push({ kind: "bad", data });
        }
      }
    },
    onError(err) {
      if ((err as { type?: string }).type === "max-buffer-size-exceeded") overflow = true;
    },
  });
  const limit = maxEventChars >= 1048576 ? `${Math.round(maxEventChars / 1048576)} MB` : `${maxEventChars} characters`;
  const tooBig = () => new TransportError("network", `the provider sent an SSE event larger than ${limit} without ending it`);
  for await (const chunk of body) {
    onActivity?.();
    try {
      parser.feed(decoder.decode(chunk, { stream: true }));
    } catch (err) {
      if (overflow) throw tooBig();
      throw err;
    }
    if (overflow) throw tooBig();
    if (batch.length > 0) {
      const out = batch;
      batch = [];
      yield out;
    }
  }
  parser.feed(decoder.decode() + "\n\n");
  if (batch.length > 0) yield batch;
}
