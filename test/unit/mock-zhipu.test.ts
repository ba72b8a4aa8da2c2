import { describe, expect, it } from "vitest";
import { chunksBeforeDone, dataLines, EXEC_TOOL, execRound, mockSuite, user } from "./mock-helpers.ts";

const KEY = "mock-zhipu-key";

const { call } = mockSuite("zhipu", { bearer: KEY });

const req = (extra: Record<string, unknown> = {}) => ({ model: "glm-5.1", messages: [user("hi")], ...extra });
const zerr = (code: string, message: string) => ({ error: { code, message } });

const toolRound = (opts: { reasoning?: string | null } = {}) =>
  execRound("call_-123", { ...opts, toolContent: "Process exited with code 0\nOutput:\nhello\n" });

/** Every object in `v` has its keys in sorted order. */
function sortedEverywhere(v: unknown): boolean {
  if (Array.isArray(v)) return v.every(sortedEverywhere);
  if (v && typeof v === "object") {
    const keys = Object.keys(v);
    return keys.join(",") === [...keys].sort().join(",") && Object.values(v).every(sortedEverywhere);
  }
  return true;
}

describe("auth", () => {
  it("401 with the verified body on a wrong or missing key", async () => {
    for (const key of ["wrong", null]) {
      const r = await call(req(), { key });
      expect(r.status).toBe(401);
      expect(r.text).toBe('{"error":{"code":"401","message":"令牌已过期或验证不正确"}}');
    }
  });

  it("serves /models", async () => {
    const r = await call(undefined, { method: "GET", path: "/models" });
    expect(r.status).toBe(200);
    expect(r.json.data.map((m: any) => m.id)).toEqual(["glm-5.1", "glm-5", "glm-5-turbo", "glm-4.7", "glm-4.6", "glm-5.2", "glm-5.3"]);
  });
});

describe("400 validation", () => {
  it("rejects unknown models with 1211 and accepts the known ones", async () => {
    const r = await call(req({ model: "glm-4" }));
    expect(r.status).toBe(400);
    expect(r.text).toBe('{"error":{"code":"1211","message":"模型不存在，请检查模型代码。"}}');
    for (const model of ["glm-5.1", "glm-5", "glm-5-turbo", "glm-4.7", "glm-4.6", "glm-5.2", "glm-5.3"]) {
      expect((await call(req({ model }))).status).toBe(200);
    }
  });

  it("rejects the developer role with 1214 角色信息不正确", async () => {
    const r = await call(req({ messages: [{ role: "developer", content: "be brief" }, user("hi")] }));
    expect(r.status).toBe(400);
    expect(r.text).toBe('{"error":{"code":"1214","message":"角色信息不正确"}}');
  });

  it("rejects empty messages and system-only conversations with 1214", async () => {
    const empty = await call(req({ messages: [] }));
    expect(empty.status).toBe(400);
    expect(empty.json).toEqual(zerr("1214", "输入不能为空"));
    const sys = await call(req({ messages: [{ role: "system", content: "you are helpful" }] }));
    expect(sys.status).toBe(400);
    expect(sys.json.error.code).toBe("1214");
  });

  it("rejects a function tool without a name with 1210", async () => {
    const r = await call(req({ tools: [{ type: "function", function: { description: "d", parameters: {} } }] }));
    expect(r.status).toBe(400);
    expect(r.text).toBe('{"error":{"code":"1210","message":"API 调用参数有误，请检查文档。"}}');
  });

  it("accepts tool_choice auto only", async () => {
    expect((await call(req({ tools: [EXEC_TOOL], tool_choice: "auto" }))).status).toBe(200);
    for (const tool_choice of ["none", "required", { type: "function", function: { name: "exec_command" } }]) {
      const r = await call(req({ tools: [EXEC_TOOL], tool_choice }));
      expect(r.status).toBe(400);
      expect(r.json.error.code).toBe("1214");
    }
  });

  it("checks thinking.type, and glm-5.3 cannot disable thinking", async () => {
    expect((await call(req({ thinking: { type: "auto" } }))).json.error.code).toBe("1214");
    expect((await call(req({ thinking: { type: "enabled", clear_thinking: false } }))).status).toBe(200);
    const off53 = await call(req({ model: "glm-5.3", thinking: { type: "disabled" } }));
    expect(off53.status).toBe(400);
    expect(off53.json.error.code).toBe("1214");
    expect((await call(req({ model: "glm-5.2", thinking: { type: "disabled" } }))).status).toBe(200);
  });

  it("accepts reasoning_effort on glm-5.2/5.3 only in their enums, and ignores it elsewhere", async () => {
    for (const effort of ["none", "minimal", "low", "medium", "high", "xhigh", "max"]) {
      expect((await call(req({ model: "glm-5.2", reasoning_effort: effort }))).status).toBe(200);
    }
    expect((await call(req({ model: "glm-5.2", reasoning_effort: "ultra" }))).status).toBe(400);
    for (const effort of ["low", "high", "max"]) expect((await call(req({ model: "glm-5.3", reasoning_effort: effort }))).status).toBe(200);
    for (const effort of ["none", "minimal", "medium", "xhigh"]) {
      const r = await call(req({ model: "glm-5.3", reasoning_effort: effort }));
      expect(r.status).toBe(400);
      expect(r.json.error.code).toBe("1214");
    }
    const ignored = await call(req({ model: "glm-5.1", reasoning_effort: "whatever" }));
    expect(ignored.status).toBe(200);
    expect(ignored.headers.get("x-mock-notes")).toContain("reasoning_effort ignored");
  });

  it("allows at most one stop word", async () => {
    expect((await call(req({ stop: ["END"] }))).status).toBe(200);
    const two = await call(req({ stop: ["END", "STOP"] }));
    expect(two.status).toBe(400);
    expect(two.json.error.code).toBe("1214");
  });

  it("keeps temperature within [0, 1]", async () => {
    for (const temperature of [0, 0.6, 1]) expect((await call(req({ temperature }))).status).toBe(200);
    for (const temperature of [1.2, 2, -0.1]) {
      const r = await call(req({ temperature }));
      expect(r.status).toBe(400);
      expect(r.json.error.code).toBe("1214");
    }
  });

  it("ignores strict in tools (not in the schema) and unknown keys", async () => {
    const strict = { ...EXEC_TOOL, function: { ...EXEC_TOOL.function, strict: true } };
    const r = await call(req({ tools: [strict], extra_body: { x: 1 }, store: false }));
    expect(r.status).toBe(200);
    expect(r.headers.get("x-mock-notes")).toContain("tools[].function.strict ignored");
  });
});

