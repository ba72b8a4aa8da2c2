// Reads an upstream SSE body: comments and blank lines are skipped, `[DONE]` is reported, each
// data payload is parsed as JSON. One parser for every provider.
import { createParser } from "eventsource-parser";

export type SseItem = { kind: "json"; value: unknown } | { kind: "done" } | { kind: "bad"; data: string };

/** Yields parsed SSE payloads; a non-JSON payload is reported as `bad`, never thrown. */
export async function* readSse(body: AsyncIterable<Uint8Array>, onActivity?: () => void): AsyncGenerator<SseItem[]> {
  const decoder = new TextDecoder();
  let batch: SseItem[] = [];
  const parser = createParser({
    onEvent(ev) {
      const data = ev.data;
      if (data === "[DONE]") batch.push({ kind: "done" });
      else if (data.trim() !== "") {
        try {
          batch.push({ kind: "json", value: JSON.parse(data) });
        } catch {
          batch.push({ kind: "bad", data });
        }
      }
    },
  });
  for await (const chunk of body) {
    onActivity?.();
    parser.feed(decoder.decode(chunk, { stream: true }));
    if (batch.length > 0) {
      const out = batch;
      batch = [];
      yield out;
    }
  }
  parser.feed(decoder.decode() + "\n\n");
  if (batch.length > 0) yield batch;
}
