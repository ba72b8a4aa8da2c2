import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { ClientError } from "../../src/protocol/types.ts";
import {
  HOSTED_TOOL_CHOICE_TYPES,
  HOSTED_TOOL_TYPES,
  OTHER_ITEM_TYPES,
  RESPONSES_REQUEST_FIELDS,
  inputItemType,
  responsesRequestSchema,
  validateResponsesRequest,
  type InputItem,
} from "../../src/protocol/request.ts";

const fixture = (name: string): any =>
  JSON.parse(readFileSync(new URL(`../fixtures/requests/${name}`, import.meta.url), "utf8"));

/** Runs the validator and returns the ClientError it throws (fails the test if none). */
function rejection(body: unknown): ClientError {
  try {
    validateResponsesRequest(body);
  } catch (e) {
    expect(e).toBeInstanceOf(ClientError);
    return e as ClientError;
  }
  throw new Error(`expected a rejection for ${JSON.stringify(body).slice(0, 200)}`);
}

function expectReject(body: unknown, param: string | null, code: string, message?: RegExp | string) {
  const err = rejection(body);
  expect(err.status).toBe(400);
  expect(err.type).toBe("invalid_request_error");
  expect({ param: err.param, code: err.code }).toEqual({ param, code });
  if (message instanceof RegExp) expect(err.message).toMatch(message);
  else if (message !== undefined) expect(err.message).toBe(message);
  expect(err.toBody()).toEqual({ error: { message: err.message, type: "invalid_request_error", code, param } });
  return err;
}

const base = { model: "deepseek-v3.2", input: "hi" };

describe("validateResponsesRequest: accepted bodies", () => {
  it.each([
    "codex-turn1.json",
    "codex-turn2.json",
    "codex-apply-patch-turn.json",
    "sdk-function-call-loop.json",
  ])("accepts fixture %s and returns it unchanged", (name) => {
    const body = fixture(name);
    const before = JSON.stringify(body);
    expect(validateResponsesRequest(body)).toBe(body);
    expect(JSON.stringify(body)).toBe(before);
  });

  it("accepts SDK-style minimal bodies", () => {
    validateResponsesRequest({ model: "m", input: "hi" });
    validateResponsesRequest({ model: "m", input: [{ role: "user", content: "hi" }] });
    validateResponsesRequest({
      model: "m",
      input: [{ role: "user", content: [{ type: "input_text", text: "hi" }] }],
      stream: true,
    });
  });

  it("accepts a function_call echoed by the SDK with parsed_arguments: null", () => {
    validateResponsesRequest({
      model: "m",
      input: [
        { role: "user", content: "weather?" },
        { type: "function_call", call_id: "c1", name: "w", arguments: "{}", parsed_arguments: null },
        { type: "function_call_output", call_id: "c1", output: "sunny" },
      ],
    });
  });

  it("accepts every documented optional field with typical values and nulls", () => {
    validateResponsesRequest({
      model: "m",
      input: "x",
      instructions: null,
      stream: null,
      tools: [],
      tool_choice: { type: "allowed_tools", mode: "auto", tools: [{ type: "function", name: "a" }] },
      parallel_tool_calls: false,
      reasoning: { effort: "xhigh", summary: "detailed", generate_summary: null },
      max_output_tokens: 1,
      temperature: 2,
      top_p: 0,
      text: { format: { type: "json_schema", name: "out", schema: { type: "object" }, strict: true }, verbosity: "low" },
      include: ["reasoning.encrypted_content"],
      user: "u",
      safety_identifier: "s",
      metadata: { a: "b" },
      store: false,
      prompt_cache_key: "k",
      client_metadata: { "x-codex-turn-metadata": { n: 1 } },
      service_tier: "priority",
      truncation: "disabled",
      max_tool_calls: 3,
      top_logprobs: 0,
      stream_options: { include_obfuscation: false },
      background: false,
      previous_response_id: null,
      conversation: { id: "conv_1" },
      prompt: null,
    });
    for (const tc of ["none", "auto", "required", null, { type: "function", name: "f" }, { type: "custom", name: "apply_patch" }, { type: "web_search" }]) {
      validateResponsesRequest({ ...base, tool_choice: tc });
    }
    for (const format of [{ type: "text" }, { type: "json_object" }]) validateResponsesRequest({ ...base, text: { format } });
    validateResponsesRequest({ ...base, reasoning: null, text: null, metadata: null, include: null, conversation: "conv_1" });
  });

  it("accepts every item kind, including loose ones and item references", () => {
    const input: unknown[] = [
      { type: "message", role: "developer", content: [{ type: "input_text", text: "sys" }], phase: "commentary", end_turn: true, future_field: 1 },
      { role: "system", content: "plain" },
      {
        role: "user",
        content: [
          { type: "input_image", image_url: "data:image/png;base64,AAAA", detail: "original" },
          { type: "input_file", file_id: "file_1" },
        ],
      },
      {
        type: "message",
        role: "assistant",
        content: [
          { type: "output_text", text: "ok", annotations: [], logprobs: [] },
          { type: "refusal", refusal: "no" },
        ],
      },
      { type: "reasoning", summary: [], content: [{ type: "reasoning_text", text: "t" }], encrypted_content: null },
      { type: "function_call", call_id: "c", name: "n", namespace: "mcp__github__", arguments: "{}" },
      { type: "function_call_output", call_id: "c", output: [{ type: "input_text", text: "a" }, { type: "input_image", image_url: "x" }] },
      { type: "custom_tool_call", call_id: "d", name: "apply_patch", input: "*** Begin Patch" },
      { type: "custom_tool_call_output", call_id: "d", name: "apply_patch", output: [{ type: "input_text", text: "ok" }] },
      { id: "msg_1" },
      { type: null, id: "msg_2" },
      { type: "item_reference", id: "msg_3" },
      ...OTHER_ITEM_TYPES.map((type) => ({ type, whatever: { nested: true } })),
    ];
    expect(validateResponsesRequest({ ...base, input }).input).toHaveLength(input.length);
  });

  it("accepts every tool kind", () => {
    validateResponsesRequest({
      ...base,
      tools: [
        { type: "function", name: "f", parameters: null, strict: null, defer_loading: true },
        { type: "custom", name: "apply_patch", format: { type: "grammar", syntax: "lark", definition: "start: x" } },
        {
          type: "namespace",
          name: "mcp__github__",
          description: "GitHub",
          tools: [
            { type: "function", name: "list_issues", parameters: { type: "object" } },
            { type: "custom", name: "raw" },
          ],
        },
        ...HOSTED_TOOL_TYPES.map((type) => ({ type, anything: 1 })),
      ],
    });
  });
});

