// Real Codex 0.171 with its built-in OpenAI provider pointed at GodeX (`openai_base_url`, no custom
// provider block, an API key from the CODEX_API_KEY env var), default settings: WebSocket transport, a shell command,
// and a compaction forced by a small auto-compact limit in the model catalog. Codex compacts
// remotely (compaction_trigger → one sealed compaction item) and the session continues on a new chain
// whose compaction item GodeX expands into the summary for the provider.
import { mkdtemp, rm, writeFile, mkdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildCodexCatalog } from "../../src/cli/codex-catalog.ts";
import { ALIAS, describeRun, runCodex, startStack, recordTraffic, type Stack } from "./helpers.ts";

const TOKEN = "sk-godex-builtin-e2e-0123456789";
let stack: Stack;
let root: string;
let posts: string[];
let upgrades: string[];

beforeAll(async () => {
  // Inbound auth on: the key Codex sends (from its API-key env var) must reach GodeX on the WebSocket upgrade.
  stack = await startStack({ server: { auth: { tokens: [TOKEN] } } });
  ({ posts, upgrades } = recordTraffic(stack));
  root = await mkdtemp(join(tmpdir(), "godex-codex-builtin-"));
});

afterAll(async () => {
  await stack?.close();
  if (root) await rm(root, { recursive: true, force: true });
});

describe("Codex 0.171, built-in provider (openai_base_url → GodeX)", () => {
  it(
    "runs a shell command over WebSocket, compacts remotely, and the session continues",
    async () => {
      const home = join(root, "home");
      const work = join(root, "work");
      await mkdir(home, { recursive: true });
      await mkdir(work, { recursive: true });
      // The catalog GodeX writes for Codex, with a tiny auto-compact limit so the first tool round trip compacts.
      const catalog = buildCodexCatalog(stack.config) as { models: { slug: string; context_window?: number; auto_compact_token_limit?: number }[] };
      const entry = catalog.models.find((m) => m.slug === ALIAS)!;
      entry.context_window = 16_000;
      entry.auto_compact_token_limit = 2_000;
      await writeFile(join(home, "models.json"), JSON.stringify(catalog));
      await writeFile(join(home, "config.toml"), [`model = "${ALIAS}"`, `openai_base_url = "${stack.gatewayUrl}/v1"`, `model_catalog_json = ${JSON.stringify(join(home, "models.json"))}`, ""].join("\n"));
      // No login: the built-in provider takes its key from CODEX_API_KEY, here GodeX's inbound token.
      const r = await runCodex({ cwd: work, codexHome: home, prompt: "run echo hello", timeoutMs: 90_000, env: { CODEX_API_KEY: TOKEN } });
      const dump = describeRun(r);
      expect(r.code, dump).toBe(0);
      const cmd = r.events.find((e) => e.type === "item.completed" && e.item?.type === "command_execution");
      expect(cmd?.item?.aggregated_output, dump).toContain("hello");
      expect(r.events.some((e) => e.type === "item.completed" && e.item?.type === "agent_message"), dump).toBe(true);
      expect(r.events.some((e) => e.type === "turn.completed"), dump).toBe(true);
      // WebSocket, no HTTP fallback.
      expect(upgrades.length, dump).toBeGreaterThanOrEqual(1);
      expect(posts.filter((p) => p === "/v1/responses"), dump).toEqual([]);
      // The compaction: one provider call with the configured prompt, then the session continued with the summary.
      const bodies = stack.mock.requests.map((q) => JSON.stringify(q.body));
      const summarizeAt = bodies.findIndex((b) => b.includes("You are compacting this conversation"));
      expect(summarizeAt, dump).toBeGreaterThan(0);
      const after = bodies.slice(summarizeAt + 1);
      expect(after.length, dump).toBeGreaterThanOrEqual(1);
      expect(after.some((b) => b.includes("Summary of the conversation so far")), dump).toBe(true);
      expect(after.join()).not.toContain("gdx1.");
    },
    120_000,
  );
});
