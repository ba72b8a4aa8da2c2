// Bad requests: each one gets a 4xx in the OpenAI error shape, quickly; never a 5xx, never a hang,
// and never a call to the provider.
import request from "supertest";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  DEEPSEEK_KEY,
  MISSING_KEY_ENV,
  expectErrorShape,
  makeGateway,
  simpleRequest,
  userInput,
  type TestGateway,
} from "./helpers.ts";

let gw: TestGateway;

beforeAll(async () => {
  gw = await makeGateway();
});
afterAll(async () => {
  await gw.close();
});
beforeEach(() => gw.mock.clear());

/** Fails instead of hanging. */
const TIMEOUT_MS = 5000;

/** POST with a JS value (serialized by supertest as JSON). */
function postJson(body: unknown, path = "/v1/responses") {
  return request(gw.app).post(path).set("content-type", "application/json").timeout(TIMEOUT_MS).send(body as object);
}

/** POST a body exactly as given (no serialization, even for a Buffer under a JSON content type). */
function postRaw(bytes: string | Buffer, contentType = "application/json") {
  return request(gw.app).post("/v1/responses").set("content-type", contentType).serialize((b: unknown) => b as string).timeout(TIMEOUT_MS).send(bytes);
}

interface Expected {
  status?: number;
  code?: string;
  param?: string | null;
}

function expectRejected(res: request.Response, want: Expected = {}) {
  expect(res.status, JSON.stringify(res.body).slice(0, 300)).toBeGreaterThanOrEqual(400);
  expect(res.status).toBeLessThan(500);
  if (want.status !== undefined) expect(res.status).toBe(want.status);
  expect(res.headers["content-type"]).toMatch(/^application\/json/);
  expectErrorShape(res.body);
  if (want.code !== undefined) expect(res.body.error.code).toBe(want.code);
  if (want.param !== undefined) expect(res.body.error.param).toBe(want.param);
  expect(JSON.stringify(res.body)).not.toContain(DEEPSEEK_KEY);
  expect(JSON.stringify(res.body)).not.toMatch(/\n\s+at /); // no stack trace
}

describe("unparseable bodies", () => {
  it("malformed JSON → 400 invalid_json", async () => {
    for (const text of ['{"model":', '{"model":"gpt-5.5",}', "{model: 'gpt-5.5'}", '{"model":"gpt-5.5","input":"hi"} trailing', "NaN"]) {
      const res = await postRaw(text, "application/json");
      expectRejected(res, { status: 400, code: "invalid_json", param: null });
    }
  });

  it("empty body → 400", async () => {
    expectRejected(await postRaw("", "application/json"), { status: 400 });
    // No body and no content type: the content type is what is missing first.
    expectRejected(await request(gw.app).post("/v1/responses").timeout(TIMEOUT_MS), { status: 415, code: "unsupported_content_type" });
    expect(gw.mock.requests).toHaveLength(0);
  });

  it("a body that is an array, a string, a number or null → 400 invalid_type", async () => {
    for (const body of [[simpleRequest()], '"hi"', "42", "null"]) {
      const res = typeof body === "string" ? await postRaw(body, "application/json") : await postJson(body);
      expectRejected(res, { status: 400, code: "invalid_type", param: null });
    }
  });

  it("invalid UTF-8 bytes outside strings → 400 invalid_json", async () => {
    const bytes = Buffer.concat([Buffer.from('{"model":"gpt-5.5",'), Buffer.from([0xff, 0xfe]), Buffer.from('"input":"hi"}')]);
    expectRejected(await postRaw(bytes), { status: 400, code: "invalid_json" });
    expect(gw.mock.requests).toHaveLength(0);
  });

  it("invalid UTF-8 bytes inside a string never cause a 5xx", async () => {
    const bytes = Buffer.concat([Buffer.from('{"model":"gpt-5.5","input":"hi '), Buffer.from([0xff, 0xfe, 0xc3]), Buffer.from('"}')]);
    const res = await postRaw(bytes);
    expect(res.status).toBeLessThan(500);
  });

  // BUG (src/server/app.ts, express.json body parsing): a body whose JSON strings contain invalid
  // UTF-8 (e.g. `{"model":"gpt-5.5","input":"hi \xff\xfe\xc3"}`) is decoded lossily: the bytes become
  // U+FFFD, the request is forwarded upstream as "hi \ufffd\ufffd\ufffd" and GodeX answers 200.
  // Expected: 400 invalid_json (as OpenAI does), so corrupted input is never silently changed.
  it("invalid UTF-8 bytes inside a string → 400 and no upstream call", async () => {
    const bytes = Buffer.concat([Buffer.from('{"model":"gpt-5.5","input":"hi '), Buffer.from([0xff, 0xfe, 0xc3]), Buffer.from('"}')]);
    expectRejected(await postRaw(bytes), { status: 400, code: "invalid_json" });
    expect(gw.mock.requests).toHaveLength(0);
  });

  it("unsupported charset or content-encoding → 4xx", async () => {
    expectRejected(await postRaw(JSON.stringify(simpleRequest()), "application/json; charset=latin1"), { status: 415 });
    const res = await request(gw.app)
      .post("/v1/responses")
      .set("content-type", "application/json")
      .set("content-encoding", "gzip")
      .serialize((b: unknown) => b as string)
      .timeout(TIMEOUT_MS)
      .send(Buffer.from("not gzip at all"));
    expectRejected(res, { status: 415, code: "unsupported_encoding" });
  });
});

