// Hot reload, through the real CLI (`node bin/godex.mjs serve`): a good change to godex.yaml is applied
// within about 2 s; a broken file (YAML syntax, a config lint error, a mapping lint error) is rejected
// with a logged error and the running config stays in force; a stream in flight finishes on the
// config it started with; SIGHUP reloads (also with --no-watch). Plus the same guarantees at the
// RunningGateway.reload() level.
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startMockUpstreams, type MockUpstreams } from "../../src/mock/server.ts";
import {
  KEYS,
  SHIPPED_CONFIG,
  SHIPPED_MAPPINGS,
  parseSseText,
  postJson,
  startCli,
  startOpsStack,
  streamed,
  userInput,
  waitFor,
  type CliServer,
  type OpsStack,
} from "./helpers.ts";

/** How long a reload may take after the file is written ("within ~2 s"): 250 ms debounce + lint + build. */
const RELOAD_BUDGET_MS = 2500;

type ModelsList = { data: { id: string; owned_by: string }[] };

async function models(url: string): Promise<Record<string, string>> {
  const res = await fetch(`${url}/v1/models`);
  const body = (await res.json()) as ModelsList;
  return Object.fromEntries(body.data.map((m) => [m.id, m.owned_by]));
}

/** Writes `text` in one go (like most editors' final write). */
function write(file: string, text: string): void {
  writeFileSync(file, text);
}

/** Waits for the index-th+ log line matching `pred` (so earlier reloads do not count). */
async function waitForLog(cli: CliServer, from: number, pred: (l: Record<string, any>) => boolean, what: string, timeoutMs = 10_000): Promise<Record<string, any>> {
  const { value } = await waitFor(() => cli.logs().slice(from).find(pred), timeoutMs, `${what}\n--- stderr so far ---\n${cli.stderr().slice(-3000)}`, 25);
  return value!;
}

const RELOADED = (l: Record<string, any>) => l.msg === "configuration reloaded";
const REJECTED = (l: Record<string, any>) => typeof l.msg === "string" && l.msg.startsWith("configuration change rejected");

function scratch(prefix: string): { dir: string; config: string; mappings: string; home: string } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const mappings = join(dir, "mappings");
  const home = join(dir, "home");
  mkdirSync(home);
  cpSync(SHIPPED_MAPPINGS, mappings, { recursive: true });
  const config = join(dir, "godex.yaml");
  cpSync(SHIPPED_CONFIG, config);
  return { dir, config, mappings, home };
}

