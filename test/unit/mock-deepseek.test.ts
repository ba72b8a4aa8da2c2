import { describe, expect, it } from "vitest";
import { startMockUpstreams } from "../../src/mock/server.ts";
import { chunksBeforeDone, dataLines, EXEC_TOOL, execRound, mockSuite, user } from "./mock-helpers.ts";

const KEY = "mock-deepseek-key";
const PATCH_TOOL = {
  type: "function",
  function: { name: "apply_patch", parameters: { type: "object", properties: { input: { type: "string" } }, required: ["input"] } },
};

const suite = mockSuite("deepseek", { bearer: KEY });
const { call } = suite;

const req = (extra: Record<string, unknown> = {}) => ({ model: "deepseek-v4-pro", messages: [user("hi")], ...extra });

function errorBody(message: string, type = "invalid_request_error") {
  return { error: { message, type, param: null, code: "invalid_request_error" } };
}

/** A finished exec_command round trip, as a gateway would replay it. */
const toolRound = (opts: { reasoning?: string | null } = {}) =>
  execRound("call_00_abc", { ...opts, toolContent: "Chunk ID: 1\nProcess exited with code 0\nOutput:\nhello\n" });

describe("auth", () => {
  it("401 with the masked key on a wrong key", async () => {
    const r = await call(req(), { key: "sk-wrong-key-9xyz" });
    expect(r.status).toBe(401);
    expect(r.text).toBe(
      '{"error":{"message":"Authentication Fails, Your api key: ****9xyz is invalid","type":"authentication_error","param":null,"code":"invalid_request_error"}}',
    );
  });

  it("401 without an Authorization header", async () => {
    const r = await call(req(), { key: null });
    expect(r.status).toBe(401);
    expect(r.json.error.type).toBe("authentication_error");
  });

  it("honours custom keys and '' as accept-anything", async () => {
    const other = await startMockUpstreams({ keys: { deepseek: "" } });
    try {
      const res = await fetch(`${other.baseUrl("deepseek")}/chat/completions`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: "Bearer whatever" },
        body: JSON.stringify(req()),
      });
      expect(res.status).toBe(200);
      await res.text();
    } finally {
      await other.close();
    }
  });
});

