// Who may use GodeX over HTTP (src/server/access.ts): the Host check against DNS rebinding, the
// Origin check with CORS answers, and JSON-only POST bodies against cross-site "simple" requests.
// Against a real listening gateway, so both the raw POST /v1/responses fast path and the Express
// routes are exercised; every refusal is checked to reach no provider.
import { request as httpRequest, createServer, type IncomingHttpHeaders, type Server } from "node:http";
import { connect } from "node:net";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { loadConfigFromObject } from "../../src/config/load.ts";
import type { LoadedConfig } from "../../src/config/types.ts";
import { startMockUpstreams, type MockUpstreams } from "../../src/mock/server.ts";
import { startGateway, type RunningGateway } from "../../src/server/start.ts";
import { createLogger } from "../../src/server/log.ts";
import { accessGuard, accessRefusal, accessRules, describeAccess, hostName, refuseUpgrade, upgradeRefusal } from "../../src/server/access.ts";
import { expectErrorShape } from "./helpers.ts";

const KEY = "sk-access-test-5d1c0b9e8f7a";
const LISTED_ORIGIN = "http://localhost:3000";

let mock: MockUpstreams;
let gw: RunningGateway;
let port: number;
let tmp: string;
const logLines: string[] = [];

function config(server: Record<string, unknown> = {}): LoadedConfig {
  return loadConfigFromObject(
    {
      server: { host: "127.0.0.1", port: 0, allowed_hosts: ["godex.lan", ".proxy.example"], cors: { allowed_origins: [LISTED_ORIGIN, "HTTPS://Chat.Example.com:443"] }, ...server },
      models: { aliases: { "gpt-5.5": "deepseek/deepseek-v4-pro" } },
      providers: { deepseek: { spec: "deepseek", credentials: { api_key: KEY }, endpoint: { base_url: mock.baseUrl("deepseek") }, models: ["deepseek-v4-pro"], retry: { max_attempts: 1 } } },
      logging: { level: "info" },
    },
    {},
  );
}

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), "godex-access-"));
  mock = await startMockUpstreams({ keys: { deepseek: KEY } });
  gw = await startGateway(config(), { carrierKeyFile: join(tmp, "carrier.key"), log: createLogger("info", (l) => logLines.push(l)) });
  port = Number(new URL(gw.url).port);
});

afterAll(async () => {
  await gw?.close();
  await mock?.close();
  rmSync(tmp, { recursive: true, force: true });
});

beforeEach(() => mock.clear());

interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
  json(): any;
}

/** One request with exactly these headers (Host included: fetch would not let us set it). */
function send(method: string, path: string, headers: Record<string, string | undefined> = {}, body?: string): Promise<Reply> {
  const h: Record<string, string> = { host: `127.0.0.1:${port}` };
  for (const [k, v] of Object.entries(headers)) {
    if (v === undefined) delete h[k];
    else h[k] = v;
  }
  if (body !== undefined) h["content-length"] = String(Buffer.byteLength(body));
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: "127.0.0.1", port, method, path, headers: h, agent: false, setHost: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => {
        const text = Buffer.concat(chunks).toString("utf8");
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json: () => JSON.parse(text) });
      });
    });
    req.on("error", reject);
    req.setTimeout(10_000, () => req.destroy(new Error("timed out")));
    req.end(body);
  });
}

const REQUEST = JSON.stringify({ model: "gpt-5.5", input: "hi" });
const postResponses = (headers: Record<string, string | undefined> = {}, path = "/v1/responses") => send("POST", path, { "content-type": "application/json", ...headers }, REQUEST);

