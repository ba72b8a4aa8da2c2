// A minimal DeepSeek-shaped Chat Completions upstream with a fixed reply, for benchmarking.
// Byte shapes follow shared/research/providers.md §1.5/§1.6 (thinking mode, stream_options.include_usage):
// a role chunk with reasoning_content "", N reasoning chunks, M text chunks, one final chunk with
// finish_reason + usage, then `data: [DONE]`. Every frame is rendered once at start-up, so the
// per-request work is: read the body, look for `"stream":true`, write pre-built bytes.
//
// Routes (the first path segment picks the reply; GodeX appends /chat/completions to base_url):
//   POST /fast/chat/completions  4 reasoning + 20 text deltas, one frame per event-loop turn (no delay)
//   POST /big/chat/completions   5,000 small text deltas, 10 frames per turn, honouring back-pressure
//   POST /slow/chat/completions  the fast reply with 50 ms between frames (overlapping streams)
//   GET  /__stats                request counts, bytes received, most concurrent streams, last body size
//
// Run as a child process: `node --import tsx bench/lib/upstream.ts [port]` prints `{"port":N}` on stdout.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { pathToFileURL } from "node:url";

export const REASONING_PIECES = ["Thinking", " about", " the", " greeting."];
export const TEXT_PIECES = [
  "Hello", "!", " How", " can", " I", " help", " you", " with", " your", " code",
  " today", "?", " I", " can", " read", ",", " edit", " and", " run", " things.",
];
/** Appears first in the first reasoning delta, nowhere before it: the client's time-to-first-delta marker. */
export const FIRST_DELTA_MARKER = REASONING_PIECES[0]!;
export const BIG_DELTAS = 5000;

const ID = "8f5c0c1e-2b1a-4c55-9a57-6d1f3f0b9e21";
const CREATED = 1795499643;
const MODEL = "deepseek-v4-pro";
const FP = "fp_9954b31ca7_prod0820_fp8_kvcache_20260402";

function usageFor(completion: number, reasoning: number) {
  const prompt = 12;
  return {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: prompt + completion,
    prompt_tokens_details: { cached_tokens: 0 },
    completion_tokens_details: { reasoning_tokens: reasoning },
    prompt_cache_hit_tokens: 0,
    prompt_cache_miss_tokens: prompt,
  };
}

function chunk(delta: object, finish: string | null = null, usage: object | null = null): string {
  return `data: ${JSON.stringify({
    id: ID,
    object: "chat.completion.chunk",
    created: CREATED,
    model: MODEL,
    system_fingerprint: FP,
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
    usage,
  })}\n\n`;
}

/** Frames of one streamed reply (thinking mode, include_usage). */
export function streamFrames(reasoning: string[], text: string[]): Buffer[] {
  const frames = [chunk({ role: "assistant", content: null, reasoning_content: "" })];
  for (const r of reasoning) frames.push(chunk({ content: null, reasoning_content: r }));
  for (const t of text) frames.push(chunk({ content: t, reasoning_content: null }));
  frames.push(chunk({ content: "", reasoning_content: null }, "stop", usageFor(reasoning.length + text.length, reasoning.length)));
  frames.push("data: [DONE]\n\n");
  return frames.map((f) => Buffer.from(f, "utf8"));
}

export function jsonReply(reasoning: string[], text: string[]): Buffer {
  return Buffer.from(
    JSON.stringify({
      id: ID,
      object: "chat.completion",
      created: CREATED,
      model: MODEL,
      choices: [
        {
          index: 0,
          message: { role: "assistant", content: text.join(""), reasoning_content: reasoning.join("") },
          logprobs: null,
          finish_reason: "stop",
        },
      ],
      usage: usageFor(reasoning.length + text.length, reasoning.length),
      system_fingerprint: FP,
    }),
    "utf8",
  );
}

interface Route {
  frames: Buffer[];
  json: Buffer;
  framesPerTurn: number;
  delayMs: number;
}

