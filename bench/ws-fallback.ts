// `npm run bench:ws-fallback [-- --codex PATH] [--runs N]`: how long the real Codex CLI, configured with
// `supports_websockets = true`, spends on WebSocket upgrade attempts before it falls back to HTTP POST,
// for different answers to its `GET /v1/responses` upgrade. A small proxy in front of GodeX (on the
// emulators) plays each answer and forwards everything else; the figure is the time from the first
// upgrade attempt to the first POST. Results feed docs/transport.md.
import { spawn } from "node:child_process";
import { createServer, request, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CODEX_BIN, startStack, writeCodexHome } from "../test/e2e/helpers.ts";

type Answer = { name: string; play(socket: Socket): void };

const status = (code: number, reason: string, extra = "", body = ""): Answer => ({
  name: `${code}${extra ? " " + extra.trim().split(":")[0] : ""}`,
  play(socket) {
    socket.end(`HTTP/1.1 ${code} ${reason}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n${extra}\r\n${body}`);
  },
});
const errBody = (code: string) => JSON.stringify({ error: { message: "no WebSocket mode", type: "invalid_request_error", code, param: null } });

const ANSWERS: Record<string, Answer> = {
  "godex-426": { name: "GodeX today (426 JSON, keep-alive)", play: () => {} }, // forwarded to GodeX itself
  "426-close": status(426, "Upgrade Required", "connection: close\r\n", errBody("websocket_not_supported")),
  "404": status(404, "Not Found", "connection: close\r\n", errBody("not_found")),
  "501": status(501, "Not Implemented", "connection: close\r\n", errBody("not_implemented")),
  "400": status(400, "Bad Request", "connection: close\r\n", errBody("invalid_request")),
  "405": status(405, "Method Not Allowed", "connection: close\r\nallow: POST\r\n", errBody("method_not_allowed")),
  "403": status(403, "Forbidden", "connection: close\r\n", errBody("forbidden")),
  "410": status(410, "Gone", "connection: close\r\n", errBody("gone")),
  "close": { name: "connection closed, no answer", play: (s) => s.destroy() },
};

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

async function main() {
  const codex = arg("--codex") ?? CODEX_BIN;
  const runs = Number(arg("--runs") ?? 1);
  const only = arg("--only")?.split(",");
  const stack = await startStack();
  const target = new URL(stack.gatewayUrl);
  let answer: Answer = ANSWERS["godex-426"]!;
  let log: { t: number; what: string }[] = [];

  const forward = (req: IncomingMessage, res: ServerResponse) => {
    const up = request({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers }, (r) => {
      res.writeHead(r.statusCode ?? 502, r.headers);
      r.pipe(res);
    });
    up.on("error", () => res.destroy());
    req.pipe(up);
  };
  const proxy = createServer((req, res) => {
    log.push({ t: Date.now(), what: `${req.method} ${req.headers.upgrade ? "upgrade" : ""}` });
    forward(req, res);
  });
  proxy.on("upgrade", (req: IncomingMessage, socket: Socket) => {
    log.push({ t: Date.now(), what: "GET upgrade" });
    if (answer === ANSWERS["godex-426"]) {
      // What GodeX answers today: let GodeX itself reply (its Express route) over a plain request.
      const up = request({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers });
      up.on("response", (r) => {
        const head = [`HTTP/1.1 ${r.statusCode} ${r.statusMessage}`, ...Object.entries(r.headers).map(([k, v]) => `${k}: ${v}`)].join("\r\n");
        socket.write(head + "\r\n\r\n");
        r.pipe(socket);
      });
      up.on("upgrade", (_r, s2) => s2.destroy());
      up.on("error", () => socket.destroy());
      up.end();
      return;
    }
    answer.play(socket);
  });
  await new Promise<void>((r) => proxy.listen(0, "127.0.0.1", r));
  const url = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;

  const once = async (ws: boolean) => {
    const home = await mkdtemp(join(tmpdir(), "godex-wsbench-"));
    await writeCodexHome(home, url, `supports_websockets = ${ws}`.replace("supports_websockets = false", "").trim() ? "" : "");
    // writeCodexHome writes supports_websockets = false; flip it for the WebSocket runs.
    if (ws) {
      const { readFile, writeFile } = await import("node:fs/promises");
      const f = join(home, "config.toml");
      await writeFile(f, (await readFile(f, "utf8")).replace("supports_websockets = false", "supports_websockets = true"));
    }
    log = [];
    const started = Date.now();
    const env: NodeJS.ProcessEnv = { ...process.env, CODEX_HOME: home, NO_COLOR: "1" };
    for (const k of ["OPENAI_API_KEY", "OPENAI_BASE_URL", "CODEX_API_KEY", "RUST_LOG"]) delete env[k];
    const code = await new Promise<number | null>((resolve) => {
      const c = spawn(codex, ["exec", "--skip-git-repo-check", "--ephemeral", "-s", "read-only", "--json", "say hi"], { cwd: home, env, stdio: "ignore" });
      const timer = setTimeout(() => c.kill("SIGKILL"), 120_000);
      c.on("close", (code) => {
        clearTimeout(timer);
        resolve(code);
      });
    });
    const total = Date.now() - started;
    await rm(home, { recursive: true, force: true });
    const upgrades = log.filter((l) => l.what === "GET upgrade");
    const post = log.find((l) => l.what.startsWith("POST"));
    const fallbackMs = upgrades.length && post ? post.t - upgrades[0]!.t : 0;
    const gaps = upgrades.slice(1).map((u, i) => u.t - upgrades[i]!.t);
    return { code, total, attempts: upgrades.length, fallbackMs, gaps, posted: Boolean(post) };
  };

  const base = await once(false);
  console.log(`baseline (supports_websockets = false): exit ${base.code}, total ${base.total} ms, POST sent: ${base.posted}`);
  for (const [key, a] of Object.entries(ANSWERS)) {
    if (only && !only.includes(key)) continue;
    answer = a;
    for (let i = 0; i < runs; i++) {
      const r = await once(true);
      console.log(
        `${key.padEnd(10)} ${a.name.padEnd(38)} exit ${r.code} attempts ${r.attempts} fallback ${r.fallbackMs} ms (total ${r.total} ms) gaps ${JSON.stringify(r.gaps)} POST ${r.posted}`,
      );
    }
  }
  proxy.close();
  await stack.close();
}

void main();