/** Every route GodeX serves, as a request a page could make. */
const ROUTES: { name: string; run: (headers: Record<string, string | undefined>) => Promise<Reply>; ok: number }[] = [
  { name: "POST /v1/responses (fast path)", run: (h) => postResponses(h), ok: 200 },
  { name: "POST /responses (fast path)", run: (h) => postResponses(h, "/responses"), ok: 200 },
  { name: "POST /v1/responses?x=1 (fast path)", run: (h) => postResponses(h, "/v1/responses?x=1"), ok: 200 },
  { name: "GET / (status page)", run: (h) => send("GET", "/", h), ok: 200 },
  { name: "GET /status.json", run: (h) => send("GET", "/status.json", h), ok: 200 },
  { name: "GET /metrics", run: (h) => send("GET", "/metrics", h), ok: 200 },
  { name: "GET /health", run: (h) => send("GET", "/health", h), ok: 200 },
  { name: "GET /v1/models", run: (h) => send("GET", "/v1/models", h), ok: 200 },
  { name: "GET /v1/models/gpt-5.5", run: (h) => send("GET", "/v1/models/gpt-5.5", h), ok: 200 },
  { name: "WebSocket upgrade on /v1/responses", run: (h) => send("GET", "/v1/responses", { connection: "Upgrade", upgrade: "websocket", "sec-websocket-version": "13", "sec-websocket-key": "dGhlIHNhbXBsZSBub25jZQ==", ...h }), ok: 426 },
  { name: "GET /nothing-here", run: (h) => send("GET", "/nothing-here", h), ok: 404 },
];

function expectRefused(r: Reply, status: number, code: string, mentions: string) {
  expect(r.status, r.text.slice(0, 300)).toBe(status);
  expect(r.headers["content-type"]).toMatch(/^application\/json/);
  const body = r.json();
  expectErrorShape(body);
  expect(body.error.code).toBe(code);
  expect(body.error.type).toBe("invalid_request_error");
  expect(body.error.message).toContain(mentions);
  expect(r.headers["access-control-allow-origin"]).toBeUndefined();
}

describe("POST bodies must be declared application/json", () => {
  const refused: [string, string | undefined][] = [
    ["text/plain", "text/plain"],
    ["text/plain with charset", "text/plain;charset=UTF-8"],
    ["a form", "application/x-www-form-urlencoded"],
    ["a multipart form", "multipart/form-data; boundary=xyz"],
    ["no content type", undefined],
    ["something JSON-like", "application/jsonx"],
  ];
  for (const [what, ct] of refused) {
    it(`${what} → 415, and the provider sees nothing`, async () => {
      for (const path of ["/v1/responses", "/responses"]) {
        const r = await postResponses({ "content-type": ct }, path);
        expectRefused(r, 415, "unsupported_content_type", "Content-Type: application/json");
        expect(r.json().error.message).toContain(ct === undefined ? "had none" : `'${ct}'`);
      }
      expect(mock.requests).toHaveLength(0);
    });
  }

  it("application/json, with a charset, in any case → served", async () => {
    for (const ct of ["application/json", "application/json; charset=utf-8", "Application/JSON;charset=UTF-8", " application/json "]) {
      const r = await postResponses({ "content-type": ct });
      expect(r.status, `${ct}: ${r.text.slice(0, 200)}`).toBe(200);
      expect(r.json().status).toBe("completed");
    }
    expect(mock.requests).toHaveLength(4);
  });

  it("POSTs to other paths are held to the same rule", async () => {
    expectRefused(await send("POST", "/v1/models", { "content-type": "text/plain" }, "{}"), 415, "unsupported_content_type", "application/json");
    expect((await send("POST", "/v1/models", { "content-type": "application/json" }, "{}")).status).toBe(404);
  });
});