describe("godex serve --mock: file-watch reload", () => {
  let s: ReturnType<typeof scratch>;
  let cli: CliServer;
  let shipped: string;
  /** The config applied in (a), the "running" one for (b). */
  let good: string;

  beforeAll(async () => {
    s = scratch("godex-ops-reload-");
    shipped = readFileSync(s.config, "utf8");
    cli = await startCli(["--config", s.config, "--mock", "--mappings", s.mappings], { GODEX_HOME: s.home });
  }, 60_000);

  afterAll(async () => {
    const code = await cli?.stop();
    expect(code, "godex serve exits cleanly on SIGTERM").toBe(0);
    rmSync(s.dir, { recursive: true, force: true });
  }, 30_000);

  it("serves the shipped aliases to begin with", async () => {
    const m = await models(cli.url);
    expect(m["gpt-5.5"]).toBe("godex:deepseek/deepseek-v4-pro");
    expect(m["gpt-5.4-mini"]).toBe("godex:zhipu/glm-5.1");
    expect(m["ops-added"]).toBeUndefined();
  });

  it("(a) applies an edited alias within ~2 s, and requests follow it", async () => {
    const from = cli.logs().length;
    good = shipped.replace("gpt-5.4-mini: zhipu/glm-5.1", "gpt-5.4-mini: minimax/MiniMax-M3\n    ops-added: xiaomi/mimo-v2.5-pro");
    expect(good).not.toBe(shipped);
    const written = Date.now();
    write(s.config, good);
    const { ms } = await waitFor(async () => {
      const m = await models(cli.url);
      return m["gpt-5.4-mini"] === "godex:minimax/MiniMax-M3" && m["ops-added"] === "godex:xiaomi/mimo-v2.5-pro";
    }, 10_000, "/v1/models to show the edited aliases", 25);
    expect(Date.now() - written, `reload took ${ms} ms`).toBeLessThanOrEqual(RELOAD_BUDGET_MS);
    const line = await waitForLog(cli, from, RELOADED, "a 'configuration reloaded' log line");
    expect(line.trigger).toContain("godex.yaml");
    // The untouched aliases are still there; requests are routed by the new table.
    const m = await models(cli.url);
    expect(m["gpt-5.5"]).toBe("godex:deepseek/deepseek-v4-pro");
    const r = await postJson(cli.url, { model: "gpt-5.4-mini", input: userInput("hello") });
    expect(r.status, JSON.stringify(r.json)).toBe(200);
    expect(r.json.godex).toMatchObject({ provider: "minimax", upstream_model: "MiniMax-M3" });
    const x = await postJson(cli.url, { model: "ops-added", input: userInput("hello") });
    expect(x.status, JSON.stringify(x.json)).toBe(200);
    expect(x.json.godex).toMatchObject({ provider: "xiaomi", upstream_model: "mimo-v2.5-pro" });
  }, 30_000);

  it("(b) rejects a godex.yaml that is not valid YAML, logs why, and keeps serving the running config", async () => {
    const before = await models(cli.url);
    const from = cli.logs().length;
    write(s.config, good.replace("ops-added: xiaomi/mimo-v2.5-pro", "ops-broken: [xiaomi/mimo-v2.5-pro\n  oops: {"));
    const line = await waitForLog(cli, from, REJECTED, "a rejection log line for broken YAML");
    expect(line.level).toBe("error");
    expect(line.trigger).toContain("godex.yaml");
    expect(typeof line.error).toBe("string");
    expect(line.error.length).toBeGreaterThan(0);
    expect(cli.logs().slice(from).some(RELOADED)).toBe(false);
    expect(await models(cli.url)).toEqual(before);
    const r = await postJson(cli.url, { model: "ops-added", input: userInput("still here?") });
    expect(r.status).toBe(200);
    expect(r.json.godex.provider).toBe("xiaomi");
  }, 30_000);

  it("(b) rejects a godex.yaml with a lint error (unknown key), naming the rule and the place", async () => {
    const before = await models(cli.url);
    const from = cli.logs().length;
    write(s.config, good.replace("ops-added: xiaomi/mimo-v2.5-pro", "ops-added: xiaomi/mimo-v2.5-pro\n    ops-lint-bad: zhipu/glm-5.1").replace("server:\n", "server:\n  bogus_setting: 1\n"));
    const line = await waitForLog(cli, from, REJECTED, "a rejection log line for a config lint error");
    expect(line.error).toContain("bogus_setting");
    expect(line.error).toMatch(/godex\.yaml:\d+:\d+/);
    expect(await models(cli.url)).toEqual(before);
    expect((await models(cli.url))["ops-lint-bad"]).toBeUndefined();
    // Back to the good file: reloaded (nothing was stuck).
    const from2 = cli.logs().length;
    write(s.config, good);
    await waitForLog(cli, from2, RELOADED, "a reload after restoring the good config");
    expect(await models(cli.url)).toEqual(before);
  }, 30_000);

  it("(b) rejects a mapping file with a lint error, keeps it rejected for later config edits, and recovers once fixed", async () => {
    const mappingFile = join(s.mappings, "deepseek.yaml");
    const original = readFileSync(mappingFile, "utf8");
    const before = await models(cli.url);
    let from = cli.logs().length;
    write(mappingFile, `${original}\nbogus_rule: true\n`);
    const line = await waitForLog(cli, from, REJECTED, "a rejection log line for a mapping lint error");
    expect(line.trigger).toContain("deepseek.yaml");
    expect(line.error).toContain("bogus_rule");
    expect(line.error).toContain("mapping-schema");
    // The running config (with the good deepseek mapping) still serves DeepSeek.
    const ok = await postJson(cli.url, { model: "gpt-5.5", input: userInput("hello") });
    expect(ok.status, JSON.stringify(ok.json)).toBe(200);
    expect(ok.json.godex.provider).toBe("deepseek");

    // A config edit while the mapping is still broken is rejected too: everything is checked together.
    from = cli.logs().length;
    const withAlias = good.replace("ops-added: xiaomi/mimo-v2.5-pro", "ops-added: xiaomi/mimo-v2.5-pro\n    ops-after-fix: zhipu/glm-5.2");
    write(s.config, withAlias);
    await waitForLog(cli, from, REJECTED, "a rejection of the config edit while the mapping is broken");
    expect(await models(cli.url)).toEqual(before);

    // Fixing the mapping reloads everything, the pending config edit included.
    from = cli.logs().length;
    write(mappingFile, original);
    const fixed = await waitForLog(cli, from, RELOADED, "a reload once the mapping is fixed");
    expect(fixed.trigger).toContain("deepseek.yaml");
    expect((await models(cli.url))["ops-after-fix"]).toBe("godex:zhipu/glm-5.2");
    good = withAlias;
  }, 30_000);

  it("(d) reloads on SIGHUP", async () => {
    const from = cli.logs().length;
    cli.child.kill("SIGHUP");
    const line = await waitForLog(cli, from, RELOADED, "a reload triggered by SIGHUP");
    expect(line.trigger).toBe("SIGHUP");
    expect(cli.child.exitCode).toBeNull();
  }, 30_000);

  it("never logs a provider key while reloading", () => {
    for (const key of ["mock-deepseek-key", "mock-zhipu-key", "mock-minimax-key", "mock-xiaomi-key"]) expect(cli.stderr()).not.toContain(key);
  });
});