describe("400 validation", () => {
  it("rejects unknown models with the live wording", async () => {
    const r = await call(req({ model: "deepseek-chat" }));
    expect(r.status).toBe(400);
    expect(r.json).toEqual(errorBody("The supported API model names are deepseek-v4-pro or deepseek-v4-flash, but you passed deepseek-chat."));
  });

  it("accepts the three current model names", async () => {
    for (const model of ["deepseek-v4-pro", "deepseek-v4-flash", "deepseek-flash"]) {
      expect((await call(req({ model }))).status).toBe(200);
    }
  });

  it("rejects empty messages", async () => {
    const r = await call(req({ messages: [] }));
    expect(r.status).toBe(400);
    expect(r.json).toEqual(errorBody("Empty input messages"));
  });

  it("rejects the developer role with a serde position", async () => {
    const raw = JSON.stringify(req({ messages: [{ role: "system", content: "sys" }, { role: "developer", content: "dev" }] }));
    const column = raw.indexOf('"developer"') + '"developer"'.length;
    const r = await call(undefined, { raw });
    expect(r.status).toBe(400);
    expect(r.json.error.message).toBe(
      "Failed to deserialize the JSON body into the target type: messages[1].role: unknown variant `developer`, expected one of `system`, `user`, `assistant`, `tool`, `latest_reminder` at line 1 column " +
        column,
    );
  });

  it("counts serde columns in bytes", async () => {
    const raw = JSON.stringify(req({ messages: [user("héllo ✓"), { role: "developer", content: "x" }] }));
    const upTo = raw.slice(0, raw.indexOf('"developer"') + '"developer"'.length);
    const r = await call(undefined, { raw });
    expect(r.json.error.message).toMatch(new RegExp(`column ${Buffer.byteLength(upTo)}$`));
  });

  it("rejects a tool message without a preceding tool_calls message", async () => {
    const r = await call(req({ messages: [user("hi"), { role: "tool", tool_call_id: "call_x", content: "out" }] }));
    expect(r.status).toBe(400);
    expect(r.json).toEqual(errorBody("Messages with role 'tool' must be a response to a preceding message with 'tool_calls'"));
  });

  it("rejects a tool message whose id answers no call", async () => {
    const msgs = toolRound();
    (msgs[2] as { tool_call_id: string }).tool_call_id = "call_other";
    const r = await call(req({ messages: msgs, tools: [EXEC_TOOL] }));
    expect(r.json.error.message).toBe("Messages with role 'tool' must be a response to a preceding message with 'tool_calls'");
  });

  it("rejects a tool message without tool_call_id", async () => {
    const raw = JSON.stringify(req({ messages: [user("hi"), { role: "tool", content: "out" }] }));
    const r = await call(undefined, { raw });
    expect(r.status).toBe(400);
    expect(r.json.error.message).toBe(
      `Failed to deserialize the JSON body into the target type: messages[1]: missing field \`tool_call_id\` at line 1 column ${raw.lastIndexOf("}]") + 1}`,
    );
  });

  it("rejects unanswered tool calls", async () => {
    const msgs = [...toolRound().slice(0, 2), user("next")];
    const r = await call(req({ messages: msgs, tools: [EXEC_TOOL] }));
    expect(r.status).toBe(400);
    expect(r.json.error.message).toBe(
      "An assistant message with 'tool_calls' must be followed by tool messages responding to each 'tool_call_id'. (insufficient tool messages following tool_calls message)",
    );
  });

  it("rejects a tool without a function name (live wording)", async () => {
    const raw = JSON.stringify(req({ tools: [{ type: "function", function: { description: "d", parameters: {} } }] }));
    const r = await call(undefined, { raw });
    expect(r.status).toBe(400);
    const column = raw.indexOf("{}}") + 3;
    expect(r.json.error.message).toBe(
      `Failed to deserialize the JSON body into the target type: tools[0].function: missing field \`name\` at line 1 column ${column}`,
    );
  });

  it("rejects non-function tools", async () => {
    const r = await call(req({ tools: [{ type: "custom", name: "apply_patch" }] }));
    expect(r.status).toBe(400);
    expect(r.json.error.message).toMatch(/^Failed to deserialize the JSON body into the target type: tools\[0\]\.type: unknown variant `custom`, expected `function` at line 1 column \d+$/);
  });

  it("rejects bad tool names and more than 128 tools", async () => {
    const bad = { ...EXEC_TOOL, function: { ...EXEC_TOOL.function, name: "my.tool" } };
    expect((await call(req({ tools: [bad] }))).status).toBe(400);
    const many = Array.from({ length: 129 }, (_, i) => ({ ...EXEC_TOOL, function: { ...EXEC_TOOL.function, name: `t${i}` } }));
    expect((await call(req({ tools: many }))).status).toBe(400);
    expect((await call(req({ tools: many.slice(0, 128) }))).status).toBe(200);
  });

  it("allows strict tools only under /beta", async () => {
    const strict = { ...EXEC_TOOL, function: { ...EXEC_TOOL.function, strict: true } };
    expect((await call(req({ tools: [strict] }))).status).toBe(400);
    expect((await call(req({ tools: [{ ...EXEC_TOOL, function: { ...EXEC_TOOL.function, strict: false } }] }))).status).toBe(200);
    expect((await call(req({ tools: [strict] }), { path: "/beta/chat/completions" })).status).toBe(200);
  });

  it("validates thinking.type and reasoning_effort", async () => {
    const t = await call(req({ thinking: { type: "auto" } }));
    expect(t.status).toBe(400);
    expect(t.json.error.message).toMatch(/thinking\.type: unknown variant `auto`, expected `enabled` or `disabled`/);
    const none = await call(req({ reasoning_effort: "none" }));
    expect(none.status).toBe(400);
    expect(none.json.error.message).toMatch(/reasoning_effort: unknown variant `none`/);
    for (const effort of ["minimal", "low", "medium", "high", "xhigh", "max"]) {
      expect((await call(req({ reasoning_effort: effort }))).status).toBe(200);
    }
  });

  it("rejects required/named tool_choice in thinking mode only", async () => {
    const named = { type: "function", function: { name: "exec_command" } };
    for (const tool_choice of ["required", named]) {
      const r = await call(req({ tools: [EXEC_TOOL], tool_choice }));
      expect(r.status).toBe(400);
      expect(r.json).toEqual(errorBody("Thinking mode does not support this tool_choice"));
      expect((await call(req({ tools: [EXEC_TOOL], tool_choice, thinking: { type: "disabled" } }))).status).toBe(200);
    }
    expect((await call(req({ tools: [EXEC_TOOL], tool_choice: "auto" }))).status).toBe(200);
    expect((await call(req({ tools: [EXEC_TOOL], tool_choice: "none" }))).status).toBe(200);
  });

  it("checks max_tokens range, stop and user_id", async () => {
    const big = await call(req({ max_tokens: 393217 }));
    expect(big.status).toBe(400);
    expect(big.json).toEqual(errorBody("Invalid max_tokens value, the valid range of max_tokens is [1, 393216]"));
    expect((await call(req({ max_tokens: 0 }))).status).toBe(400);
    expect((await call(req({ max_tokens: 393216 }))).status).toBe(200);
    expect((await call(req({ stop: Array.from({ length: 17 }, (_, i) => `s${i}`) }))).status).toBe(400);
    expect((await call(req({ stop: Array.from({ length: 16 }, (_, i) => `s${i}`) }))).status).toBe(200);
    expect((await call(req({ stop: "END" }))).status).toBe(200);
    expect((await call(req({ user_id: "bad id!" }))).status).toBe(400);
    expect((await call(req({ user_id: "user_42-a" }))).status).toBe(200);
  });

  it("ignores unknown top-level keys", async () => {
    const r = await call(req({ extra_body: { thinking: { type: "disabled" } }, store: false, prompt_cache_key: "x" }));
    expect(r.status).toBe(200);
  });

  it("reports malformed JSON", async () => {
    const r = await call(undefined, { raw: '{"model":' });
    expect(r.status).toBe(400);
    expect(r.json.error.message).toMatch(/^Failed to parse the request body as JSON: /);
  });
});