describe("Host check (DNS rebinding)", () => {
  for (const route of ROUTES) {
    it(`Host: evil.example:PORT is refused: ${route.name}`, async () => {
      expectRefused(await route.run({ host: `evil.example:${port}` }), 403, "host_not_allowed", "server.allowed_hosts");
      expect(mock.requests).toHaveLength(0);
    });
  }

  it("loopback names and addresses, with or without the port, are served on every route", async () => {
    const hosts = [`localhost:${port}`, `127.0.0.1:${port}`, `[::1]:${port}`, "localhost", "127.0.0.1", "[::1]", `LOCALHOST:${port}`, `localhost.:${port}`, `127.3.2.1:${port}`];
    for (const host of hosts) {
      for (const route of ROUTES) {
        const r = await route.run({ host });
        expect(r.status, `${host} ${route.name}: ${r.text.slice(0, 200)}`).toBe(route.ok);
      }
    }
  });

  it("names in server.allowed_hosts are served (exact, and .suffix for a domain and its subdomains)", async () => {
    for (const host of [`godex.lan:${port}`, "GODEX.LAN", `proxy.example:${port}`, "a.b.proxy.example"]) {
      const r = await postResponses({ host });
      expect(r.status, `${host}: ${r.text.slice(0, 200)}`).toBe(200);
      expect((await send("GET", "/status.json", { host })).status).toBe(200);
    }
  });

  it("names that only look loopback or allowed are refused", async () => {
    for (const host of [`localhost.evil.example:${port}`, `127.0.0.1.nip.io:${port}`, `evilgodex.lan:${port}`, `notproxy.example:${port}`, `godex.lan.evil.example:${port}`, "10.0.0.8", `[fd00::1]:${port}`, "fd00::1"]) {
      expectRefused(await postResponses({ host }), 403, "host_not_allowed", "DNS rebinding");
      expectRefused(await send("GET", "/health", { host }), 403, "host_not_allowed", "server.allowed_hosts");
    }
    expect(mock.requests).toHaveLength(0);
  });

  it("the error names the host it refused and the setting that opens it", async () => {
    const r = await send("GET", "/status.json", { host: `rebind.attacker.example:${port}` });
    expect(r.json().error.message).toContain("'rebind.attacker.example:");
    expect(r.json().error.message).toContain("server.allowed_hosts");
    expect(r.text).not.toContain("recent");
  });
});