describe("validateResponsesRequest: rejections", () => {
  it("body that is not an object", () => {
    for (const body of [null, undefined, "x", 3, [], true]) expectReject(body, null, "invalid_type");
  });

  it("missing model", () => {
    expectReject({ input: "hi" }, "model", "missing_required_parameter", "Missing required parameter: 'model'.");
  });

  it("model that is a number or empty", () => {
    expectReject({ model: 5, input: "hi" }, "model", "invalid_type", /expected a string, but got an integer/);
    expectReject({ model: "", input: "hi" }, "model", "invalid_value");
  });

  it("missing input / input of the wrong type", () => {
    expectReject({ model: "m" }, "input", "missing_required_parameter");
    expectReject({ model: "m", input: 42 }, "input", "invalid_type", /expected a string or an array/);
  });

  it("unknown item type names the item's type", () => {
    const err = expectReject(
      { model: "m", input: [{ role: "user", content: "hi" }, { type: "telepathy", x: 1 }] },
      "input[1].type",
      "invalid_value",
    );
    expect(err.message).toMatch(/^Invalid value for 'input\[1\]\.type': expected one of message, reasoning, function_call/);
  });

  it("item with neither type, role nor id", () => {
    expectReject({ model: "m", input: [{ content: "hi" }] }, "input[0].type", "missing_required_parameter");
    expectReject({ model: "m", input: [{ type: 7 }] }, "input[0].type", "invalid_type");
  });

  it("bad reasoning.effort", () => {
    expectReject(
      { ...base, reasoning: { effort: "extreme" } },
      "reasoning.effort",
      "invalid_value",
      "Invalid value for 'reasoning.effort': expected one of none, minimal, low, medium, high, xhigh, max, ultra.",
    );
    expectReject({ ...base, reasoning: { summary: "verbose" } }, "reasoning.summary", "invalid_value");
    expectReject({ ...base, reasoning: "high" }, "reasoning", "invalid_type");
  });

  it("unknown top-level field is named", () => {
    // Unknown top-level fields are not rejected: the translator reports them as ignored.
    expect(validateResponsesRequest({ ...base, frobnicate: true })).toBeTruthy();
  });

  it("message content that is a number", () => {
    expectReject(
      { model: "m", input: [{ type: "message", role: "user", content: 5 }] },
      "input[0].content",
      "invalid_type",
    );
    expectReject({ model: "m", input: [{ role: "user", content: 5 }] }, "input[0].content", "invalid_type");
  });

  it("errors deep inside content parts", () => {
    const input = [
      { role: "user", content: "a" },
      { role: "user", content: "b" },
      { role: "user", content: "c" },
      { type: "message", role: "user", content: [{ type: "input_text", text: 12 }] },
    ];
    expectReject({ model: "m", input }, "input[3].content[0].text", "invalid_type");
    expectReject(
      { model: "m", input: [{ role: "user", content: [{ type: "input_txt", text: "x" }] }] },
      "input[0].content[0].type",
      "invalid_value",
    );
    expectReject({ model: "m", input: [{ role: "user", content: [{ text: "x" }] }] }, "input[0].content[0].type", "missing_required_parameter");
    expectReject({ model: "m", input: [{ role: "robot", content: "x" }] }, "input[0].role", "invalid_value");
    expectReject({ model: "m", input: [{ type: "message", content: "x" }] }, "input[0].role", "missing_required_parameter");
  });

  it("function_call without call_id, or with non-string arguments", () => {
    expectReject(
      { model: "m", input: [{ type: "function_call", name: "f", arguments: "{}" }] },
      "input[0].call_id",
      "missing_required_parameter",
      "Missing required parameter: 'input[0].call_id'.",
    );
    expectReject(
      { model: "m", input: [{ type: "function_call", call_id: "c", name: "f", arguments: { a: 1 } }] },
      "input[0].arguments",
      "invalid_type",
    );
    expectReject(
      { model: "m", input: [{ type: "function_call_output", call_id: 3, output: "x" }] },
      "input[0].call_id",
      "invalid_type",
    );
    expectReject(
      { model: "m", input: [{ type: "function_call_output", call_id: "c", output: 3 }] },
      "input[0].output",
      "invalid_type",
    );
    expectReject(
      { model: "m", input: [{ type: "custom_tool_call", call_id: "c", name: "apply_patch" }] },
      "input[0].input",
      "missing_required_parameter",
    );
    expectReject({ model: "m", input: [{ type: "reasoning", content: null }] }, "input[0].summary", "missing_required_parameter");
  });

  it("tool without name, unknown tool type, bad namespace child", () => {
    expectReject(
      { ...base, tools: [{ type: "function", name: "a" }, { type: "web_search" }, { type: "function", parameters: {} }] },
      "tools[2].name",
      "missing_required_parameter",
    );
    expectReject({ ...base, tools: [{ type: "hyperdrive" }] }, "tools[0].type", "invalid_value", /expected one of function, custom, namespace, web_search/);
    expectReject({ ...base, tools: [{ name: "a" }] }, "tools[0].type", "missing_required_parameter");
    expectReject(
      { ...base, tools: [{ type: "namespace", name: "mcp__x__", tools: [{ type: "function", name: "ok" }, { type: "web_search" }] }] },
      "tools[0].tools[1].type",
      "invalid_value",
    );
    expectReject({ ...base, tools: [{ type: "function", name: "f", parameters: "{}" }] }, "tools[0].parameters", "invalid_type");
  });

  it("temperature, top_p and max_output_tokens out of range", () => {
    expectReject({ ...base, temperature: 5 }, "temperature", "invalid_value", /Expected a value <= 2, but got 5/);
    expectReject({ ...base, top_p: -0.5 }, "top_p", "invalid_value");
    expectReject({ ...base, max_output_tokens: 0 }, "max_output_tokens", "invalid_value", /Expected a value >= 1, but got 0/);
    expectReject({ ...base, max_output_tokens: 1.5 }, "max_output_tokens", "invalid_type");
  });

  it("tool_choice and text.format", () => {
    expectReject({ ...base, tool_choice: "sometimes" }, "tool_choice", "invalid_value", /expected one of none, auto, required/);
    expectReject({ ...base, tool_choice: { type: "function" } }, "tool_choice.name", "missing_required_parameter");
    expectReject({ ...base, tool_choice: 1 }, "tool_choice", "invalid_type");
    expectReject({ ...base, text: { format: { type: "json_schema", name: "x" } } }, "text.format.schema", "missing_required_parameter");
    expectReject({ ...base, text: { format: { type: "yaml" } } }, "text.format.type", "invalid_value");
    expectReject({ ...base, text: { verbosity: "max" } }, "text.verbosity", "invalid_value");
  });

  it("other top-level types", () => {
    expectReject({ ...base, stream: "yes" }, "stream", "invalid_type");
    expectReject({ ...base, metadata: { a: 1 } }, "metadata.a", "invalid_type");
    expectReject({ ...base, include: "reasoning.encrypted_content" }, "include", "invalid_type");
    expectReject({ ...base, truncation: "sometimes" }, "truncation", "invalid_value");
  });
});

