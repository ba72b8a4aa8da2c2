// Codex responses-lite / code mode, request side: additional_tools validation (clear 400s with the right
// param), tool merging (newest declaration wins, first-declaration order kept), tool outputs that strict
// providers accept, reasoning.context, and a byte-stable upstream prefix from turn to turn.
import type { ChatTool } from "../../src/generated/chat.ts";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { translateRequest } from "../../src/engine/request/translate.ts";
import { ReasoningCarrier } from "../../src/engine/reasoning-carrier.ts";
import { compileMapping } from "../../src/mapping/compile.ts";
import { loadMappingDoc } from "../../src/mapping/load.ts";
import { ClientError } from "../../src/protocol/types.ts";
import { validateResponsesRequest, type ResponsesRequest } from "../../src/protocol/request.ts";
import { validateDeepSeek } from "../../src/mock/deepseek-validate.ts";

const GOLDEN = join(import.meta.dirname, "..", "golden");
const carrier = new ReasoningCarrier(Buffer.from("unit-secret"));
const mapping = (name: string) => compileMapping(loadMappingDoc(name));

async function translate(body: Record<string, unknown>, provider = "deepseek", model = "deepseek-v4-pro") {
  const req = validateResponsesRequest({ model: "gpt-6.2-sol", ...body }) as ResponsesRequest;
  return translateRequest(req, { mapping: mapping(provider), model, stream: false, carrier });
}

function rejection(body: Record<string, unknown>): ClientError {
  try {
    validateResponsesRequest({ model: "gpt-6.2-sol", ...body });
  } catch (e) {
    expect(e).toBeInstanceOf(ClientError);
    return e as ClientError;
  }
  throw new Error("expected a 400");
}

function expect400(body: Record<string, unknown>, param: string, code: string, message?: RegExp) {
  const err = rejection(body);
  expect({ status: err.status, type: err.type, param: err.param, code: err.code }).toEqual({ status: 400, type: "invalid_request_error", param, code });
  if (message) expect(err.message).toMatch(message);
}

const user = (text: string) => ({ type: "message", role: "user", content: [{ type: "input_text", text }] });
const fn = (name: string, description = `${name} tool`) => ({ type: "function", name, description, strict: false, parameters: { type: "object", properties: {} } });
const EXEC = {
  type: "custom",
  name: "exec",
  description: "Run JavaScript code",
  format: { type: "grammar", syntax: "lark", definition: "start: SOURCE\nSOURCE: /[\\s\\S]+/\n" },
};
const at = (tools: unknown[], id = "at_1") => ({ type: "additional_tools", id, role: "developer", tools });
const functionsNs = (...tools: unknown[]) => ({ type: "namespace", name: "functions", description: "", tools });

describe("additional_tools: bad input is a clear 400", () => {
  it("an additional_tools item without tools", () => {
    expect400({ input: [{ type: "additional_tools", id: "at_1" }, user("hi")] }, "input[0].tools", "missing_required_parameter", /Missing required parameter: 'input\[0\]\.tools'/);
    expect400({ input: [user("hi"), { type: "additional_tools", tools: {} }] }, "input[1].tools", "invalid_type");
  });

  it("a tool without a name, or without a type", () => {
    expect400({ input: [at([{ type: "function", parameters: {} }])] }, "input[0].tools[0].name", "missing_required_parameter");
    expect400({ input: [at([functionsNs(EXEC, { type: "function" })])] }, "input[0].tools[0].tools[1].name", "missing_required_parameter");
    expect400({ input: [at([{ name: "x" }])] }, "input[0].tools[0].type", "missing_required_parameter");
  });

  it("a namespace without tools, or with a tool type a namespace cannot hold", () => {
    expect400({ input: [at([{ type: "namespace", name: "functions" }])] }, "input[0].tools[0].tools", "missing_required_parameter");
    expect400({ input: [at([functionsNs({ type: "web_search" })])] }, "input[0].tools[0].tools[0].type", "invalid_value");
  });

  it("a custom tool whose grammar format has no grammar, or an unknown syntax or format type", () => {
    const withFormat = (format: unknown) => ({ input: [at([functionsNs({ ...EXEC, format })])] });
    expect400(withFormat({ type: "grammar", syntax: "lark" }), "input[0].tools[0].tools[0].format.definition", "missing_required_parameter");
    expect400(withFormat({ type: "grammar", syntax: "lark", definition: "" }), "input[0].tools[0].tools[0].format.definition", "invalid_value");
    expect400(withFormat({ type: "grammar", definition: "start: x" }), "input[0].tools[0].tools[0].format.syntax", "missing_required_parameter");
    expect400(withFormat({ type: "grammar", syntax: "ebnf", definition: "start: x" }), "input[0].tools[0].tools[0].format.syntax", "invalid_value");
    expect400(withFormat({ type: "regexp" }), "input[0].tools[0].tools[0].format.type", "invalid_value");
    expect400({ input: "hi", tools: [{ ...EXEC, format: { syntax: "lark" } }] }, "tools[0].format.type", "missing_required_parameter");
  });

  it("accepts a custom tool with a text format, no format, or a null format", () => {
    for (const format of [{ type: "text" }, undefined, null]) validateResponsesRequest({ model: "m", input: [at([{ ...EXEC, format }]), user("hi")] });
  });

  it("tool schemas nested too deeply inside an additional_tools item", () => {
    let deep: unknown = 1;
    for (let i = 0; i < 80; i++) deep = { a: deep };
    expect400({ input: [user("hi"), at([{ ...fn("f"), parameters: { type: "object", properties: { x: deep } } }])] }, "input[1].tools", "invalid_value", /nested more than 64 levels/);
  });
});