describe("schema violations", () => {
  it("wrong types → 400 invalid_type naming the parameter", async () => {
    expectRejected(await postJson(simpleRequest({ model: 5 })), { status: 400, code: "invalid_type", param: "model" });
    expectRejected(await postJson(simpleRequest({ input: 5 })), { status: 400, code: "invalid_type", param: "input" });
    expectRejected(await postJson(simpleRequest({ stream: "yes" })), { status: 400, code: "invalid_type", param: "stream" });
    expectRejected(await postJson(simpleRequest({ instructions: { a: 1 } })), { status: 400, code: "invalid_type", param: "instructions" });
    expectRejected(await postJson(simpleRequest({ tools: {} })), { status: 400, code: "invalid_type", param: "tools" });
  });

  it("missing model or input → 400 missing_required_parameter", async () => {
    expectRejected(await postJson({ input: "hi" }), { status: 400, code: "missing_required_parameter", param: "model" });
    expectRejected(await postJson({ model: "gpt-5.5" }), { status: 400, code: "missing_required_parameter", param: "input" });
  });

  it("unknown input item type → 400 with param input[0].type", async () => {
    expectRejected(await postJson(simpleRequest({ input: [{ type: "bogus_item", foo: 1 }] })), {
      status: 400,
      code: "invalid_value",
      param: "input[0].type",
    });
    expectRejected(await postJson(simpleRequest({ input: [...userInput("hi"), { type: 7 }] })), { status: 400, param: "input[1].type" });
  });

  it("invalid reasoning.effort → 400 with param reasoning.effort", async () => {
    expectRejected(await postJson(simpleRequest({ reasoning: { effort: "extreme" } })), {
      status: 400,
      code: "invalid_value",
      param: "reasoning.effort",
    });
  });

  it("out-of-range numbers → 400 invalid_value", async () => {
    expectRejected(await postJson(simpleRequest({ temperature: 5 })), { status: 400, code: "invalid_value", param: "temperature" });
    expectRejected(await postJson(simpleRequest({ max_output_tokens: -1 })), { status: 400, code: "invalid_value", param: "max_output_tokens" });
  });

  it("bad code-mode tool declarations (additional_tools) → 400 naming the parameter, no upstream call", async () => {
    const exec = { type: "custom", name: "exec", format: { type: "grammar", syntax: "lark", definition: "start: /.+/" } };
    const at = (tools: unknown) => ({ type: "additional_tools", id: "at_1", role: "developer", tools });
    const lite = (item: unknown) => simpleRequest({ stream: true, input: [item, ...userInput("hi")] });
    expectRejected(await postJson(lite({ type: "additional_tools", id: "at_1" })), { status: 400, code: "missing_required_parameter", param: "input[0].tools" });
    expectRejected(await postJson(lite(at([{ type: "namespace", name: "functions", tools: [{ type: "function" }] }]))), {
      status: 400,
      code: "missing_required_parameter",
      param: "input[0].tools[0].tools[0].name",
    });
    expectRejected(await postJson(lite(at([{ ...exec, format: { type: "grammar", syntax: "lark" } }]))), {
      status: 400,
      code: "missing_required_parameter",
      param: "input[0].tools[0].format.definition",
    });
    expect(gw.mock.requests).toHaveLength(0);
    // The same tools, well formed, are served.
    const ok = await postJson(simpleRequest({ input: [at([{ type: "namespace", name: "functions", tools: [exec] }]), ...userInput("hi")] }));
    expect(ok.status, JSON.stringify(ok.body).slice(0, 300)).toBe(200);
    expect(gw.mock.requests).toHaveLength(1);
  });

  it("a streamed request that is invalid gets a JSON error, not an event stream", async () => {
    const res = await postJson(simpleRequest({ stream: true, model: 42 }));
    expectRejected(res, { status: 400, param: "model" });
  });

  it("no schema violation reaches the provider", async () => {
    await postJson(simpleRequest({ model: 5 }));
    await postJson(simpleRequest({ input: [{ type: "bogus_item" }] }));
    expect(gw.mock.requests).toHaveLength(0);
  });
});

