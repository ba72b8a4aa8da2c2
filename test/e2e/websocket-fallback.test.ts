// The real Codex CLI with `supports_websockets = true` (and Codex's own retry defaults, as `godex init`
// leaves them) against GodeX, which has no WebSocket mode yet: GodeX's 426 answer
// (src/server/no-websocket.ts) must make Codex fall back to HTTP after one upgrade attempt. Any other
// answer costs Codex 7 attempts and ~7 s (docs/transport.md); this test keeps that from coming back.
import { createServer, request, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ALIAS, runCodex, startStack, type Stack } from "./helpers.ts";

let stack: Stack;
let proxy: Server;
let proxyUrl = "";
const seen: { t: number; what: string }[] = [];

beforeAll(async () => {
  // WebSocket mode switched off: what GodeX answers an upgrade then (426) must cost Codex one attempt.
  stack = await startStack({ server: { websocket: { enabled: false } } });
  const target = new URL(stack.gatewayUrl);
  // Records what Codex sends and passes every byte to GodeX and back (the upgrade as a plain request).
  proxy = createServer((req, res) => {
    seen.push({ t: Date.now(), what: `${req.method} ${req.url}` });
    const up = request({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers }, (r) => {
      res.writeHead(r.statusCode ?? 502, r.headers);
      r.pipe(res);
    });
    up.on("error", () => res.destroy());
    req.pipe(up);
  });
  proxy.on("upgrade", (req: IncomingMessage, socket: Socket) => {
    seen.push({ t: Date.now(), what: `UPGRADE ${req.method} ${req.url} ${req.headers["openai-beta"] ?? ""}` });
    const up = request({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers });
    up.on("response", (r) => {
      socket.write([`HTTP/1.1 ${r.statusCode} ${r.statusMessage}`, ...Object.entries(r.headers).map(([k, v]) => `${k}: ${v}`)].join("\r\n") + "\r\n\r\n");
      r.pipe(socket);
    });
    up.on("upgrade", (_r, s) => s.destroy());
    up.on("error", () => socket.destroy());
    up.end();
  });
  await new Promise<void>((r) => proxy.listen(0, "127.0.0.1", r));
  proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise<void>((r) => proxy?.close(() => r()));
  await stack?.close();
});

describe("Codex with supports_websockets = true", () => {
  it("gets GodeX's 426, tries the upgrade once, and runs the turn over HTTP at once", async () => {
    const home = await mkdtemp(join(tmpdir(), "godex-ws-"));
    try {
      await writeFile(
        join(home, "config.toml"),
        [`model = "${ALIAS}"`, `model_provider = "godex"`, `[model_providers.godex]`, `name = "GodeX"`, `base_url = "${proxyUrl}/v1"`,
          `wire_api = "responses"`, `requires_openai_auth = false`, `supports_websockets = true`, ""].join("\n"),
      );
      const run = await runCodex({ cwd: home, codexHome: home, prompt: "say hi", sandboxArgs: ["-s", "read-only"], timeoutMs: 45_000 });
      expect(run.code, run.stderr.slice(-2000)).toBe(0);
      expect(run.events.some((e) => e.type === "item.completed" && e.item?.type === "agent_message")).toBe(true);
      const upgrades = seen.filter((s) => s.what.startsWith("UPGRADE GET /v1/responses"));
      const posts = seen.filter((s) => s.what === "POST /v1/responses");
      expect(upgrades).toHaveLength(1);
      expect(upgrades[0]!.what).toContain("responses_websockets=");
      expect(posts.length).toBeGreaterThanOrEqual(1);
      // One attempt, no backoff: the POST follows right away (7 attempts would take ~7 s).
      expect(posts[0]!.t - upgrades[0]!.t).toBeLessThan(3_000);
    } finally {
      await rm(home, { recursive: true, force: true });
    }
  }, 60_000);
});
