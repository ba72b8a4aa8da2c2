// A client that stops reading must not make GodeX buffer the whole answer: GodeX stops reading the
// upstream until the client catches up (without mistaking its own pause for an idle provider), and
// the stream still ends well-formed when it does.
import { request as httpRequest } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseFrames, requestBody, startRig, streamProblems, chunk, DONE, type Rig } from "./helpers.ts";

let rig: Rig;
beforeAll(async () => {
  rig = await startRig({ providers: ["deepseek"] });
});
afterAll(async () => {
  await rig.close();
});

describe("backpressure", () => {
  it("pauses the upstream while the client does not read, then completes", async () => {
    // ~4 MB of text deltas: far beyond the socket buffers, so a client that does not read congests GodeX.
    const piece = "x".repeat(1000);
    const frames = Array.from({ length: 4000 }, () => chunk({ content: piece }));
    rig.mocks.deepseek!.enqueue("deepseek", { sse: frames.join("") + chunk({ content: "" }, "stop") + DONE });
    const body = JSON.stringify(requestBody(rig.model("deepseek"), true));
    const { url } = rig;
    const text = await new Promise<string>((resolve, reject) => {
      const req = httpRequest(`${url}/v1/responses`, { method: "POST", headers: { "content-type": "application/json" } }, (res) => {
        res.pause(); // the client stops reading for a while
        const parts: Buffer[] = [];
        // The pause (500 ms) outlasts the rig's idle timeout (300 ms): GodeX stops reading the upstream
        // while the client is congested, and that silence must not be taken for a dead provider.
        setTimeout(() => {
          res.on("data", (c: Buffer) => parts.push(c));
          res.on("end", () => resolve(Buffer.concat(parts).toString("utf8")));
          res.resume();
        }, 500);
      });
      req.on("error", reject);
      req.end(body);
    });
    const parsed = parseFrames(text);
    expect(streamProblems(parsed)).toEqual([]);
    expect(parsed.at(-1)!.event).toBe("response.completed");
    const done = parsed.find((f) => f.event === "response.output_text.done")!;
    expect((done.data as { text: string }).text.length).toBe(4000 * 1000);
  }, 30_000);
});
