// Shared setup for the provider-emulator unit tests (mock-<provider>.test.ts): one mock host per
// file, a raw HTTP caller that keeps status/headers/text/JSON, and small request/SSE builders.
import { afterAll, beforeAll, beforeEach, expect } from "vitest";
import { startMockUpstreams, type MockUpstreams } from "../../src/mock/server.ts";

export const EXEC_TOOL = {
  type: "function",
  function: {
    name: "exec_command",
    description: "Runs a command",
    parameters: { type: "object", properties: { cmd: { type: "string" } }, required: ["cmd"] },
  },
};

export interface Reply {
  status: number;
  headers: Headers;
  text: string;
  json: any;
}

/** How a request authenticates: `Authorization: Bearer …`, `api-key: …`, or not at all. */
export type Auth = { bearer: string } | { apiKey: string } | null;

export interface CallOptions {
  /** Shorthand for `auth: { bearer: key }`; `null` sends no credentials. */
  key?: string | null;
  auth?: Auth;
  path?: string;
  /** Sent verbatim instead of `JSON.stringify(body)`. */
  raw?: string;
  method?: string;
}

export interface MockSuite {
  /** The running mock host (available from beforeAll on). */
  readonly mock: MockUpstreams;
  call(body: unknown, opts?: CallOptions): Promise<Reply>;
}

/**
 * Starts one mock host for the calling test file (cleared before each test, closed after all)
 * and returns a caller for `provider` that authenticates with `defaultAuth` unless told otherwise.
 */
export function mockSuite(provider: string, defaultAuth: Auth): MockSuite {
  let mock: MockUpstreams | undefined;
  beforeAll(async () => {
    mock = await startMockUpstreams();
  });
  afterAll(async () => {
    await mock!.close();
  });
  beforeEach(() => mock!.clear());

  async function call(body: unknown, opts: CallOptions = {}): Promise<Reply> {
    const headers: Record<string, string> = { "content-type": "application/json" };
    const auth = opts.auth !== undefined ? opts.auth : opts.key === undefined ? defaultAuth : opts.key === null ? null : { bearer: opts.key };
    if (auth && "bearer" in auth) headers.authorization = `Bearer ${auth.bearer}`;
    if (auth && "apiKey" in auth) headers["api-key"] = auth.apiKey;
    const res = await fetch(`${mock!.baseUrl(provider)}${opts.path ?? "/chat/completions"}`, {
      method: opts.method ?? "POST",
      headers,
      body: opts.method === "GET" ? undefined : (opts.raw ?? JSON.stringify(body)),
    });
    const text = await res.text();
    let json: any;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { status: res.status, headers: res.headers, text, json };
  }

  return {
    get mock() {
      if (!mock) throw new Error("mock host not started yet");
      return mock;
    },
    call,
  };
}

export const user = (content: string) => ({ role: "user", content });

/** The `data:` payloads of an SSE text, in order. */
export function dataLines(sse: string): string[] {
  return sse
    .split("\n\n")
    .filter((f) => f.startsWith("data: "))
    .map((f) => f.slice(6));
}

/** Checks that a streamed reply ends with `data: [DONE]` and returns its other `data:` payloads. */
export function chunksBeforeDone(r: Reply): string[] {
  expect(r.text.endsWith("data: [DONE]\n\n")).toBe(true);
  const frames = dataLines(r.text);
  expect(frames.at(-1)).toBe("[DONE]");
  return frames.slice(0, -1);
}

/**
 * A finished exec_command round trip (user ask, assistant tool call `callId`, tool output), as a
 * gateway would replay it. `reasoning: null` leaves reasoning_content off the assistant turn.
 */
export function execRound(callId: string, opts: { reasoning?: string | null; content?: unknown; toolContent?: unknown } = {}) {
  const assistant: Record<string, unknown> = {
    role: "assistant",
    content: opts.content === undefined ? "" : opts.content,
    tool_calls: [{ id: callId, type: "function", function: { name: "exec_command", arguments: '{"cmd":"echo hello"}' } }],
  };
  if (opts.reasoning !== null) assistant.reasoning_content = opts.reasoning ?? "I will run it.";
  return [user("run echo hello"), assistant, { role: "tool", tool_call_id: callId, content: opts.toolContent ?? "hello\n" }];
}
