// Shared plumbing for the ledger tests: a gateway with a ledger (SQLite or PostgreSQL) in front of
// the emulators, exact-usage completions, and seeded rows.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfigFromObject } from "../../src/config/load.ts";
import type { LedgerConfig, LoadedConfig } from "../../src/config/types.ts";
import { startMockUpstreams, type MockUpstreams } from "../../src/mock/server.ts";
import { startGateway, type RunningGateway } from "../../src/server/start.ts";
import { createLogger } from "../../src/server/log.ts";
import { Ledger } from "../../src/ledger/ledger.ts";
import type { LedgerRow } from "../../src/ledger/row.ts";

export const TOKENS = { alice: "tok-alice-5d1c8e2a9f3b47e0", bob: "tok-bob-0c7e4a1f8b2d49e6" } as const;

/** GLM prices as shipped (no time-of-day variants, so costs are exact whenever the test runs). */
export const GLM = { input: 1.4, cached: 0.26, output: 4.4 };

export interface LedgerStack {
  gw: RunningGateway;
  url: string;
  mock: MockUpstreams;
  ledger: Ledger;
  config: LoadedConfig;
  close(): Promise<void>;
}

export interface StackOptions {
  ledger: Pick<LedgerConfig, "path" | "url">;
  budgets?: unknown[];
  /** Reuse an emulator host (two gateways in front of one). */
  mock?: MockUpstreams;
  instance?: string;
}

export function stackConfig(mock: MockUpstreams, o: StackOptions): LoadedConfig {
  const retry = { max_attempts: 1 };
  return loadConfigFromObject(
    {
      server: { host: "127.0.0.1", port: 0, auth: { tokens: [{ name: "alice", token: TOKENS.alice }, { name: "bob", token: TOKENS.bob }] } },
      models: { aliases: { "gpt-5.5": "deepseek/deepseek-v4-pro", "gpt-5.4-mini": "zhipu/glm-5.1", cheap: "deepseek/deepseek-v4-flash" } },
      providers: {
        // A contract price for DeepSeek (no peak hours): exact costs whenever the test runs.
        deepseek: { spec: "deepseek", credentials: { api_key: "k-ds" }, endpoint: { base_url: mock.baseUrl("deepseek") }, retry, prices: { "deepseek-v4-pro": { input: 2, cached_input: 0.5, output: 8, currency: "USD" } } },
        zhipu: { spec: "zhipu", credentials: { api_key: "k-zp" }, endpoint: { base_url: mock.baseUrl("zhipu") }, retry },
      },
      ledger: { ...o.ledger },
      budgets: o.budgets ?? [],
      logging: { level: "silent" },
    },
    {},
  );
}

export async function startLedgerStack(o: StackOptions): Promise<LedgerStack> {
  const mock = o.mock ?? (await startMockUpstreams({ keys: { deepseek: "k-ds", zhipu: "k-zp" } }));
  const config = stackConfig(mock, o);
  const tmp = mkdtempSync(join(tmpdir(), "godex-ledger-stack-"));
  const ledger = await Ledger.open(config.ledger, { flushMs: 20, instance: o.instance });
  const gw = await startGateway(config, { carrierKeyFile: join(tmp, "carrier.key"), log: createLogger("silent"), ledger });
  return {
    gw,
    url: gw.url,
    mock,
    ledger,
    config,
    async close() {
      await gw.close();
      if (!o.mock) await mock.close();
      rmSync(tmp, { recursive: true, force: true });
    },
  };
}

export function chatUsage(prompt: number, cached: number, completion: number, reasoning: number) {
  return {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: prompt + completion,
    prompt_cache_hit_tokens: cached,
    prompt_cache_miss_tokens: prompt - cached,
    prompt_tokens_details: { cached_tokens: cached },
    completion_tokens_details: { reasoning_tokens: reasoning },
  };
}

export function chatCompletion(text: string, usage: ReturnType<typeof chatUsage>, finish = "stop") {
  return { id: "chatcmpl-ledger", object: "chat.completion", created: 1700000000, model: "m", choices: [{ index: 0, message: { role: "assistant", content: text }, finish_reason: finish }], usage };
}

export async function post(url: string, body: Record<string, unknown>, token: string = TOKENS.alice, signal?: AbortSignal) {
  return fetch(`${url}/v1/responses`, { method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${token}` }, body: JSON.stringify(body), signal });
}

export const input = (text: string) => [{ type: "message", role: "user", content: [{ type: "input_text", text }] }];

/** A full row with defaults, for seeding. */
export function seedRow(over: Partial<LedgerRow>): LedgerRow {
  return {
    ts: Date.now(),
    request_id: `req_seed_${Math.random().toString(16).slice(2, 10)}`,
    instance: "seed",
    alias: "gpt-5.5",
    provider: "deepseek",
    model: "deepseek-v4-pro",
    served_by: "deepseek/deepseek-v4-pro",
    fallback: 0,
    token_name: "alice",
    conversation: "conv-a",
    stream: 1,
    status: 200,
    outcome: "completed",
    error_code: null,
    input_tokens: 1000,
    cached_tokens: 800,
    output_tokens: 200,
    reasoning_tokens: 50,
    cost: 0.01,
    currency: "USD",
    latency_ms: 1000,
    first_token_ms: 300,
    retries: 0,
    diagnostics: null,
    ...over,
  };
}

export async function waitUntil<T>(check: () => Promise<T | undefined | null | false> | T | undefined | null | false, ms = 5000, what = "condition"): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
