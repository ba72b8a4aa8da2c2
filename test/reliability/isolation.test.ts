// One request's failure never affects another, and shutdown drains in-flight streams for a bounded
// grace period (startGateway().close(graceMs), what `godex serve` runs on SIGTERM).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  DONE,
  chunk,
  clientAgent,
  completionJson,
  endlessStream,
  get,
  outcomeOf,
  post,
  requestBody,
  startRawUpstream,
  startRig,
  streamThenAbort,
  usageChunk,
  waitFor,
  type RawUpstream,
  type Rig,
} from "./helpers.ts";

afterAll(async () => {
  await clientAgent.close();
});

/** Upstream replies that are garbage in different ways, chosen by the request's user text. */
const GARBAGE: Record<string, (res: import("node:http").ServerResponse) => void> = {
  binary: (res) => {
    res.writeHead(200, { "content-type": "text/event-stream" });
    res.end(Buffer.from([0xff, 0xfe, 0x00, 0x0a, 0x0a, 0x64, 0x61, 0x74, 0x61, 0x3a, 0x20, 0xc3, 0x28, 0x0a, 0x0a]));
  },
  "bad-json-body": (res) => {
    res.writeHead(200, { "content-type": "application/json" });
    res.end('{"choices": [');
  },
  "weird-shapes": (res) => {
    res.writeHead(200, { "content-type": "text/event-stream" });
    res.end('data: null\n\ndata: []\n\ndata: "str"\n\ndata: {"choices": 7}\n\ndata: {"choices": [{"delta": {"tool_calls": "nope"}}]}\n\ndata: {"choices": [{"delta": {"tool_calls": [{"index": "x", "function": {"arguments": 5}}]}}]}\n\n' + DONE);
  },
  "html-502": (res) => {
    res.writeHead(502, { "content-type": "text/html" });
    res.end("<html><body>Bad Gateway</body></html>");
  },
  "no-content-type": (res) => {
    res.writeHead(200);
    res.end("hello?");
  },
  "cut-headers": (res) => {
    res.socket?.end("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n5\r\ndata:");
  },
  "huge-line": (res) => {
    res.writeHead(200, { "content-type": "text/event-stream" });
    res.end("data: " + "x".repeat(2_000_000) + "\n\n" + chunk({ content: "ok" }, "stop") + usageChunk() + DONE);
  },
};

describe("isolation", () => {
  let rig: Rig;
  let raw: RawUpstream;
  beforeAll(async () => {
    raw = await startRawUpstream((req, res, rec) => {
      const kind = Object.keys(GARBAGE).find((k) => rec.body.includes(`garbage:${k}`));
      if (kind) GARBAGE[kind]!(res);
      else if (rec.body.includes("json-completion")) {
        res.writeHead(200, { "content-type": "application/json" });
        res.end(JSON.stringify(completionJson({ content: "Hi." })));
      } else endlessStream(res, 20, 300);
    });
    rig = await startRig({ providers: ["deepseek"], extraProviders: { raw: { spec: "deepseek", base_url: raw.url, retry: { max_attempts: 1 } } } });
  });
  afterAll(async () => {
    await rig.close();
    await raw.close();
  });

  it("garbage upstream replies, concurrent with good requests: each garbage one ends well-formed, every good one completes", async () => {
    const garbage = Object.keys(GARBAGE).flatMap((k) => [true, false].map((stream) => ({ k, stream })));
    const good = Array.from({ length: 12 }, (_, i) => i % 2 === 0);
    const [bad, ok] = await Promise.all([
      Promise.all(garbage.map(async ({ k, stream }) => ({ k, stream, o: outcomeOf(await post(rig.url, { ...requestBody("raw/deepseek-v4-pro", stream), input: `garbage:${k}` })) }))),
      Promise.all(good.map(async (stream) => outcomeOf(await post(rig.url, requestBody(rig.model("deepseek"), stream))))),
    ]);
    for (const { k, stream, o } of bad) {
      expect(o.problems, `${k} stream=${stream}: ${o.summary}`).toEqual([]);
      expect(o.summary, `${k} stream=${stream}`).toMatch(/^(SSE (failed|completed|incomplete)|HTTP (502|504) server_error|HTTP 200 completed)/);
      expect(o.status, k).toBeLessThan(503);
    }
    for (const o of ok) {
      expect(o.problems).toEqual([]);
      expect(o.summary).toMatch(/^(SSE|HTTP 200) completed$/);
    }
    expect((await get(rig.url, "/health")).status).toBe(200);
  });

  it("an exception inside GodeX for one request (a broken mapping) leaves concurrent requests untouched", async () => {
    const provider = rig.gw.runtime.providers.get("raw")!;
    const original = provider.mapping;
    // A private copy, so the deepseek provider (same compiled mapping) is unaffected.
    provider.mapping = { ...original, readChunk: () => { throw new Error("injected bug in readChunk"); }, readResponse: () => { throw new Error("injected bug in readResponse"); } };
    try {
      const [broken, brokenJson, ...ok] = await Promise.all([
        post(rig.url, requestBody("raw/deepseek-v4-pro", true)).then(outcomeOf),
        post(rig.url, { ...requestBody("raw/deepseek-v4-pro", false), input: "json-completion" }).then(outcomeOf),
        ...Array.from({ length: 6 }, (_, i) => post(rig.url, requestBody(rig.model("deepseek"), i % 2 === 0)).then(outcomeOf)),
      ]);
      expect(broken.problems).toEqual([]);
      expect(broken.summary).toMatch(/^SSE (failed:server_error|completed)$/);
      expect(brokenJson.summary).toBe("HTTP 502 server_error");
      expect(brokenJson.problems).toEqual([]);
      expect(brokenJson.message).toMatch(/injected bug in readResponse/);
      for (const o of ok) expect(o.summary).toMatch(/^(SSE|HTTP 200) completed$/);
    } finally {
      provider.mapping = original;
    }
    expect(outcomeOf(await post(rig.url, requestBody(rig.model("deepseek"), true))).summary).toBe("SSE completed");
  });
});

