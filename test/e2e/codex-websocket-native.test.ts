// Real Codex 0.171 over WebSocket (supports_websockets = true) to DeepSeek on its native /responses
// wire (godex.yaml `wire: responses`): warm-up, a shell command and the answer over one socket; GodeX
// rebuilds the whole conversation from previous_response_id and sends it as Responses input items,
// never passing its own previous_response_id to the provider.
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
  stack = await startStack({ wires: { deepseek: "responses" } });
  ({ posts, upgrades } = recordTraffic(stack));
  root = await mkdtemp(join(tmpdir(), "godex-codex-ws-native-"));
});

afterAll(async () => {
  await stack?.close();
  if (root) await rm(root, { recursive: true, force: true });
});

type Item = { type?: string; role?: string; content?: unknown; output?: unknown; name?: string };

describe("Codex 0.171 over WebSocket, served on the provider's native Responses wire", () => {
  it(
    "runs a shell command and answers over one WebSocket; both provider calls go to DeepSeek's /responses",
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
      expect(upgrades.length, dump).toBeGreaterThanOrEqual(1);
      expect(posts.filter((p) => p.includes("/responses")), dump).toEqual([]);

      const calls = stack.mock.requests.filter((q) => q.method === "POST");
      expect(calls.length, dump).toBe(2);
      for (const c of calls) {
        expect(c.path, dump).toMatch(/^\/deepseek\/responses$/);
        expect(c.status, dump).toBe(200);
        expect(c.body, dump).not.toHaveProperty("previous_response_id");
      }
      // The second call carries the whole conversation as Responses items.
      const input = (calls[1]!.body as { input: Item[] }).input;
      expect(input.some((i) => i.role === "user" && JSON.stringify(i.content).includes("run echo hello")), dump).toBe(true);
      expect(input.some((i) => i.type === "function_call"), dump).toBe(true);
      const last = input.at(-1)!;
      expect(last.type, dump).toBe("function_call_output");
      expect(JSON.stringify(last.output)).toContain("hello");
    },
    120_000,
  );
});
