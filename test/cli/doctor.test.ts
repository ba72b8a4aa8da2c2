// `godex doctor`: each ✗ case with its fix, the all-✓ case, and --live against local emulators.
import { createServer as createHttpServer, type Server } from "node:http";
import { createServer, type Server as NetServer, type Socket } from "node:net";
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { doctor } from "../../src/cli/doctor.ts";
import { init } from "../../src/cli/init.ts";
import { createProgress } from "../../src/cli/progress.ts";
import { loadConfig } from "../../src/config/load.ts";
import { startMockUpstreams, type MockUpstreams } from "../../src/mock/server.ts";
import { startGateway } from "../../src/server/start.ts";
import { VERSION } from "../../src/version.ts";
import { doctorRows, freePort, memoryIO } from "../fixtures/cli/io.ts";

const KEY = "mock-deepseek-key";
let mock: MockUpstreams;
let dir: string;
let port: number;

beforeAll(async () => {
  mock = await startMockUpstreams();
});
afterAll(async () => {
  await mock.close();
});
beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), "godex-doctor-"));
  port = await freePort();
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function writeConfig(opts: { baseUrl?: string; port?: number; extra?: string } = {}): string {
  const file = join(dir, "godex.yaml");
  writeFileSync(
    file,
    [
      `server: { host: 127.0.0.1, port: ${opts.port ?? port} }`,
      "models: { aliases: { gpt-5.5: deepseek/deepseek-v4-pro } }",
      "providers:",
      "  deepseek:",
      '    credentials: { api_key: "${DEEPSEEK_API_KEY}" }',
      `    endpoint: { base_url: ${opts.baseUrl ?? mock.baseUrl("deepseek")} }`,
      "    models: [deepseek-v4-pro]",
      opts.extra ?? "",
    ].join("\n"),
  );
  return file;
}

async function runDoctor(args: string[], env: NodeJS.ProcessEnv) {
  const m = memoryIO({ cwd: dir, env });
  const code = await doctor(["--config", "godex.yaml", "--codex-home", join(dir, "codex"), ...args], m.io);
  return { code, out: m.stdout(), err: m.stderr(), rows: doctorRows(m.stdout()) };
}

async function writeCodex(env: NodeJS.ProcessEnv): Promise<void> {
  const m = memoryIO({ cwd: dir, env });
  const code = await init(["--config", join(dir, "godex.yaml"), "--codex-home", join(dir, "codex"), "--write-codex"], m.io);
  expect(code, m.stdout() + m.stderr()).toBe(0);
}