describe("reasoning pass-back", () => {
  it("does not 400 when reasoning_content is missing, records it, and still answers well", async () => {
    const r = await call(req({ messages: toolRound({ reasoning: null }), tools: [EXEC_TOOL] }));
    expect(r.status).toBe(200);
    expect(r.headers.get("x-mock-notes")).toContain("reasoning_content not passed back: messages[1]");
    expect(r.json.choices[0].message.content).toBe("Done. The command printed: hello");
    const ok = await call(req({ messages: toolRound(), tools: [EXEC_TOOL] }));
    expect(ok.headers.get("x-mock-notes")).toBeNull();
  });
});

describe("non-stream replies", () => {
  it("sorts keys alphabetically at every level; id == request_id; signed 64-bit call ids", async () => {
    const r = await call(req({ messages: [user("run `echo hello`")], tools: [EXEC_TOOL] }));
    expect(r.status).toBe(200);
    expect(sortedEverywhere(r.json)).toBe(true);
    const j = r.json;
    expect(Object.keys(j)).toEqual(["choices", "created", "id", "model", "object", "request_id", "usage"]);
    expect(j.id).toMatch(/^\d{14}[0-9a-f]{16}$/);
    expect(j.request_id).toBe(j.id);
    expect(j.object).toBe("chat.completion");
    expect(Object.keys(j.choices[0])).toEqual(["finish_reason", "index", "message"]);
    const m = j.choices[0].message;
    expect(Object.keys(m)).toEqual(["content", "reasoning_content", "role", "tool_calls"]);
    expect(m.content).toBe("");
    expect(m.reasoning_content).toBe("The user wants me to run echo hello. I will call exec_command.");
    const tc = m.tool_calls[0];
    expect(Object.keys(tc)).toEqual(["function", "id", "index", "type"]);
    expect(tc.id).toMatch(/^call_-?\d{1,19}$/);
    const n = BigInt(tc.id.slice(5));
    expect(n >= -(2n ** 63n) && n < 2n ** 63n).toBe(true);
    expect(JSON.parse(tc.function.arguments)).toEqual({ cmd: "echo hello" });
    expect(j.choices[0].finish_reason).toBe("tool_calls");
    expect(Object.keys(j.usage)).toEqual(["completion_tokens", "completion_tokens_details", "prompt_tokens", "prompt_tokens_details", "total_tokens"]);
  });

  it("the id's timestamp is Beijing time", async () => {
    const r = await call(req());
    const [, y, mo, d, h, mi, se] = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})/.exec(r.json.id)!;
    const stampUtc = Date.UTC(+y!, +mo! - 1, +d!, +h!, +mi!, +se!) - 8 * 3600_000;
    expect(Math.abs(stampUtc / 1000 - r.json.created)).toBeLessThanOrEqual(1);
  });

  it("thinks by default (glm-4.7) and omits reasoning_content when disabled", async () => {
    const on = await call(req({ model: "glm-4.7" }));
    expect(on.json.choices[0].message.reasoning_content).toMatch(/^The user said/);
    const off = await call(req({ thinking: { type: "disabled" } }));
    expect(Object.keys(off.json.choices[0].message)).toEqual(["content", "role"]);
    expect(off.json.choices[0].message.content).toBe("You said: hi");
  });

  it("uses max_tokens as the budget (max_completion_tokens is not Zhipu's)", async () => {
    const tiny = await call(req({ max_tokens: 3, thinking: { type: "disabled" }, messages: [user("a fairly long sentence to echo back")] }));
    expect(tiny.json.choices[0].finish_reason).toBe("length");
    const ignored = await call(req({ max_completion_tokens: 3, thinking: { type: "disabled" }, messages: [user("a fairly long sentence to echo back")] }));
    expect(ignored.json.choices[0].finish_reason).toBe("stop");
    expect(ignored.headers.get("x-mock-notes")).toContain("max_completion_tokens ignored");
  });
});