describe("reasoning_content pass-back", () => {
  it("400s in thinking mode when an assistant tool-call turn lacks reasoning_content", async () => {
    const r = await call(req({ messages: toolRound({ reasoning: null }), tools: [EXEC_TOOL] }));
    expect(r.status).toBe(400);
    expect(r.text).toBe(
      '{"error":{"message":"The `reasoning_content` in the thinking mode must be passed back to the API.","type":"invalid_request_error","param":null,"code":"invalid_request_error"}}',
    );
  });

  it("accepts an empty string, and anything when thinking is disabled", async () => {
    expect((await call(req({ messages: toolRound({ reasoning: "" }), tools: [EXEC_TOOL] }))).status).toBe(200);
    const off = await call(req({ messages: toolRound({ reasoning: null }), tools: [EXEC_TOOL], thinking: { type: "disabled" } }));
    expect(off.status).toBe(200);
  });
});

describe("non-stream replies", () => {
  it("has the verified key order and a tool call with content ''", async () => {
    const r = await call(req({ messages: [user("run echo hello")], tools: [EXEC_TOOL] }));
    expect(r.status).toBe(200);
    expect(r.headers.get("content-type")).toBe("application/json");
    const j = r.json;
    expect(Object.keys(j)).toEqual(["id", "object", "created", "model", "choices", "usage", "system_fingerprint"]);
    expect(j.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(j.object).toBe("chat.completion");
    expect(Object.keys(j.choices[0])).toEqual(["index", "message", "logprobs", "finish_reason"]);
    const m = j.choices[0].message;
    expect(Object.keys(m)).toEqual(["role", "content", "reasoning_content", "tool_calls"]);
    expect(m.content).toBe("");
    expect(m.reasoning_content).toBe("The user wants me to run echo hello. I will call exec_command.");
    expect(m.tool_calls).toHaveLength(1);
    expect(Object.keys(m.tool_calls[0])).toEqual(["index", "id", "type", "function"]);
    expect(m.tool_calls[0].id).toMatch(/^call_00_[A-Za-z0-9]{24}$/);
    expect(JSON.parse(m.tool_calls[0].function.arguments)).toEqual({ cmd: "echo hello" });
    expect(j.choices[0].finish_reason).toBe("tool_calls");
    expect(Object.keys(j.usage)).toEqual([
      "prompt_tokens",
      "completion_tokens",
      "total_tokens",
      "prompt_tokens_details",
      "completion_tokens_details",
      "prompt_cache_hit_tokens",
      "prompt_cache_miss_tokens",
    ]);
    expect(j.usage.completion_tokens).toBeGreaterThanOrEqual(j.usage.completion_tokens_details.reasoning_tokens);
    expect(j.usage.total_tokens).toBe(j.usage.prompt_tokens + j.usage.completion_tokens);
  });

  it("omits reasoning_content when thinking is disabled", async () => {
    const r = await call(req({ thinking: { type: "disabled" } }));
    expect(Object.keys(r.json.choices[0].message)).toEqual(["role", "content"]);
    expect(r.json.choices[0].message.content).toBe("You said: hi");
  });

  it("reports prompt-cache hits in 64-token blocks for a repeated prefix", async () => {
    const long = "lorem ipsum dolor sit amet ".repeat(40);
    const messages = [{ role: "system", content: long }, user("first question")];
    const first = await call(req({ messages }));
    expect(first.json.usage.prompt_cache_hit_tokens).toBe(0);
    const second = await call(req({ messages: [...messages, { role: "assistant", content: "ok" }, user("second")] }));
    const u = second.json.usage;
    expect(u.prompt_cache_hit_tokens).toBeGreaterThan(0);
    expect(u.prompt_cache_hit_tokens % 64).toBe(0);
    expect(u.prompt_cache_hit_tokens).toBeLessThanOrEqual(u.prompt_tokens);
    expect(u.prompt_tokens_details.cached_tokens).toBe(u.prompt_cache_hit_tokens);
    expect(u.prompt_cache_hit_tokens + u.prompt_cache_miss_tokens).toBe(u.prompt_tokens);
  });
});

describe("streaming", () => {
  it("emits the §1.6 thinking-mode tool-call sequence byte for byte", async () => {
    const r = await call(req({ stream: true, messages: [user("run echo hello")], tools: [EXEC_TOOL] }));
    expect(r.status).toBe(200);
    expect(r.headers.get("content-type")).toBe("text/event-stream");
    expect(r.text.startsWith(": keep-alive\n\n")).toBe(true);
    const chunks = chunksBeforeDone(r);
    const first = JSON.parse(chunks[0]!);
    const prefix =
      `{"id":"${first.id}","object":"chat.completion.chunk","created":${first.created},"model":"deepseek-v4-pro",` +
      `"system_fingerprint":"fp_9954b31ca7_prod0820_fp8_kvcache_20260402","choices":[{"index":0,`;
    const open = '"logprobs":null,"finish_reason":null}]}';
    for (const c of chunks) expect(c.startsWith(prefix)).toBe(true);
    const deltas = chunks.map((c) => c.slice(prefix.length));

    expect(deltas[0]).toBe(`"delta":{"role":"assistant","content":null,"reasoning_content":""},${open}`);
    let i = 1;
    let reasoning = "";
    while (deltas[i]!.startsWith('"delta":{"content":null,"reasoning_content":"')) {
      expect(deltas[i]!.endsWith(`},${open}`)).toBe(true);
      reasoning += JSON.parse(chunks[i]!).choices[0].delta.reasoning_content;
      i++;
    }
    expect(i).toBeGreaterThan(2); // several reasoning deltas
    expect(reasoning).toBe("The user wants me to run echo hello. I will call exec_command.");
    expect(deltas[i]).toMatch(
      /^"delta":\{"tool_calls":\[\{"index":0,"id":"call_00_[A-Za-z0-9]{24}","type":"function","function":\{"name":"exec_command","arguments":""\}\}\]\},"logprobs":null,"finish_reason":null\}\]\}$/,
    );
    i++;
    let args = "";
    const fragments: string[] = [];
    while (deltas[i]!.startsWith('"delta":{"tool_calls":[{"index":0,"function":{"arguments":')) {
      const d = JSON.parse(chunks[i]!).choices[0].delta;
      expect(d).toEqual({ tool_calls: [{ index: 0, function: { arguments: d.tool_calls[0].function.arguments } }] });
      fragments.push(d.tool_calls[0].function.arguments);
      args += d.tool_calls[0].function.arguments;
      i++;
    }
    expect(fragments[0]).toBe('{"');
    expect(fragments.length).toBeGreaterThan(2);
    expect(JSON.parse(args)).toEqual({ cmd: "echo hello" });
    expect(i).toBe(deltas.length - 1);
    const last = deltas[i]!;
    expect(last).toMatch(/^"delta":\{"content":"","reasoning_content":null\},"logprobs":null,"finish_reason":"tool_calls"\}\],"usage":\{"prompt_tokens":\d+,"completion_tokens":\d+,"total_tokens":\d+,"prompt_tokens_details":\{"cached_tokens":\d+\},"completion_tokens_details":\{"reasoning_tokens":\d+\},"prompt_cache_hit_tokens":\d+,"prompt_cache_miss_tokens":\d+\}\}$/);
    // usage only on the last chunk when include_usage was not asked for
    expect(chunks.slice(0, -1).every((c) => !c.includes('"usage"'))).toBe(true);
  });

  it("streams text deltas with reasoning_content:null in thinking mode", async () => {
    const r = await call(req({ stream: true, messages: [user("tell me about the weather today please")] }));
    const deltas = dataLines(r.text).slice(0, -1).map((c) => JSON.parse(c).choices[0].delta);
    const text = deltas.filter((d) => typeof d.content === "string" && d.content !== "");
    expect(text.length).toBeGreaterThan(2);
    for (const d of text) expect(Object.keys(d)).toEqual(["content", "reasoning_content"]);
    expect(text.map((d) => d.content).join("")).toBe("You said: tell me about the weather today please");
  });

  it("uses the non-thinking sequence and usage:null with include_usage", async () => {
    const r = await call(req({ stream: true, thinking: { type: "disabled" }, stream_options: { include_usage: true }, messages: [user("hello there my friend")] }));
    const chunks = dataLines(r.text).slice(0, -1).map((c) => JSON.parse(c));
    expect(chunks[0].choices[0].delta).toEqual({ role: "assistant", content: "" });
    for (const c of chunks.slice(1, -1)) expect(Object.keys(c.choices[0].delta)).toEqual(["content"]);
    const last = chunks.at(-1);
    expect(last.choices[0].delta).toEqual({ content: "" });
    expect(last.choices[0].finish_reason).toBe("stop");
    expect(last.usage.total_tokens).toBeGreaterThan(0);
    for (const c of chunks.slice(0, -1)) {
      expect(c.usage).toBeNull();
      expect(Object.keys(c)).toEqual(["id", "object", "created", "model", "system_fingerprint", "choices", "usage"]);
    }
    expect(new Set(chunks.map((c) => `${c.id}/${c.created}`)).size).toBe(1);
  });
});