describe("godex doctor", () => {
  it("all ✓: exit 0, the key's variable named but never its value", async () => {
    writeConfig();
    const env = { DEEPSEEK_API_KEY: KEY };
    await writeCodex(env);
    const r = await runDoctor([], env);
    expect(r.code, r.out).toBe(0);
    expect([...r.rows]).toEqual([
      ["config", true],
      ["deepseek key", true],
      ["port", true],
      ["access", true],
      ["Codex config", true],
      ["Codex models", true],
    ]);
    expect(r.out).toContain("godex.yaml loads and lints clean (1 provider, 1 alias)");
    expect(r.out).toContain("deepseek key  set (DEEPSEEK_API_KEY)");
    expect(r.out).toContain(`127.0.0.1:${port} is free`);
    expect(r.out).toContain(`GodeX is the default provider (http://127.0.0.1:${port}/v1)`);
    expect(r.out).toMatch(/godex-models\.json lists all 2 aliases and models/);
    expect(r.out).toContain("All checks passed.");
    expect(r.out).toContain("add --live to check them");
    expect(r.out + r.err).not.toContain(KEY);
  });

  it("bad config: ✗ with the lint findings and their location", async () => {
    writeConfig({ extra: "logging: { level: loud }" });
    const r = await runDoctor([], { DEEPSEEK_API_KEY: KEY });
    expect(r.code).toBe(1);
    expect(r.rows.get("config")).toBe(false);
    expect(r.out).toMatch(/✗ config +godex\.yaml: 1 lint error/);
    expect(r.out).toMatch(/godex\.yaml:8:\d+: .*logging\.level.* \[config-schema\]/);
    expect(r.out).toContain("fix: fix the lines below (godex lint godex.yaml lists every finding)");
    // Without a config, the port and Codex checks still run (with defaults).
    expect(r.rows.has("port")).toBe(true);
    expect(r.rows.get("Codex config")).toBe(false);
  });

  it("no config at all: ✗ pointing at godex init", async () => {
    const r = await runDoctor([], {});
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/✗ config +godex\.yaml does not exist/);
    expect(r.out).toContain("fix: godex init (writes a commented godex.yaml), or pass --config FILE");
  });

  it("missing key: ✗ naming the variable, with the fix", async () => {
    writeConfig();
    await writeCodex({});
    const r = await runDoctor([], {});
    expect(r.code).toBe(1);
    expect(r.rows.get("deepseek key")).toBe(false);
    expect(r.rows.get("config")).toBe(true);
    expect(r.out).toMatch(/✗ deepseek key +DEEPSEEK_API_KEY is not set/);
    expect(r.out).toContain("fix: export DEEPSEEK_API_KEY=<your deepseek key>, or remove providers.deepseek (and the aliases that use it) from the config");
    expect(r.out).toContain("1 check failed.");
  });

  it("port busy: ✗ when another program holds it, ✓ when it is a running GodeX", async () => {
    writeConfig();
    const env = { DEEPSEEK_API_KEY: KEY };
    await writeCodex(env);
    const sockets = new Set<Socket>();
    const other: NetServer = createServer((s) => {
      sockets.add(s);
      s.end("HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\nconnection: close\r\n\r\n");
    });
    await new Promise<void>((r) => other.listen(port, "127.0.0.1", () => r()));
    try {
      const r = await runDoctor([], env);
      expect(r.code).toBe(1);
      expect(r.rows.get("port")).toBe(false);
      expect(r.out).toContain(`127.0.0.1:${port} is in use by another program`);
      expect(r.out).toMatch(/fix: stop it, or pick another port: godex serve --port N/);
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => other.close(() => r()));
    }
    const gw = await startGateway(loadConfig(join(dir, "godex.yaml"), env), { carrierKeyFile: join(dir, "carrier.key") });
    try {
      const r = await runDoctor([], env);
      expect(r.code, r.out).toBe(0);
      expect(r.out).toContain(`127.0.0.1:${port}: GodeX ${VERSION} is already running there`);
    } finally {
      await gw.close();
    }
  });

  it("no Codex config: ✗ with godex init --write-codex as the fix; wrong port: ✗ too", async () => {
    writeConfig();
    const env = { DEEPSEEK_API_KEY: KEY };
    const r = await runDoctor([], env);
    expect(r.code).toBe(1);
    expect(r.rows.get("Codex config")).toBe(false);
    expect(r.rows.get("Codex models")).toBe(false);
    expect(r.out).toContain(`${join(dir, "codex", "config.toml")} does not exist`);
    expect(r.out).toMatch(/fix: godex init --write-codex --port \d+ \(merges it, after a backup\)/);
    expect(r.out).toContain("no model_catalog_json: Codex uses fallback metadata");

    await writeCodex(env);
    const other = await runDoctor(["--port", String(port + 1)], env);
    expect(other.rows.get("Codex config")).toBe(false);
    expect(other.out).toContain(`model_providers.godex.base_url is "http://127.0.0.1:${port}/v1", GodeX will listen on http://127.0.0.1:${port + 1}/v1`);
  });

  it("another default provider: ✓ with how to use GodeX; a stale catalog: ✗", async () => {
    writeConfig();
    const env = { DEEPSEEK_API_KEY: KEY };
    mkdirSync(join(dir, "codex"));
    writeFileSync(join(dir, "codex", "config.toml"), 'model = "o3"\nmodel_provider = "openai"\n');
    await writeCodex(env);
    let r = await runDoctor([], env);
    expect(r.code, r.out).toBe(0);
    expect(r.out).toMatch(/✓ Codex config +.*default provider is openai/);
    expect(r.out).toContain("hint: use GodeX with: codex -p godex");
    // A new alias the catalog does not know yet.
    writeConfig({ extra: "" });
    writeFileSync(join(dir, "godex.yaml"), writeConfigText(port).replace("gpt-5.5: deepseek/deepseek-v4-pro", "gpt-5.5: deepseek/deepseek-v4-pro, gpt-9: deepseek/deepseek-v4-pro"));
    r = await runDoctor([], env);
    expect(r.rows.get("Codex models")).toBe(false);
    expect(r.out).toMatch(/godex-models\.json lacks gpt-9: Codex uses fallback metadata for them/);
  });
});

describe("godex doctor: Codex details", () => {
  it("✗ when Codex's default model is not served, and when GodeX needs a token Codex does not send", async () => {
    writeConfig();
    const env = { DEEPSEEK_API_KEY: KEY };
    mkdirSync(join(dir, "codex"));
    writeFileSync(join(dir, "codex", "config.toml"), 'model = "o3"\nmodel_provider = "godex"\n');
    await writeCodex(env);
    let r = await runDoctor([], env);
    expect(r.rows.get("Codex config")).toBe(false);
    expect(r.out).toContain(`Codex's model = "o3" is not an alias or provider/model GodeX serves`);

    writeFileSync(join(dir, "godex.yaml"), writeConfigText(port).replace(`port: ${port} }`, `port: ${port}, auth: { tokens: ["\${GODEX_TOKEN}"] } }`));
    writeFileSync(join(dir, "codex", "config.toml"), "");
    await writeCodex({ ...env, GODEX_TOKEN: "t0k3n-for-the-test" });
    r = await runDoctor([], { ...env, GODEX_TOKEN: "t0k3n-for-the-test" });
    expect(r.rows.get("Codex config")).toBe(false);
    expect(r.out).toContain("GodeX requires a bearer token (server.auth.tokens) but model_providers.godex sends none");
    expect(r.out).toContain('fix: add env_key = "GODEX_TOKEN" to [model_providers.godex]');
    expect(r.out).not.toContain("t0k3n-for-the-test");
  });
});