describe("godex serve --no-watch: SIGHUP is the only trigger", () => {
  let s: ReturnType<typeof scratch>;
  let cli: CliServer;

  beforeAll(async () => {
    s = scratch("godex-ops-hup-");
    cli = await startCli(["--config", s.config, "--mock", "--mappings", s.mappings, "--no-watch"], { GODEX_HOME: s.home });
  }, 60_000);

  afterAll(async () => {
    await cli?.stop();
    rmSync(s.dir, { recursive: true, force: true });
  }, 30_000);

  it("ignores the file change until SIGHUP, then applies it; a broken file on SIGHUP is rejected", async () => {
    const shipped = readFileSync(s.config, "utf8");
    const edited = shipped.replace("gpt-5.5: deepseek/deepseek-v4-pro", "gpt-5.5: zhipu/glm-5.3");
    expect(edited).not.toBe(shipped);
    write(s.config, edited);
    // Well past the debounce and a lint run: nothing happens without a watcher.
    await new Promise((r) => setTimeout(r, 1500));
    expect((await models(cli.url))["gpt-5.5"]).toBe("godex:deepseek/deepseek-v4-pro");
    let from = cli.logs().length;
    cli.child.kill("SIGHUP");
    const line = await waitForLog(cli, from, RELOADED, "a SIGHUP reload");
    expect(line.trigger).toBe("SIGHUP");
    expect((await models(cli.url))["gpt-5.5"]).toBe("godex:zhipu/glm-5.3");

    write(s.config, "models: [this is not\n");
    from = cli.logs().length;
    cli.child.kill("SIGHUP");
    const rejected = await waitForLog(cli, from, REJECTED, "a SIGHUP reload rejected");
    expect(rejected.trigger).toBe("SIGHUP");
    expect((await models(cli.url))["gpt-5.5"]).toBe("godex:zhipu/glm-5.3");
  }, 30_000);
});