describe("drain on shutdown (close(graceMs))", () => {
  let raw: RawUpstream;
  let chunks = 8;
  beforeAll(async () => {
    raw = await startRawUpstream((_req, res) => {
      if (chunks < 0) return endlessStream(res, 50);
      res.writeHead(200, { "content-type": "text/event-stream" });
      res.write(chunk({ role: "assistant", content: "" }));
      let i = 0;
      const t = setInterval(() => {
        if (res.destroyed) return clearInterval(t);
        if (i++ < chunks) return void res.write(chunk({ content: `part${i} ` }));
        clearInterval(t);
        res.end(chunk({}, "stop") + usageChunk() + DONE);
      }, 50);
    });
  });
  afterAll(async () => {
    await raw.close();
  });

  async function streamingRig() {
    return startRig({ providers: ["deepseek"], extraProviders: { raw: { spec: "deepseek", base_url: raw.url } } });
  }

  it("an in-flight stream finishes within the grace period; new connections are refused; close resolves once it is done", async () => {
    chunks = 8; // ~450 ms
    const rig = await streamingRig();
    try {
      const inflight = post(rig.url, requestBody("raw/deepseek-v4-pro", true)).then(outcomeOf);
      expect(await waitFor(() => raw.requests.length > 0 && raw.requests.at(-1)!.endedAt === null, 1000)).toBe(true);
      await new Promise((r) => setTimeout(r, 100));
      const started = Date.now();
      const closed = rig.gw.close(5000).then(() => Date.now() - started);
      await new Promise((r) => setTimeout(r, 20));
      const refused = await post(rig.url, requestBody("raw/deepseek-v4-pro", true), { timeoutMs: 2000 }).then(
        () => "answered",
        (e: Error & { code?: string }) => e.code ?? e.message,
      );
      expect(refused).toMatch(/ECONNREFUSED|UND_ERR_SOCKET|other side closed/);
      const o = await inflight;
      expect(o.summary).toBe("SSE completed");
      expect(o.problems).toEqual([]);
      expect(o.response.output[0].content[0].text).toMatch(/part8 $/);
      const closeMs = await closed;
      expect(closeMs).toBeLessThan(2000); // did not wait out the whole grace period
    } finally {
      await rig.close();
    }
  });

  it("a stream still running when the grace period ends is cut, and its upstream call aborted", async () => {
    chunks = -1; // endless
    const rig = await streamingRig();
    try {
      const before = raw.requests.length;
      const inflight = post(rig.url, requestBody("raw/deepseek-v4-pro", true)).then(
        (r) => r.text,
        (e: Error) => `error: ${e.message}`,
      );
      expect(await waitFor(() => raw.requests.length > before, 1000)).toBe(true);
      const started = Date.now();
      await rig.gw.close(300);
      const took = Date.now() - started;
      expect(took).toBeGreaterThanOrEqual(250);
      expect(took).toBeLessThan(1500);
      const text = await inflight;
      expect(text).not.toMatch(/response\.completed/);
      expect(await waitFor(() => raw.requests[before]!.closedEarlyAt !== null, 1000)).toBe(true);
    } finally {
      await rig.close();
    }
  });

  it("idle keep-alive client connections do not hold shutdown up", async () => {
    chunks = 1;
    const rig = await streamingRig();
    try {
      // Leaves a keep-alive connection in the client pool.
      expect(outcomeOf(await post(rig.url, requestBody("raw/deepseek-v4-pro", true))).summary).toBe("SSE completed");
      await streamThenAbort(rig.url, requestBody("raw/deepseek-v4-pro", true), 2).catch(() => 0);
      const started = Date.now();
      await rig.gw.close(5000);
      expect(Date.now() - started).toBeLessThan(1000);
    } finally {
      await rig.close();
    }
  });
});
