// Generic HTTP host for the offline provider emulators: routes `/<provider>/...` to a dialect,
// records every request, plays scripted replies first, and closes without leaking sockets.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { DIALECTS } from "./dialects.ts";
import { handleSearch } from "./search.ts";
import { splitFrames } from "./sse.ts";
import type { Dialect, DialectResponse, RecordedRequest, ScriptedReply } from "./types.ts";

export type { RecordedRequest, ScriptedReply } from "./types.ts";

export interface MockUpstreamsOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Expected API key per provider; `""` accepts any key. Default `mock-<provider>-key`. */
  keys?: Record<string, string>;
  /** Pause between SSE frames of emulated streams (default 0); `serve --mock` uses a little for realism. */
  chunkDelayMs?: number;
  /** Emulators whose account has the paid web-search plugin activated (MiMo: else its web_search tool is a 400); "all": every one. */
  searchPlugin?: string[] | "all";
}

export interface MockUpstreams {
  /** e.g. http://127.0.0.1:PORT */
  readonly url: string;
  /** Base URL a gateway should use for `provider`, e.g. http://127.0.0.1:PORT/deepseek */
  baseUrl(provider: string): string;
  /** Base URL of the SearXNG-shaped search emulator (web_search.endpoint.base_url). */
  readonly searchUrl: string;
  /** Every request received, oldest first. */
  readonly requests: RecordedRequest[];
  /** Empties `requests` (in place) and drops pending scripted replies. */
  clear(): void;
  /** Queue replies for the next POSTs to `provider`; they take precedence over the emulator. */
  enqueue(provider: string, ...replies: ScriptedReply[]): void;
  /** Called with each request once it is recorded, before it is answered (tests change the world there). */
  onRequest?: (r: RecordedRequest) => void;
  /** Sockets currently open (0 after close()). */
  readonly openSockets: number;
  close(): Promise<void>;
}

const SSE_HEADERS = { "content-type": "text/event-stream", "cache-control": "no-cache" };

/** Resolves after `ms`, or early when the response closes (so closing never waits on timers). */
function pause(ms: number, res: ServerResponse): Promise<void> {
  if (res.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      res.off("close", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    res.on("close", done);
  });
}

async function writeFrames(res: ServerResponse, frames: string[], delayMs: number): Promise<void> {
  for (const [i, frame] of frames.entries()) {
    if (res.destroyed) return;
    if (i > 0) await (delayMs > 0 ? pause(delayMs, res) : new Promise<void>((r) => setImmediate(r)));
    if (res.destroyed) return;
    res.write(frame);
  }
  res.end();
}

async function writeDialect(res: ServerResponse, reply: DialectResponse, delayMs: number): Promise<void> {
  res.writeHead(reply.status, reply.headers);
  if ("body" in reply) res.end(reply.body);
  else await writeFrames(res, reply.events, delayMs);
}

/** Sends the first half of a reply, then kills the connection once those bytes are flushed. */
function cutMidStream(req: IncomingMessage, res: ServerResponse, reply: DialectResponse): void {
  res.writeHead(reply.status, reply.headers);
  const text = "body" in reply ? reply.body : reply.events.slice(0, Math.max(1, Math.floor(reply.events.length / 2))).join("");
  const part = "body" in reply ? text.slice(0, Math.floor(text.length / 2)) : text;
  res.write(part, () => req.socket.destroy());
}