describe("streaming", () => {
  it("emits the §2.5 thinking + buffered tool-call sequence", async () => {
    const r = await call(req({ stream: true, messages: [user("run `echo hello`")], tools: [EXEC_TOOL] }));
    expect(r.status).toBe(200);
    expect(r.headers.get("content-type")).toMatch(/^text\/event-stream/);
    const chunks = chunksBeforeDone(r);
    const first = JSON.parse(chunks[0]!);
    expect(first.id).toMatch(/^\d{14}[0-9a-f]{16}$/);
    const prefix = `{"id":"${first.id}","created":${first.created},"object":"chat.completion.chunk","model":"glm-5.1","choices":[{"index":0,`;
    for (const c of chunks) expect(c.startsWith(prefix)).toBe(true);
    const body = chunks.map((c) => c.slice(prefix.length));

    // no empty first chunk; role on every reasoning delta; no finish_reason key until the last chunk
    let i = 0;
    let reasoning = "";
    while (body[i]!.startsWith('"delta":{"role":"assistant","reasoning_content":')) {
      expect(body[i]!.endsWith("}}]}")).toBe(true);
      const piece = JSON.parse(chunks[i]!).choices[0].delta.reasoning_content;
      expect(piece).not.toBe("");
      reasoning += piece;
      i++;
    }
    expect(i).toBeGreaterThan(2);
    expect(reasoning).toBe("The user wants me to run echo hello. I will call exec_command.");
    expect(body[i]).toMatch(
      /^"delta":\{"tool_calls":\[\{"id":"call_[0-9a-f]{24}","index":0,"type":"function","function":\{"name":"exec_command","arguments":"\{\\"cmd\\": \\"echo hello\\"\}"\}\}\]\}\}\]\}$/,
    );
    i++;
    expect(i).toBe(body.length - 1);
    expect(body[i]).toMatch(
      /^"finish_reason":"tool_calls","delta":\{"role":"assistant","content":""\}\}\],"usage":\{"prompt_tokens":\d+,"completion_tokens":\d+,"total_tokens":\d+,"prompt_tokens_details":\{"cached_tokens":\d+\},"completion_tokens_details":\{"reasoning_tokens":\d+\}\}\}$/,
    );
    for (const c of chunks.slice(0, -1)) {
      expect(c).not.toContain('"finish_reason"');
      expect(c).not.toContain('"usage"');
    }
  });

  it("streams text deltas with role on each and usage on the finish chunk", async () => {
    const r = await call(req({ stream: true, thinking: { type: "disabled" }, messages: [user("tell me about the weather today please")] }));
    const chunks = dataLines(r.text).slice(0, -1).map((c) => JSON.parse(c));
    const deltas = chunks.slice(0, -1).map((c) => c.choices[0].delta);
    for (const d of deltas) expect(Object.keys(d)).toEqual(["role", "content"]);
    expect(deltas[0].content).not.toBe("");
    expect(deltas.map((d) => d.content).join("")).toBe("You said: tell me about the weather today please");
    expect(chunks.at(-1).choices[0]).toEqual({ index: 0, finish_reason: "stop", delta: { role: "assistant", content: "" } });
    expect(chunks.at(-1).usage.total_tokens).toBeGreaterThan(0);
  });

  it("streams tool-call fragments keyed by index with tool_stream:true", async () => {
    const r = await call(req({ stream: true, tool_stream: true, messages: [user("run `echo hello`")], tools: [EXEC_TOOL] }));
    const deltas = dataLines(r.text).slice(0, -1).map((c) => JSON.parse(c).choices[0].delta);
    const tc = deltas.filter((d) => d.tool_calls).map((d) => d.tool_calls[0]);
    expect(tc.length).toBeGreaterThan(2);
    expect(tc[0].id).toMatch(/^call_[0-9a-f]{24}$/);
    expect(tc[0].function.name).toBe("exec_command");
    for (const f of tc.slice(1)) expect(f).toEqual({ index: 0, function: { arguments: f.function.arguments } });
    expect(JSON.parse(tc.map((f) => f.function.arguments).join(""))).toEqual({ cmd: "echo hello" });
  });

  it("with include_usage, moves usage to a trailing choices:[] chunk", async () => {
    const r = await call(req({ stream: true, stream_options: { include_usage: true } }));
    const chunks = dataLines(r.text).slice(0, -1).map((c) => JSON.parse(c));
    expect(chunks.at(-2).usage).toBeUndefined();
    expect(chunks.at(-2).choices[0].finish_reason).toBe("stop");
    expect(Object.keys(chunks.at(-1))).toEqual(["id", "created", "model", "choices", "usage", "object"]);
    expect(chunks.at(-1).choices).toEqual([]);
  });
});

