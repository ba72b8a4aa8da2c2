// WebSocket backpressure: a client that sends response.create and then never reads. GodeX stops
// reading the provider once its send buffer is full (the provider's own writes block), and after
// server.websocket.stall_timeout_ms it drops the connection and aborts the upstream request: nothing
// grows without bound and nothing hangs. The upstream is a tiny chat-completions server that would
// stream 64 MB if it were read; the emulators' replies are too short to fill any buffer.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfigFromObject } from "../../src/config/load.ts";
import { startGateway, type RunningGateway } from "../../src/server/start.ts";
import { WsClient } from "./ws-helpers.ts";

const OFFERED = 64 * 1024 * 1024;
const STALL_MS = 1000;

let upstream: Server;
let gateway: RunningGateway;
let dir: string;
/** What the flood upstream managed to write, and whether GodeX hung up on it before the end. */
const flood = { written: 0, aborted: false, finished: false, requests: 0 };

function chunk(content: string): string {
  return `data: ${JSON.stringify({ id: "chatcmpl-flood", object: "chat.completion.chunk", created: 1, model: "deepseek-v4-flash", choices: [{ index: 0, delta: { content }, logprobs: null, finish_reason: null }] })}\n\n`;
}

beforeAll(async () => {
  upstream = createServer((req, res) => {
    flood.requests++;
    req.resume();
    res.writeHead(200, { "content-type": "text/event-stream" });
    res.on("close", () => {
      if (!res.writableFinished) flood.aborted = true;
    });
    const piece = chunk("x".repeat(16 * 1024));
    const pump = () => {
      while (flood.written < OFFERED && !res.destroyed) {
        flood.written += piece.length;
        if (!res.write(piece)) return void res.once("drain", pump);
      }
      if (!res.destroyed) {
        flood.finished = true;
        res.end("data: [DONE]\n\n");
      }
    };
    pump();
  });
  await new Promise<void>((r) => upstream.listen(0, "127.0.0.1", r));
  dir = mkdtempSync(join(tmpdir(), "godex-ws-bp-"));
  const config = loadConfigFromObject(
    {
      server: { host: "127.0.0.1", port: 0, websocket: { stall_timeout_ms: STALL_MS } },
      models: { aliases: { "gpt-5.5": "deepseek/deepseek-v4-flash" } },
      providers: {
        deepseek: {
          credentials: { api_key: "flood-key" },
          endpoint: { base_url: `http://127.0.0.1:${(upstream.address() as AddressInfo).port}` },
          retry: { max_attempts: 1 },
          timeouts: { idle_ms: 0, total_ms: 0 },
        },
      },
      logging: { level: "silent" },
    },
    {},
  );
  gateway = await startGateway(config, { carrierKeyFile: join(dir, "carrier.key") });
});

afterAll(async () => {
  await gateway?.close();
  await new Promise((r) => upstream?.close(r));
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("WebSocket client that never reads", () => {
  it("pauses the upstream, then drops the connection after stall_timeout_ms and aborts the upstream request", async () => {
    const c = await WsClient.open(gateway.url);
    const socket = (c.ws as unknown as { _socket: { pause(): void } })._socket;
    const started = Date.now();
    c.send({ type: "response.create", model: "gpt-5.5", store: false, input: "flood me" });
    socket.pause();

    for (let i = 0; i < 300 && gateway.sockets.sessions.size > 0; i++) await new Promise((r) => setTimeout(r, 50));
    const droppedAfter = Date.now() - started;
    expect(gateway.sockets.sessions.size).toBe(0);
    // Dropped for stalling, not for anything else: not before the stall timeout, and not much later.
    expect(droppedAfter).toBeGreaterThanOrEqual(STALL_MS);
    expect(droppedAfter).toBeLessThan(STALL_MS + 8_000);
    for (let i = 0; i < 100 && !flood.aborted; i++) await new Promise((r) => setTimeout(r, 50));
    expect(flood.requests).toBe(1);
    expect(flood.aborted).toBe(true);
    expect(flood.finished).toBe(false);
    // GodeX read only what its bounded buffers (1 MB send buffer + socket buffers) could hold.
    expect(flood.written).toBeLessThan(OFFERED / 2);
  }, 30_000);

  it("serves the next connection normally", async () => {
    // The flood upstream would answer with 64 MB; only the upgrade and the error path are checked here.
    const c = await WsClient.open(gateway.url);
    const turn = await c.turn({ type: "response.create", model: "gpt-5.5", store: false, previous_response_id: "resp_gone", input: "hi" });
    expect(turn.last).toMatchObject({ type: "error", status: 400, error: { code: "previous_response_not_found", param: "previous_response_id" } });
    c.close();
  });
});
