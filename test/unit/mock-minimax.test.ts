import { describe, expect, it } from "vitest";
import { dataLines, EXEC_TOOL, execRound, mockSuite, user } from "./mock-helpers.ts";

const KEY = "mock-minimax-key";
const SENSITIVE_TAIL = '"input_sensitive":false,"output_sensitive":false,"input_sensitive_type":0,"output_sensitive_type":0,"output_sensitive_int":0,"service_tier":"standard"';

const { call } = mockSuite("minimax", { bearer: KEY });

const req = (extra: Record<string, unknown> = {}) => ({ model: "MiniMax-M3", messages: [user("hi")], ...extra });

async function expect2013(body: unknown, message: string): Promise<void> {
  const r = await call(body);
  expect(r.status).toBe(400);
  expect(r.json).toEqual({ type: "error", error: { type: "bad_request_error", message, http_code: "400" }, request_id: r.json.request_id });
  expect(Object.keys(r.json)).toEqual(["type", "error", "request_id"]);
  expect(r.json.request_id).toMatch(/^[0-9a-f]{32}$/);
}

const THINK = /^<think>\n?([\s\S]*?)\n?<\/think>(\n+)([\s\S]*)$/;

const toolRound = (assistantContent: string) => execRound("call_function_abc_1", { content: assistantContent, reasoning: null });

describe("auth", () => {
  it("401 login fail (1004) without a key", async () => {
    const r = await call(req(), { key: null });
    expect(r.status).toBe(401);
    expect(r.text).toBe(
      `{"type":"error","error":{"type":"authorized_error","message":"login fail: Please carry the API secret key in the 'Authorization' field of the request header (1004)","http_code":"401"},"request_id":"${r.json.request_id}"}`,
    );
  });

  it("401 authorized_error with a wrong key", async () => {
    const r = await call(req(), { key: "sk-wrong" });
    expect(r.status).toBe(401);
    expect(r.json.type).toBe("error");
    expect(r.json.error.type).toBe("authorized_error");
    expect(r.json.error.http_code).toBe("401");
  });

  it("serves /models", async () => {
    const r = await call(undefined, { method: "GET", path: "/models" });
    expect(r.json.data.map((m: any) => m.id)).toEqual(["MiniMax-M2.5", "MiniMax-M2.7", "MiniMax-M3", "MiniMax-M3.1-Flash-Preview"]);
  });
});