describe("requests GodeX cannot serve", () => {
  it("unknown model alias → 400 model_not_found, param model", async () => {
    for (const model of ["gpt-unknown", "nosuchprovider/x"]) {
      expectRejected(await postJson(simpleRequest({ model })), { status: 400, code: "model_not_found", param: "model" });
    }
    expectRejected(await postJson(simpleRequest({ model: "gpt-unknown", stream: true })), { status: 400, code: "model_not_found" });
  });

  it("previous_response_id → 400 unsupported_parameter", async () => {
    expectRejected(await postJson(simpleRequest({ previous_response_id: "resp_123" })), {
      status: 400,
      code: "unsupported_parameter",
      param: "previous_response_id",
    });
    expectRejected(await postJson(simpleRequest({ previous_response_id: "resp_123", stream: true })), {
      status: 400,
      code: "unsupported_parameter",
      param: "previous_response_id",
    });
  });

  it("background: true → 400 unsupported_parameter (background: false is fine)", async () => {
    expectRejected(await postJson(simpleRequest({ background: true })), { status: 400, code: "unsupported_parameter", param: "background" });
    const ok = await postJson(simpleRequest({ background: false }));
    expect(ok.status).toBe(200);
  });

  it("conversation and prompt → 400 unsupported_parameter", async () => {
    expectRejected(await postJson(simpleRequest({ conversation: "conv_1" })), { status: 400, code: "unsupported_parameter", param: "conversation" });
    expectRejected(await postJson(simpleRequest({ prompt: { id: "pmpt_1" } })), { status: 400, code: "unsupported_parameter", param: "prompt" });
  });

  it("provider without a key → 401 missing_api_key naming the env var, no upstream call", async () => {
    for (const stream of [false, true]) {
      const res = await postJson(simpleRequest({ model: "gpt-nokey", stream }));
      expectRejected(res, { status: 401, code: "missing_api_key" });
      expect(res.body.error.type).toBe("authentication_error");
      expect(res.body.error.message).toContain(MISSING_KEY_ENV);
      expect(res.body.error.message).toContain("nokey");
    }
    expect(gw.mock.requests).toHaveLength(0);
  });
});