describe("additional_tools: translated into the provider's tools", () => {
  it("flattens namespaces, offers exec as a function with one string input, sends no message for the item", async () => {
    const t = await translate({ input: [at([functionsNs(EXEC, fn("wait")), { type: "namespace", name: "clock", tools: [fn("sleep")] }]), user("run echo hi")] });
    expect((t.body.tools as ChatTool[]).map((x) => x.function.name)).toEqual(["functions__exec", "functions__wait", "clock__sleep"]);
    expect((t.body.tools as ChatTool[])[0]!.function.parameters).toMatchObject({ type: "object", properties: { input: { type: "string" } }, required: ["input"] });
    expect(String(((t.body.tools as ChatTool[])[0]!.function.parameters as any).properties.input.description)).toContain("lark grammar:\nstart: SOURCE");
    expect(t.body.messages).toEqual([{ role: "user", content: "run echo hi" }]);
    expect(t.tools.get("functions__exec")).toEqual({ kind: "custom", name: "exec", namespace: "functions" });
    expect(t.diagnostics.list.map((d) => d.code)).not.toContain("input_item_dropped");
  });

  it("merges with top-level tools; the newest declaration of a name wins and keeps the first place", async () => {
    const t = await translate({
      tools: [fn("list_files")],
      input: [at([functionsNs(EXEC, fn("wait", "old wait"))]), user("hi"), at([functionsNs(fn("wait", "new wait")), fn("extra")], "at_2"), user("again")],
    });
    expect((t.body.tools as ChatTool[]).map((x) => [x.function.name, x.function.description])).toEqual([
      ["list_files", "list_files tool"],
      ["functions__exec", "Run JavaScript code"],
      ["functions__wait", "new wait"],
      ["extra", "extra tool"],
    ]);
    // A redeclaration may change the kind: the registry follows the newest one.
    const k = await translate({ input: [at([functionsNs(EXEC)]), at([functionsNs({ ...fn("exec") })], "at_2"), user("hi")] });
    expect(k.tools.get("functions__exec")).toEqual({ kind: "function", name: "exec", namespace: "functions" });
  });

  it("a named tool_choice finds a tool declared inside a namespace (exec in functions)", async () => {
    const t = await translate({ reasoning: { effort: "none" }, tool_choice: { type: "custom", name: "exec" }, input: [at([functionsNs(EXEC, fn("wait"))]), user("hi")] });
    expect(t.body.tool_choice).toEqual({ type: "function", function: { name: "functions__exec" } });
    const raw = JSON.stringify(t.body);
    expect(validateDeepSeek(raw, JSON.parse(raw), false)).toBeUndefined();
  });

  it("a name repeated inside one declaration list keeps the first (diagnostic), as for top-level tools", async () => {
    const t = await translate({ input: [at([fn("a", "first"), fn("a", "second")]), user("hi")] });
    expect((t.body.tools as ChatTool[]).map((x) => x.function.description)).toEqual(["first"]);
    expect(t.diagnostics.list).toContainEqual(expect.objectContaining({ code: "tool_duplicate", path: "input[0].tools[1]" }));
  });
});

