// Every HTTP endpoint of the app, through supertest against the DeepSeek emulator.
import { readFileSync } from "node:fs";
import request from "supertest";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { MAGIC } from "../../src/mock/brain.ts";
import {
  DEEPSEEK_KEY,
  TERMINAL_EVENTS,
  asText,
  expectErrorShape,
  makeGateway,
  parseSse,
  simpleRequest,
  userInput,
  type SseFrame,
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

const EXEC_TOOL = {
  type: "function",
  name: "exec_command",
  description: "Runs a command",
  strict: false,
  parameters: { type: "object", properties: { cmd: { type: "string" } }, required: ["cmd"] },
};
const PATCH_TOOL = {
  type: "custom",
  name: "apply_patch",
  description: "Edit files",
  format: { type: "grammar", syntax: "lark", definition: "start: /.+/" },
};

describe("GET /health", () => {
  it("reports status, version, providers with key_configured and aliases", async () => {
    const res = await request(gw.app).get("/health");
    expect(res.status).toBe(200);
    expect(res.headers["content-type"]).toMatch(/^application\/json/);
    expect(res.body.status).toBe("ok");
    expect(res.body.version).toMatch(/^\d+\.\d+\.\d+/);
    const providers = res.body.providers as { name: string; key_configured: boolean; models: string[] }[];
    expect(providers.map((p) => p.name).sort()).toEqual(["deepseek", "nokey"]);
    expect(providers.find((p) => p.name === "deepseek")!.key_configured).toBe(true);
    expect(providers.find((p) => p.name === "nokey")!.key_configured).toBe(false);
    expect(providers.find((p) => p.name === "deepseek")!.models).toEqual(["deepseek-v4-pro", "deepseek-v4-flash"]);
    expect(res.body.aliases).toEqual({
      "gpt-5.5": "deepseek/deepseek-v4-pro",
      "gpt-5.4": "deepseek/deepseek-v4-flash",
      "gpt-nokey": "nokey/deepseek-v4-pro",
    });
  });

  it("never contains an API key value, not even a fragment of it", async () => {
    const res = await asText(request(gw.app).get("/health"));
    expect(res.status).toBe(200);
    const text = String(res.body);
    expect(text).not.toContain(DEEPSEEK_KEY);
    expect(text).not.toContain(DEEPSEEK_KEY.slice(-12));
    expect(text.toLowerCase()).not.toContain("bearer");
    expect(JSON.stringify(res.headers)).not.toContain(DEEPSEEK_KEY);
  });
});

describe("GET /v1/models/{id}", () => {
  it("returns one model object for an alias, a listed provider/model and any model the config resolves", async () => {
    const alias = await request(gw.app).get("/v1/models/gpt-5.5");
    expect(alias.status).toBe(200);
    expect(alias.body).toEqual({ id: "gpt-5.5", object: "model", created: alias.body.created, owned_by: "godex:deepseek/deepseek-v4-pro" });
    const listed = await request(gw.app).get("/v1/models/deepseek/deepseek-v4-flash");
    expect(listed.status).toBe(200);
    expect(listed.body.id).toBe("deepseek/deepseek-v4-flash");
    const bare = await request(gw.app).get("/models/deepseek/deepseek-v4-pro");
    expect(bare.body.id).toBe("deepseek/deepseek-v4-pro");
  });

  it("answers 404 model_not_found in the OpenAI error shape for anything else", async () => {
    const res = await request(gw.app).get("/v1/models/no-such-model");
    expect(res.status).toBe(404);
    expectErrorShape(res.body);
    expect(res.body.error.code).toBe("model_not_found");
  });
});

describe("GET /v1/models", () => {
  for (const path of ["/v1/models", "/models"]) {
    it(`${path} is an OpenAI list with every alias and provider/model`, async () => {
      const res = await request(gw.app).get(path);
      expect(res.status).toBe(200);
      expect(res.body.object).toBe("list");
      expect(Array.isArray(res.body.data)).toBe(true);
      for (const m of res.body.data) {
        expect(Object.keys(m).sort()).toEqual(["created", "id", "object", "owned_by"]);
        expect(typeof m.id).toBe("string");
        expect(m.object).toBe("model");
        expect(Number.isInteger(m.created)).toBe(true);
        expect(typeof m.owned_by).toBe("string");
      }
      const ids: string[] = res.body.data.map((m: { id: string }) => m.id);
      expect(new Set(ids).size).toBe(ids.length);
      for (const id of [
        "gpt-5.5",
        "gpt-5.4",
        "gpt-nokey",
        "deepseek/deepseek-v4-pro",
        "deepseek/deepseek-v4-flash",
        "nokey/deepseek-v4-pro",
      ]) {
        expect(ids).toContain(id);
      }
      expect(JSON.stringify(res.body)).not.toContain(DEEPSEEK_KEY);
    });
  }
});

/** Checks one output item of a finished response (JSON body or response.completed). */
function expectFinishedItem(item: any) {
  expect(typeof item.id).toBe("string");
  expect(item.id.length).toBeGreaterThan(0);
  expect(typeof item.status).toBe("string");
  expect(item.status).toBe("completed");
  if (item.type === "message") {
    expect(item.role).toBe("assistant");
    for (const part of item.content) {
      expect(part.type).toBe("output_text");
      expect(typeof part.text).toBe("string");
      expect(part.annotations).toEqual([]);
    }
  } else if (item.type === "reasoning") {
    expect(Array.isArray(item.summary)).toBe(true);
  } else if (item.type === "function_call") {
    expect(typeof item.call_id).toBe("string");
    expect(typeof item.name).toBe("string");
    expect(typeof item.arguments).toBe("string");
  } else if (item.type === "custom_tool_call") {
    expect(typeof item.call_id).toBe("string");
    expect(typeof item.name).toBe("string");
    expect(typeof item.input).toBe("string");
  }
}

function expectUsage(usage: any) {
  expect(Number.isInteger(usage.input_tokens)).toBe(true);
  expect(Number.isInteger(usage.output_tokens)).toBe(true);
  expect(Number.isInteger(usage.total_tokens)).toBe(true);
  expect(Number.isInteger(usage.input_tokens_details.cached_tokens)).toBe(true);
  expect(Number.isInteger(usage.output_tokens_details.reasoning_tokens)).toBe(true);
  expect(usage.total_tokens).toBe(usage.input_tokens + usage.output_tokens);
}

describe("POST /v1/responses (JSON)", () => {
  it("returns a complete Response object", async () => {
    const res = await request(gw.app).post("/v1/responses").send(simpleRequest());
    expect(res.status).toBe(200);
    expect(res.headers["content-type"]).toMatch(/^application\/json/);
    expect(res.headers).toHaveProperty("x-godex-diagnostics");
    expect(typeof res.headers["x-request-id"]).toBe("string");
    const r = res.body;
    expect(r.id).toMatch(/^resp_/);
    expect(r.object).toBe("response");
    expect(Number.isInteger(r.created_at)).toBe(true);
    expect(Number.isInteger(r.completed_at)).toBe(true);
    expect(r.completed_at).toBeGreaterThanOrEqual(r.created_at);
    expect(r.status).toBe("completed");
    expect(r.model).toBe("gpt-5.5");
    expect(r.error).toBeNull();
    expect(r.incomplete_details).toBeNull();
    for (const key of ["instructions", "metadata", "parallel_tool_calls", "temperature", "top_p", "tool_choice", "tools"]) {
      expect(r, `SDK-required field ${key}`).toHaveProperty(key);
    }
    expect(Array.isArray(r.output)).toBe(true);
    expect(r.output.length).toBeGreaterThan(0);
    for (const item of r.output) expectFinishedItem(item);
    const ids = r.output.map((i: { id: string }) => i.id);
    expect(new Set(ids).size).toBe(ids.length);
    const message = r.output.find((i: { type: string }) => i.type === "message");
    expect(message.content[0].text).toContain("Say hello");
    expectUsage(r.usage);
    expect(Array.isArray(r.godex.diagnostics)).toBe(true);
    expect(JSON.stringify(r)).not.toContain(DEEPSEEK_KEY);
  });

  it("echoes the model name asked for, alias or provider/model", async () => {
    for (const model of ["gpt-5.4", "deepseek/deepseek-v4-pro"]) {
      const res = await request(gw.app).post("/v1/responses").send(simpleRequest({ model }));
      expect(res.status).toBe(200);
      expect(res.body.model).toBe(model);
    }
    expect(gw.mock.requests.map((r) => (r.body as { model: string }).model)).toEqual(["deepseek-v4-flash", "deepseek-v4-pro"]);
  });

  it("returns function calls as complete items", async () => {
    const res = await request(gw.app)
      .post("/v1/responses")
      .send(simpleRequest({ input: userInput(`${MAGIC.parallel} please`), tools: [EXEC_TOOL] }));
    expect(res.status).toBe(200);
    const calls = res.body.output.filter((i: { type: string }) => i.type === "function_call");
    expect(calls).toHaveLength(2);
    for (const c of calls) {
      expectFinishedItem(c);
      expect(c.name).toBe("exec_command");
      expect(JSON.parse(c.arguments)).toHaveProperty("cmd");
    }
    expect(calls[0].call_id).not.toBe(calls[1].call_id);
  });
});

/**
 * The stream invariants Codex relies on: strict framing, `type` === event name, sequence numbers
 * 0,1,2…, created then in_progress first, deltas only inside their own open item, items never
 * interleaved, exactly one terminal event as the last frame, and done ids equal to the final output.
 */
function checkStream(frames: SseFrame[]): any {
  expect(frames.length).toBeGreaterThanOrEqual(3);
  frames.forEach((f, i) => {
    expect(f.data.type, `frame ${i} type matches its event line`).toBe(f.event);
    expect(f.data.sequence_number, `frame ${i} sequence_number`).toBe(i);
  });
  expect(frames[0]!.event).toBe("response.created");
  expect(frames[0]!.data.response.status).toBe("in_progress");
  expect(frames[0]!.data.response.output).toEqual([]);
  expect(frames[1]!.event).toBe("response.in_progress");

  const terminals = frames.filter((f) => TERMINAL_EVENTS.includes(f.event));
  expect(terminals).toHaveLength(1);
  expect(frames.at(-1)).toBe(terminals[0]);

  const responseId = frames[0]!.data.response.id;
  let open: { id: string; index: number } | null = null;
  const added: string[] = [];
  const done: any[] = [];
  for (const f of frames) {
    const d = f.data;
    if (d.response) expect(d.response.id, `${f.event} keeps the response id`).toBe(responseId);
    if (f.event === "response.output_item.added") {
      expect(open, `item ${d.item.id} added while ${open?.id} is still open`).toBeNull();
      expect(typeof d.item.id).toBe("string");
      expect(d.output_index).toBe(added.length);
      expect(added).not.toContain(d.item.id);
      open = { id: d.item.id, index: d.output_index };
      added.push(d.item.id);
      continue;
    }
    if (f.event === "response.output_item.done") {
      expect(open, "output_item.done without an open item").not.toBeNull();
      expect(d.item.id).toBe(open!.id);
      expect(d.output_index).toBe(open!.index);
      done.push(d.item);
      open = null;
      continue;
    }
    const itemScoped = "item_id" in d || "output_index" in d || f.event.endsWith(".delta");
    if (itemScoped) {
      expect(open, `${f.event} outside of an open item`).not.toBeNull();
      expect(d.item_id, `${f.event} belongs to the open item`).toBe(open!.id);
      expect(d.output_index).toBe(open!.index);
    }
    if (f.event.endsWith(".delta")) expect(typeof d.delta).toBe("string");
  }
  expect(open, "an item was left open").toBeNull();
  const final = terminals[0]!.data.response;
  expect(final.output.map((i: { id: string }) => i.id)).toEqual(done.map((i) => i.id));
  expect(final.output).toEqual(done);
  return final;
}

async function stream(body: Record<string, unknown>, path = "/v1/responses") {
  const res = await asText(request(gw.app).post(path).send({ ...body, stream: true }));
  expect(res.status).toBe(200);
  expect(res.headers["content-type"]).toMatch(/^text\/event-stream/);
  expect(res.headers).toHaveProperty("x-godex-diagnostics");
  return { res, frames: parseSse(String(res.body)) };
}

describe("POST /v1/responses (stream)", () => {
  it("streams a reasoning + message turn with the full invariants", async () => {
    const { frames } = await stream(simpleRequest({ include: ["reasoning.encrypted_content"] }));
    const final = checkStream(frames);
    expect(final.status).toBe("completed");
    expect(final.model).toBe("gpt-5.5");
    expect(Number.isInteger(final.completed_at)).toBe(true);
    expectUsage(final.usage);
    expect(Array.isArray(final.godex.diagnostics)).toBe(true);
    const types = final.output.map((i: { type: string }) => i.type);
    expect(types).toEqual(["reasoning", "message"]);
    for (const item of final.output) expectFinishedItem(item);
    expect(final.output[0].encrypted_content).toMatch(/^gdx1\./);
    // The message text is the concatenation of its deltas.
    const msg = final.output[1];
    const deltas = frames.filter((f) => f.event === "response.output_text.delta").map((f) => f.data.delta).join("");
    expect(deltas).toBe(msg.content[0].text);
    expect(frames.map((f) => f.raw).join("\n\n")).not.toContain(DEEPSEEK_KEY);
  });

  it("streams parallel function calls one item after the other", async () => {
    const { frames } = await stream(simpleRequest({ input: userInput(`${MAGIC.parallel} now`), tools: [EXEC_TOOL] }));
    const final = checkStream(frames);
    expect(final.status).toBe("completed");
    const calls = final.output.filter((i: { type: string }) => i.type === "function_call");
    expect(calls).toHaveLength(2);
    for (const c of calls) {
      expectFinishedItem(c);
      const argDeltas = frames
        .filter((f) => f.event === "response.function_call_arguments.delta" && f.data.item_id === c.id)
        .map((f) => f.data.delta)
        .join("");
      expect(argDeltas).toBe(c.arguments);
    }
  });

  it("streams a freeform apply_patch call as a custom_tool_call", async () => {
    const { frames } = await stream(
      simpleRequest({ input: userInput("create file hello.txt with hello world"), tools: [EXEC_TOOL, PATCH_TOOL] }),
    );
    const final = checkStream(frames);
    const call = final.output.find((i: { type: string }) => i.type === "custom_tool_call");
    expect(call).toBeDefined();
    expect(call.name).toBe("apply_patch");
    expect(call.input).toBe("*** Begin Patch\n*** Add File: hello.txt\n+hello world\n*** End Patch\n");
  });

  it("streams the recorded Codex turn-1 request (exec_command call)", async () => {
    const body = JSON.parse(readFileSync(new URL("../fixtures/requests/codex-turn1.json", import.meta.url), "utf8"));
    const { frames } = await stream(body);
    const final = checkStream(frames);
    expect(final.status).toBe("completed");
    const call = final.output.find((i: { type: string }) => i.type === "function_call");
    expect(call?.name).toBe("exec_command");
    expect(JSON.parse(call.arguments)).toEqual({ cmd: "echo hello" });
  });

  it("ends a length-capped turn with exactly one response.incomplete", async () => {
    const { frames } = await stream(simpleRequest({ input: userInput(`${MAGIC.length} please`) }));
    const final = checkStream(frames);
    expect(frames.at(-1)!.event).toBe("response.incomplete");
    expect(final.status).toBe("incomplete");
    expect(final.incomplete_details).toEqual({ reason: "max_output_tokens" });
  });

  it("ends an upstream failure with exactly one response.failed", async () => {
    const { frames } = await stream(simpleRequest({ input: userInput(`${MAGIC.error}=500 now`) }));
    const final = checkStream(frames);
    expect(frames.at(-1)!.event).toBe("response.failed");
    expect(final.status).toBe("failed");
    expect(typeof final.error.code).toBe("string");
    expect(typeof final.error.message).toBe("string");
    expect(frames.map((f) => f.raw).join("")).not.toContain(DEEPSEEK_KEY);
  });
});

describe("routes", () => {
  it("POST /responses (without /v1) works, JSON and streamed", async () => {
    const json = await request(gw.app).post("/responses").send(simpleRequest());
    expect(json.status).toBe(200);
    expect(json.body.object).toBe("response");
    const { frames } = await stream(simpleRequest(), "/responses");
    expect(checkStream(frames).status).toBe("completed");
  });

  it("unknown routes answer 404 in the OpenAI error shape", async () => {
    for (const t of [
      request(gw.app).get("/v1/nope"),
      request(gw.app).post("/v1/chat/completions").send({ model: "gpt-5.5", messages: [] }),
      request(gw.app).get("/v2/responses"),
      request(gw.app).delete("/v1/models"),
    ]) {
      const res = await t;
      expect(res.status).toBe(404);
      expect(res.headers["content-type"]).toMatch(/^application\/json/);
      expectErrorShape(res.body);
      expect(res.body.error.type).toBe("invalid_request_error");
    }
  });

  it("GET /v1/responses answers 405 in the OpenAI error shape", async () => {
    for (const path of ["/v1/responses", "/responses"]) {
      const res = await request(gw.app).get(path);
      expect(res.status).toBe(405);
      expectErrorShape(res.body);
      expect(res.body.error.code).toBe("method_not_allowed");
    }
    expect((await request(gw.app).put("/v1/responses").send({})).status).toBe(405);
  });
});
