// The real Codex CLI with the providers' own web search (web_search.native: always): Zhipu and MiMo
// search themselves (their emulators report the pages as the research says: Zhipu's web_search[],
// MiMo's annotations); Codex gets the web_search_call item and shows the cited answer. The SearXNG
// backend is configured too but must not be asked: one upstream call per turn.
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { buildCodexCatalog, renderCatalog } from "../../src/cli/codex-catalog.ts";
import { CODEX_BUILDS, describeRun, makeCodexDirs, PROVIDER_ALIASES, runCodex, stackPool, type Stack } from "./helpers.ts";

const catalogOf = (s: Stack): string => join(s.tmp, "godex-models.json");
const pool = stackPool(1, { providers: ["zhipu", "xiaomi"], webSearch: { native: "always", backend: "searxng" } }, (s) => writeFile(catalogOf(s), renderCatalog(buildCodexCatalog(s.config))));
afterAll(() => pool.close());

describe.each(["zhipu", "xiaomi"] as const)("real Codex CLI with %s's own web search", (provider) => {
  it("the provider searches, Codex shows the answer citing its result; GodeX's backend is not asked", () =>
    pool.use(async (stack) => {
      const dirs = await makeCodexDirs(stack.gatewayUrl, "", `model_catalog_json = ${JSON.stringify(catalogOf(stack))}`);
      try {
        const r = await runCodex({ cwd: dirs.work, codexHome: dirs.home, prompt: "search the web for vitest config", args: ["-m", PROVIDER_ALIASES[provider]], timeoutMs: 45_000, build: CODEX_BUILDS[0]! });
        const dump = describeRun(r);
        expect(r.code, dump).toBe(0);
        const answer = r.events.filter((e) => e.type === "item.completed" && e.item?.type === "agent_message").map((e) => String(e.item?.text ?? "")).join("\n");
        expect(answer, dump).toContain("https://docs.example.org/vitest-config/1");
        const posts = stack.mock.requests.filter((q) => q.provider === provider && q.method === "POST");
        expect(posts, dump).toHaveLength(1);
        const tools = (posts[0]!.body as { tools: { type: string }[] }).tools;
        expect(tools.at(-1)!.type, dump).toBe("web_search");
        expect(stack.mock.requests.filter((q) => q.provider === "searxng"), dump).toEqual([]);
        expect(stack.records.at(-1)?.searches, dump).toEqual([`(searched by ${provider}: 3 pages)`]);
      } finally {
        await dirs.cleanup();
      }
    }), 90_000);
});