describe("exec calls and their outputs go back as messages strict providers accept", () => {
  const call = { type: "custom_tool_call", id: "ctc_1", status: "completed", call_id: "call_1", name: "exec", namespace: "functions", input: 'text("hi")' };

  it("replays the call under its flat name; several outputs (strings, input_text arrays) become one tool message", async () => {
    const t = await translate({
      reasoning: { effort: "none" },
      input: [
        at([functionsNs(EXEC)]),
        user("say hi"),
        call,
        { type: "custom_tool_call_output", call_id: "call_1", output: "progress" },
        { type: "custom_tool_call_output", call_id: "call_1", output: [{ type: "input_text", text: "Script completed\nOutput:\n" }, { type: "input_text", text: "hi" }, { type: "input_text", text: "{\"a\":1}" }] },
      ],
    });
    expect(t.body.messages.slice(1)).toEqual([
      {
        role: "assistant",
        content: "",
        tool_calls: [{ id: "call_1", type: "function", function: { name: "functions__exec", arguments: '{"input":"text(\\"hi\\")"}' } }],
        reasoning_content: "",
      },
      { role: "tool", tool_call_id: "call_1", content: 'progress\nScript completed\nOutput:\nhi\n{"a":1}' },
    ]);
    const raw = JSON.stringify(t.body);
    expect(validateDeepSeek(raw, JSON.parse(raw), false)).toBeUndefined();
  });

  it("an output whose call is not in the history becomes a user message (diagnostic), not an unpaired tool message", async () => {
    const t = await translate({
      reasoning: { effort: "none" },
      input: [user("hi"), { type: "custom_tool_call_output", call_id: "call_gone", output: "late output" }, user("go on")],
    });
    expect(t.body.messages).toEqual([
      { role: "user", content: "hi" },
      { role: "user", content: "Output of tool call call_gone:\nlate output" },
      { role: "user", content: "go on" },
    ]);
    expect(t.diagnostics.list).toContainEqual(expect.objectContaining({ code: "tool_output_unpaired", path: "input[1]" }));
    const raw = JSON.stringify(t.body);
    expect(validateDeepSeek(raw, JSON.parse(raw), false)).toBeUndefined();
  });

  it("a late output of an earlier call (notify after a wait) does not cut the current call off from its output", async () => {
    const wait = { type: "function_call", id: "fc_2", status: "completed", call_id: "call_2", name: "wait", namespace: "functions", arguments: '{"cell_id":"7"}' };
    const t = await translate({
      reasoning: { effort: "none" },
      input: [
        at([functionsNs(EXEC, fn("wait"))]),
        user("say hi"),
        call,
        { type: "custom_tool_call_output", call_id: "call_1", output: "Script running with cell ID 7" },
        wait,
        { type: "custom_tool_call_output", call_id: "call_1", output: "notified" },
        { type: "function_call_output", call_id: "call_2", output: "Script completed\nhi" },
      ],
    });
    expect(t.body.messages.map((m) => [m.role, m.tool_call_id ?? null, m.content])).toEqual([
      ["user", null, "say hi"],
      ["assistant", null, ""],
      ["tool", "call_1", "Script running with cell ID 7"],
      ["assistant", null, ""],
      ["tool", "call_2", "Script completed\nhi"],
      ["user", null, "Output of tool call call_1:\nnotified"],
    ]);
    const raw = JSON.stringify(t.body);
    expect(validateDeepSeek(raw, JSON.parse(raw), false)).toBeUndefined();
  });

  it("a call with no output before the next message gets a tool message saying so (diagnostic)", async () => {
    const t = await translate({ reasoning: { effort: "none" }, input: [at([functionsNs(EXEC)]), user("say hi"), call, user("stop, do something else")] });
    expect(t.body.messages.map((m) => [m.role, m.tool_call_id ?? null, m.content])).toEqual([
      ["user", null, "say hi"],
      ["assistant", null, ""],
      ["tool", "call_1", "No output was recorded for this tool call."],
      ["user", null, "stop, do something else"],
    ]);
    expect(t.diagnostics.list).toContainEqual(expect.objectContaining({ code: "tool_output_missing" }));
    const raw = JSON.stringify(t.body);
    expect(validateDeepSeek(raw, JSON.parse(raw), false)).toBeUndefined();
  });
});

