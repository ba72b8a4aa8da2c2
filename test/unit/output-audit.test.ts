// The suite-wide output audit (test/setup/output-audit.ts) really looks at what a server sends on
// /v1/responses: a bad Response, a bad event and a gzip-coded body are all seen.
import { createServer, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { auditSettled, auditState } from "../setup/output-audit.ts";

let server: Server;
let url = "";
let reply: (res: import("node:http").ServerResponse) => void = () => {};

beforeAll(async () => {
  server = createServer((_req, res) => reply(res));
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

function hit(path = "/v1/responses"): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = request(`${url}${path}`, { method: "POST" }, (res) => {
      res.resume();
      res.on("end", resolve);
    });
    req.on("error", reject);
    req.end("{}");
  });
}

/** Runs `send`, returns the violations it caused and removes them (so this file's afterAll passes). */
async function violationsOf(send: typeof reply, path?: string): Promise<string[]> {
  const state = auditState();
  const before = state.violations.length;
  const audited = state.audited;
  reply = send;
  await hit(path);
  await auditSettled();
  expect(auditState().audited).toBeGreaterThan(audited);
  return state.violations.splice(before);
}

describe("output audit", () => {
  it("flags a Response whose temperature is null and an event with a string sequence_number", async () => {
    const bad = await violationsOf((res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ object: "response", temperature: null }));
    });
    expect(bad.join("\n")).toContain("/temperature");
    const badEvent = await violationsOf((res) => {
      res.writeHead(200, { "content-type": "text/event-stream" });
      res.write(`event: response.output_text.delta\ndata: ${JSON.stringify({ type: "response.output_text.delta", sequence_number: "3" })}\n\n`);
      res.end();
    });
    expect(badEvent.join("\n")).toContain("event response.output_text.delta");
  });

  it("decodes gzip bodies, accepts a valid error envelope, ignores other routes", async () => {
    const ok = await violationsOf((res) => {
      res.writeHead(400, { "content-type": "application/json", "content-encoding": "gzip" });
      res.end(gzipSync(JSON.stringify({ error: { message: "m", type: "invalid_request_error", code: null, param: null } })));
    });
    expect(ok).toEqual([]);
    const before = auditState().audited;
    reply = (res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end("{}");
    };
    await hit("/deepseek/chat/completions");
    expect(auditState().audited).toBe(before);
  });
});