describe("Origin check and CORS", () => {
  for (const route of ROUTES) {
    it(`Origin: https://evil.example is refused: ${route.name}`, async () => {
      expectRefused(await route.run({ origin: "https://evil.example" }), 403, "origin_not_allowed", "server.cors.allowed_origins");
      expect(mock.requests).toHaveLength(0);
    });
  }

  it("Origin: null (sandboxed frames, file: pages) and other loopback ports are refused", async () => {
    for (const origin of ["null", `http://127.0.0.1:${port + 1}`, "http://localhost:3001", "https://localhost:3000", "http://localhost:3000.evil.example", "file://"]) {
      expectRefused(await postResponses({ origin }), 403, "origin_not_allowed", "allowed_origins");
    }
    expect(mock.requests).toHaveLength(0);
  });

  it("a listed origin is served with CORS headers on every route", async () => {
    for (const route of ROUTES) {
      const r = await route.run({ origin: LISTED_ORIGIN });
      expect(r.status, `${route.name}: ${r.text.slice(0, 200)}`).toBe(route.ok);
      expect(r.headers["access-control-allow-origin"]).toBe(LISTED_ORIGIN);
      expect(r.headers.vary).toMatch(/Origin/);
      expect(r.headers["access-control-expose-headers"]).toContain("x-request-id");
    }
  });

  it("a listed origin is normalized as browsers send it (case, default port)", async () => {
    const r = await postResponses({ origin: "https://chat.example.com" });
    expect(r.status).toBe(200);
    expect(r.headers["access-control-allow-origin"]).toBe("https://chat.example.com");
  });

  it("a streamed reply to a listed origin carries the CORS headers too", async () => {
    const r = await send("POST", "/v1/responses", { "content-type": "application/json", origin: LISTED_ORIGIN }, JSON.stringify({ model: "gpt-5.5", input: "hi", stream: true }));
    expect(r.status).toBe(200);
    expect(r.headers["content-type"]).toMatch(/^text\/event-stream/);
    expect(r.headers["access-control-allow-origin"]).toBe(LISTED_ORIGIN);
    expect(r.text).toContain("response.completed");
  });

  it("GodeX's own pages (Origin = this host) are served", async () => {
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`]) {
      expect((await send("GET", "/status.json", { host, origin: `http://${host}` })).status).toBe(200);
      expect((await postResponses({ host, origin: `http://${host}` })).status).toBe(200);
    }
    // …but a page served under a rebound name never is: its Host is refused first.
    expectRefused(await send("GET", "/status.json", { host: `evil.example:${port}`, origin: `http://evil.example:${port}` }), 403, "host_not_allowed", "allowed_hosts");
  });

  it("preflight for a listed origin → 204 with the allowed methods and the asked headers", async () => {
    const r = await send("OPTIONS", "/v1/responses", {
      origin: LISTED_ORIGIN,
      "access-control-request-method": "POST",
      "access-control-request-headers": "authorization, content-type, x-stainless-os, openai-beta",
      "access-control-request-private-network": "true",
    });
    expect(r.status).toBe(204);
    expect(r.text).toBe("");
    expect(r.headers["access-control-allow-origin"]).toBe(LISTED_ORIGIN);
    expect(r.headers["access-control-allow-methods"]).toBe("GET, POST, OPTIONS");
    expect(r.headers["access-control-allow-headers"]).toBe("authorization, content-type, x-stainless-os, openai-beta");
    expect(r.headers["access-control-allow-private-network"]).toBe("true");
    expect(Number(r.headers["access-control-max-age"])).toBeGreaterThan(0);
    expect(r.headers.vary).toContain("Access-Control-Request-Headers");
    // A preflight without asked headers, on another route.
    const s = await send("OPTIONS", "/status.json", { origin: LISTED_ORIGIN, "access-control-request-method": "GET" });
    expect(s.status).toBe(204);
    expect(s.headers["access-control-allow-headers"]).toBeUndefined();
    expect(s.headers["access-control-allow-private-network"]).toBeUndefined();
  });

  it("preflight for an unlisted origin → refused, without CORS headers", async () => {
    const r = await send("OPTIONS", "/v1/responses", { origin: "https://evil.example", "access-control-request-method": "POST", "access-control-request-headers": "content-type" });
    expectRefused(r, 403, "origin_not_allowed", "https://evil.example");
    expect(r.headers["access-control-allow-methods"]).toBeUndefined();
  });

  it("no-cors requests from another site (no Origin, Sec-Fetch-Site: cross-site) are refused; navigations are not", async () => {
    for (const site of ["cross-site", "same-site"]) {
      expectRefused(await send("GET", "/status.json", { "sec-fetch-site": site, "sec-fetch-mode": "no-cors", "sec-fetch-dest": "script" }), 403, "origin_not_allowed", site);
    }
    expect((await send("GET", "/", { "sec-fetch-site": "cross-site", "sec-fetch-mode": "navigate" })).status).toBe(200);
    expect((await send("GET", "/status.json", { "sec-fetch-site": "same-origin", "sec-fetch-mode": "cors" })).status).toBe(200);
    expect((await send("GET", "/", { "sec-fetch-site": "none", "sec-fetch-mode": "navigate" })).status).toBe(200);
  });

  it("requests without an Origin (Codex, SDKs, curl) are served without CORS headers", async () => {
    const r = await postResponses();
    expect(r.status).toBe(200);
    expect(r.headers["access-control-allow-origin"]).toBeUndefined();
  });
});

describe("refusals are visible to the operator", () => {
  it("one log line per distinct refusal, and a metric by code", async () => {
    const before = logLines.length;
    for (let i = 0; i < 5; i++) await send("GET", "/health", { host: "once.attacker.example" });
    const lines = logLines.slice(before).map((l) => JSON.parse(l)).filter((l) => l.msg === "request refused");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ code: "host_not_allowed", host: "once.attacker.example", path: "/health" });
    const metrics = (await send("GET", "/metrics")).text;
    expect(metrics).toMatch(/godex_refused_requests_total\{code="host_not_allowed"\} [1-9]/);
    expect(metrics).toMatch(/godex_refused_requests_total\{code="unsupported_content_type"\} [1-9]/);
    expect(metrics).toMatch(/godex_refused_requests_total\{code="origin_not_allowed"\} [1-9]/);
  });
});