describe("godex serve: a stream in flight finishes on the config it started with", () => {
  let mock: MockUpstreams;
  let dir: string;
  let cli: CliServer;
  let configFile: string;

  const configYaml = (alias: string) => `server:
  host: 127.0.0.1
  port: 5678
models:
  aliases:
    gpt-5.5: ${alias}
providers:
  deepseek:
    spec: deepseek
    credentials: { api_key: "\${OPS_DEEPSEEK_KEY}" }
    endpoint: { base_url: ${mock.baseUrl("deepseek")} }
    models: [deepseek-v4-pro]
    retry: { max_attempts: 1 }
  zhipu:
    spec: zhipu
    credentials: { api_key: "\${OPS_ZHIPU_KEY}" }
    endpoint: { base_url: ${mock.baseUrl("zhipu")} }
    models: [glm-5.1]
    retry: { max_attempts: 1 }
logging:
  level: info
`;

  beforeAll(async () => {
    // A test-owned emulator host: the CLI's real config points at it, so the test can script a slow stream.
    mock = await startMockUpstreams({ keys: { deepseek: KEYS.deepseek, zhipu: KEYS.zhipu } });
    dir = mkdtempSync(join(tmpdir(), "godex-ops-inflight-"));
    mkdirSync(join(dir, "home"));
    configFile = join(dir, "godex.yaml");
    write(configFile, configYaml("deepseek/deepseek-v4-pro"));
    cli = await startCli(["--config", configFile, "--no-mock"], { GODEX_HOME: join(dir, "home"), OPS_DEEPSEEK_KEY: KEYS.deepseek, OPS_ZHIPU_KEY: KEYS.zhipu });
  }, 60_000);

  afterAll(async () => {
    await cli?.stop();
    await mock?.close();
    rmSync(dir, { recursive: true, force: true });
  }, 30_000);

  it("(c) completes the in-flight stream on deepseek while new requests already go to zhipu", async () => {
    const parts = Array.from({ length: 30 }, (_, i) => `w${i} `);
    // 30+ frames, 100 ms apart: about 3.5 s of stream, enough for a reload (debounce + lint) in the middle.
    mock.enqueue("deepseek", { sse: streamed(parts, { prompt: 9, completion: 30, cached: 0, reasoning: 0 }), chunkDelayMs: 100 });
    const res = await fetch(`${cli.url}/v1/responses`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ model: "gpt-5.5", input: userInput("stream slowly"), stream: true }) });
    expect(res.status).toBe(200);
    const requestId = res.headers.get("x-request-id");
    let text = "";
    let done = false;
    let sawDelta = false;
    const reading = (async () => {
      const decoder = new TextDecoder();
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        text += decoder.decode(chunk, { stream: true });
        if (text.includes("response.output_text.delta")) sawDelta = true;
      }
      done = true;
    })();
    await waitFor(() => sawDelta, 5000, "the first text delta");

    const from = cli.logs().length;
    write(configFile, configYaml("zhipu/glm-5.1"));
    await waitFor(async () => (await models(cli.url))["gpt-5.5"] === "godex:zhipu/glm-5.1", 10_000, "the reload to apply", 25);
    await waitForLog(cli, from, RELOADED, "'configuration reloaded'");
    expect(done, "the reload happened while the stream was still open").toBe(false);

    // A new request already uses the new config.
    const fresh = await postJson(cli.url, { model: "gpt-5.5", input: userInput("hello") });
    expect(fresh.status, JSON.stringify(fresh.json)).toBe(200);
    expect(fresh.json.godex).toMatchObject({ provider: "zhipu", upstream_model: "glm-5.1" });
    expect(done, "the new request finished while the old stream was still open").toBe(false);

    await reading;
    const events = parseSseText(text);
    const terminal = events.filter((e) => ["response.completed", "response.incomplete", "response.failed"].includes(e.event));
    expect(terminal.map((e) => e.event)).toEqual(["response.completed"]);
    expect(events.at(-1)!.event).toBe("response.completed");
    const completed = events.at(-1)!.data.response;
    expect(completed.godex).toMatchObject({ provider: "deepseek", upstream_model: "deepseek-v4-pro" });
    const out = events.filter((e) => e.event === "response.output_text.delta").map((e) => e.data.delta).join("");
    expect(out).toBe(parts.join(""));
    expect(completed.usage).toMatchObject({ input_tokens: 9, output_tokens: 30 });
    // Exactly one upstream call each: the stream was not restarted on the new config.
    expect(mock.requests.filter((r) => r.provider === "deepseek").length).toBe(1);
    expect(mock.requests.filter((r) => r.provider === "zhipu").length).toBe(1);
    const line = await waitForLog(cli, 0, (l) => l.msg === "response" && l.requestId === requestId, "the stream's log line");
    expect(line).toMatchObject({ alias: "gpt-5.5", provider: "deepseek", model: "deepseek-v4-pro", status: 200, outcome: "completed" });
    for (const key of Object.values(KEYS)) expect(cli.stderr()).not.toContain(key);
  }, 30_000);
});

