// A history's byte count (what a WebSocket connection's cache bounds) is counted on first read, and is
// exactly what counting every item at once gave.
import { describe, expect, it } from "vitest";
import { afterResponse, continueFrom, sizeOf, type History } from "../../src/engine/continuation/history.ts";
import type { ResponsesRequest } from "../../src/protocol/request.ts";
import type { OutputItem } from "../../src/generated/responses-output.ts";

const req = (input: ResponsesRequest["input"], prev?: string) => ({ model: "m", input, ...(prev ? { previous_response_id: prev } : {}) }) as ResponsesRequest;
const eager = (items: readonly unknown[]) => sizeOf(items);

describe("History bytes", () => {
  it("counts the own input, a continuation and the output as the whole items would", () => {
    const first = continueFrom(req("Hello — ✓"), null);
    expect(first.history.bytes).toBe(eager(first.history.items));
    const out = [{ type: "message", role: "assistant", id: "msg_1", status: "completed", content: [{ type: "output_text", text: "Hi é", annotations: [] }] }] as unknown as OutputItem[];
    const after = afterResponse(first.history, out);
    expect(after.bytes).toBe(eager(after.items));
    const next = continueFrom(req([{ type: "message", role: "user", content: "more 😀" }], "resp_1"), after);
    const kept = afterResponse(next.history, out);
    expect(kept.bytes).toBe(eager(kept.items));
    expect(next.history.bytes).toBe(eager(next.history.items));
  });

  it("does not serialize the input until the count is read", () => {
    let reads = 0;
    const item = { type: "message", role: "user", content: "x", toJSON() { reads++; return { type: "message", role: "user", content: "x" }; } };
    const c = continueFrom(req([item] as unknown as ResponsesRequest["input"]), null);
    const after = afterResponse(c.history, []);
    expect(reads).toBe(0);
    const h: History = after;
    expect(h.bytes).toBe(eager([{ type: "message", role: "user", content: "x" }]));
    expect(reads).toBe(1);
    expect(h.bytes).toBe(h.bytes); // counted once
    expect(reads).toBe(1);
  });
});
