import { describe, expect, it } from "vitest";
import { chunksBeforeDone, dataLines, EXEC_TOOL, execRound, mockSuite, user, type Reply } from "./mock-helpers.ts";

const KEY = "mock-xiaomi-key";
const AUTH_401 = '{"error":{"message":"Invalid API Key","param":"Please provide valid API Key","code":"401","type":"invalid_key"}}';

const { call } = mockSuite("xiaomi", { apiKey: KEY });

const req = (extra: Record<string, unknown> = {}) => ({ model: "mimo-v2.5-pro", messages: [user("hi")], ...extra });
const paramError = (param: string) => ({ error: { code: "400", message: "Param Incorrect", param, type: "" } });

async function expect400(body: unknown, param?: string): Promise<Reply> {
  const r = await call(body);
  expect(r.status).toBe(400);
  expect(Object.keys(r.json.error)).toEqual(["code", "message", "param", "type"]);
  expect(r.json.error.code).toBe("400");
  expect(r.json.error.message).toBe("Param Incorrect");
  if (param !== undefined) expect(r.text).toBe(JSON.stringify(paramError(param)));
  return r;
}

const toolRound = (opts: { reasoning?: string | null; content?: unknown; toolContent?: unknown } = {}) => execRound("call_abc", opts);

describe("auth", () => {
  it("accepts the key in api-key or in Authorization: Bearer", async () => {
    expect((await call(req(), { auth: { apiKey: KEY } })).status).toBe(200);
    expect((await call(req(), { auth: { bearer: KEY } })).status).toBe(200);
  });

  it("401 with the verified body on a wrong or missing key", async () => {
    for (const auth of [{ apiKey: "sk-wrong" }, { bearer: "sk-wrong" }, null]) {
      const r = await call(req(), { auth });
      expect(r.status).toBe(401);
      expect(r.text).toBe(AUTH_401);
    }
  });

  it("serves /models", async () => {
    const r = await call(undefined, { method: "GET", path: "/models" });
    expect(r.text).toBe(
      '{"object":"list","data":[{"id":"mimo-v2.5-pro","object":"model","owned_by":"xiaomi"},{"id":"mimo-v2.5","object":"model","owned_by":"xiaomi"}]}',
    );
  });
});

describe("400 validation", () => {
  it("rejects unknown models and empty messages", async () => {
    await expect400(req({ model: "mimo-v2-flash" }), "Not supported model mimo-v2-flash");
    await expect400(req({ messages: [] }), "messages must not be empty");
    expect((await call(req({ model: "mimo-v2.5" }))).status).toBe(200);
  });

  it("accepts the developer role", async () => {
    expect((await call(req({ messages: [{ role: "developer", content: "be brief" }, user("hi")] }))).status).toBe(200);
  });

  it("validates thinking and reasoning_effort (none → 400)", async () => {
    await expect400(req({ thinking: { type: "auto" } }));
    expect((await call(req({ thinking: { type: "disabled" } }))).status).toBe(200);
    await expect400(req({ reasoning_effort: "none" }));
    await expect400(req({ reasoning_effort: "xhigh" }));
    for (const effort of ["low", "medium", "high"]) expect((await call(req({ reasoning_effort: effort }))).status).toBe(200);
  });

  it("checks max_completion_tokens, n, stop and temperature ranges", async () => {
    await expect400(req({ max_completion_tokens: 0 }));
    await expect400(req({ max_completion_tokens: 131073 }));
    expect((await call(req({ max_completion_tokens: 131072 }))).status).toBe(200);
    await expect400(req({ n: 1 }));
    await expect400(req({ n: 2 }));
    await expect400(req({ stop: ["a", "b", "c", "d", "e"] }));
    expect((await call(req({ stop: ["a", "b", "c", "d"] }))).status).toBe(200);
    await expect400(req({ temperature: 1.6 }));
    expect((await call(req({ temperature: 1.5 }))).status).toBe(200);
    expect((await call(req({ temperature: 0 }))).status).toBe(200);
  });

  it("rejects strict:null and web_search tools", async () => {
    const strictNull = { ...EXEC_TOOL, function: { ...EXEC_TOOL.function, strict: null } };
    await expect400(req({ tools: [strictNull] }));
    expect((await call(req({ tools: [{ ...EXEC_TOOL, function: { ...EXEC_TOOL.function, strict: true } }] }))).status).toBe(200);
    await expect400(req({ tools: [{ type: "web_search", web_search: {} }] }), "webSearchEnabled is false");
    await expect400(req({ tools: [{ type: "function", function: { parameters: {} } }] }), "`name` is not set");
  });

  it("silently ignores tool_choice other than auto, and records it", async () => {
    for (const tool_choice of ["required", "none", { type: "function", function: { name: "exec_command" } }]) {
      const r = await call(req({ tools: [EXEC_TOOL], tool_choice }));
      expect(r.status).toBe(200);
      expect(r.headers.get("x-mock-notes")).toContain(`tool_choice ${JSON.stringify(tool_choice)} ignored`);
    }
    expect((await call(req({ tools: [EXEC_TOOL], tool_choice: "auto" }))).headers.get("x-mock-notes")).toBeNull();
  });

  it("rejects assistant content:null next to tool_calls", async () => {
    await expect400(req({ messages: toolRound({ content: null }), tools: [EXEC_TOOL] }), "`text` is not present");
  });

  it("rejects non-string tool message content", async () => {
    await expect400(req({ messages: toolRound({ toolContent: [{ type: "text", text: "hello" }] }), tools: [EXEC_TOOL] }), "`text` is not set");
  });
});