describe("hot reload", () => {
  it("new allowed_hosts / allowed_origins apply at once", async () => {
    expectRefused(await send("GET", "/health", { host: "later.example" }), 403, "host_not_allowed", "allowed_hosts");
    expectRefused(await send("GET", "/health", { origin: "https://later.example" }), 403, "origin_not_allowed", "allowed_origins");
    gw.reload(config({ allowed_hosts: ["later.example"], cors: { allowed_origins: ["https://later.example"] } }));
    try {
      expect((await send("GET", "/health", { host: "later.example" })).status).toBe(200);
      const r = await send("GET", "/health", { origin: "https://later.example" });
      expect(r.status).toBe(200);
      expect(r.headers["access-control-allow-origin"]).toBe("https://later.example");
      expectRefused(await send("GET", "/health", { host: "godex.lan" }), 403, "host_not_allowed", "allowed_hosts");
    } finally {
      gw.reload(config());
    }
    expect((await send("GET", "/health", { host: "godex.lan" })).status).toBe(200);
  });
});

describe("WebSocket upgrades", () => {
  const handshake = (headers: Record<string, string>) =>
    new Promise<string>((resolve, reject) => {
      const s = connect(upgradePort, "127.0.0.1");
      let got = "";
      s.on("data", (c) => (got += c.toString("utf8")));
      s.on("end", () => resolve(got));
      s.on("error", reject);
      const lines = Object.entries({ host: `127.0.0.1:${upgradePort}`, connection: "Upgrade", upgrade: "websocket", "sec-websocket-version": "13", "sec-websocket-key": "dGhlIHNhbXBsZSBub25jZQ==", ...headers }).map(([k, v]) => `${k}: ${v}`);
      s.write(`GET /v1/responses HTTP/1.1\r\n${lines.join("\r\n")}\r\n\r\n`);
    });
  let upgradeServer: Server;
  let upgradePort: number;

  beforeAll(async () => {
    // An `upgrade` listener as WebSocket mode will have one: the same checks, answered on the raw socket.
    upgradeServer = createServer();
    upgradeServer.on("upgrade", (req, socket) => {
      const refused = upgradeRefusal(req, gw.runtime.config.server);
      if (refused) return refuseUpgrade(socket, refused);
      socket.end("HTTP/1.1 101 Switching Protocols\r\nupgrade: websocket\r\nconnection: Upgrade\r\n\r\n");
    });
    await new Promise<void>((r) => upgradeServer.listen(0, "127.0.0.1", r));
    upgradePort = (upgradeServer.address() as { port: number }).port;
  });
  afterAll(() => new Promise<void>((r) => upgradeServer.close(() => r())));

  it("today's answer (426, fall back to HTTP) is given only after the same checks", async () => {
    const route = ROUTES.find((r) => r.name.startsWith("WebSocket"))!;
    expect((await route.run({})).status).toBe(426);
    expectRefused(await route.run({ host: `evil.example:${port}` }), 403, "host_not_allowed", "allowed_hosts");
    expectRefused(await route.run({ origin: "https://evil.example" }), 403, "origin_not_allowed", "allowed_origins");
    expect((await route.run({ origin: LISTED_ORIGIN })).status).toBe(426);
  });

  it("an upgrade listener refuses a foreign Host or Origin with the OpenAI error shape, and accepts the rest", async () => {
    const refused: Record<string, string>[] = [{ host: `evil.example:${upgradePort}` }, { origin: "https://evil.example" }, { origin: "null" }];
    for (const headers of refused) {
      const raw = await handshake(headers);
      expect(raw).toMatch(/^HTTP\/1\.1 403 Forbidden\r\n/);
      const body = JSON.parse(raw.slice(raw.indexOf("\r\n\r\n") + 4));
      expectErrorShape(body);
      expect(body.error.code).toMatch(/^(host|origin)_not_allowed$/);
    }
    const accepted: Record<string, string>[] = [{}, { origin: LISTED_ORIGIN }, { host: `localhost:${upgradePort}` }, { origin: `http://127.0.0.1:${upgradePort}` }];
    for (const headers of accepted) {
      expect(await handshake(headers)).toMatch(/^HTTP\/1\.1 101 /);
    }
  });
});