describe("RunningGateway.reload (in process)", () => {
  let stack: OpsStack;

  beforeAll(async () => {
    stack = await startOpsStack();
  });
  afterAll(async () => {
    await stack?.close();
  });

  it("keeps an in-flight stream on its runtime when the config is swapped mid-stream", async () => {
    const parts = ["one ", "two ", "three ", "four ", "five"];
    stack.mock.enqueue("deepseek", { sse: streamed(parts, { prompt: 3, completion: 5, cached: 0, reasoning: 0 }), chunkDelayMs: 150 });
    const res = await fetch(`${stack.url}/v1/responses`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ model: "gpt-5.5", input: userInput("hi"), stream: true }) });
    const reader = res.body!.getReader();
    const first = await reader.read(); // the stream has started on the deepseek runtime
    expect(first.done).toBe(false);
    const oldRuntime = stack.gw.runtime;
    stack.gw.reload(stack.configWith({ aliases: { "gpt-5.5": "zhipu/glm-5.1" } }));
    expect(stack.gw.runtime).not.toBe(oldRuntime);
    expect(stack.gw.runtime.resolve("gpt-5.5")).toMatchObject({ provider: "zhipu", model: "glm-5.1" });
    let text = new TextDecoder().decode(first.value);
    for (let r = await reader.read(); !r.done; r = await reader.read()) text += new TextDecoder().decode(r.value);
    const events = parseSseText(text);
    expect(events.at(-1)!.event).toBe("response.completed");
    expect(events.at(-1)!.data.response.godex).toMatchObject({ provider: "deepseek", upstream_model: "deepseek-v4-pro" });
    expect(events.filter((e) => e.event === "response.output_text.delta").map((e) => e.data.delta).join("")).toBe(parts.join(""));
  });

  it("throws on a config that cannot be built and keeps the running one", async () => {
    const running = stack.gw.runtime;
    const base = stack.configWith({ aliases: { "gpt-5.5": "zhipu/glm-5.1" } });
    // A provider whose mapping file does not exist: building the runtime fails.
    const bad = { ...base, providers: { ...base.providers, zhipu: { ...base.providers.zhipu!, spec: "ops-no-such-mapping" } } };
    expect(() => stack.gw.reload(bad)).toThrow();
    expect(stack.gw.runtime).toBe(running);
    expect(stack.gw.runtime.resolve("gpt-5.5")).toMatchObject({ provider: running.resolve("gpt-5.5")!.provider });
    const r = await postJson(stack.url, { model: "gpt-5.5", input: userInput("hi") });
    expect(r.status, JSON.stringify(r.json)).toBe(200);
  });
});
