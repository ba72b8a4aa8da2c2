// The real Codex CLI (`codex exec --json`, workspace-write sandbox) through GodeX to every provider's emulator:
// DeepSeek, Zhipu GLM, MiniMax and Xiaomi MiMo, once per Codex build under test (0.171 and 0.169); the tests
// run concurrently, each on one of a few pooled stacks. Per provider, with thinking on (Codex's default effort):
//   - a shell round trip, checking the provider's reasoning pass-back byte for byte in the second request;
//   - apply_patch creating a file (the freeform tool is offered upstream);
// and one run each with `-c model_reasoning_effort=xhigh` and `=none`, checking the exact thinking / effort
// fields the emulator received against the mapping's effort table.
//
// Codex sends `reasoning` and the apply_patch tool only for models it has metadata for, so CODEX_HOME gets
// the model catalog `godex init --write-codex` writes (buildCodexCatalog) for this stack's config.
import { existsSync, readFileSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { buildCodexCatalog, renderCatalog } from "../../src/cli/codex-catalog.ts";
import { DIALECTS } from "../../src/mock/dialects.ts";
import type { RecordedRequest } from "../../src/mock/types.ts";
import {
  CODEX_BUILDS,
  describeRun,
  emulatorNotes,
  makeCodexDirs,
  PROVIDER_ALIASES,
  PROVIDER_MODELS,
  PROVIDERS,
  runCodex,
  stackPool,
  type CodexBuild,
  type CodexEvent,
  type CodexRun,
  type ProviderName,
  type Stack,
} from "./helpers.ts";

const TEST_TIMEOUT = 90_000;
const RUN_TIMEOUT = 45_000;

type ToolCall = { id: string; type: string; function: { name: string; arguments: string } };
type Msg = { role: string; content?: unknown; tool_calls?: ToolCall[]; reasoning_content?: unknown; reasoning_details?: unknown; tool_call_id?: string };
type ChatBody = { model: string; messages: Msg[]; stream?: boolean; tools?: { type?: string; function?: { name: string } }[]; [k: string]: unknown };

/** How the provider wants an assistant tool-call turn's reasoning back (mappings/<provider>.yaml `passback`). */
const PASSBACK: Record<ProviderName, "reasoning_content" | "think_in_content"> = {
  deepseek: "reasoning_content",
  zhipu: "reasoning_content",
  minimax: "think_in_content",
  xiaomi: "reasoning_content",
};

/**
 * Every thinking / effort field the upstream body may carry, and what each must be, per effort, for the
 * models under test (effort tables: deepseek `thinking`, zhipu `switch` (glm-5.1), minimax `m3`, xiaomi `switch`).
 * `medium` is Codex's default (the catalog's default_reasoning_level).
 */
const REASONING_KEYS = ["thinking", "reasoning_effort", "reasoning", "enable_thinking", "reasoning_split", "thinking_budget"];
const EFFORT_FIELDS: Record<ProviderName, Record<"medium" | "xhigh" | "none", Record<string, unknown>>> = {
  deepseek: {
    medium: { thinking: { type: "enabled" }, reasoning_effort: "high" },
    xhigh: { thinking: { type: "enabled" }, reasoning_effort: "max" },
    none: { thinking: { type: "disabled" } },
  },
  zhipu: {
    // glm-5.1 has a thinking switch without levels: no reasoning_effort at all.
    medium: { thinking: { type: "enabled" } },
    xhigh: { thinking: { type: "enabled" } },
    none: { thinking: { type: "disabled" } },
  },
  minimax: {
    // MiniMax-M3: adaptive thinking or off, no levels.
    medium: { thinking: { type: "adaptive" } },
    xhigh: { thinking: { type: "adaptive" } },
    none: { thinking: { type: "disabled" } },
  },
  xiaomi: {
    medium: { thinking: { type: "enabled" } },
    xhigh: { thinking: { type: "enabled" } },
    none: { thinking: { type: "disabled" } },
  },
};

/** Where each pooled stack's catalog lives (`godex init --write-codex` writes the same file). */
const catalogOf = (s: Stack): string => join(s.tmp, "godex-models.json");
const pool = stackPool(4, { providers: PROVIDERS }, (s) => writeFile(catalogOf(s), renderCatalog(buildCodexCatalog(s.config))));
afterAll(() => pool.close());

interface Session {
  work: string;
  codex(model: string, prompt: string, args?: string[]): Promise<CodexRun>;
  /** The chat requests the emulators received during this test. */
  posts(): RecordedRequest[];
}

/** One test's run: a pooled stack to itself, a fresh CODEX_HOME (with the catalog) and cwd, the given build. */
function session<R>(build: CodexBuild, fn: (s: Session) => Promise<R>): Promise<R> {
  return pool.use(async (stack) => {
    const dirs = await makeCodexDirs(stack.gatewayUrl, "", `model_catalog_json = ${JSON.stringify(catalogOf(stack))}`);
    try {
      return await fn({
        work: dirs.work,
        codex: (model, prompt, args = []) =>
          runCodex({ cwd: dirs.work, codexHome: dirs.home, prompt, args: ["-m", model, ...args], timeoutMs: RUN_TIMEOUT, build }),
        posts: () => stack.mock.requests.filter((r) => r.method === "POST"),
      });
    } finally {
      await dirs.cleanup();
    }
  });
}

function items(r: CodexRun, type: string): NonNullable<CodexEvent["item"]>[] {
  return r.events.flatMap((e) => (e.type === "item.completed" && e.item?.type === type ? [e.item] : []));
}

function reasoningFields(body: ChatBody): Record<string, unknown> {
  return Object.fromEntries(REASONING_KEYS.filter((k) => k in body).map((k) => [k, body[k]]));
}

/** A run that went through with the catalog: rc 0, no fallback metadata, no ignored config keys. */
function expectCleanRun(r: CodexRun): void {
  const dump = describeRun(r);
  expect(r.timedOut, dump).toBe(false);
  expect(r.code, dump).toBe(0);
  expect(r.events[0]?.type, dump).toBe("thread.started");
  expect(r.events.at(-1)?.type, dump).toBe("turn.completed");
  expect(r.stdout + r.stderr, dump).not.toMatch(/Model metadata for .* not found|fallback metadata/i);
  expect(r.stdout + r.stderr, dump).not.toMatch(/unrecognized configuration setting|failed to parse model_catalog_json/i);
  expect(items(r, "error"), dump).toEqual([]);
}

interface EmulatedReply {
  reasoning: string;
  content: string;
  calls: { name: string; arguments: string }[];
}

/**
 * What the emulator streamed back for `req`: the same dialect, fed the same bytes, renders the same reasoning,
 * content (MiniMax's `<think>` spelling is seeded by the request body) and tool calls; only ids are random.
 */
function emulatedReply(req: RecordedRequest): EmulatedReply {
  const dialect = DIALECTS[req.provider]!.create();
  const path = req.path.slice(req.provider.length + 1).split("?")[0]!;
  const res = dialect.handle({ method: req.method, path, headers: req.headers, rawBody: req.rawBody, expectedKey: "" });
  if (!("events" in res)) throw new Error(`${req.provider} emulator answered ${res.status}: ${res.body}`);
  const out: EmulatedReply = { reasoning: "", content: "", calls: [] };
  for (const frame of res.events) {
    const data = /^data: (.*)$/m.exec(frame)?.[1];
    if (!data || data === "[DONE]") continue;
    const chunk = JSON.parse(data) as { choices?: { delta?: Record<string, unknown> }[] | null };
    for (const choice of chunk.choices ?? []) {
      const d = choice.delta ?? {};
      if (typeof d.reasoning_content === "string") out.reasoning += d.reasoning_content;
      if (typeof d.content === "string") out.content += d.content;
      for (const c of (d.tool_calls as { index: number; function?: { name?: string | null; arguments?: string | null } }[] | null) ?? []) {
        const slot = (out.calls[c.index] ??= { name: "", arguments: "" });
        if (typeof c.function?.name === "string") slot.name += c.function.name;
        if (typeof c.function?.arguments === "string") slot.arguments += c.function.arguments;
      }
    }
  }
  return out;
}

/**
 * The second request replays the first turn: the assistant tool call with the provider's reasoning pass-back
 * (exactly what the emulator sent), then the tool result as a string.
 */
function expectPassBack(p: ProviderName, first: RecordedRequest, second: RecordedRequest, dump: string): { call: ToolCall; result: string } {
  const sent = emulatedReply(first);
  expect(sent.calls, dump).toHaveLength(1);
  const body = second.body as ChatBody;
  const assistant = body.messages.at(-2)!;
  const tool = body.messages.at(-1)!;
  expect(assistant.role, dump).toBe("assistant");
  expect(assistant.tool_calls, dump).toHaveLength(1);
  const call = assistant.tool_calls![0]!;
  expect(call.type).toBe("function");
  expect(call.function.name).toBe(sent.calls[0]!.name);
  expect(JSON.parse(call.function.arguments)).toEqual(JSON.parse(sent.calls[0]!.arguments));

  if (PASSBACK[p] === "reasoning_content") {
    expect(sent.reasoning, "the emulator thought before the call").not.toBe("");
    expect(assistant.reasoning_content, dump).toBe(sent.reasoning);
    expect(assistant.content, "assistant content is a string, never null").toBe("");
  } else {
    // MiniMax: the assistant content replayed verbatim, `<think>…</think>` block and the gap after it included.
    expect(sent.content, "the emulator streamed a think block").toMatch(/^<think>[\s\S]+<\/think>\s*$/);
    expect(assistant.content, dump).toBe(sent.content);
    expect(assistant).not.toHaveProperty("reasoning_content");
  }

  expect(tool.role).toBe("tool");
  expect(tool.tool_call_id).toBe(call.id);
  expect(typeof tool.content, "tool results go upstream as strings").toBe("string");
  // Nothing the real provider would silently drop or mis-read: above all no missing pass-back.
  for (const req of [first, second]) expect(emulatorNotes(req), dump).toEqual([]);
  return { call, result: tool.content as string };
}

const CASES = CODEX_BUILDS.flatMap((build) => PROVIDERS.map((p) => ({ build, version: build.version, p })));

describe.concurrent.each(CASES)("Codex $version CLI → GodeX → $p emulator", ({ build, p }) => {
  const model = `${p}/${PROVIDER_MODELS[p]}`;
  const alias = PROVIDER_ALIASES[p];

  it(
    `shell round trip (-m ${model}): exec_command runs, the answer comes back, reasoning is passed back`,
    () => session(build, async ({ codex, posts }) => {
      const r = await codex(model, "run echo hello");
      const dump = describeRun(r);
      expectCleanRun(r);

      const cmds = items(r, "command_execution");
      expect(cmds, dump).toHaveLength(1);
      expect(cmds[0]!.command, dump).toContain("echo hello");
      expect(cmds[0]!.exit_code, dump).toBe(0);
      expect(cmds[0]!.aggregated_output, dump).toMatch(/^hello$/m);
      expect(items(r, "agent_message").map((i) => i.text), dump).toEqual(["Done. The command printed: hello"]);
      expect(items(r, "reasoning").length, dump).toBeGreaterThanOrEqual(1);

      const all = posts();
      expect(all.map((q) => q.provider), dump).toEqual([p, p]);
      for (const req of all) {
        const b = req.body as ChatBody;
        expect(b.model).toBe(PROVIDER_MODELS[p]);
        expect(b.stream).toBe(true);
        expect(reasoningFields(b), `thinking on at Codex's default effort`).toStrictEqual(EFFORT_FIELDS[p].medium);
        expect((b.tools ?? []).map((t) => t.function?.name)).toContain("exec_command");
      }
      expect((all[0]!.body as ChatBody).messages.at(-1)).toEqual({ role: "user", content: "run echo hello" });

      const { call, result } = expectPassBack(p, all[0]!, all[1]!, dump);
      expect(call.function.name).toBe("exec_command");
      expect(JSON.parse(call.function.arguments)).toEqual({ cmd: "echo hello" });
      expect(result).toMatch(/Process exited with code 0[\s\S]*\nhello\n/);
    }),
    TEST_TIMEOUT,
  );

  it(
    `apply_patch (-m ${model}): the freeform tool is offered upstream and the call creates the file`,
    () => session(build, async ({ codex, posts, work }) => {
      const r = await codex(model, "create file hello.txt with hello from godex");
      const dump = describeRun(r);
      expectCleanRun(r);
      const file = join(work, "hello.txt");
      expect(existsSync(file), dump).toBe(true);
      expect(readFileSync(file, "utf8")).toBe("hello from godex\n");
      const changes = items(r, "file_change");
      expect(changes, dump).toHaveLength(1);
      expect(changes[0]!.status).toBe("completed");
      expect(items(r, "agent_message").map((i) => i.text), dump).toEqual(["Done. The patch was applied."]);

      const all = posts();
      expect(all.map((q) => q.provider), dump).toEqual([p, p]);
      for (const req of all) {
        const b = req.body as ChatBody;
        expect((b.tools ?? []).map((t) => t.function?.name), "Codex offered apply_patch").toContain("apply_patch");
        expect(reasoningFields(b)).toStrictEqual(EFFORT_FIELDS[p].medium);
      }
      const { call, result } = expectPassBack(p, all[0]!, all[1]!, dump);
      expect(call.function.name).toBe("apply_patch");
      expect(JSON.parse(call.function.arguments)).toEqual({ input: "*** Begin Patch\n*** Add File: hello.txt\n+hello from godex\n*** End Patch\n" });
      expect(result).toContain("Success. Updated the following files:");
    }),
    TEST_TIMEOUT,
  );

  it(
    `-m ${alias} -c model_reasoning_effort=xhigh → ${JSON.stringify(EFFORT_FIELDS[p].xhigh)}`,
    () => session(build, async ({ codex, posts }) => {
      const r = await codex(alias, "say hi", ["-c", "model_reasoning_effort=xhigh"]);
      const dump = describeRun(r);
      expectCleanRun(r);
      expect(items(r, "agent_message").map((i) => i.text), dump).toEqual(["You said: say hi"]);
      expect(items(r, "reasoning"), dump).toHaveLength(1);
      const all = posts();
      expect(all.map((q) => q.provider), dump).toEqual([p]);
      const b = all[0]!.body as ChatBody;
      expect(b.model).toBe(PROVIDER_MODELS[p]);
      expect(reasoningFields(b), dump).toStrictEqual(EFFORT_FIELDS[p].xhigh);
      expect(emulatorNotes(all[0]!), dump).toEqual([]);
    }),
    TEST_TIMEOUT,
  );

  it(
    `-m ${alias} -c model_reasoning_effort=none → ${JSON.stringify(EFFORT_FIELDS[p].none)}`,
    () => session(build, async ({ codex, posts }) => {
      const r = await codex(alias, "say hi", ["-c", "model_reasoning_effort=none"]);
      const dump = describeRun(r);
      expectCleanRun(r);
      expect(items(r, "agent_message").map((i) => i.text), dump).toEqual(["You said: say hi"]);
      expect(items(r, "reasoning"), "thinking is off: no reasoning item").toHaveLength(0);
      const all = posts();
      expect(all.map((q) => q.provider), dump).toEqual([p]);
      const b = all[0]!.body as ChatBody;
      expect(b.model).toBe(PROVIDER_MODELS[p]);
      expect(reasoningFields(b), dump).toStrictEqual(EFFORT_FIELDS[p].none);
      expect(emulatorNotes(all[0]!), dump).toEqual([]);
    }),
    TEST_TIMEOUT,
  );
});
