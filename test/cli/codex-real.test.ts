// What `godex init --write-codex` writes, checked with the real Codex CLI (@openai/codex 0.171 and 0.169,
// devDependencies): `codex exec --strict-config` accepts config.toml + the model catalog, knows GodeX's
// models (no "metadata not found" fallback), and sends the apply_patch tool and a reasoning effort —
// seen in the request the DeepSeek emulator receives. Everything runs on 127.0.0.1.
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { CODEX_BUILDS, describeRun, initCodexHome, initedStackPool, runCodex, type CodexBuild, type CodexRun } from "../e2e/helpers.ts";

const FIXTURES = join(import.meta.dirname, "../fixtures/cli");
const TIMEOUT = 90_000;

type ChatBody = { model: string; thinking?: { type: string }; reasoning_effort?: string; tools?: { function?: { name: string } }[] };

// The tests run concurrently (both Codex builds); each takes one of two stacks for its run.
const pool = initedStackPool(2);
afterAll(() => pool.close());

interface Session {
  /** Runs `godex init --write-codex` into a new CODEX_HOME named `name`; returns its stdout. */
  initInto(name: string, seed?: string): Promise<{ home: string; out: string }>;
  codex(home: string, args: string[]): Promise<CodexRun>;
  upstream(): ChatBody[];
  /** Queries the search emulator (SearXNG-shaped) received. */
  searches(): string[];
}

function session<R>(build: CodexBuild, fn: (s: Session) => Promise<R>): Promise<R> {
  return pool.use(async (stack) => {
    const dir = mkdtempSync(join(stack.root, "t-"));
    try {
      return await fn({
        async initInto(name, seed) {
          const home = join(dir, name);
          return { home, out: await initCodexHome(stack, home, seed) };
        },
        codex(home, args) {
          const work = join(dir, "work");
          mkdirSync(work, { recursive: true });
          return runCodex({ cwd: work, codexHome: home, prompt: "hi", args: ["--strict-config", ...args], timeoutMs: 45_000, build });
        },
        upstream: () => stack.mock.requests.filter((r) => r.method === "POST" && r.provider === "deepseek").map((r) => r.body as ChatBody),
        searches: () => stack.mock.requests.filter((r) => r.provider === "searxng").map((r) => new URL(r.path, "http://x").searchParams.get("q") ?? ""),
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

function expectKnownModel(r: CodexRun): void {
  const dump = describeRun(r);
  expect(r.code, dump).toBe(0);
  expect(r.stdout + r.stderr, dump).not.toMatch(/metadata for .* not found|fallback metadata/i);
  expect(r.stderr, dump).not.toMatch(/unknown configuration field|failed to parse model_catalog_json/);
  // init writes supports_websockets = true (GodeX serves WebSocket mode): the upgrade must not fail.
  expect(r.stderr, dump).not.toMatch(/failed to connect to Responses WebSocket/);
  expect(r.events.some((e) => e.type === "item.completed" && e.item?.type === "agent_message"), dump).toBe(true);
}

describe.concurrent.each(CODEX_BUILDS)("real Codex $version CLI with the config godex init --write-codex writes", (build) => {
  it(
    "fresh CODEX_HOME: strict config accepted; the catalog gives gpt-5.5 apply_patch and a reasoning effort",
    () => session(build, async ({ initInto, codex, upstream }) => {
      const { home } = await initInto("fresh");
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
    }),
    TIMEOUT,
  );

  it(
    "a provider/model slug from the catalog, with an explicit effort",
    () => session(build, async ({ initInto, codex, upstream }) => {
      const { home } = await initInto("slug");
      const r = await codex(home, ["-m", "deepseek/deepseek-v4-flash", "-c", "model_reasoning_effort=xhigh"]);
      expectKnownModel(r);
      const [body] = upstream();
      expect(body!.model).toBe("deepseek-v4-flash");
      expect(body!.reasoning_effort).toBe("max");
      expect((body!.tools ?? []).map((t) => t.function?.name)).toContain("apply_patch");
    }),
    TIMEOUT,
  );

  it(
    "a home with other providers and another default: the merged config.toml passes --strict-config, codex -p godex uses GodeX",
    () => session(build, async ({ initInto, codex, upstream }) => {
      const { home, out } = await initInto("other", join(FIXTURES, "codex-home-other/config.toml"));
      expect(out).toContain("codex -p godex");
      const r = await codex(home, ["-p", "godex"]);
      expectKnownModel(r);
      const [body] = upstream();
      expect(body!.model).toBe("deepseek-v4-pro");
      expect((body!.tools ?? []).map((t) => t.function?.name)).toContain("apply_patch");
    }),
    TIMEOUT,
  );

  it(
    "an older GodeX block updated in place passes --strict-config",
    () => session(build, async ({ initInto, codex, upstream }) => {
      const { home } = await initInto("old", join(FIXTURES, "codex-home-godex-old/config.toml"));
      const r = await codex(home, ["-m", "gpt-5.5"]);
      expectKnownModel(r);
      expect(upstream()[0]!.model).toBe("deepseek-v4-pro");
    }),
    TIMEOUT,
  );
});

describe("real Codex CLI with GodeX-hosted web search (the search emulator of godex serve --mock)", () => {
  it(
    "the emulated model searches, GodeX runs the search, Codex shows the answer citing the result",
    () => session(CODEX_BUILDS[0]!, async ({ initInto, searches }) => {
      const { home } = await initInto("search");
      const work = join(home, "..", "work-search");
      mkdirSync(work, { recursive: true });
      const r = await runCodex({ cwd: work, codexHome: home, prompt: "search the web for vitest config", args: ["--strict-config", "-m", "gpt-5.5"], timeoutMs: 45_000, build: CODEX_BUILDS[0]! });
      const dump = describeRun(r);
      expect(r.code, dump).toBe(0);
      const answer = r.events.filter((e) => e.type === "item.completed" && e.item?.type === "agent_message").map((e) => String(e.item?.text ?? "")).join("\n");
      expect(answer, dump).toContain("https://docs.example.org/vitest-config/1");
      expect(searches(), dump).toEqual(["vitest config"]);
    }),
    TIMEOUT,
  );
});
