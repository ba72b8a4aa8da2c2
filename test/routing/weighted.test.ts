// Weighted split: deterministic per conversation (prompt_cache_key), shares matching the weights.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { planTargets, conversationKey } from "../../src/engine/routing/plan.ts";
import type { AliasRoute } from "../../src/config/types.ts";
import { parseTarget } from "../../src/config/resolve-model.ts";
import { post, requestBody, startRig, type Rig } from "../reliability/helpers.ts";

const route: AliasRoute = {
  targets: [parseTarget("deepseek/deepseek-v4-pro", 3)!, parseTarget("xiaomi/mimo-v2.5-pro", 1)!],
  fallback: [parseTarget("zhipu/glm-5.1")!],
};

describe("planTargets", () => {
  it("over 1,000 distinct conversation keys the shares match the weights within a few percent", () => {
    const counts: Record<string, number> = {};
    for (let i = 0; i < 1000; i++) {
      const first = planTargets(route, `k:thread-${i}`)[0]!.id;
      counts[first] = (counts[first] ?? 0) + 1;
    }
    expect(Object.keys(counts).sort()).toEqual(["deepseek/deepseek-v4-pro", "xiaomi/mimo-v2.5-pro"]);
    expect(Math.abs(counts["deepseek/deepseek-v4-pro"]! / 1000 - 0.75)).toBeLessThan(0.04);
  });

  it("one conversation key always gets the same order; the fallback comes last", () => {
    for (let i = 0; i < 50; i++) {
      const a = planTargets(route, `k:conv-${i}`).map((t) => t.id);
      for (let j = 0; j < 5; j++) expect(planTargets(route, `k:conv-${i}`).map((t) => t.id)).toEqual(a);
      expect(a).toHaveLength(3);
      expect(a[2]).toBe("zhipu/glm-5.1");
    }
  });

  it("keys on prompt_cache_key, else the first user message", () => {
    expect(conversationKey({ model: "m", prompt_cache_key: "t-1", input: "hi" } as any)).toBe("k:t-1");
    const input = [{ type: "message", role: "developer", content: "rules" }, { type: "message", role: "user", content: [{ type: "input_text", text: "fix the bug" }] }];
    expect(conversationKey({ model: "m", input } as any)).toBe("u:fix the bug");
    expect(conversationKey({ model: "m", input: [] } as any)).toBeNull();
  });

  it("without a key the split is still weighted (random per request)", () => {
    let first = 0;
    for (let i = 0; i < 2000; i++) if (planTargets(route, null)[0]!.provider === "deepseek") first++;
    expect(Math.abs(first / 2000 - 0.75)).toBeLessThan(0.05);
  });
});

describe("through the gateway", () => {
  let rig: Rig;
  beforeAll(async () => {
    rig = await startRig({
      providers: ["deepseek", "xiaomi"],
      aliases: { split: { targets: [{ model: "deepseek/deepseek-v4-pro", weight: 1 }, { model: "xiaomi/mimo-v2.5", weight: 1 }] } },
    });
  });
  afterAll(async () => {
    await rig?.close();
  });

  it("a conversation stays on its target turn after turn; conversations spread over both", async () => {
    const servedBy = async (key: string) => (await post(rig.url, requestBody("split", false, { prompt_cache_key: key }))).headers["x-godex-served-by"];
    const seen = new Set<unknown>();
    for (let c = 0; c < 12; c++) {
      const first = await servedBy(`thread-${c}`);
      for (let turn = 0; turn < 3; turn++) expect(await servedBy(`thread-${c}`)).toBe(first);
      seen.add(first);
    }
    expect([...seen].sort()).toEqual(["deepseek/deepseek-v4-pro", "xiaomi/mimo-v2.5"]);
    expect(rig.upstreamCount("deepseek") + rig.upstreamCount("xiaomi")).toBe(48);
  });
});