describe("schema and exported constants agree", () => {
  const defs = responsesRequestSchema.definitions;

  it("top-level fields are exactly the documented set", () => {
    expect([...RESPONSES_REQUEST_FIELDS].sort()).toEqual(
      [
        "model", "input", "instructions", "stream", "tools", "tool_choice", "parallel_tool_calls", "reasoning",
        "max_output_tokens", "temperature", "top_p", "text", "include", "user", "safety_identifier", "metadata",
        "store", "prompt_cache_key", "client_metadata", "service_tier", "truncation", "max_tool_calls",
        "top_logprobs", "stream_options", "background", "previous_response_id", "conversation", "prompt",
        // Declared by the openai SDK 6.x; GodeX ignores them with a diagnostic.
        "context_management", "moderation", "prompt_cache_options", "prompt_cache_retention",
      ].sort(),
    );
    // Open at the top level: an unknown field is reported by the translator, not rejected.
    expect(responsesRequestSchema.additionalProperties).toBe(true);
  });

  it("loose item / hosted tool lists match the schema", () => {
    expect(defs.OtherItem.properties.type.enum).toEqual([...OTHER_ITEM_TYPES]);
    expect(defs.HostedTool.properties.type.enum).toEqual([...HOSTED_TOOL_TYPES]);
    expect(defs.ToolChoiceHosted.properties.type.enum).toEqual([...HOSTED_TOOL_CHOICE_TYPES]);
  });

  it("inputItemType resolves typeless items", () => {
    const items = [{ role: "user", content: "x" }, { id: "r" }, { type: "function_call", call_id: "c", name: "n", arguments: "" }] as InputItem[];
    expect(items.map(inputItemType)).toEqual(["message", "item_reference", "function_call"]);
  });
});