describe("brain", () => {
  it("answers a tool result with the output's last line", async () => {
    const r = await call(req({ messages: toolRound(), tools: [EXEC_TOOL] }));
    expect(r.json.choices[0].message.content).toBe("Done. The command printed: hello");
    expect(r.json.choices[0].finish_reason).toBe("stop");
  });

  it("creates files through apply_patch and reports the patch", async () => {
    const r = await call(req({ messages: [user('create a file hello.txt with "hello from mock"')], tools: [EXEC_TOOL, PATCH_TOOL] }));
    const tc = r.json.choices[0].message.tool_calls[0];
    expect(tc.function.name).toBe("apply_patch");
    expect(JSON.parse(tc.function.arguments)).toEqual({ input: "*** Begin Patch\n*** Add File: hello.txt\n+hello from mock\n*** End Patch\n" });
    const replay = [
      user("create a file hello.txt with hi"),
      { role: "assistant", content: "", reasoning_content: "", tool_calls: [{ id: "call_00_p", type: "function", function: { name: "apply_patch", arguments: tc.function.arguments } }] },
      { role: "tool", tool_call_id: "call_00_p", content: "Exit code: 0\nOutput:\nSuccess. Updated the following files:\nA hello.txt\n" },
    ];
    const done = await call(req({ messages: replay, tools: [PATCH_TOOL] }));
    expect(done.json.choices[0].message.content).toBe("Done. The patch was applied.");
  });

  it("does chained steps (\"X; then Y\") one model turn each, then answers", async () => {
    const ask = user("run echo one > a.txt; then create file b.txt with two");
    const first = await call(req({ messages: [ask], tools: [EXEC_TOOL, PATCH_TOOL] }));
    const run = first.json.choices[0].message.tool_calls[0];
    expect(run.function.name).toBe("exec_command");
    expect(JSON.parse(run.function.arguments)).toEqual({ cmd: "echo one > a.txt" });
    const afterRun = [
      ask,
      { role: "assistant", content: "", reasoning_content: "r", tool_calls: [{ id: "call_00_a", type: "function", function: { name: "exec_command", arguments: run.function.arguments } }] },
      { role: "tool", tool_call_id: "call_00_a", content: "Process exited with code 0\nOutput:\n" },
    ];
    const second = await call(req({ messages: afterRun, tools: [EXEC_TOOL, PATCH_TOOL] }));
    const patch = second.json.choices[0].message.tool_calls[0];
    expect(patch.function.name).toBe("apply_patch");
    expect(JSON.parse(patch.function.arguments)).toEqual({ input: "*** Begin Patch\n*** Add File: b.txt\n+two\n*** End Patch\n" });
    const afterPatch = [
      ...afterRun,
      { role: "assistant", content: "", reasoning_content: "r", tool_calls: [{ id: "call_00_b", type: "function", function: { name: "apply_patch", arguments: patch.function.arguments } }] },
      { role: "tool", tool_call_id: "call_00_b", content: "Success. Updated the following files:\nA b.txt\n" },
    ];
    const done = await call(req({ messages: afterPatch, tools: [EXEC_TOOL, PATCH_TOOL] }));
    expect(done.json.choices[0].message.content).toBe("Done. The patch was applied.");
    expect(done.json.choices[0].finish_reason).toBe("stop");
  });

  it("runs backticked commands", async () => {
    const r = await call(req({ messages: [user("Please Run `ls -la` now")], tools: [EXEC_TOOL] }));
    expect(JSON.parse(r.json.choices[0].message.tool_calls[0].function.arguments)).toEqual({ cmd: "ls -la" });
  });

  it("makes two parallel calls on GODEX_MOCK_PARALLEL", async () => {
    const r = await call(req({ messages: [user("GODEX_MOCK_PARALLEL")], tools: [EXEC_TOOL] }));
    const calls = r.json.choices[0].message.tool_calls;
    expect(calls.map((c: any) => c.index)).toEqual([0, 1]);
    expect(calls[0].id).toMatch(/^call_00_/);
    expect(calls[1].id).toMatch(/^call_01_/);
  });

  it("stops with length on GODEX_MOCK_LENGTH and on a tiny max_tokens", async () => {
    const r = await call(req({ messages: [user("GODEX_MOCK_LENGTH")] }));
    expect(r.json.choices[0].finish_reason).toBe("length");
    const tiny = await call(req({ max_tokens: 3, thinking: { type: "disabled" }, messages: [user("a fairly long sentence to echo back")] }));
    expect(tiny.json.choices[0].finish_reason).toBe("length");
    expect(tiny.json.choices[0].message.content.length).toBeLessThanOrEqual(12);
  });

  it("echoes plain text", async () => {
    const r = await call(req({ messages: [user("x".repeat(300))] }));
    expect(r.json.choices[0].message.content).toBe(`You said: ${"x".repeat(200)}`);
  });

  it("answers GODEX_MOCK_ERROR=<status> with DeepSeek's error body", async () => {
    const r = await call(req({ messages: [user("GODEX_MOCK_ERROR=402")] }));
    expect(r.status).toBe(402);
    expect(r.json).toEqual(errorBody("Insufficient Balance", "unknown_error"));
    for (const status of [401, 429, 500, 503]) {
      const e = await call(req({ messages: [user(`please GODEX_MOCK_ERROR=${status}`)] }));
      expect(e.status).toBe(status);
      expect(Object.keys(e.json.error)).toEqual(["message", "type", "param", "code"]);
    }
  });
});

