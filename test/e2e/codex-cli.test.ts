// The real Codex CLI (`codex exec --json`, workspace-write sandbox) through GodeX to the DeepSeek emulator,
// once per Codex build under test (0.171 and 0.169). Thinking stays on: Codex's default effort (medium) maps
// to DeepSeek thinking enabled + reasoning_effort high.
// The tests run concurrently; each takes one of a few shared stacks (GodeX + emulators) for its run.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  CODEX_BUILDS,
  describeRun,
  installedCodexVersion,
  makeCodexDirs,
  runCodex,
  stackPool,
  type CodexBuild,
  type CodexEvent,
  type CodexRun,
  type Stack,
} from "./helpers.ts";

const TEST_TIMEOUT = 90_000;
const RUN_TIMEOUT = 45_000;
/** GodeX gives up on a silent upstream after this long (the "never completes" case). */
const IDLE_MS = 2_000;

type ToolCall = { id: string; type: string; function: { name: string; arguments: string } };
type Msg = { role: string; content?: unknown; tool_calls?: ToolCall[]; reasoning_content?: string; tool_call_id?: string };
type ChatBody = { model: string; messages: Msg[]; stream?: boolean; thinking?: { type: string }; reasoning_effort?: string; tools?: { function: { name: string } }[] };

const pool = stackPool(3, { idleMs: IDLE_MS });
afterAll(() => pool.close());

interface Session {
  stack: Stack;
  work: string;
  codex(prompt: string, args?: string[]): Promise<CodexRun>;
  /** The chat requests the emulator received during this test. */
  bodies(): ChatBody[];
}

/** One test's run: a stack of its own for the duration, a fresh CODEX_HOME and cwd, the given Codex build. */
function session<R>(build: CodexBuild, fn: (s: Session) => Promise<R>): Promise<R> {
  return pool.use(async (stack) => {
    const dirs = await makeCodexDirs(stack.gatewayUrl);
    try {
      return await fn({
        stack,
        work: dirs.work,
        codex: (prompt, args = []) => runCodex({ cwd: dirs.work, codexHome: dirs.home, prompt, args, timeoutMs: RUN_TIMEOUT, build }),
        bodies: () => stack.mock.requests.filter((r) => r.method === "POST").map((r) => r.body as ChatBody),
      });
    } finally {
      await dirs.cleanup();
    }
  });
}

function items(r: CodexRun, type: string): NonNullable<CodexEvent["item"]>[] {
  return r.events.flatMap((e) => (e.type === "item.completed" && e.item?.type === type ? [e.item] : []));
}