describe("400 validation (2013)", () => {
  it("rejects unknown models and accepts the four known ones", async () => {
    await expect2013(req({ model: "MiniMax-M1" }), "unknown model 'MiniMax-M1' (2013)");
    for (const model of ["MiniMax-M2.5", "MiniMax-M2.7", "MiniMax-M3", "MiniMax-M3.1-Flash-Preview"]) {
      expect((await call(req({ model }))).status).toBe(200);
    }
  });

  it("rejects empty messages", async () => {
    await expect2013(req({ messages: [] }), "invalid params, messages is empty (2013)");
  });

  it("allows one system message, first only", async () => {
    const sys = (content: string) => ({ role: "system", content });
    expect((await call(req({ messages: [sys("a"), user("hi")] }))).status).toBe(200);
    await expect2013(req({ messages: [sys("a"), sys("b"), user("hi")] }), "invalid message role: system (2013)");
    await expect2013(req({ messages: [user("hi"), sys("a")] }), "invalid message role: system (2013)");
  });

  it("rejects the developer role", async () => {
    const r = await call(req({ messages: [{ role: "developer", content: "x" }, user("hi")] }));
    expect(r.status).toBe(400);
    expect(r.json.error.message).toMatch(/\(2013\)$/);
  });

  it("invalid chat setting: strict null, assistant content null, explicit tool_choice auto", async () => {
    const strictNull = { ...EXEC_TOOL, function: { ...EXEC_TOOL.function, strict: null } };
    await expect2013(req({ tools: [strictNull] }), "invalid chat setting (2013)");
    const nullContent = toolRound("");
    (nullContent[1] as { content: unknown }).content = null;
    await expect2013(req({ messages: nullContent, tools: [EXEC_TOOL] }), "invalid chat setting (2013)");
    await expect2013(req({ tools: [EXEC_TOOL], tool_choice: "auto" }), "invalid chat setting (2013)");
    await expect2013(req({ tools: [EXEC_TOOL], tool_choice: "required" }), "invalid chat setting (2013)");
    await expect2013(req({ tools: [EXEC_TOOL], tool_choice: { type: "function", function: { name: "exec_command" } } }), "invalid chat setting (2013)");
    expect((await call(req({ tools: [EXEC_TOOL], tool_choice: "none" }))).status).toBe(200);
    const strictBool = { ...EXEC_TOOL, function: { ...EXEC_TOOL.function, strict: false } };
    expect((await call(req({ tools: [strictBool], parallel_tool_calls: true, stream_options: { include_usage: false } }))).status).toBe(200);
  });

  it("rejects tools without name or parameters", async () => {
    const msg = "invalid params, function name or parameters is empty (2013)";
    await expect2013(req({ tools: [{ type: "function", function: { parameters: { type: "object" } } }] }), msg);
    await expect2013(req({ tools: [{ type: "function", function: { name: "exec_command" } }] }), msg);
  });

  it("requires n = 1", async () => {
    expect((await call(req({ n: 1 }))).status).toBe(200);
    const r = await call(req({ n: 2 }));
    expect(r.status).toBe(400);
    expect(r.json.error.message).toMatch(/\(2013\)$/);
  });

  it("validates thinking per model", async () => {
    expect((await call(req({ thinking: { type: "adaptive" } }))).status).toBe(200);
    expect((await call(req({ thinking: { type: "disabled" } }))).status).toBe(200);
    expect((await call(req({ thinking: { type: "enabled" } }))).status).toBe(400);
    const flash = await call(req({ model: "MiniMax-M3.1-Flash-Preview", thinking: { type: "disabled" } }));
    expect(flash.status).toBe(400);
    expect(flash.json.error.message).toMatch(/requires adaptive thinking \(2013\)$/);
    // M2.x has no switch: ignored.
    const m27 = await call(req({ model: "MiniMax-M2.7", thinking: { type: "disabled" } }));
    expect(m27.status).toBe(200);
    expect(m27.json.choices[0].message.content).toMatch(/^<think>/);
  });

  it("accepts reasoning_effort on M3.1-Flash only; others ignore it", async () => {
    const flash = "MiniMax-M3.1-Flash-Preview";
    for (const effort of ["low", "medium", "high", "xhigh", "max"]) expect((await call(req({ model: flash, reasoning_effort: effort }))).status).toBe(200);
    expect((await call(req({ model: flash, reasoning_effort: "none" }))).status).toBe(400);
    const m3 = await call(req({ reasoning_effort: "bogus" }));
    expect(m3.status).toBe(200);
    expect(m3.headers.get("x-mock-notes")).toContain("reasoning_effort ignored");
  });

  it("prefers max_completion_tokens; max_tokens still works but is deprecated", async () => {
    const long = [user("a fairly long sentence to echo back")];
    const a = await call(req({ thinking: { type: "disabled" }, messages: long, max_completion_tokens: 3 }));
    expect(a.json.choices[0].finish_reason).toBe("length");
    const b = await call(req({ thinking: { type: "disabled" }, messages: long, max_tokens: 3 }));
    expect(b.status).toBe(200);
    expect(b.json.choices[0].finish_reason).toBe("length");
    expect(b.headers.get("x-mock-notes")).toContain("max_tokens is deprecated");
  });
});