describe("performance", () => {
  it("validates a ~1 MB Codex history quickly", () => {
    const turn2 = fixture("codex-turn2.json");
    const [call, output] = turn2.input.slice(-2);
    const input = [...turn2.input];
    let size = JSON.stringify(turn2).length;
    for (let n = 1; size < 1_100_000; n++) {
      const turn = [
        { ...call, id: `fc_${n}`, call_id: `call_${n}` },
        { ...output, id: `fco_${n}`, call_id: `call_${n}`, output: `${output.output}${"x".repeat(2000)}` },
        { type: "reasoning", id: `rs_${n}`, summary: [{ type: "summary_text", text: "thinking" }], content: null, encrypted_content: "gAAAA" },
        { type: "message", role: "assistant", id: `msg_${n}`, content: [{ type: "output_text", text: "done ".repeat(100), annotations: [] }] },
      ];
      input.push(...turn);
      size += JSON.stringify(turn).length;
    }
    const body = { ...turn2, input };
    expect(JSON.stringify(body).length).toBeGreaterThan(1_000_000);
    for (let i = 0; i < 5; i++) validateResponsesRequest(body); // warm-up
    const runs = 20;
    const t0 = performance.now();
    for (let i = 0; i < runs; i++) validateResponsesRequest(body);
    const perRun = (performance.now() - t0) / runs;
    expect(perRun).toBeLessThan(50);
  });
});