function writeConfigText(p: number): string {
  return [
    `server: { host: 127.0.0.1, port: ${p} }`,
    "models: { aliases: { gpt-5.5: deepseek/deepseek-v4-pro } }",
    "providers:",
    "  deepseek:",
    '    credentials: { api_key: "${DEEPSEEK_API_KEY}" }',
    `    endpoint: { base_url: ${mock.baseUrl("deepseek")} }`,
    "    models: [deepseek-v4-pro]",
    "",
  ].join("\n");
}

describe("godex doctor: access rules", () => {
  it("shows the effective Host, Origin and body rules", async () => {
    writeFileSync(join(dir, "godex.yaml"), writeConfigText(port).replace(`port: ${port} }`, `port: ${port}, allowed_hosts: [godex.lan, .proxy.example], cors: { allowed_origins: ["http://localhost:3000"] } }`));
    const r = await runDoctor([], { DEEPSEEK_API_KEY: KEY });
    expect(r.rows.get("access")).toBe(true);
    expect(r.out).toMatch(/✓ access +Host: localhost, 127\.x, \[::1\], godex\.lan, \*\.proxy\.example\n/);
    expect(r.out).toContain("Origin: web pages from http://localhost:3000 (with CORS) and GodeX's own pages; other pages refused");
    expect(r.out).toContain("bodies: POST only with Content-Type: application/json");
    expect(r.out).toContain("hint: a reverse proxy or another name: server.allowed_hosts; a browser-based client: server.cors.allowed_origins");

    writeConfig();
    const plain = await runDoctor([], { DEEPSEEK_API_KEY: KEY });
    expect(plain.out).toMatch(/✓ access +Host: localhost, 127\.x, \[::1\]\n/);
    expect(plain.out).toContain("Origin: no web pages but GodeX's own (server.cors.allowed_origins is empty)");
  });

  it("a non-loopback bind with every Host accepted: a hint about DNS rebinding", async () => {
    writeFileSync(join(dir, "godex.yaml"), writeConfigText(port).replace("host: 127.0.0.1", "host: 0.0.0.0").replace(`port: ${port} }`, `port: ${port}, auth: { tokens: [t0k3n-for-the-test] } }`));
    const r = await runDoctor([], { DEEPSEEK_API_KEY: KEY });
    expect(r.out).toContain("Host: any host name (0.0.0.0 is not a loopback bind and server.allowed_hosts is empty)");
    expect(r.out).toContain("hint: list the names clients use in server.allowed_hosts");
  });

  it("✗ when Codex's base_url uses a host name GodeX refuses", async () => {
    const env = { DEEPSEEK_API_KEY: KEY };
    writeConfig();
    await writeCodex(env);
    const file = join(dir, "codex", "config.toml");
    writeFileSync(file, readFileSync(file, "utf8").replace(`http://127.0.0.1:${port}/v1`, `http://godex.lan:${port}/v1`));
    writeFileSync(join(dir, "godex.yaml"), writeConfigText(port).replace("host: 127.0.0.1", "host: 0.0.0.0").replace(`port: ${port} }`, `port: ${port}, allowed_hosts: [other.lan], auth: { tokens: [t0k3n-for-the-test] } }`));
    let r = await runDoctor([], env);
    expect(r.rows.get("Codex config")).toBe(false);
    expect(r.out).toContain("model_providers.godex.base_url uses the host name godex.lan, which GodeX refuses");
    expect(r.out).toContain("fix: add godex.lan to server.allowed_hosts");
    writeFileSync(join(dir, "godex.yaml"), writeConfigText(port).replace("host: 127.0.0.1", "host: 0.0.0.0").replace(`port: ${port} }`, `port: ${port}, allowed_hosts: [godex.lan], auth: { tokens: [t0k3n-for-the-test] } }`));
    r = await runDoctor([], env);
    expect(r.out).not.toContain("which GodeX refuses");
  });
});