describe("non-stream replies", () => {
  it("has the verified M3 key order with the think block inline in content", async () => {
    const r = await call(req({ messages: [user("run `echo hello`")], tools: [EXEC_TOOL] }));
    expect(r.status).toBe(200);
    const j = r.json;
    expect(Object.keys(j)).toEqual([
      "id",
      "choices",
      "created",
      "model",
      "object",
      "usage",
      "input_sensitive",
      "output_sensitive",
      "input_sensitive_type",
      "output_sensitive_type",
      "output_sensitive_int",
      "service_tier",
      "base_resp",
    ]);
    expect(j.id).toMatch(/^[0-9a-f]{32}$/);
    expect(j.base_resp).toEqual({ status_code: 0, status_msg: "" });
    expect(Object.keys(j.choices[0])).toEqual(["finish_reason", "index", "message"]);
    const m = j.choices[0].message;
    expect(Object.keys(m)).toEqual(["content", "role", "name", "tool_calls", "audio_content"]);
    expect(m.name).toBe("MiniMax AI");
    expect(m.audio_content).toBe("");
    const think = THINK.exec(m.content);
    expect(think).not.toBeNull();
    expect(think![1]).toBe("The user wants me to run echo hello. I will call exec_command.");
    expect(think![3]).toBe("");
    expect(Object.keys(m.tool_calls[0])).toEqual(["id", "type", "function", "index"]);
    expect(m.tool_calls[0].id).toMatch(/^call_function_[a-z0-9]{12}_1$/);
    expect(Object.keys(j.usage)).toEqual(["total_tokens", "total_characters", "prompt_tokens", "completion_tokens", "prompt_tokens_details"]);
    expect(j.usage.total_characters).toBe(0);
  });

  it("M2.7 uses call_ + 24 hex ids and always thinks; M3 without thinking has no think block", async () => {
    const m27 = await call(req({ model: "MiniMax-M2.7", messages: [user("run `echo hello`")], tools: [EXEC_TOOL] }));
    expect(m27.json.choices[0].message.tool_calls[0].id).toMatch(/^call_[0-9a-f]{24}$/);
    expect(m27.json.choices[0].message.content).toMatch(/^<think>/);
    const off = await call(req({ thinking: { type: "disabled" } }));
    expect(off.json.choices[0].message.content).toBe("You said: hi");
  });

  it("varies the whitespace around the think tags between replies", async () => {
    const gaps = new Set<string>();
    for (let i = 0; i < 16; i++) {
      const r = await call(req({ messages: [user(`question number ${i}`)] }));
      const m = THINK.exec(r.json.choices[0].message.content)!;
      expect(m[3]).toBe(`You said: question number ${i}`);
      gaps.add(m[2]!);
    }
    expect(gaps.size).toBeGreaterThan(1);
  });

  it("parallel calls on M3 share the random part and count from 1", async () => {
    const r = await call(req({ messages: [user("GODEX_MOCK_PARALLEL")], tools: [EXEC_TOOL] }));
    const ids = r.json.choices[0].message.tool_calls.map((c: any) => c.id);
    expect(ids[0]).toMatch(/_1$/);
    expect(ids[1]).toBe(ids[0].replace(/_1$/, "_2"));
  });

  it("records whether the think block was passed back (no 400)", async () => {
    const without = await call(req({ messages: toolRound("Let me run it."), tools: [EXEC_TOOL] }));
    expect(without.status).toBe(200);
    expect(without.headers.get("x-mock-notes")).toContain("think block not passed back: messages[1]");
    expect(THINK.exec(without.json.choices[0].message.content)![3]).toBe("Done. The command printed: hello");
    const withThink = await call(req({ messages: toolRound("<think>\nI will run it.\n</think>\n\n"), tools: [EXEC_TOOL] }));
    expect(withThink.headers.get("x-mock-notes")).toBeNull();
  });
});