describe("reasoning.context", () => {
  it("is honoured as each mapping says, with a diagnostic where the provider cannot", async () => {
    const input = [user("hi")];
    const ds = await translate({ input, reasoning: { effort: "high", context: "all_turns" } });
    expect(ds.diagnostics.list).toContainEqual(expect.objectContaining({ code: "reasoning_context_degraded", path: "reasoning.context" }));
    const glm = await translate({ input, reasoning: { effort: "high", context: "all_turns" } }, "zhipu", "glm-5.1");
    expect(glm.body.thinking).toEqual({ type: "enabled", clear_thinking: false });
    const glmNone = await translate({ input, reasoning: { effort: "none", context: "all_turns" } }, "zhipu", "glm-5.1");
    expect(glmNone.body.thinking).toEqual({ type: "disabled" });
    const mm = await translate({ input, reasoning: { effort: "high", context: "all_turns" } }, "minimax", "MiniMax-M3");
    expect(mm.diagnostics.list.map((d) => d.code)).not.toContain("reasoning_context_degraded");
  });

  it("auto is the default; an unknown value or reasoning key is reported, not silently dropped", async () => {
    const auto = await translate({ input: [user("hi")], reasoning: { effort: "high", context: "auto" } });
    expect(auto.diagnostics.list.map((d) => d.code)).not.toContain("reasoning_context_degraded");
    const odd = await translate({ input: [user("hi")], reasoning: { effort: "high", context: "last_3_turns", budget: 5 } });
    expect(odd.diagnostics.list).toContainEqual(expect.objectContaining({ code: "reasoning_context_unsupported", path: "reasoning.context" }));
    expect(odd.diagnostics.list).toContainEqual(expect.objectContaining({ code: "reasoning_field_ignored", path: "reasoning.budget" }));
  });
});

describe("reasoning.effort levels Codex offers for GPT-6 models", () => {
  it.each(["max", "ultra"])("%s is sent as the mapping's xhigh, with a diagnostic", async (effort) => {
    const ds = await translate({ input: [user("hi")], reasoning: { effort } });
    expect({ thinking: ds.body.thinking, reasoning_effort: ds.body.reasoning_effort }).toEqual({ thinking: { type: "enabled" }, reasoning_effort: "max" });
    expect(ds.diagnostics.list).toContainEqual(expect.objectContaining({ code: "reasoning_effort_degraded", path: "reasoning.effort" }));
    const glm = await translate({ input: [user("hi")], reasoning: { effort } }, "zhipu", "glm-5.3");
    expect(glm.body.reasoning_effort).toBe("max");
  });
});

describe("byte-stable upstream prefix from turn to turn (provider prompt caches)", () => {
  it.each(["deepseek", "zhipu", "minimax", "xiaomi"])("%s: code-mode turn 2 resends turn 1's tools and messages byte for byte", (provider) => {
    const read = (c: string) => JSON.parse(readFileSync(join(GOLDEN, provider, c, "upstream-request.json"), "utf8"));
    const t1 = read("code-mode-1");
    const t2 = read("code-mode-2");
    expect(JSON.stringify(t2.tools)).toBe(JSON.stringify(t1.tools));
    expect(JSON.stringify(t2.messages.slice(0, t1.messages.length))).toBe(JSON.stringify(t1.messages));
    for (const key of Object.keys(t1).filter((k) => k !== "messages")) expect(JSON.stringify(t2[key])).toBe(JSON.stringify(t1[key]));
  });

  it("the same request translates to the same bytes every time", async () => {
    const body = JSON.parse(readFileSync(join(GOLDEN, "deepseek", "code-mode-2", "request.json"), "utf8"));
    const a = await translate(body);
    const b = await translate(JSON.parse(JSON.stringify(body)));
    expect(JSON.stringify(a.body)).toBe(JSON.stringify(b.body));
  });
});