describe.concurrent.each(CODEX_BUILDS)("Codex $version CLI → GodeX → DeepSeek emulator", (build) => {
  it("this Codex build is installed at its pinned version", () => {
    // Not a skip: the project installs both builds, so a missing binary is a broken checkout.
    expect(existsSync(build.bin), `${build.bin} missing; run npm ci`).toBe(true);
    expect(installedCodexVersion(build)).toBe(build.version);
  });

  it(
    "tool_search: Codex runs the search GodeX hands it, and the found tools are offered to the provider",
    () => session(build, async ({ codex, bodies }) => {
      const r = await codex("search tools for spawn agent");
      const dump = describeRun(r);
      expect(r.code, dump).toBe(0);
      expect(items(r, "agent_message").at(-1)?.text, dump).toBe("Done. The search found: multi_agent_v1__spawn_agent");
      const [first, second] = bodies();
      expect(first!.tools!.map((t) => t.function.name)).toContain("tool_search");
      expect(first!.tools!.map((t) => t.function.name)).not.toContain("multi_agent_v1__spawn_agent");
      // Turn 2: the search call replayed (with its reasoning), its result as a tool message, and the
      // discovered namespace's tools offered (Codex does not add them to `tools` itself).
      const call = second!.messages.find((m) => m.tool_calls?.[0]?.function.name === "tool_search")!;
      expect(JSON.parse(call.tool_calls![0]!.function.arguments)).toMatchObject({ query: "spawn agent" });
      expect(typeof call.reasoning_content).toBe("string");
      const result = second!.messages.find((m) => m.role === "tool" && m.tool_call_id === call.tool_calls![0]!.id)!;
      expect(String(result.content)).toMatch(/^Tools now available:\n- multi_agent_v1__spawn_agent: /);
      expect(second!.tools!.map((t) => t.function.name)).toContain("multi_agent_v1__spawn_agent");
    }),
    TEST_TIMEOUT,
  );

  it(
    "shell round trip: exec_command runs, the answer comes back, reasoning is passed back",
    () => session(build, async ({ codex, bodies }) => {
      const r = await codex("run echo hello");
      const dump = describeRun(r);
      expect(r.timedOut, dump).toBe(false);
      expect(r.code, dump).toBe(0);
      expect(r.events[0]?.type, dump).toBe("thread.started");
      expect(r.events.at(-1)?.type, dump).toBe("turn.completed");

      const cmds = items(r, "command_execution");
      expect(cmds, dump).toHaveLength(1);
      expect(cmds[0]!.command, dump).toContain("echo hello");
      expect(cmds[0]!.exit_code, dump).toBe(0);
      expect(cmds[0]!.aggregated_output, dump).toMatch(/^hello$/m);
      const answers = items(r, "agent_message");
      expect(answers, dump).toHaveLength(1);
      expect(answers[0]!.text, dump).toBe("Done. The command printed: hello");
      expect(items(r, "reasoning").length, dump).toBeGreaterThanOrEqual(1);

      const [first, second, ...rest] = bodies();
      expect(rest, dump).toHaveLength(0);
      expect(first, dump).toBeDefined();
      expect(second, dump).toBeDefined();
      for (const b of [first!, second!]) {
        expect(b.model).toBe("deepseek-v4-pro");
        expect(b.stream).toBe(true);
        expect(b.thinking).toEqual({ type: "enabled" });
        expect(b.reasoning_effort).toBe("high");
        expect(b.tools?.map((t) => t.function.name)).toContain("exec_command");
      }
      expect(first!.messages.at(-1)).toEqual({ role: "user", content: "run echo hello" });

      // Turn 2 replays turn 1: the assistant tool call WITH its reasoning_content, then the tool result.
      const assistant = second!.messages.at(-2)!;
      const tool = second!.messages.at(-1)!;
      expect(assistant.role).toBe("assistant");
      expect(assistant.tool_calls).toHaveLength(1);
      const call = assistant.tool_calls![0]!;
      expect(call.type).toBe("function");
      expect(call.function.name).toBe("exec_command");
      expect(JSON.parse(call.function.arguments)).toEqual({ cmd: "echo hello" });
      expect(assistant.reasoning_content).toBe("The user wants me to run echo hello. I will call exec_command.");
      expect(tool.role).toBe("tool");
      expect(tool.tool_call_id).toBe(call.id);
      expect(String(tool.content)).toMatch(/Process exited with code 0[\s\S]*\nhello\n/);
    }),
    TEST_TIMEOUT,
  );

  it(
    "apply_patch: the freeform tool call creates the file in cwd",
    () => session(build, async ({ codex, bodies, work }) => {
      const r = await codex("create file hello.txt with hello from godex");
      const dump = describeRun(r);
      expect(r.timedOut, dump).toBe(false);
      expect(r.code, dump).toBe(0);
      const file = join(work, "hello.txt");
      expect(existsSync(file), dump).toBe(true);
      expect(readFileSync(file, "utf8")).toBe("hello from godex\n");
      const changes = items(r, "file_change");
      expect(changes, dump).toHaveLength(1);
      expect(changes[0]!.status).toBe("completed");
      expect(items(r, "agent_message").map((i) => i.text), dump).toEqual(["Done. The patch was applied."]);

      const all = bodies();
      expect(all, dump).toHaveLength(2);
      const assistant = all[1]!.messages.at(-2)!;
      expect(assistant.tool_calls?.[0]?.function.name).toBe("apply_patch");
      expect(assistant.reasoning_content).toMatch(/apply_patch/);
      expect(all[1]!.messages.at(-1)).toMatchObject({ role: "tool", tool_call_id: assistant.tool_calls![0]!.id });
      expect(String(all[1]!.messages.at(-1)!.content)).toContain("Success. Updated the following files:");
    }),
    TEST_TIMEOUT,
  );

  it(
    "parallel tool calls: both commands run and come back in one assistant message",
    () => session(build, async ({ codex, bodies }) => {
      const r = await codex("GODEX_MOCK_PARALLEL please");
      const dump = describeRun(r);
      expect(r.code, dump).toBe(0);
      const cmds = items(r, "command_execution");
      expect(cmds.map((c) => c.aggregated_output?.trim().split("\n").at(-1)).sort(), dump).toEqual(["one", "two"]);
      expect(items(r, "agent_message"), dump).toHaveLength(1);
      const all = bodies();
      expect(all, dump).toHaveLength(2);
      const msgs = all[1]!.messages;
      const assistant = msgs.at(-3)!;
      expect(assistant.role).toBe("assistant");
      expect(assistant.tool_calls?.map((c) => JSON.parse(c.function.arguments) as unknown)).toEqual([{ cmd: "echo one" }, { cmd: "echo two" }]);
      expect(assistant.reasoning_content).toMatch(/two tool calls/);
      expect(msgs.slice(-2).map((m) => [m.role, m.tool_call_id])).toEqual(assistant.tool_calls!.map((c) => ["tool", c.id]));
    }),
    TEST_TIMEOUT,
  );

  it(
    "finish_reason length surfaces as an incomplete response (rc≠0, no retry)",
    () => session(build, async ({ codex, bodies }) => {
      const r = await codex("GODEX_MOCK_LENGTH please");
      const dump = describeRun(r);
      expect(r.code, dump).not.toBe(0);
      expect(r.events.at(-1)?.type, dump).toBe("turn.failed");
      expect(JSON.stringify(r.events.at(-1)), dump).toContain("Incomplete response returned, reason: max_output_tokens");
      expect(bodies(), dump).toHaveLength(1);
    }),
    TEST_TIMEOUT,
  );

  it(
    "model_reasoning_effort=xhigh → thinking enabled, reasoning_effort max",
    () => session(build, async ({ codex, bodies }) => {
      const r = await codex("say hi", ["-c", "model_reasoning_effort=xhigh"]);
      const dump = describeRun(r);
      expect(r.code, dump).toBe(0);
      expect(items(r, "agent_message").map((i) => i.text), dump).toEqual(["You said: say hi"]);
      expect(items(r, "reasoning").length, dump).toBe(1);
      const all = bodies();
      expect(all, dump).toHaveLength(1);
      expect(all[0]!.thinking).toEqual({ type: "enabled" });
      expect(all[0]!.reasoning_effort).toBe("max");
    }),
    TEST_TIMEOUT,
  );

  it(
    "model_reasoning_effort=none → thinking disabled",
    () => session(build, async ({ codex, bodies }) => {
      const r = await codex("say hi", ["-c", "model_reasoning_effort=none"]);
      const dump = describeRun(r);
      expect(r.code, dump).toBe(0);
      expect(items(r, "agent_message").map((i) => i.text), dump).toEqual(["You said: say hi"]);
      expect(items(r, "reasoning"), dump).toHaveLength(0);
      const all = bodies();
      expect(all, dump).toHaveLength(1);
      expect(all[0]!.thinking).toEqual({ type: "disabled" });
      expect(all[0]).not.toHaveProperty("reasoning_effort");
    }),
    TEST_TIMEOUT,
  );

  it(
    "an upstream 500 fails the turn fast with the provider's message",
    () => session(build, async ({ codex, bodies, stack }) => {
      stack.mock.enqueue("deepseek", {
        status: 500,
        json: { error: { message: "Internal upstream explosion", type: "server_error", param: null, code: "internal_error" } },
      });
      const r = await codex("say hi");
      const dump = describeRun(r);
      expect(r.timedOut, dump).toBe(false);
      expect(r.code, dump).not.toBe(0);
      expect(r.ms, dump).toBeLessThan(15_000);
      expect(r.events.at(-1)?.type, dump).toBe("turn.failed");
      expect(JSON.stringify(r.events.at(-1)), dump).toContain("Internal upstream explosion");
      expect(r.events.some((e) => e.type === "error" && String(e.message).includes("Internal upstream explosion")), dump).toBe(true);
      expect(items(r, "agent_message"), dump).toHaveLength(0);
      expect(bodies(), dump).toHaveLength(1);
    }),
    TEST_TIMEOUT,
  );

  it(
    "an upstream stream that never completes fails the turn after GodeX's idle timeout, no hang",
    () => session(build, async ({ codex, bodies, stack }) => {
      stack.mock.enqueue("deepseek", { hangMs: 30_000 });
      const r = await codex("say hi");
      const dump = describeRun(r);
      expect(r.timedOut, dump).toBe(false);
      expect(r.code, dump).not.toBe(0);
      expect(r.ms, dump).toBeGreaterThanOrEqual(IDLE_MS - 100);
      expect(r.ms, dump).toBeLessThan(IDLE_MS + 10_000);
      expect(r.events.at(-1)?.type, dump).toBe("turn.failed");
      expect(JSON.stringify(r.events.at(-1)), dump).toMatch(/deepseek: .*silent/);
      expect(bodies(), dump).toHaveLength(1);
    }),
    TEST_TIMEOUT,
  );

  it(
    "an upstream stream cut before its finish chunk fails the turn (no silent success)",
    () => session(build, async ({ codex, stack }) => {
      const chunk = { id: "cut", object: "chat.completion.chunk", created: 1, model: "deepseek-v4-pro", choices: [{ index: 0, delta: { role: "assistant", content: "partial" }, finish_reason: null }] };
      stack.mock.enqueue("deepseek", { sse: `data: ${JSON.stringify(chunk)}\n\n` });
      const r = await codex("say hi");
      const dump = describeRun(r);
      expect(r.timedOut, dump).toBe(false);
      expect(r.code, dump).not.toBe(0);
      expect(r.events.at(-1)?.type, dump).toBe("turn.failed");
      expect(JSON.stringify(r.events.at(-1)), dump).toMatch(/deepseek closed the stream before finishing/);
    }),
    TEST_TIMEOUT,
  );
});
