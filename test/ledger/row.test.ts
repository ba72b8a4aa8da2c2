// One ledger row from one RequestRecord: the fields, the fallback column, no secret.
import { describe, expect, it } from "vitest";
import { toRow } from "../../src/ledger/row.ts";
import { normalizePrice } from "../../src/ledger/prices.ts";

const price = normalizePrice({ input: 2, cached_input: 0.5, output: 8, currency: "USD" }, "config");
const base = {
  requestId: "req_1",
  alias: "gpt-5.5",
  provider: "deepseek",
  model: "deepseek-v4-pro",
  stream: true,
  status: 200,
  outcome: "completed",
  errorCode: null,
  latencyMs: 1234.6,
  firstTokenMs: 321.2,
  retries: 1,
  usage: { input: 1000, cached: 600, output: 200, reasoning: 50 },
  diagnostics: [{ code: "field_unknown" }, { code: "field_unknown" }, { code: "effort_degraded" }],
  conversation: "conv-9",
  tokenName: "alice",
};

describe("ledger row", () => {
  it("carries every field of the response, priced, with deduplicated diagnostic codes", () => {
    const row = toRow(base, price, "host:1", Date.UTC(2026, 11, 3));
    expect(row).toEqual({
      ts: Date.UTC(2026, 11, 3),
      request_id: "req_1",
      instance: "host:1",
      alias: "gpt-5.5",
      provider: "deepseek",
      model: "deepseek-v4-pro",
      served_by: "deepseek/deepseek-v4-pro",
      fallback: 0,
      token_name: "alice",
      conversation: "conv-9",
      stream: 1,
      status: 200,
      outcome: "completed",
      error_code: null,
      input_tokens: 1000,
      cached_tokens: 600,
      output_tokens: 200,
      reasoning_tokens: 50,
      cost: (400 * 2 + 600 * 0.5 + 200 * 8) / 1e6,
      currency: "USD",
      latency_ms: 1235,
      first_token_ms: 321,
      retries: 1,
      diagnostics: "field_unknown,effort_degraded",
    });
  });

  it("marks a response served by another target than the alias's first as a fallback", () => {
    const row = toRow({ ...base, servedBy: "zhipu/glm-5.1", firstTarget: "deepseek/deepseek-v4-pro" }, price, null);
    expect(row).toMatchObject({ served_by: "zhipu/glm-5.1", fallback: 1 });
    expect(toRow({ ...base, firstTarget: "deepseek/deepseek-v4-pro" }, price, null).fallback).toBe(0);
  });

  it("leaves the cost empty (unknown, not zero) without a price or without usage", () => {
    expect(toRow(base, null, null)).toMatchObject({ cost: null, currency: null, input_tokens: 1000 });
    expect(toRow({ ...base, usage: undefined, outcome: "failed", status: 502, errorCode: "server_error" }, price, null)).toMatchObject({ cost: null, input_tokens: 0 });
  });

  // A fallback served through the gateway: test/ledger/fallback-row.test.ts.
});
