// Cost arithmetic per provider: usage objects recorded from the real APIs (shared/research/
// providers.md captures) read through each mapping, priced with the shipped prices, against values
// computed by hand. Also: time-of-day and long-context variants, contract prices, unpriced models.
import { describe, expect, it } from "vitest";
import { loadMappingDoc } from "../../src/mapping/load.ts";
import { compileMapping } from "../../src/mapping/compile.ts";
import type { CanonicalDelta } from "../../src/protocol/types.ts";
import { costOf, priceFor, ratesAt } from "../../src/ledger/prices.ts";

/** The usage the mapping reads from a whole recorded completion, in ledger terms. */
function usageOf(provider: string, reply: unknown) {
  const out: CanonicalDelta[] = [];
  compileMapping(loadMappingDoc(provider)).readResponse(reply, out);
  const u = out.find((d) => d.kind === "usage") as Extract<CanonicalDelta, { kind: "usage" }>;
  return { input: u.usage.input_tokens, cached: u.usage.input_tokens_details.cached_tokens, output: u.usage.output_tokens, reasoning: u.usage.output_tokens_details.reasoning_tokens };
}

function shipped(provider: string, model: string) {
  const p = priceFor(undefined, loadMappingDoc(provider), model);
  if (!p) throw new Error(`no shipped price for ${provider}/${model}`);
  return p;
}

const reply = (model: string, usage: Record<string, unknown>) => ({ id: "x", object: "chat.completion", model, choices: [{ index: 0, message: { role: "assistant", content: "ok" }, finish_reason: "stop" }], usage });

// Thursday 2026-12-03 10:00 Beijing (02:00 UTC): DeepSeek peak. Saturday 2026-12-05 12:00 UTC: off-peak.
const PEAK = new Date("2026-12-03T02:00:00Z");
const OFF_PEAK = new Date("2026-12-05T12:00:00Z");