describe("reasoning_content pass-back", () => {
  it("400s in thinking mode when an assistant tool-call turn lacks reasoning_content", async () => {
    const r = await call(req({ messages: toolRound({ reasoning: null }), tools: [EXEC_TOOL] }));
    expect(r.status).toBe(400);
    expect(r.text).toBe(
      '{"error":{"code":"400","message":"Param Incorrect","param":"The reasoning_content in the thinking mode must be passed back to the API.","type":""}}',
    );
  });

  it("accepts it when passed back, or when thinking is disabled", async () => {
    const ok = await call(req({ messages: toolRound(), tools: [EXEC_TOOL] }));
    expect(ok.status).toBe(200);
    expect(ok.json.choices[0].message.content).toBe("Done. The command printed: hello");
    expect((await call(req({ messages: toolRound({ reasoning: null }), tools: [EXEC_TOOL], thinking: { type: "disabled" } }))).status).toBe(200);
  });
});

describe("non-stream replies", () => {
  it("has the verified key order, a 32-hex id and tool calls without index", async () => {
    const r = await call(req({ messages: [user("run `echo hello`")], tools: [EXEC_TOOL] }));
    const j = r.json;
    expect(Object.keys(j)).toEqual(["id", "choices", "created", "model", "object", "usage"]);
    expect(j.id).toMatch(/^[0-9a-f]{32}$/);
    expect(Object.keys(j.choices[0])).toEqual(["finish_reason", "index", "message"]);
    const m = j.choices[0].message;
    expect(Object.keys(m)).toEqual(["content", "role", "tool_calls", "reasoning_content"]);
    expect(m.content).toBe("");
    expect(m.reasoning_content).toBe("The user wants me to run echo hello. I will call exec_command.");
    expect(Object.keys(m.tool_calls[0])).toEqual(["id", "function", "type"]);
    expect(Object.keys(m.tool_calls[0].function)).toEqual(["arguments", "name"]);
    expect(m.tool_calls[0].id).toMatch(/^call_[0-9a-f]{24}$/);
    expect(Object.keys(j.usage)).toEqual(["completion_tokens", "prompt_tokens", "total_tokens", "completion_tokens_details", "prompt_tokens_details"]);
  });

  it("writes absent fields as explicit nulls", async () => {
    const r = await call(req({ thinking: { type: "disabled" } }));
    expect(r.json.choices[0].message).toEqual({ content: "You said: hi", role: "assistant", tool_calls: null, reasoning_content: null });
    const thinking = await call(req());
    expect(thinking.json.choices[0].message.tool_calls).toBeNull();
    expect(thinking.json.choices[0].message.reasoning_content).toMatch(/^The user said/);
  });

  it("reports cached tokens for a repeated prefix", async () => {
    const long = "lorem ipsum dolor sit amet ".repeat(40);
    const messages = [{ role: "system", content: long }, user("first question")];
    await call(req({ messages }));
    const second = await call(req({ messages: [...messages, { role: "assistant", content: "ok" }, user("second")] }));
    expect(second.json.usage.prompt_tokens_details.cached_tokens).toBeGreaterThan(0);
  });
});