describe("magic strings", () => {
  it("forces Zhipu's own finish reasons with GODEX_MOCK_FINISH", async () => {
    for (const reason of ["sensitive", "network_error", "model_context_window_exceeded"]) {
      const j = await call(req({ messages: [user(`GODEX_MOCK_FINISH=${reason}`)] }));
      expect(j.json.choices[0].finish_reason).toBe(reason);
      const s = await call(req({ stream: true, messages: [user(`GODEX_MOCK_FINISH=${reason}`)] }));
      const chunks = dataLines(s.text).slice(0, -1).map((c) => JSON.parse(c));
      expect(chunks.at(-1).choices[0].finish_reason).toBe(reason);
      expect(s.text.endsWith("data: [DONE]\n\n")).toBe(true);
    }
  });

  it("answers GODEX_MOCK_ERROR with Zhipu's business codes", async () => {
    const cases: [string, number, string][] = [
      ["429", 429, "1302"],
      ["402", 429, "1113"],
      ["503", 429, "1305"],
      ["1305", 429, "1305"],
      ["1113", 429, "1113"],
    ];
    for (const [magic, status, code] of cases) {
      const r = await call(req({ messages: [user(`GODEX_MOCK_ERROR=${magic}`)] }));
      expect(r.status).toBe(status);
      expect(Object.keys(r.json.error)).toEqual(["code", "message"]);
      expect(r.json.error.code).toBe(code);
    }
    expect((await call(req({ messages: [user("GODEX_MOCK_ERROR=402")] }))).json.error.message).toBe("余额不足或无可用资源包,请充值。");
    const auth = await call(req({ messages: [user("GODEX_MOCK_ERROR=401")] }));
    expect(auth.status).toBe(401);
    expect(auth.json).toEqual(zerr("401", "令牌已过期或验证不正确"));
  });
});