describe("rules", () => {
  const server = (s: Record<string, unknown>) => config(s).server;
  const fakeReq = (headers: Record<string, string>) => ({ headers, method: "GET", url: "/" }) as any;

  it("parses Host headers", () => {
    expect(hostName("LocalHost:5678")).toBe("localhost");
    expect(hostName("[::1]:5678")).toBe("::1");
    expect(hostName("[::1]")).toBe("::1");
    expect(hostName("example.com.")).toBe("example.com");
    expect(hostName("::1")).toBe("::1");
  });

  it("a non-loopback bind with no allowed_hosts serves any host name; with a list, only it, loopback and the bind address", () => {
    const open = accessRules(server({ host: "0.0.0.0", allowed_hosts: [], auth: { tokens: ["t0123456789"] } }));
    expect(accessRefusal(fakeReq({ host: "anything.example:5678" }), open)).toBeNull();
    const listed = accessRules(server({ host: "192.168.1.10", allowed_hosts: ["godex.lan"], auth: { tokens: ["t0123456789"] } }));
    expect(accessRefusal(fakeReq({ host: "anything.example:5678" }), listed)?.code).toBe("host_not_allowed");
    for (const host of ["godex.lan:5678", "192.168.1.10:5678", "localhost:5678"]) expect(accessRefusal(fakeReq({ host }), listed)).toBeNull();
    // The Origin check holds on any bind.
    expect(accessRefusal(fakeReq({ host: "anything.example", origin: "https://evil.example" }), open)?.code).toBe("origin_not_allowed");
  });

  it("doctor's description names the effective rules", () => {
    const d = describeAccess(server({}));
    expect(d.hosts).toBe("localhost, 127.x, [::1], godex.lan, *.proxy.example");
    expect(d.origins).toContain("http://localhost:3000, https://chat.example.com");
    expect(describeAccess(server({ allowed_hosts: [], cors: { allowed_origins: [] } })).origins).toContain("server.cors.allowed_origins is empty");
    expect(describeAccess(server({ host: "0.0.0.0", allowed_hosts: [], auth: { tokens: ["t0123456789"] } })).hosts).toContain("any host name");
  });

  it("config: bad entries are located errors naming the expected form", () => {
    expect(() => config({ allowed_hosts: ["http://godex.lan"] })).toThrow(/server\.allowed_hosts\[0\] must be a host name or IP address without scheme or port/);
    expect(() => config({ allowed_hosts: ["godex.lan:5678"] })).toThrow(/server\.allowed_hosts\[0\]/);
    expect(() => config({ cors: { allowed_origins: ["http://localhost:3000/"] } })).toThrow(/server\.cors\.allowed_origins\[0\] must be an origin: scheme:\/\/host\[:port\] with no path/);
    expect(() => config({ cors: { allowed_origins: ["*"] } })).toThrow(/allowed_origins\[0\]/);
    expect(() => config({ cors: { allowed_origins: ["http://localhost:99999"] } })).toThrow(/allowed_origins\[0\] must be an origin/);
    expect(() => config({ cors: { allowed_origin: [] } })).toThrow(/did you mean "allowed_origins"/);
    expect(config({ allowed_hosts: ["[FD00::1]", "Godex.LAN."] }).server.allowedHosts).toEqual(["fd00::1", "godex.lan"]);
  });

  it("costs nothing measurable per request (a Codex request's headers)", () => {
    const guard = accessGuard(() => gw.runtime.config.server);
    const req = { method: "POST", url: "/v1/responses", headers: { host: `127.0.0.1:${port}`, "content-type": "application/json", accept: "text/event-stream", "user-agent": "codex_exec/0.169.0" } } as any;
    const res = {} as any;
    let passed = 0;
    const next = () => void passed++;
    for (let i = 0; i < 10_000; i++) guard(req, res, next); // warm up
    const n = 200_000;
    const started = process.hrtime.bigint();
    for (let i = 0; i < n; i++) guard(req, res, next);
    const nsPerCall = Number(process.hrtime.bigint() - started) / n;
    expect(passed).toBe(n + 10_000);
    // Typically well under 100 ns; a request through GodeX costs hundreds of microseconds.
    expect(nsPerCall).toBeLessThan(2_000);
  });
});