describe("cost per provider from recorded usage", () => {
  it("DeepSeek deepseek-v4-pro: cache hits from prompt_cache_hit_tokens, reasoning inside completion tokens, peak and off-peak", () => {
    const u = usageOf("deepseek", reply("deepseek-v4-pro", { prompt_tokens: 295, completion_tokens: 71, total_tokens: 366, prompt_tokens_details: { cached_tokens: 256 }, completion_tokens_details: { reasoning_tokens: 25 }, prompt_cache_hit_tokens: 256, prompt_cache_miss_tokens: 39 }));
    expect(u).toEqual({ input: 295, cached: 256, output: 71, reasoning: 25 });
    const p = shipped("deepseek", "deepseek-v4-pro");
    // 39 misses × 0.66 + 256 hits × 0.022 + 71 out × 1.98 (per 1M), off-peak; twice that at peak.
    expect(costOf(p, u, OFF_PEAK)).toBeCloseTo(171.952e-6, 15);
    expect(costOf(p, u, PEAK)).toBeCloseTo(343.904e-6, 15);
    // Peak ends at 12:00 Beijing (excluded) and resumes at 14:00; weekends are off-peak.
    expect(ratesAt(p, new Date("2026-12-03T03:59:00Z"), 0).input).toBe(1.32);
    expect(ratesAt(p, new Date("2026-12-03T04:00:00Z"), 0).input).toBe(0.66);
    expect(ratesAt(p, new Date("2026-12-03T06:00:00Z"), 0).input).toBe(1.32);
    expect(ratesAt(p, new Date("2026-12-05T02:00:00Z"), 0).input).toBe(0.66);
  });

  it("DeepSeek flash names share the Flash price", () => {
    const u = { input: 1_000_000, cached: 900_000, output: 100_000, reasoning: 50_000 };
    for (const model of ["deepseek-flash", "deepseek-v4-flash"]) {
      // 100k × 0.15 + 900k × 0.003 + 100k × 0.60 = 0.015 + 0.0027 + 0.06
      expect(costOf(shipped("deepseek", model), u, OFF_PEAK)).toBeCloseTo(0.0777, 12);
    }
  });

  it("Zhipu glm-5.1: prompt_tokens_details.cached_tokens", () => {
    const u = usageOf("zhipu", reply("glm-5.1", { completion_tokens: 33, completion_tokens_details: { reasoning_tokens: 20 }, prompt_tokens: 170, prompt_tokens_details: { cached_tokens: 128 }, total_tokens: 203 }));
    expect(u).toEqual({ input: 170, cached: 128, output: 33, reasoning: 20 });
    // 42 × 1.40 + 128 × 0.26 + 33 × 4.40
    expect(costOf(shipped("zhipu", "glm-5.1"), u, PEAK)).toBeCloseTo(237.28e-6, 15);
  });

  it("MiniMax-M3: cached tokens, and the long-context rate above 512K input", () => {
    const u = usageOf("minimax", reply("MiniMax-M3", { total_tokens: 479, total_characters: 0, prompt_tokens: 425, completion_tokens: 54, prompt_tokens_details: { cached_tokens: 411 } }));
    expect(u).toMatchObject({ input: 425, cached: 411, output: 54 });
    // 14 × 0.30 + 411 × 0.06 + 54 × 1.20
    expect(costOf(shipped("minimax", "MiniMax-M3"), u, PEAK)).toBeCloseTo(93.66e-6, 15);
    // 600K input: the whole request at the long-context rate: 100K × 0.60 + 500K × 0.12 + 1000 × 2.40
    expect(costOf(shipped("minimax", "MiniMax-M3"), { input: 600_000, cached: 500_000, output: 1000, reasoning: 0 }, PEAK)).toBeCloseTo(0.1224, 12);
  });

  it("Xiaomi mimo-v2.5-pro: cached tokens and reasoning", () => {
    const u = usageOf("xiaomi", reply("mimo-v2.5-pro", { completion_tokens: 53, prompt_tokens: 508, total_tokens: 561, completion_tokens_details: { reasoning_tokens: 29 }, prompt_tokens_details: { cached_tokens: 448 } }));
    expect(u).toEqual({ input: 508, cached: 448, output: 53, reasoning: 29 });
    // 60 × 0.435 + 448 × 0.0036 + 53 × 0.87
    expect(costOf(shipped("xiaomi", "mimo-v2.5-pro"), u, PEAK)).toBeCloseTo(73.8228e-6, 15);
  });
});

describe("price lookup", () => {
  it("a contract price in godex.yaml wins over the mapping's; cached_input defaults to input, currency to USD", () => {
    const doc = loadMappingDoc("zhipu");
    const p = priceFor({ "glm-5*": { input: 10, output: 20, currency: "CNY" } }, doc, "glm-5.1")!;
    expect(p).toMatchObject({ input: 10, cachedInput: 10, output: 20, currency: "CNY", from: "config" });
    expect(priceFor({ "glm-4*": { input: 1, output: 2 } }, doc, "glm-5.1")).toMatchObject({ input: 1.4, from: "mapping", currency: "USD" });
    expect(priceFor({ "*": { input: 1, output: 2 } }, doc, "anything")).toMatchObject({ cachedInput: 1, currency: "USD" });
  });

  it("a model with no price is unpriced (null), never free", () => {
    expect(priceFor(undefined, loadMappingDoc("minimax"), "MiniMax-M3.1-Flash-Preview")).toBeNull();
    expect(priceFor(undefined, loadMappingDoc("zhipu"), "glm-5.3-flash")).toBeNull();
  });

  it("cached tokens above input are capped (a provider's rounding never yields a negative miss count)", () => {
    expect(costOf(shipped("zhipu", "glm-5.1"), { input: 100, cached: 120, output: 0, reasoning: 0 }, PEAK)).toBeCloseTo((100 * 0.26) / 1e6, 15);
  });
});
