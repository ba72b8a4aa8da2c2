// Shared fixtures for the supertest suites: the gateway's request listener built from an inline config whose
// deepseek provider points at the offline emulator, plus SSE parsing and shape checks.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { GatewayApp } from "../../src/server/app.ts";
import type { Test } from "supertest";
import { expect } from "vitest";
import { createApp } from "../../src/server/app.ts";
import { buildRuntime, type GatewayRuntime } from "../../src/engine/runtime.ts";
import { loadConfigFromObject } from "../../src/config/load.ts";
import { createLogger } from "../../src/server/log.ts";
import { startMockUpstreams, type MockUpstreams } from "../../src/mock/server.ts";

/** The deepseek key the emulator expects; it must never show up in any GodeX output. */
export const DEEPSEEK_KEY = "sk-godex-test-9f3c1e7ab2d44e0c8a1b";
/** Env var named by the provider configured without a key. */
export const MISSING_KEY_ENV = "GODEX_TEST_UNSET_NOKEY_API_KEY";

export interface TestGateway {
  app: GatewayApp;
  mock: MockUpstreams;
  runtime: GatewayRuntime;
  close(): Promise<void>;
}

export interface GatewayOptions {
  /** server.body_limit (default: GodeX's own default). */
  bodyLimit?: string | number;
}

/**
 * Providers: `deepseek` (keyed, pointed at the emulator) and `nokey` (deepseek spec, api_key from
 * an env var that is not set). Aliases: gpt-5.5 / gpt-5.4 → deepseek, gpt-nokey → nokey.
 */
export async function makeGateway(opts: GatewayOptions = {}): Promise<TestGateway> {
  const mock = await startMockUpstreams({ keys: { deepseek: DEEPSEEK_KEY } });
  const dir = mkdtempSync(join(tmpdir(), "godex-server-test-"));
  const server: Record<string, unknown> = { host: "127.0.0.1", port: 0 };
  if (opts.bodyLimit !== undefined) server.body_limit = opts.bodyLimit;
  const config = loadConfigFromObject(
    {
      server,
      models: {
        aliases: {
          "gpt-5.5": "deepseek/deepseek-v4-pro",
          "gpt-5.4": "deepseek/deepseek-v4-flash",
          "gpt-nokey": "nokey/deepseek-v4-pro",
        },
      },
      providers: {
        deepseek: {
          spec: "deepseek",
          credentials: { api_key: DEEPSEEK_KEY },
          endpoint: { base_url: mock.baseUrl("deepseek") },
          models: ["deepseek-v4-pro", "deepseek-v4-flash"],
          retry: { max_attempts: 1, max_delay_ms: 0 },
        },
        nokey: {
          spec: "deepseek",
          credentials: { api_key: `\${${MISSING_KEY_ENV}}` },
          endpoint: { base_url: mock.baseUrl("deepseek") },
          models: ["deepseek-v4-pro"],
        },
      },
      logging: { level: "silent" },
    },
    {},
  );
  const runtime = buildRuntime(config, { carrierKeyFile: join(dir, "carrier.key") });
  const app = createApp({ getRuntime: () => runtime, log: createLogger("silent") });
  return {
    app,
    mock,
    runtime,
    async close() {
      await mock.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Makes supertest buffer the whole body as text whatever the content type (SSE included). */
export function asText(t: Test): Test {
  return t.buffer(true).parse((res, done) => {
    let text = "";
    res.setEncoding("utf8");
    res.on("data", (c: string) => (text += c));
    res.on("end", () => done(null, text));
  });
}

export interface SseFrame {
  event: string;
  data: any;
  raw: string;
}

/**
 * Parses an SSE body strictly: every frame must be exactly `event: X\ndata: {json}` and end with a
 * blank line. Keep-alive comment frames (`: …`) are skipped.
 */
export function parseSse(text: string): SseFrame[] {
  expect(text.endsWith("\n\n"), "SSE body ends with a blank line").toBe(true);
  const frames: SseFrame[] = [];
  for (const raw of text.slice(0, -2).split("\n\n")) {
    if (raw.startsWith(":")) continue;
    const m = /^event: ([^\n]+)\ndata: ([^\n]*)$/.exec(raw);
    expect(m, `frame is 'event: X\\ndata: {...}': ${JSON.stringify(raw.slice(0, 200))}`).not.toBeNull();
    frames.push({ event: m![1]!, data: JSON.parse(m![2]!), raw });
  }
  return frames;
}

export const TERMINAL_EVENTS = ["response.completed", "response.incomplete", "response.failed"];

/** The OpenAI error body shape: `{error:{message,type,code,param}}` and nothing else at the top. */
export function expectErrorShape(body: any): void {
  expect(body, "error body").toBeTypeOf("object");
  expect(Object.keys(body)).toEqual(["error"]);
  const e = body.error;
  expect(typeof e.message).toBe("string");
  expect(e.message.length).toBeGreaterThan(0);
  expect(typeof e.type).toBe("string");
  expect(typeof e.code).toBe("string");
  expect(e.param === null || typeof e.param === "string").toBe(true);
  expect(Object.keys(e).sort()).toEqual(["code", "message", "param", "type"]);
}

export const userInput = (text: string) => [{ type: "message", role: "user", content: [{ type: "input_text", text }] }];

/** A minimal valid request. */
export function simpleRequest(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { model: "gpt-5.5", input: userInput("Say hello in one short sentence."), ...extra };
}