const bigText = Array.from({ length: BIG_DELTAS }, (_, i) => (i === 0 ? "Start" : ` w${i % 1000}`));
const ROUTES: Record<string, Route> = {
  fast: { frames: streamFrames(REASONING_PIECES, TEXT_PIECES), json: jsonReply(REASONING_PIECES, TEXT_PIECES), framesPerTurn: 1, delayMs: 0 },
  big: { frames: streamFrames([], bigText), json: jsonReply([], bigText), framesPerTurn: 10, delayMs: 0 },
  slow: { frames: streamFrames(REASONING_PIECES, TEXT_PIECES), json: jsonReply(REASONING_PIECES, TEXT_PIECES), framesPerTurn: 1, delayMs: 50 },
};

const SSE_HEADERS = { "content-type": "text/event-stream", "cache-control": "no-cache" };
const JSON_HEADERS = { "content-type": "application/json" };
const STREAM_TRUE = Buffer.from('"stream":true');

export interface UpstreamStats {
  requests: Record<string, number>;
  bytesIn: number;
  lastBodyBytes: number;
  activeStreams: number;
  maxActiveStreams: number;
}

export interface FixedUpstream {
  port: number;
  stats: UpstreamStats;
  close(): Promise<void>;
}

function writeStream(res: ServerResponse, route: Route, stats: UpstreamStats): void {
  res.writeHead(200, SSE_HEADERS);
  stats.activeStreams++;
  if (stats.activeStreams > stats.maxActiveStreams) stats.maxActiveStreams = stats.activeStreams;
  let i = 0;
  let done = false;
  const finish = () => {
    if (done) return;
    done = true;
    stats.activeStreams--;
  };
  res.on("close", finish);
  const step = (): void => {
    if (res.destroyed) return finish();
    let ok = true;
    for (let n = 0; n < route.framesPerTurn && i < route.frames.length; n++) ok = res.write(route.frames[i++]!);
    if (i >= route.frames.length) {
      res.end();
      return finish();
    }
    if (route.delayMs > 0) setTimeout(step, route.delayMs);
    else if (!ok) res.once("drain", step);
    else setImmediate(step);
  };
  step();
}

export function startFixedUpstream(port = 0, host = "127.0.0.1"): Promise<FixedUpstream> {
  const stats: UpstreamStats = { requests: {}, bytesIn: 0, lastBodyBytes: 0, activeStreams: 0, maxActiveStreams: 0 };
  const sockets = new Set<Socket>();
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = req.url ?? "/";
    if (req.method === "GET" && url === "/__stats") {
      res.writeHead(200, JSON_HEADERS);
      res.end(JSON.stringify(stats));
      return;
    }
    const slash = url.indexOf("/", 1);
    const name = url.slice(1, slash < 0 ? undefined : slash);
    const route = ROUTES[name];
    let size = 0;
    let stream = false;
    let tail: Buffer | null = null;
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (!stream) {
        const hay: Buffer = tail ? Buffer.concat([tail, c]) : c;
        stream = hay.indexOf(STREAM_TRUE) >= 0;
        tail = hay.subarray(Math.max(0, hay.length - STREAM_TRUE.length + 1));
      }
    });
    req.on("end", () => {
      stats.bytesIn += size;
      stats.lastBodyBytes = size;
      if (!route || req.method !== "POST" || !url.endsWith("/chat/completions")) {
        res.writeHead(404, JSON_HEADERS);
        res.end('{"error":{"message":"Not Found","type":"invalid_request_error","param":null,"code":"invalid_request_error"}}');
        return;
      }
      stats.requests[name] = (stats.requests[name] ?? 0) + 1;
      if (stream) writeStream(res, route, stats);
      else {
        res.writeHead(200, JSON_HEADERS);
        res.end(route.json);
      }
    });
  });
  server.keepAliveTimeout = 65_000;
  server.on("connection", (s: Socket) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      resolve({
        port: (server.address() as AddressInfo).port,
        stats,
        close: () =>
          new Promise<void>((r) => {
            server.close(() => r());
            for (const s of sockets) s.destroy();
          }),
      });
    });
  });
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const up = await startFixedUpstream(Number(process.argv[2] ?? 0));
  process.stdout.write(`${JSON.stringify({ port: up.port })}\n`);
  const stop = () => void up.close().then(() => process.exit(0));
  process.once("SIGTERM", stop);
  process.once("SIGINT", stop);
}