describe("size and depth", () => {
  it("a body over server.body_limit → 413 request_too_large", async () => {
    const small = await makeGateway({ bodyLimit: "1kb" });
    try {
      for (const stream of [false, true]) {
        const res = await request(small.app)
          .post("/v1/responses")
          .timeout(TIMEOUT_MS)
          .send(simpleRequest({ stream, input: "x".repeat(4000) }));
        expectRejected(res, { status: 413, code: "request_too_large", param: null });
      }
      const fits = await request(small.app).post("/v1/responses").timeout(TIMEOUT_MS).send(simpleRequest({ input: "short" }));
      expect(fits.status).toBe(200);
      expect(small.mock.requests).toHaveLength(1);
    } finally {
      await small.close();
    }
  });

  it("10k nested arrays inside input content → 4xx, fast", async () => {
    const nested = "[".repeat(10_000) + "]".repeat(10_000);
    for (const body of [
      `{"model":"gpt-5.5","input":[{"type":"message","role":"user","content":${nested}}]}`,
      `{"model":"gpt-5.5","input":[{"type":"message","role":"user","content":[${nested}]}]}`,
      `{"model":"gpt-5.5","input":${nested}}`,
    ]) {
      const started = Date.now();
      const res = await postRaw(body, "application/json");
      expectRejected(res, { status: 400 });
      expect(Date.now() - started).toBeLessThan(2000);
    }
    expect(gw.mock.requests).toHaveLength(0);
  });

  it("200k nested arrays → 4xx, no stack overflow", async () => {
    const nested = "[".repeat(200_000) + "]".repeat(200_000);
    const res = await postRaw(`{"model":"gpt-5.5","input":[{"type":"message","role":"user","content":${nested}}]}`, "application/json");
    expectRejected(res, { status: 400 });
  });

  it("deep nesting in a field GodeX never reads (unknown field, client_metadata) is harmless", async () => {
    const obj = '{"a":'.repeat(10_000) + "1" + "}".repeat(10_000);
    const res = await postRaw(`{"model":"gpt-5.5","input":"hi","client_metadata":${obj},"zz_unknown":${obj}}`, "application/json");
    expect(res.status).toBe(200);
  });

  // BUG (src/engine/run.ts prepare(): JSON.stringify(translated.body); also
  // src/engine/request/params.ts translateTextFormat(): JSON.stringify(format.schema)): a schema
  // nested ~5000 levels deep inside tools[].parameters or text.format.schema passes validation and
  // overflows the stack when GodeX serializes the upstream body: RangeError "Maximum call stack
  // size exceeded" → HTTP 500 internal_error. Input:
  // {"model":"gpt-5.5","input":"hi","tools":[{"type":"function","name":"f","parameters":{"type":"object",
  //   "properties":{"x": {"a":{"a":…10000 levels…1}}}}}]}
  // Expected: 400 invalid_request_error (e.g. a nesting-depth limit in validation, param tools[0].parameters).
  it("10k-deep object inside tools[0].parameters or text.format.schema → 4xx, not 500", async () => {
    // Built as text: JSON.stringify itself would overflow the stack on such a value.
    const deep = '{"a":'.repeat(10_000) + "1" + "}".repeat(10_000);
    const tools = `[{"type":"function","name":"f","parameters":{"type":"object","properties":{"x":${deep}}}}]`;
    expectRejected(await postRaw(`{"model":"gpt-5.5","input":"hi","tools":${tools}}`, "application/json"), { status: 400, param: "tools" });
    const text = `{"format":{"type":"json_schema","name":"o","schema":${deep}}}`;
    expectRejected(await postRaw(`{"model":"gpt-5.5","input":"hi","stream":true,"text":${text}}`, "application/json"), { status: 400, param: "text" });
    expect(gw.mock.requests).toHaveLength(0);
  });

  it("a 5 MB text input still works (200) and reaches the provider whole", async () => {
    const text = "lorem ipsum ".repeat(Math.ceil((5 * 1024 * 1024) / 12));
    const res = await request(gw.app).post("/v1/responses").timeout(30_000).send(simpleRequest({ input: text }));
    expect(res.status).toBe(200);
    expect(res.body.status).toBe("completed");
    const sent = gw.mock.requests.at(-1)!.body as { messages: { role: string; content: string }[] };
    const user = sent.messages.find((m) => m.role === "user")!;
    expect(user.content).toBe(text);
  }, 30_000);
});
