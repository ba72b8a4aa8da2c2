// Content-coding (Codex 0.171 sends `Accept-Encoding: zstd,gzip`): non-streamed JSON replies are
// gzip-coded for a client that asks, never for one that does not, and SSE streams are never coded
// nor held back. Raw node:http requests, so nothing decodes behind the test's back.
import { request } from "node:http";
import { readFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ALIAS, startStack, type Stack } from "../e2e/helpers.ts";
import { projectPath } from "../../src/util/paths.ts";

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await stack?.close();
});
beforeEach(() => stack.mock.clear());

interface Raw {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  /** Arrival time (ms since the request) of each body chunk with its text. */
  chunks: { at: number; text: string }[];
}

function post(path: string, body: unknown, headers: Record<string, string> = {}, method = "POST"): Promise<Raw> {
  const url = new URL(path, stack.gatewayUrl);
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers: { "content-type": "application/json", ...headers } }, (res) => {
      const parts: Buffer[] = [];
      const chunks: Raw["chunks"] = [];
      res.on("data", (c: Buffer) => {
        parts.push(c);
        chunks.push({ at: Date.now() - started, text: c.toString("latin1") });
      });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(parts), chunks }));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

const ask = { model: ALIAS, input: "say hi", reasoning: { effort: "none" } };

describe("Accept-Encoding on non-streamed replies", () => {
  it("Codex's 'zstd,gzip': a gzip-coded Response (Node 20's zlib has no zstd), length and Vary right", async () => {
    const r = await post("/v1/responses", ask, { "accept-encoding": "zstd,gzip" });
    expect(r.status).toBe(200);
    expect(r.headers["content-encoding"]).toBe("gzip");
    expect(r.headers.vary).toMatch(/accept-encoding/i);
    expect(Number(r.headers["content-length"])).toBe(r.body.length);
    const json = JSON.parse(gunzipSync(r.body).toString("utf8"));
    expect(json.object).toBe("response");
    expect(json.output.at(-1).content[0].text).toBe("You said: say hi");
  });

  it("no Accept-Encoding, identity, gzip;q=0 or only codings GodeX lacks: plain JSON", async () => {
    const variants: Record<string, string>[] = [{}, { "accept-encoding": "identity" }, { "accept-encoding": "gzip;q=0, identity" }, { "accept-encoding": "zstd" }, { "accept-encoding": "br" }];
    for (const headers of variants) {
      const r = await post("/v1/responses", ask, headers);
      expect(r.headers["content-encoding"], JSON.stringify(headers)).toBeUndefined();
      expect(JSON.parse(r.body.toString("utf8")).object).toBe("response");
    }
  });

  it("errors and /v1/models are coded the same way", async () => {
    const bad = await post("/v1/responses", { model: ALIAS }, { "accept-encoding": "gzip" });
    expect(bad.status).toBe(400);
    expect(bad.headers["content-encoding"]).toBe("gzip");
    expect(JSON.parse(gunzipSync(bad.body).toString("utf8")).error.type).toBe("invalid_request_error");
    const models = await post("/v1/models", undefined, { "accept-encoding": "gzip, deflate" }, "GET");
    expect(models.headers["content-encoding"]).toBe("gzip");
    expect(JSON.parse(gunzipSync(models.body).toString("utf8")).object).toBe("list");
  });
});

describe("SSE is never coded and never buffered", () => {
  it("a stream asked with 'zstd,gzip' is plain text/event-stream, each event sent as the provider produces it", async () => {
    const sse = readFileSync(projectPath("test", "golden", "deepseek", "text-stream", "upstream-reply.sse"), "utf8");
    stack.mock.enqueue("deepseek", { sse, chunkDelayMs: 250 });
    const r = await post("/v1/responses", { ...ask, stream: true }, { "accept-encoding": "zstd,gzip" });
    expect(r.status).toBe(200);
    expect(r.headers["content-encoding"]).toBeUndefined();
    expect(r.headers["content-type"]).toMatch(/^text\/event-stream/);
    const text = r.body.toString("utf8");
    expect(text.startsWith("event: response.created\n")).toBe(true);
    const firstDelta = r.chunks.find((c) => c.text.includes("response.output_text.delta"))!;
    const completed = r.chunks.find((c) => c.text.includes("event: response.completed"))!;
    // The upstream spreads its 6 frames over ~1.25 s: the first words reach the client long before the end.
    expect(completed.at - firstDelta.at).toBeGreaterThan(500);
    expect(r.chunks.length).toBeGreaterThan(3);
  });
});