describe("host", () => {
  it("records requests and serves /models and /v1 aliases", async () => {
    await call(req({ messages: [user("recorded")] }));
    const models = await call(undefined, { method: "GET", path: "/models" });
    expect(models.json.data.map((m: any) => m.id)).toContain("deepseek-v4-pro");
    expect((await call(req(), { path: "/v1/chat/completions" })).status).toBe(200);
    expect(suite.mock.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      "POST /deepseek/chat/completions",
      "GET /deepseek/models",
      "POST /deepseek/v1/chat/completions",
    ]);
    expect(suite.mock.requests[0]!.provider).toBe("deepseek");
    expect(suite.mock.requests.map((r) => r.status)).toEqual([200, 200, 200]);
    expect((suite.mock.requests[0]!.body as any).messages[0].content).toBe("recorded");
    expect(suite.mock.requests[0]!.headers.authorization).toBe(`Bearer ${KEY}`);
    suite.mock.clear();
    expect(suite.mock.requests).toHaveLength(0);
  });

  it("plays scripted json and sse replies before falling back to the emulator", async () => {
    const sse = 'data: {"x":1}\n\ndata: {"x":2}\n\ndata: [DONE]\n\n';
    suite.mock.enqueue("deepseek", { status: 429, json: { error: { message: "slow down" } }, headers: { "retry-after": "1" } }, { sse }, { sse, chunkDelayMs: 5 });
    const a = await call(req());
    expect(a.status).toBe(429);
    expect(a.headers.get("retry-after")).toBe("1");
    expect(a.json).toEqual({ error: { message: "slow down" } });
    const b = await call(req({ model: "bogus" })); // scripted replies skip validation
    expect(b.status).toBe(200);
    expect(b.text).toBe(sse);
    expect((await call(req())).text).toBe(sse);
    const d = await call(req());
    expect(d.json.object).toBe("chat.completion");
  });

  it("hangs after headers on {hangMs}", async () => {
    suite.mock.enqueue("deepseek", { hangMs: 10_000 });
    const ac = new AbortController();
    const res = await fetch(`${suite.mock.baseUrl("deepseek")}/chat/completions`, { method: "POST", body: "{}", signal: ac.signal });
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    const pending = reader.read();
    const raced = await Promise.race([pending.then(() => "data"), new Promise((r) => setTimeout(() => r("silent"), 200))]);
    expect(raced).toBe("silent");
    ac.abort();
    await expect(pending).rejects.toThrow();
  });

  it("destroys the connection before headers or mid-stream", async () => {
    suite.mock.enqueue("deepseek", { destroy: "before-headers" }, { destroy: "mid-stream" });
    await expect(call(req())).rejects.toThrow();
    const res = await fetch(`${suite.mock.baseUrl("deepseek")}/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${KEY}` },
      body: JSON.stringify(req({ stream: true })),
    });
    expect(res.status).toBe(200);
    await expect(res.text()).rejects.toThrow();
  });

  it("close() leaves no open sockets, even with a hanging stream", async () => {
    const m = await startMockUpstreams();
    await fetch(`${m.baseUrl("deepseek")}/models`, { headers: { authorization: `Bearer ${KEY}` } }).then((r) => r.text()); // idle keep-alive socket
    m.enqueue("deepseek", { hangMs: 60_000 });
    const hanging = await fetch(`${m.baseUrl("deepseek")}/chat/completions`, { method: "POST", body: "{}" });
    const body = hanging.text().catch(() => "aborted");
    expect(m.openSockets).toBeGreaterThan(0);
    const started = Date.now();
    await m.close();
    expect(Date.now() - started).toBeLessThan(2000);
    expect(m.openSockets).toBe(0);
    expect(await body).toBe("aborted");
    await expect(fetch(`${m.url}/deepseek/models`)).rejects.toThrow();
  });
});
