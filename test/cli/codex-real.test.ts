// What `godex init --write-codex` writes, checked with the real Codex CLI (@openai/codex 0.169, a
// devDependency): `codex exec --strict-config` accepts config.toml + the model catalog, knows GodeX's
// models (no "metadata not found" fallback), and sends the apply_patch tool and a reasoning effort —
// seen in the request the DeepSeek emulator receives. Everything runs on 127.0.0.1.
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { init } from "../../src/cli/init.ts";
import { withMockProviders } from "../../src/cli/mock-config.ts";
import { loadConfig } from "../../src/config/load.ts";
import { startMockUpstreams, type MockUpstreams } from "../../src/mock/server.ts";
import { startGateway, type RunningGateway } from "../../src/server/start.ts";
import { describeRun, runCodex, type CodexRun } from "../e2e/helpers.ts";
import { freePort, memoryIO } from "../fixtures/cli/io.ts";

const FIXTURES = join(import.meta.dirname, "../fixtures/cli");
const TIMEOUT = 60_000;

type ChatBody = { model: string; thinking?: { type: string }; reasoning_effort?: string; tools?: { function?: { name: string } }[] };

let root: string;
let port: number;
let mock: MockUpstreams;
let gateway: RunningGateway;

async function initInto(home: string): Promise<string> {
  const m = memoryIO({ cwd: root, env: {} });
  const code = await init(["--write-codex", "--port", String(port), "--codex-home", home], m.io);
  expect(code, m.stdout() + m.stderr()).toBe(0);
  return m.stdout();
}

function codex(home: string, args: string[]): Promise<CodexRun> {
  const work = join(root, "work");
  mkdirSync(work, { recursive: true });
  return runCodex({ cwd: work, codexHome: home, prompt: "hi", args: ["--strict-config", ...args], timeoutMs: 45_000 });
}

function upstream(): ChatBody[] {
  return mock.requests.filter((r) => r.method === "POST" && r.provider === "deepseek").map((r) => r.body as ChatBody);
}

function expectKnownModel(r: CodexRun): void {
  const dump = describeRun(r);
  expect(r.code, dump).toBe(0);
  expect(r.stdout + r.stderr, dump).not.toMatch(/metadata for .* not found|fallback metadata/i);
  expect(r.stderr, dump).not.toMatch(/unknown configuration field|failed to parse model_catalog_json/);
  expect(r.events.some((e) => e.type === "item.completed" && e.item?.type === "agent_message"), dump).toBe(true);
}

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), "godex-codex-real-"));
  port = await freePort();
  // A GodeX as `godex serve --mock` runs it, on the port `godex init --port` wrote.
  const m = memoryIO({ cwd: root, env: {} });
  expect(await init(["--port", String(port), "--codex-home", join(root, "unused")], m.io)).toBe(0);
  mock = await startMockUpstreams();
  const config = withMockProviders(loadConfig(join(root, "godex.yaml"), {}), mock).config;
  gateway = await startGateway({ ...config, logging: { ...config.logging, level: "silent" } }, { carrierKeyFile: join(root, "carrier.key"), mock: true });
});

afterAll(async () => {
  await gateway?.close();
  await mock?.close();
  rmSync(root, { recursive: true, force: true });
});

beforeEach(() => mock.clear());

describe("real Codex CLI with the config godex init --write-codex writes", () => {
  it(
    "fresh CODEX_HOME: strict config accepted; the catalog gives gpt-5.5 apply_patch and a reasoning effort",
    async () => {
      const home = join(root, "fresh");
      await initInto(home);
      const r = await codex(home, []);
      expectKnownModel(r);
      const [body] = upstream();
      expect(body, describeRun(r)).toBeDefined();
      expect(body!.model).toBe("deepseek-v4-pro");
      const tools = (body!.tools ?? []).map((t) => t.function?.name);
      expect(tools).toContain("apply_patch");
      expect(tools).toContain("exec_command");
      // Codex sent reasoning.effort "medium" (the catalog's default), bridged to DeepSeek thinking + high.
      expect(body!.thinking).toEqual({ type: "enabled" });
      expect(body!.reasoning_effort).toBe("high");
    },
    TIMEOUT,
  );

  it(
    "a provider/model slug from the catalog, with an explicit effort",
    async () => {
      const home = join(root, "slug");
      await initInto(home);
      const r = await codex(home, ["-m", "deepseek/deepseek-v4-flash", "-c", "model_reasoning_effort=xhigh"]);
      expectKnownModel(r);
      const [body] = upstream();
      expect(body!.model).toBe("deepseek-v4-flash");
      expect(body!.reasoning_effort).toBe("max");
      expect((body!.tools ?? []).map((t) => t.function?.name)).toContain("apply_patch");
    },
    TIMEOUT,
  );

  it(
    "a home with other providers and another default: the merged config.toml passes --strict-config, codex -p godex uses GodeX",
    async () => {
      const home = join(root, "other");
      mkdirSync(home);
      copyFileSync(join(FIXTURES, "codex-home-other/config.toml"), join(home, "config.toml"));
      const out = await initInto(home);
      expect(out).toContain("codex -p godex");
      const r = await codex(home, ["-p", "godex"]);
      expectKnownModel(r);
      const [body] = upstream();
      expect(body!.model).toBe("deepseek-v4-pro");
      expect((body!.tools ?? []).map((t) => t.function?.name)).toContain("apply_patch");
    },
    TIMEOUT,
  );

  it(
    "an older GodeX block updated in place passes --strict-config",
    async () => {
      const home = join(root, "old");
      mkdirSync(home);
      copyFileSync(join(FIXTURES, "codex-home-godex-old/config.toml"), join(home, "config.toml"));
      await initInto(home);
      const r = await codex(home, ["-m", "gpt-5.5"]);
      expectKnownModel(r);
      expect(upstream()[0]!.model).toBe("deepseek-v4-pro");
    },
    TIMEOUT,
  );

describe("real Codex CLI with GodeX-hosted web search (godex serve --mock: the search emulator)", () => {
  it(
    "the emulated model searches, GodeX runs the search, Codex shows the answer citing the result",
    async () => {
      const home = join(root, "search");
      mkdirSync(home);
      await initInto(home);
      const work = join(root, "work");
      mkdirSync(work, { recursive: true });
      const r = await runCodex({ cwd: work, codexHome: home, prompt: "search the web for vitest config", args: ["--strict-config", "-m", "gpt-5.5"], timeoutMs: 45_000 });
      const dump = describeRun(r);
      expect(r.code, dump).toBe(0);
      const answer = r.events.filter((e) => e.type === "item.completed" && e.item?.type === "agent_message").map((e) => String(e.item?.text ?? "")).join("\n");
      expect(answer, dump).toContain("https://docs.example.org/vitest-config/1");
      const searches = mock.requests.filter((q) => q.provider === "searxng");
      expect(searches, dump).toHaveLength(1);
      expect(new URL(searches[0]!.path, "http://x").searchParams.get("q")).toBe("vitest config");
    },
    TIMEOUT,
  );
});
});
