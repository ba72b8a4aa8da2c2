// The events of one tick leave in one write (whole frames, in order); congestion checks and the end
// write what is pending first, so nothing is held back or reordered.
import { EventEmitter } from "node:events";
import type { ServerResponse } from "node:http";
import { describe, expect, it } from "vitest";
import { sseOut } from "../../src/server/sse.ts";

function fakeResponse(needDrain = false) {
  const writes: string[] = [];
  const res = Object.assign(new EventEmitter(), {
    writableEnded: false,
    destroyed: false,
    writableNeedDrain: needDrain,
    socket: null,
    writeHead: () => undefined,
    write: (s: string) => (writes.push(s), true),
    end: () => {
      res.writableEnded = true;
    },
  });
  return { res: res as unknown as ServerResponse & { writableEnded: boolean }, writes };
}

const tick = () => new Promise((r) => process.nextTick(r));

describe("sseOut", () => {
  it("writes the frames of one tick once, in order", async () => {
    const { res, writes } = fakeResponse();
    const out = sseOut(res, "req_1");
    out.begin([], {});
    out.event("a", '{"n":1}');
    out.event("b", '{"n":2}');
    out.event("c", '{"n":3}');
    expect(writes).toEqual([]);
    await tick();
    expect(writes).toEqual(['event: a\ndata: {"n":1}\n\nevent: b\ndata: {"n":2}\n\nevent: c\ndata: {"n":3}\n\n']);
    out.event("d", "{}");
    await tick();
    expect(writes).toHaveLength(2);
    expect(writes[1]).toBe("event: d\ndata: {}\n\n");
  });

  it("a congestion check writes what is pending first; end writes the rest before ending", async () => {
    const { res, writes } = fakeResponse(true);
    const out = sseOut(res, "req_2");
    out.event("a", "1");
    const wait = out.congested!();
    expect(writes).toEqual(["event: a\ndata: 1\n\n"]);
    expect(wait).toBeInstanceOf(Promise);
    res.emit("drain");
    await wait;
    out.event("b", "2");
    out.end();
    expect(writes).toEqual(["event: a\ndata: 1\n\n", "event: b\ndata: 2\n\n"]);
    expect(res.writableEnded).toBe(true);
    await tick();
    expect(writes).toHaveLength(2);
  });
});