describe("streaming", () => {
  it("M3: coarse chunks, split think tags, tool call whole in the finish chunk, no usage, no [DONE]", async () => {
    const r = await call(req({ stream: true, messages: [user("run `echo hello`")], tools: [EXEC_TOOL] }));
    expect(r.status).toBe(200);
    expect(r.headers.get("content-type")).toMatch(/^text\/event-stream/);
    expect(r.text).not.toContain("[DONE]");
    const chunks = dataLines(r.text);
    expect(chunks.length).toBeGreaterThanOrEqual(2);
    expect(chunks.length).toBeLessThanOrEqual(4);
    const first = JSON.parse(chunks[0]!);
    const head = `{"id":"${first.id}","choices":[{`;
    const tail = `}],"created":${first.created},"model":"MiniMax-M3","object":"chat.completion.chunk","usage":null,${SENSITIVE_TAIL}}`;
    for (const c of chunks) {
      expect(c.startsWith(head)).toBe(true);
      expect(c.endsWith(tail)).toBe(true);
    }
    const inner = chunks.map((c) => c.slice(head.length, c.length - tail.length));
    for (const x of inner.slice(0, -1)) expect(x).toMatch(/^"index":0,"delta":\{"content":"(?:[^"\\]|\\.)*","role":"assistant","name":"MiniMax AI","audio_content":""\}$/);
    const texts = chunks.slice(0, -1).map((c) => JSON.parse(c).choices[0].delta.content as string);
    expect(texts[0]!.startsWith("<think>")).toBe(true);
    expect(texts[0]).not.toContain("</think>");
    expect(texts.at(-1)).toMatch(/<\/think>\n+$/);
    expect(THINK.exec(texts.join(""))![1]).toBe("The user wants me to run echo hello. I will call exec_command.");
    expect(inner.at(-1)).toMatch(
      /^"finish_reason":"tool_calls","index":0,"delta":\{"role":"assistant","name":"MiniMax AI","tool_calls":\[\{"id":"call_function_[a-z0-9]{12}_1","type":"function","function":\{"name":"exec_command","arguments":"\{\\"cmd\\": \\"echo hello\\"\}"\},"index":0\}\],"audio_content":""\}$/,
    );
  });

  it("M3 stop: the finish chunk carries the answer; include_usage adds a trailing choices:[] chunk", async () => {
    const r = await call(req({ stream: true, stream_options: { include_usage: true }, messages: [user("hello there friend")] }));
    const chunks = dataLines(r.text).map((c) => JSON.parse(c));
    const usage = chunks.at(-1);
    expect(Object.keys(usage)).toEqual(["id", "choices", "created", "model", "object", "usage"]);
    expect(usage.choices).toEqual([]);
    expect(Object.keys(usage.usage)).toEqual(["total_tokens", "total_characters", "prompt_tokens", "completion_tokens", "prompt_tokens_details"]);
    const fin = chunks.at(-2);
    expect(fin.usage).toBeNull();
    expect(fin.choices[0].finish_reason).toBe("stop");
    expect(fin.choices[0].delta.content).toBe("You said: hello there friend");
    for (const c of chunks.slice(0, -2)) expect("finish_reason" in c.choices[0]).toBe(false);
    expect(r.text).not.toContain("[DONE]");
  });

  it("M2.7: fine deltas with role everywhere, streamed tool-call fragments, no [DONE]", async () => {
    const r = await call(req({ model: "MiniMax-M2.7", stream: true, messages: [user("run `echo hello`")], tools: [EXEC_TOOL] }));
    expect(r.text).not.toContain("[DONE]");
    const raw = dataLines(r.text);
    const chunks = raw.map((c) => JSON.parse(c));
    for (const c of chunks) {
      expect(Object.keys(c)).toEqual(["id", "choices", "created", "model", "object", "usage"]);
      expect(c.usage).toBeNull();
      expect(c.choices[0].delta.role).toBe("assistant");
    }
    for (const c of chunks.slice(0, -1)) expect(Object.keys(c.choices[0])).toEqual(["index", "delta"]);
    const text = chunks.filter((c) => !c.choices[0].delta.tool_calls).map((c) => c.choices[0].delta.content).join("");
    expect(THINK.exec(text)![1]).toBe("The user wants me to run echo hello. I will call exec_command.");
    const tcChunks = raw.filter((c) => c.includes('"tool_calls":['));
    expect(tcChunks[0]).toMatch(
      /"delta":\{"content":"","role":"assistant","tool_calls":\[\{"id":"call_[0-9a-f]{24}","type":"function","function":\{"name":"exec_command","arguments":""\},"index":0\}\]\}/,
    );
    const frags = tcChunks.slice(1).map((c) => JSON.parse(c).choices[0].delta.tool_calls[0]);
    expect(frags.length).toBeGreaterThan(1);
    for (const f of frags) expect(f).toEqual({ type: "function", function: { arguments: f.function.arguments }, index: 0 });
    expect(JSON.parse(frags.map((f) => f.function.arguments).join(""))).toEqual({ cmd: "echo hello" });
    expect(raw.at(-1)).toContain('"choices":[{"finish_reason":"tool_calls","index":0,"delta":{"content":"","role":"assistant"}}]');
  });

  it("without include_usage no chunk carries usage", async () => {
    const r = await call(req({ model: "MiniMax-M2.5", stream: true }));
    for (const c of dataLines(r.text).map((x) => JSON.parse(x))) expect(c.usage).toBeNull();
  });
});

