// `npm run bench:ws-fallback [-- --codex PATH] [--runs N]`: how long the real Codex CLI, configured with
// `supports_websockets = true`, spends on WebSocket upgrade attempts before it falls back to HTTP POST,
// for different answers to its `GET /v1/responses` upgrade. A small proxy in front of GodeX (on the
// emulators) plays each answer and forwards everything else; the figure is the time from the first
// upgrade attempt to the first POST. Results feed docs/transport.md.
import { spawn } from "node:child_process";
import { createServer, request, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ALIAS, CODEX_BIN, startStack } from "../test/e2e/helpers.ts";

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
  const prompt = arg("--prompt") ?? "say hi";
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
    // What `godex init --write-codex` writes (Codex's own retry defaults), WebSocket switched as asked.
    await writeFile(
      join(home, "config.toml"),
      [
        `model = "${ALIAS}"`,
        `model_provider = "godex"`,
        `[model_providers.godex]`,
        `name = "GodeX"`,
        `base_url = "${url}/v1"`,
        `wire_api = "responses"`,
        `requires_openai_auth = false`,
        `supports_websockets = ${ws}`,
        "",
      ].join("\n"),
    );
    log = [];
    const started = Date.now();
    const env: NodeJS.ProcessEnv = { ...process.env, CODEX_HOME: home, NO_COLOR: "1" };
    for (const k of ["OPENAI_API_KEY", "OPENAI_BASE_URL", "CODEX_API_KEY", "RUST_LOG"]) delete env[k];
    const code = await new Promise<number | null>((resolve) => {
      const c = spawn(codex, ["exec", "--skip-git-repo-check", "--ephemeral", "-s", "read-only", "--json", prompt], { cwd: home, env, stdio: "ignore" });
      const timer = setTimeout(() => c.kill("SIGKILL"), 120_000);
      c.on("close", (code) => {
        clearTimeout(timer);
        resolve(code);
      });
    });
    const total = Date.now() - started;
    await rm(home, { recursive: true, force: true });
    const upgrades = log.filter((l) => l.what === "GET upgrade");
    const posts = log.filter((l) => l.what.startsWith("POST"));
    const post = posts[0];
    const fallbackMs = upgrades.length && post ? post.t - upgrades[0]!.t : 0;
    const gaps = upgrades.slice(1).map((u, i) => u.t - upgrades[i]!.t);
    return { code, total, attempts: upgrades.length, fallbackMs, gaps, posted: Boolean(post), posts: posts.length, firstPostMs: post ? post.t - started : null };
  };

  const base = await once(false);
  if (runs > 1) for (let i = 1; i < runs; i++) {
    const b = await once(false);
    console.log(`baseline again: first POST at ${b.firstPostMs} ms (total ${b.total} ms)`);
  }
  console.log(`baseline (supports_websockets = false): exit ${base.code}, total ${base.total} ms, first POST at ${base.firstPostMs} ms, POSTs ${base.posts}`);
  for (const [key, a] of Object.entries(ANSWERS)) {
    if (only && !only.includes(key)) continue;
    answer = a;
    for (let i = 0; i < runs; i++) {
      const r = await once(true);
      console.log(
        `${key.padEnd(10)} ${a.name.padEnd(38)} exit ${r.code} attempts ${r.attempts} fallback ${r.fallbackMs} ms, first POST at ${r.firstPostMs} ms (total ${r.total} ms) POSTs ${r.posts} gaps ${JSON.stringify(r.gaps)}`,
      );
    }
  }
  proxy.close();
  await stack.close();
}

void main();
