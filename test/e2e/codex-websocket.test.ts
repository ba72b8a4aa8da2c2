// Real Codex 0.171 with a custom provider that sets supports_websockets = true: the whole session runs
// over one WebSocket (warm-up with generate:false, then previous_response_id continuations), GodeX
// rebuilds the full history for the provider, and Codex never falls back to HTTP POST.
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ALIAS, describeRun, runCodex, startStack, writeCodexHome, recordTraffic, type Stack } from "./helpers.ts";

let stack: Stack;
let root: string;
let posts: string[];
let upgrades: string[];

beforeAll(async () => {
  stack = await startStack();
  ({ posts, upgrades } = recordTraffic(stack));
  root = await mkdtemp(join(tmpdir(), "godex-codex-ws-"));
});

afterAll(async () => {
  await stack?.close();
  if (root) await rm(root, { recursive: true, force: true });
});

describe("Codex 0.171 over WebSocket (supports_websockets = true)", () => {
  it(
    "runs a shell command and answers, all over one WebSocket, without HTTP fallback",
    async () => {
      const home = join(root, "home");
      const work = join(root, "work");
      await mkdir(work, { recursive: true });
      await writeCodexHome(home, stack.gatewayUrl, "", "", ALIAS, true);
      const r = await runCodex({ cwd: work, codexHome: home, prompt: "run echo hello", timeoutMs: 90_000 });
      const dump = describeRun(r);
      expect(r.code, dump).toBe(0);
      const cmd = r.events.find((e) => e.type === "item.completed" && e.item?.type === "command_execution");
      expect(cmd?.item?.aggregated_output, dump).toContain("hello");
      const answer = r.events.filter((e) => e.type === "item.completed" && e.item?.type === "agent_message").at(-1);
      expect(answer?.item?.text, dump).toContain("hello");
      expect(r.stderr, dump).not.toMatch(/failed to connect to Responses WebSocket/);
      // The upgrade succeeded and nothing went over HTTP.
      expect(upgrades.length, dump).toBeGreaterThanOrEqual(1);
      expect(upgrades[0]).toMatch(/^\/v1\/responses responses_websockets=/);
      expect(posts.filter((p) => p.includes("/responses")), dump).toEqual([]);
      // Two provider calls (the warm-up calls none); the second carries the whole conversation
      // although Codex sent only the new items after previous_response_id.
      expect(stack.mock.requests.length, dump).toBe(2);
      const second = stack.mock.requests[1].body as { messages: { role: string; content: unknown; tool_calls?: unknown[] }[] };
      expect(second.messages[0].role).toBe("system");
      expect(second.messages.some((m) => m.role === "user" && JSON.stringify(m.content).includes("run echo hello"))).toBe(true);
      expect(second.messages.some((m) => m.role === "assistant" && (m.tool_calls?.length ?? 0) > 0)).toBe(true);
      expect(second.messages.at(-1)!.role).toBe("tool");
      expect(JSON.stringify(second.messages.at(-1)!.content)).toContain("hello");
    },
    120_000,
  );
});
