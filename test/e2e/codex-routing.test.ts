// The real Codex CLI through a routed alias: gpt-5.5 → [deepseek, xiaomi]. The DeepSeek emulator is
// made to fail (GODEX_MOCK_ERROR=503@deepseek: only that emulator answers 503), so every request
// falls over to MiMo, and the Codex run still completes its shell command.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ALIAS, describeRun, makeCodexDirs, runCodex, startStack, type CodexEvent, type CodexRun, type Stack } from "./helpers.ts";

let stack: Stack;
let dirs: Awaited<ReturnType<typeof makeCodexDirs>>;

beforeAll(async () => {
  stack = await startStack({ providers: ["deepseek", "xiaomi"], aliases: { [ALIAS]: ["deepseek/deepseek-v4-pro", "xiaomi/mimo-v2.5-pro"] } });
});
afterAll(async () => {
  await stack?.close();
});
beforeEach(async () => {
  stack.mock.clear();
  dirs = await makeCodexDirs(stack.gatewayUrl);
});
afterEach(async () => {
  await dirs?.cleanup();
});

function items(r: CodexRun, type: string): NonNullable<CodexEvent["item"]>[] {
  return r.events.flatMap((e) => (e.type === "item.completed" && e.item?.type === type ? [e.item] : []));
}

describe("Codex CLI → GodeX routed alias", () => {
  it(
    "the first target fails, the fallback serves, the shell command runs and the turn completes",
    async () => {
      const r = await runCodex({ cwd: dirs.work, codexHome: dirs.home, prompt: "run echo routed GODEX_MOCK_ERROR=503@deepseek", timeoutMs: 45_000 });
      const dump = describeRun(r);
      expect(r.code, dump).toBe(0);
      expect(r.events.at(-1)?.type, dump).toBe("turn.completed");
      const cmds = items(r, "command_execution");
      expect(cmds, dump).toHaveLength(1);
      expect(cmds[0]!.exit_code, dump).toBe(0);
      expect(cmds[0]!.aggregated_output, dump).toMatch(/routed/);
      expect(items(r, "agent_message").at(-1)?.text, dump).toMatch(/^Done\. The command printed: /);

      const posts = stack.mock.requests.filter((q) => q.method === "POST");
      const deepseek = posts.filter((q) => q.provider === "deepseek");
      const xiaomi = posts.filter((q) => q.provider === "xiaomi");
      // Each of the two Codex requests was tried on DeepSeek first, then served by MiMo.
      expect(deepseek.length, dump).toBe(2);
      expect(xiaomi.length, dump).toBe(2);
      for (const q of xiaomi) expect((q.body as { model: string }).model).toBe("mimo-v2.5-pro");
    },
    60_000,
  );
});
