// The real Codex CLI through GodeX to every provider's native /responses emulator (godex.yaml `wire:
// responses`): a shell round trip whose second request carries the first turn's reasoning restored
// byte-exact from GodeX's carrier (reasoning_text, or summary_text for MiniMax), and apply_patch
// creating a file (native for DeepSeek, converted for the others). Then one conversation that moves
// from the Chat wire to the native wire between its two requests.
import { existsSync, readFileSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { buildCodexCatalog, renderCatalog } from "../../src/cli/codex-catalog.ts";
import { loadConfigFromObject } from "../../src/config/load.ts";
import { NativeResponses } from "../../src/mock/native.ts";
import { deepseekNative, minimaxNative, xiaomiNative, zhipuNative } from "../../src/mock/native-profiles.ts";
import type { RecordedRequest } from "../../src/mock/types.ts";
import { describeRun, makeCodexDirs, PROVIDER_ALIASES, PROVIDERS, runCodex, startStack, type CodexRun, type ProviderName, type Stack } from "./helpers.ts";

const TEST_TIMEOUT = 60_000;
const RUN_TIMEOUT = 45_000;
const NATIVE_PROFILES = { deepseek: deepseekNative, zhipu: zhipuNative, minimax: minimaxNative, xiaomi: xiaomiNative };
const NATIVE_PATH: Record<ProviderName, RegExp> = {
  deepseek: /^\/deepseek\/responses$/,
  zhipu: /^\/zhipu\/api\/v1\/responses$/,
  minimax: /^\/minimax\/responses$/,
  xiaomi: /^\/xiaomi\/responses$/,
};

type Item = { type?: string; role?: string; content?: unknown; summary?: { type: string; text: string }[]; call_id?: string; name?: string };

function posts(stack: Stack): RecordedRequest[] {
  return stack.mock.requests.filter((r) => r.method === "POST");
}

function expectClean(r: CodexRun) {
  const dump = describeRun(r);
  expect(r.timedOut, dump).toBe(false);
  expect(r.code, dump).toBe(0);
  expect(r.events.at(-1)?.type, dump).toBe("turn.completed");
  expect(r.events.filter((e) => e.type === "item.completed" && e.item?.type === "error"), dump).toEqual([]);
}

/** The reasoning the native emulator produced for `req` (it is deterministic but for ids). */
function emulatedReasoning(provider: ProviderName, req: RecordedRequest): string {
  const body = { ...(req.body as Record<string, unknown>), stream: false };
  const reply = new NativeResponses(NATIVE_PROFILES[provider]()).handle({ method: "POST", path: "/responses", headers: {}, rawBody: JSON.stringify(body), expectedKey: "" });
  const out = JSON.parse((reply as { body: string }).body).output as { type: string; content?: { text: string }[] }[];
  return out.find((o) => o.type === "reasoning")?.content?.[0]?.text ?? "";
}

/** The text of the reasoning items GodeX sent back (content for most, summary for MiniMax). */
function sentReasoning(req: RecordedRequest): string[] {
  const input = (req.body as { input: Item[] }).input;
  return input
    .filter((i) => i.type === "reasoning")
    .map((i) => {
      const content = Array.isArray(i.content) ? (i.content as { type: string; text: string }[]).filter((c) => c.type === "reasoning_text").map((c) => c.text).join("") : "";
      return content || (i.summary ?? []).map((s) => s.text).join("");
    });
}

describe("Codex through the native Responses wire", () => {
  let stack: Stack;
  let catalogFile: string;
  let dirs: Awaited<ReturnType<typeof makeCodexDirs>>;

  beforeAll(async () => {
    stack = await startStack({ providers: PROVIDERS, wires: { deepseek: "responses", zhipu: "responses", minimax: "responses", xiaomi: "responses" } });
    catalogFile = join(stack.tmp, "godex-models.json");
    await writeFile(catalogFile, renderCatalog(buildCodexCatalog(stack.config)));
  });
  afterAll(async () => {
    await stack?.close();
  });
  beforeEach(async () => {
    stack.mock.clear();
    dirs = await makeCodexDirs(stack.gatewayUrl, "", `model_catalog_json = ${JSON.stringify(catalogFile)}`);
  });
  afterEach(async () => {
    await dirs?.cleanup();
  });

  const codex = (model: string, prompt: string) => runCodex({ cwd: dirs.work, codexHome: dirs.home, prompt, args: ["-m", model], timeoutMs: RUN_TIMEOUT });

  for (const provider of PROVIDERS) {
    it(`${provider}: shell round trip, reasoning passed back byte-exact on the native wire`, async () => {
      const r = await codex(PROVIDER_ALIASES[provider], "run `echo native-wire-ok`");
      expectClean(r);
      const dump = describeRun(r);
      const reqs = posts(stack);
      expect(reqs.length, dump).toBe(2);
      for (const q of reqs) expect(q.path, dump).toMatch(NATIVE_PATH[provider]);
      const commands = r.events.filter((e) => e.type === "item.completed" && e.item?.type === "command_execution");
      expect(commands.length, dump).toBe(1);
      expect(JSON.stringify(commands[0]), dump).toContain("native-wire-ok");
      // Turn 2 carries turn 1's reasoning exactly as the provider wrote it, and never encrypted_content.
      const reasoning = emulatedReasoning(provider, reqs[0]!);
      expect(reasoning, dump).toMatch(/^The user wants me to run echo native-wire-ok/);
      expect(sentReasoning(reqs[1]!), dump).toEqual([reasoning]);
      expect(reqs[1]!.rawBody, dump).not.toContain("encrypted_content");
      const last = r.events.filter((e) => e.type === "item.completed" && e.item?.type === "agent_message").at(-1);
      expect(JSON.stringify(last), dump).toContain("native-wire-ok");
    }, TEST_TIMEOUT);

    it(`${provider}: apply_patch creates a file through the native wire`, async () => {
      const r = await codex(PROVIDER_ALIASES[provider], "create file native.txt with hello from the native wire");
      expectClean(r);
      const dump = describeRun(r);
      const file = join(dirs.work, "native.txt");
      expect(existsSync(file), dump).toBe(true);
      expect(readFileSync(file, "utf8"), dump).toBe("hello from the native wire\n");
      const first = posts(stack)[0]!;
      expect(first.path, dump).toMatch(NATIVE_PATH[provider]);
      const tools = (first.body as { tools: { type: string; name: string }[] }).tools;
      const patch = tools.find((t) => t.name === "apply_patch");
      // DeepSeek takes a custom tool named apply_patch; the others get a function with one string argument.
      expect(patch?.type, dump).toBe(provider === "deepseek" ? "custom" : "function");
    }, TEST_TIMEOUT);
  }
});

describe("Codex: one conversation switching from the Chat wire to the native wire", () => {
  let stack: Stack;
  let catalogFile: string;
  let dirs: Awaited<ReturnType<typeof makeCodexDirs>>;

  beforeAll(async () => {
    stack = await startStack({ providers: ["deepseek"] });
    catalogFile = join(stack.tmp, "godex-models.json");
    await writeFile(catalogFile, renderCatalog(buildCodexCatalog(stack.config)));
    dirs = await makeCodexDirs(stack.gatewayUrl, "", `model_catalog_json = ${JSON.stringify(catalogFile)}`);
  });
  afterAll(async () => {
    await dirs?.cleanup();
    await stack?.close();
  });

  it("turn 1 on Chat, turn 2 (after the shell call) on the native wire: the history stays valid, reasoning restored", async () => {
    // The user flips the wire in godex.yaml while the first request is being answered (a hot reload).
    const raw = { server: { host: "127.0.0.1", port: 0 }, models: { aliases: { [PROVIDER_ALIASES.deepseek]: "deepseek/deepseek-v4-pro" } }, providers: { deepseek: { credentials: { api_key: "mock-deepseek-key" }, endpoint: { base_url: stack.mock.baseUrl("deepseek") }, models: ["deepseek-v4-pro"], retry: { max_attempts: 1 }, wire: "responses" } }, logging: { level: "silent" } };
    let switched = false;
    stack.mock.onRequest = () => {
      if (switched) return;
      switched = true;
      stack.gateway.reload(loadConfigFromObject(raw, {}));
    };
    try {
      const r = await runCodex({ cwd: dirs.work, codexHome: dirs.home, prompt: "run `echo switched-wire`", args: ["-m", PROVIDER_ALIASES.deepseek], timeoutMs: RUN_TIMEOUT });
      expectClean(r);
      const dump = describeRun(r);
      const reqs = posts(stack);
      expect(reqs.map((q) => q.path), dump).toEqual(["/deepseek/chat/completions", "/deepseek/responses"]);
      // The Chat turn's reasoning (sealed by GodeX) comes back on the native wire as reasoning_text.
      const sent = sentReasoning(reqs[1]!);
      expect(sent, dump).toEqual(["The user wants me to run echo switched-wire. I will call exec_command."]);
      const input = (reqs[1]!.body as { input: Item[] }).input;
      const call = input.find((i) => i.type === "function_call");
      const output = input.find((i) => i.type === "function_call_output");
      expect(call?.call_id, dump).toBe(output?.call_id);
      expect(JSON.stringify(r.events.filter((e) => e.type === "item.completed" && e.item?.type === "agent_message").at(-1)), dump).toContain("switched-wire");
    } finally {
      stack.mock.onRequest = undefined;
    }
  }, TEST_TIMEOUT);
});