async function playScripted(req: IncomingMessage, res: ServerResponse, s: ScriptedReply, emulate: () => DialectResponse): Promise<void> {
  if ("json" in s) {
    res.writeHead(s.status, { "content-type": "application/json", ...s.headers });
    res.end(JSON.stringify(s.json));
  } else if ("sse" in s) {
    res.writeHead(s.status ?? 200, { ...SSE_HEADERS, ...s.headers });
    await writeFrames(res, s.chunkDelayMs ? splitFrames(s.sse) : [s.sse], s.chunkDelayMs ?? 0);
  } else if ("hangMs" in s) {
    res.writeHead(200, SSE_HEADERS);
    res.flushHeaders();
    await pause(s.hangMs, res);
    if (!res.destroyed) res.end();
  } else if (s.destroy === "before-headers") {
    req.socket.destroy();
  } else {
    cutMidStream(req, res, emulate());
  }
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

function parseJson(raw: string): unknown {
  try {
    return raw ? JSON.parse(raw) : undefined;
  } catch {
    return undefined;
  }
}

export async function startMockUpstreams(opts: MockUpstreamsOptions = {}): Promise<MockUpstreams> {
  const host = opts.host ?? "127.0.0.1";
  const delayMs = opts.chunkDelayMs ?? 0;
  const requests: RecordedRequest[] = [];
  const queues = new Map<string, ScriptedReply[]>();
  const sockets = new Set<Socket>();
  const dialects = new Map<string, Dialect>(Object.entries(DIALECTS).map(([name, spec]) => [name, spec.create()]));
  const expectedKey = (p: string): string => opts.keys?.[p] ?? DIALECTS[p]!.defaultKey;

  async function onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://mock");
    const [, provider = "", ...rest] = url.pathname.split("/");
    const dialect = dialects.get(provider);
    const rawBody = await readBody(req);
    const method = req.method ?? "GET";
    if (provider === "searxng") {
      requests.push({ provider, method, path: req.url ?? "/", headers: req.headers, body: undefined, rawBody });
      const searchUrl = new URL(`/${rest.join("/")}${url.search}`, "http://mock");
      // A recorded backend reply (golden chains) answers instead of the emulator.
      const recorded = queues.get(provider)?.shift();
      if (recorded && "json" in recorded) {
        res.writeHead(recorded.status, { "content-type": "application/json", ...recorded.headers });
        res.end(JSON.stringify(recorded.json));
        return;
      }
      const r = handleSearch(method, searchUrl);
      if (r.delayMs) await pause(r.delayMs, res);
      if (res.destroyed) return;
      res.writeHead(r.status, { "content-type": r.status === 200 ? "application/json" : "text/html" });
      res.end(r.body);
      return;
    }
    if (!dialect) {
      res.writeHead(404, { "content-type": "application/json" });
      res.end(JSON.stringify({ error: { message: `No mock provider at /${provider}; known: ${[...dialects.keys()].join(", ")}` } }));
      return;
    }
    const record: RecordedRequest = { provider, method, path: req.url ?? "/", headers: req.headers, body: parseJson(rawBody), rawBody };
    requests.push(record);
    api.onRequest?.(record);
    const emulate = (): DialectResponse => {
      const reply = dialect.handle({ method, path: `/${rest.join("/")}`, headers: req.headers, rawBody, expectedKey: expectedKey(provider), searchPlugin: opts.searchPlugin === "all" || (opts.searchPlugin?.includes(provider) ?? false) });
      record.status = reply.status;
      return reply;
    };
    const scripted = method === "POST" ? queues.get(provider)?.shift() : undefined;
    if (scripted) {
      record.scripted = true;
      if ("json" in scripted) record.status = scripted.status;
      else if ("sse" in scripted) record.status = scripted.status ?? 200;
      else if ("hangMs" in scripted) record.status = 200;
      await playScripted(req, res, scripted, emulate);
    }
    else await writeDialect(res, emulate(), delayMs);
  }

  const server = createServer((req, res) => {
    onRequest(req, res).catch((err: unknown) => {
      // A bug in an emulator must surface as a 500, not hang the client.
      if (!res.headersSent) res.writeHead(500, { "content-type": "application/json" });
      res.end(JSON.stringify({ error: { message: `mock upstream crashed: ${String(err)}` } }));
    });
  });
  server.on("connection", (s: Socket) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port ?? 0, host, () => resolve());
  });

  const { port } = server.address() as AddressInfo;
  const shownHost = host === "0.0.0.0" || host === "::" ? "127.0.0.1" : host.includes(":") ? `[${host}]` : host;
  const url = `http://${shownHost}:${port}`;
  let closing: Promise<void> | undefined;

  /** Resolves only once every socket has really closed, so callers can assert on leaks. */
  async function shutdown(): Promise<void> {
    const gone = [...sockets].map((s) => new Promise<void>((r) => (s.closed ? r() : s.once("close", () => r()))));
    const stopped = new Promise<void>((r) => server.close(() => r()));
    for (const s of sockets) s.destroy();
    await Promise.all([stopped, ...gone]);
  }

  const api: MockUpstreams = {
    url,
    baseUrl(provider: string): string {
      if (!DIALECTS[provider] && provider !== "searxng") throw new Error(`unknown mock provider "${provider}"`);
      return `${url}/${provider}${DIALECTS[provider]?.basePath ?? ""}`;
    },
    searchUrl: `${url}/searxng`,
    requests,
    clear(): void {
      requests.length = 0;
      queues.clear();
    },
    enqueue(provider: string, ...replies: ScriptedReply[]): void {
      if (!DIALECTS[provider] && provider !== "searxng") throw new Error(`unknown mock provider "${provider}"`);
      queues.set(provider, [...(queues.get(provider) ?? []), ...replies]);
    },
    get openSockets(): number {
      return sockets.size;
    },
    close(): Promise<void> {
      closing ??= shutdown();
      return closing;
    },
  };
  return api;
}