describe("streaming", () => {
  it("emits the §4.5 sequence byte for byte: null-filled deltas, finish chunk, usage chunk, [DONE]", async () => {
    const r = await call(req({ stream: true, messages: [user("run `echo hello`")], tools: [EXEC_TOOL] }));
    expect(r.status).toBe(200);
    expect(r.headers.get("content-type")).toMatch(/^text\/event-stream/);
    const chunks = chunksBeforeDone(r);
    const first = JSON.parse(chunks[0]!);
    expect(first.id).toMatch(/^[0-9a-f]{32}$/);
    const head = `{"id":"${first.id}","choices":[`;
    const tail = `],"created":${first.created},"model":"mimo-v2.5-pro","object":"chat.completion.chunk"`;
    for (const c of chunks) expect(c.startsWith(head)).toBe(true);
    const open = (delta: string) => `${head}{"delta":${delta},"finish_reason":null,"index":0}${tail}}`;

    expect(chunks[0]).toBe(open('{"content":"","role":"assistant","tool_calls":null,"reasoning_content":null}'));
    let i = 1;
    let reasoning = "";
    while (chunks[i]!.startsWith(`${head}{"delta":{"content":null,"role":null,"tool_calls":null,"reasoning_content":"`)) {
      const piece = JSON.parse(chunks[i]!).choices[0].delta.reasoning_content;
      expect(chunks[i]).toBe(open(`{"content":null,"role":null,"tool_calls":null,"reasoning_content":${JSON.stringify(piece)}}`));
      reasoning += piece;
      i++;
    }
    expect(reasoning).toBe("The user wants me to run echo hello. I will call exec_command.");
    const start = JSON.parse(chunks[i]!).choices[0].delta.tool_calls[0];
    expect(start.id).toMatch(/^call_[0-9a-f]{24}$/);
    expect(chunks[i]).toBe(
      open(`{"content":null,"role":null,"tool_calls":[{"index":0,"id":"${start.id}","function":{"arguments":"","name":"exec_command"},"type":"function"}],"reasoning_content":null}`),
    );
    i++;
    let args = "";
    while (chunks[i]!.includes('"id":null')) {
      const piece = JSON.parse(chunks[i]!).choices[0].delta.tool_calls[0].function.arguments;
      expect(chunks[i]).toBe(
        open(`{"content":null,"role":null,"tool_calls":[{"index":0,"id":null,"function":{"arguments":${JSON.stringify(piece)},"name":null},"type":"function"}],"reasoning_content":null}`),
      );
      args += piece;
      i++;
    }
    expect(JSON.parse(args)).toEqual({ cmd: "echo hello" });
    expect(chunks[i]).toBe(
      `${head}{"delta":{"content":null,"role":null,"tool_calls":null,"reasoning_content":null},"finish_reason":"tool_calls","index":0}${tail},"usage":null}`,
    );
    i++;
    expect(i).toBe(chunks.length - 1);
    expect(chunks[i]).toMatch(
      new RegExp(
        `^\\{"id":"${first.id}","choices":\\[\\],"created":\\d+,"model":"mimo-v2.5-pro","object":"chat.completion.chunk","usage":\\{"completion_tokens":\\d+,"prompt_tokens":\\d+,"total_tokens":\\d+,"completion_tokens_details":\\{"reasoning_tokens":\\d+\\},"prompt_tokens_details":(null|\\{"cached_tokens":\\d+\\})\\}\\}$`,
      ),
    );
    for (const c of chunks.slice(0, -2)) expect(c).not.toContain('"usage"');
  });

  it("always sends the usage chunk, even without stream_options", async () => {
    const r = await call(req({ stream: true, thinking: { type: "disabled" }, messages: [user("hello there friend")] }));
    const chunks = dataLines(r.text).slice(0, -1).map((c) => JSON.parse(c));
    const text = chunks.filter((c) => c.choices.length && c.choices[0].delta.content).map((c) => c.choices[0].delta.content).join("");
    expect(text).toBe("You said: hello there friend");
    for (const c of chunks.filter((x) => x.choices.length)) expect(c.choices[0].delta.reasoning_content).toBeNull();
    expect(chunks.at(-2).choices[0].finish_reason).toBe("stop");
    expect(chunks.at(-1).choices).toEqual([]);
    expect(chunks.at(-1).usage.total_tokens).toBeGreaterThan(0);
  });
});

describe("magic strings", () => {
  it("GODEX_MOCK_FINISH=repetition_truncation", async () => {
    const j = await call(req({ messages: [user("GODEX_MOCK_FINISH=repetition_truncation")] }));
    expect(j.json.choices[0].finish_reason).toBe("repetition_truncation");
    const s = await call(req({ stream: true, messages: [user("GODEX_MOCK_FINISH=repetition_truncation")] }));
    const chunks = dataLines(s.text).slice(0, -1).map((c) => JSON.parse(c));
    expect(chunks.at(-2).choices[0].finish_reason).toBe("repetition_truncation");
  });

  it("GODEX_MOCK_ERROR=<status> answers with the MiMo envelope", async () => {
    for (const status of [402, 429, 500, 503]) {
      const r = await call(req({ messages: [user(`GODEX_MOCK_ERROR=${status}`)] }));
      expect(r.status).toBe(status);
      expect(Object.keys(r.json.error)).toEqual(["code", "message", "param", "type"]);
      expect(r.json.error.code).toBe(String(status));
      expect(r.json.error.type).toBe("");
    }
    const auth = await call(req({ messages: [user("GODEX_MOCK_ERROR=401")] }));
    expect(auth.text).toBe(AUTH_401);
  });
});

describe("notes header", () => {
  it("stays a valid header when the request echoes non-ASCII text", async () => {
    const r = await call(req({ tools: [EXEC_TOOL], tool_choice: { type: "function", function: { name: "函数" } } }));
    expect(r.status).toBe(200);
    expect(r.headers.get("x-mock-notes")).toContain("\\u51fd\\u6570");
  });
});