describe("godex doctor --live", () => {
  it("✓ when the provider answers GET /models with the key; plain progress lines off a terminal", async () => {
    writeConfig();
    const env = { DEEPSEEK_API_KEY: KEY };
    await writeCodex(env);
    mock.clear();
    const r = await runDoctor(["--live"], env);
    expect(r.code, r.out).toBe(0);
    expect(r.rows.get("deepseek URL")).toBe(true);
    expect(r.out).toMatch(/✓ deepseek URL +answers: http:\/\/127\.0\.0\.1:\d+\/deepseek \(GET \/models: HTTP 200, \d+ ms\)/);
    expect(mock.requests.map((q) => `${q.method} ${q.path}`)).toEqual(["GET /deepseek/models"]);
    expect(mock.requests[0]!.headers.authorization).toBe(`Bearer ${KEY}`);
    expect(r.err).toContain("… checking providers: deepseek\n");
    expect(r.err).toMatch(/✓ checking providers: deepseek — answers: .* \(\d+ ms\)\n/);
    expect(r.out).not.toContain("add --live");
    expect(r.out + r.err).not.toContain(KEY);
  });

  it("✗ when the key is rejected, and when nothing answers", async () => {
    writeConfig();
    let r = await runDoctor(["--live"], { DEEPSEEK_API_KEY: "sk-wrong" });
    expect(r.rows.get("deepseek URL")).toBe(false);
    expect(r.out).toMatch(/✗ deepseek URL +key rejected: .*HTTP 401/);
    expect(r.out).toContain("fix: check DEEPSEEK_API_KEY");
    expect(r.out + r.err).not.toContain("sk-wrong");

    writeConfig({ baseUrl: `http://127.0.0.1:${await freePort()}` });
    r = await runDoctor(["--live"], { DEEPSEEK_API_KEY: KEY });
    expect(r.rows.get("deepseek URL")).toBe(false);
    expect(r.out).toMatch(/✗ deepseek URL +http:\/\/127\.0\.0\.1:\d+: ECONNREFUSED/);
    expect(r.out).toContain("fix: check providers.deepseek.endpoint.base_url, your network and proxy settings");
  });

  it("falls back to a 1-token request when GET /models does not exist", async () => {
    const seen: string[] = [];
    const bodies: unknown[] = [];
    const srv: Server = createHttpServer((req, res) => {
      let body = "";
      req.on("data", (d) => (body += d));
      req.on("end", () => {
        seen.push(`${req.method} ${req.url}`);
        if (req.method === "POST") {
          bodies.push(JSON.parse(body));
          res.writeHead(200, { "content-type": "application/json" }).end('{"choices":[]}');
        } else res.writeHead(404).end();
      });
    });
    await new Promise<void>((r) => srv.listen(0, "127.0.0.1", () => r()));
    try {
      const { port: upstream } = srv.address() as { port: number };
      writeConfig({ baseUrl: `http://127.0.0.1:${upstream}/v1` });
      const r = await runDoctor(["--live"], { DEEPSEEK_API_KEY: KEY });
      expect(r.rows.get("deepseek URL")).toBe(true);
      expect(r.out).toMatch(/answers: .*\(POST \/chat\/completions \(1 token\): HTTP 200/);
      expect(seen).toEqual(["GET /v1/models", "POST /v1/chat/completions"]);
      expect(bodies[0]).toEqual({ model: "deepseek-v4-pro", messages: [{ role: "user", content: "ping" }], max_tokens: 1, stream: false });
    } finally {
      await new Promise<void>((r) => srv.close(() => r()));
    }
  });
});

describe("progress indicator", () => {
  it("on a terminal: one spinner line, rewritten and erased at the end", async () => {
    const chunks: string[] = [];
    let t = 0;
    const p = createProgress({ write: (s: string) => chunks.push(s), isTTY: true }, { title: "checking", now: () => (t += 100) });
    const a = p.task("deepseek");
    const b = p.task("zhipu");
    a.done(true);
    b.done(false, "boom");
    p.stop();
    const text = chunks.join("");
    expect(text).toMatch(/^\r\x1b\[2K[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] checking: deepseek \(0\/1 done, /);
    expect(text).toContain("checking: deepseek, zhipu (0/2 done");
    expect(text).toContain("checking: zhipu (1/2 done");
    expect(text.endsWith("\r\x1b[2K")).toBe(true);
    expect(text).not.toContain("\n");
    p.stop();
    expect(chunks.join("")).toBe(text);
  });

  it("elsewhere: one plain line when a task starts and one when it ends", () => {
    const chunks: string[] = [];
    let t = 0;
    const p = createProgress({ write: (s: string) => chunks.push(s) }, { title: "checking", now: () => (t += 5) });
    const a = p.task("deepseek");
    a.done(false, "HTTP 500");
    a.done(true);
    p.stop();
    expect(chunks).toEqual(["… checking: deepseek\n", "✗ checking: deepseek — HTTP 500 (5 ms)\n"]);
  });
});