describe("business errors and magic strings", () => {
  it("GODEX_MOCK_BIZERR: HTTP 200 with base_resp 1008 and choices null", async () => {
    const r = await call(req({ messages: [user("GODEX_MOCK_BIZERR")] }));
    expect(r.status).toBe(200);
    expect(r.json.choices).toBeNull();
    expect(r.json.base_resp).toEqual({ status_code: 1008, status_msg: "insufficient balance" });
    expect(r.json.usage.total_tokens).toBe(0);
    const other = await call(req({ messages: [user("GODEX_MOCK_BIZERR=1002")] }));
    expect(other.json.base_resp.status_code).toBe(1002);
  });

  it("GODEX_MOCK_BIZERR in a stream: a base_resp 1002 chunk mid-stream, then the connection ends", async () => {
    const r = await call(req({ model: "MiniMax-M2.7", stream: true, messages: [user("GODEX_MOCK_BIZERR tell me a long story about dragons")] }));
    expect(r.status).toBe(200);
    const chunks = dataLines(r.text).map((c) => JSON.parse(c));
    expect(chunks.length).toBeGreaterThan(1);
    expect(chunks[0].choices[0].delta.content).toMatch(/^<think>/);
    const last = chunks.at(-1);
    expect(last.base_resp.status_code).toBe(1002);
    expect(last.choices).toBeNull();
    expect(chunks.some((c) => c.choices?.[0]?.finish_reason)).toBe(false);
  });

  it("GODEX_MOCK_ERROR=<status> answers with the error envelope", async () => {
    const r = await call(req({ messages: [user("GODEX_MOCK_ERROR=429")] }));
    expect(r.status).toBe(429);
    expect(r.json.type).toBe("error");
    expect(r.json.error.message).toMatch(/\(1002\)$/);
    expect(r.json.error.http_code).toBe("429");
    for (const status of [401, 500, 503]) {
      const e = await call(req({ messages: [user(`GODEX_MOCK_ERROR=${status}`)] }));
      expect(e.status).toBe(status);
      expect(Object.keys(e.json)).toEqual(["type", "error", "request_id"]);
      expect(e.json.error.http_code).toBe(String(status));
    }
  });

  it("GODEX_MOCK_FINISH sets the finish reason", async () => {
    const r = await call(req({ messages: [user("GODEX_MOCK_FINISH=length")] }));
    expect(r.json.choices[0].finish_reason).toBe("length");
  });
});
