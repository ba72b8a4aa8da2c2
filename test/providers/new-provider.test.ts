// A provider GodeX's code has never seen, added by writing one mapping file and nothing else:
// test/fixtures/mappings/acme.yaml (extends the shipped openai-chat). A tiny upstream in this file
// speaks Acme's dialect (its own auth header, path, reasoning field, usage names, finish reasons and
// error codes); GodeX runs a full streamed tool-call turn with reasoning, the follow-up turn with the
// reasoning passed back as the mapping declares, non-streamed turns and Acme's failures.
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { loadConfigFromObject } from "../../src/config/load.ts";
import { startGateway, type RunningGateway } from "../../src/server/start.ts";
import { createLogger } from "../../src/server/log.ts";

const ROOT = resolve(import.meta.dirname, "../..");
const FIXTURE_MAPPINGS = join(ROOT, "test/fixtures/mappings");
const ACME_KEY = "acme-test-key-5d1f";

// ---- a tiny Acme upstream ----

interface Received {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

type Reply = { status?: number; headers?: Record<string, string>; sse?: unknown[]; done?: boolean; json?: unknown };

interface Upstream {
  url: string;
  received: Received[];
  replies: Reply[];
  close(): Promise<void>;
}

async function startAcme(): Promise<Upstream> {
  const received: Received[] = [];
  const replies: Reply[] = [];
  const server: Server = createServer((req, res) => {
    let body = "";
    req.setEncoding("utf8");
    req.on("data", (c: string) => (body += c));
    req.on("end", () => {
      received.push({ method: req.method ?? "", url: req.url ?? "", headers: req.headers, body });
      const reply = replies.shift();
      if (!reply) {
        res.writeHead(500, { "content-type": "application/json" });
        res.end(JSON.stringify({ error: { message: "no scripted reply", type: "server_error", code: "test_no_reply" } }));
        return;
      }
      if (reply.sse) {
        res.writeHead(reply.status ?? 200, { "content-type": "text/event-stream", ...reply.headers });
        for (const chunk of reply.sse) res.write(`data: ${JSON.stringify(chunk)}\n\n`);
        if (reply.done !== false) res.write("data: [DONE]\n\n");
        res.end();
        return;
      }
      res.writeHead(reply.status ?? 200, { "content-type": "application/json", ...reply.headers });
      res.end(JSON.stringify(reply.json));
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    replies,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/** One Acme stream chunk: its choices carry `delta.thinking` for reasoning. */
const chunk = (delta: Record<string, unknown>, finish: string | null = null) => ({
  id: "acmecmpl-7",
  object: "chat.completion.chunk",
  model: "acme-large",
  choices: [{ index: 0, delta, finish_reason: finish }],
});
/** Acme's last chunk: no choices, usage in Acme's own names (no total). */
const usageChunk = (u: Record<string, number>) => ({ id: "acmecmpl-7", object: "chat.completion.chunk", model: "acme-large", choices: [], usage: u });

// ---- GodeX's side ----

interface Frame {
  event: string;
  data: any;
}

function parseSse(text: string): Frame[] {
  expect(text.endsWith("\n\n")).toBe(true);
  return text
    .slice(0, -2)
    .split("\n\n")
    .filter((f) => !f.startsWith(":"))
    .map((raw) => {
      const m = /^event: ([^\n]+)\ndata: ([^\n]*)$/.exec(raw);
      expect(m, raw).not.toBeNull();
      return { event: m![1]!, data: JSON.parse(m![2]!) };
    });
}

const TOOLS = [
  {
    type: "function",
    name: "exec_command",
    description: "Run a shell command",
    parameters: { type: "object", properties: { cmd: { type: "string" } }, required: ["cmd"] },
  },
];
const CHAT_TOOLS = [
  {
    type: "function",
    function: { name: "exec_command", description: "Run a shell command", parameters: { type: "object", properties: { cmd: { type: "string" } }, required: ["cmd"] } },
  },
];
const HISTORY = [
  { type: "message", role: "developer", content: [{ type: "input_text", text: "Be brief." }] },
  { type: "message", role: "user", content: [{ type: "input_text", text: "run echo hello" }] },
];
const CHAT_HISTORY = [
  { role: "system", content: "You are a coding agent." },
  { role: "system", content: "Be brief." },
  { role: "user", content: "run echo hello" },
];

describe("a provider added by a mapping file only (test/fixtures/mappings/acme.yaml)", () => {
  let upstream: Upstream;
  let gw: RunningGateway;
  let dir: string;

  beforeAll(async () => {
    upstream = await startAcme();
    dir = mkdtempSync(join(tmpdir(), "godex-acme-"));
    const config = loadConfigFromObject(
      {
        server: { host: "127.0.0.1", port: 0 },
        models: { aliases: { "gpt-5.5": "acme/acme-large" } },
        providers: {
          acme: {
            spec: "acme",
            credentials: { api_key: ACME_KEY },
            endpoint: { base_url: upstream.url },
            retry: { max_attempts: 1, max_delay_ms: 0 },
          },
        },
        logging: { level: "silent" },
      },
      {},
    );
    gw = await startGateway(config, {
      mappingsDir: FIXTURE_MAPPINGS,
      carrierKeyFile: join(dir, "carrier.key"),
      fixedIds: { responseId: "resp_acme", now: () => 1700000000 },
      log: createLogger("silent"),
    });
  });

  afterAll(async () => {
    await gw?.close();
    await upstream?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  beforeEach(() => {
    upstream.received.length = 0;
    upstream.replies.length = 0;
  });

  const post = (body: unknown) => fetch(`${gw.url}/v1/responses`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });

  it("runs a streamed tool-call turn with reasoning, then the next turn with the reasoning passed back", async () => {
    // ---- turn 1: reasoning + one function call ----
    upstream.replies.push({
      sse: [
        chunk({ role: "assistant", content: null, thinking: "The user wants " }),
        chunk({ thinking: "to run echo." }),
        chunk({ tool_calls: [{ index: 0, id: "call_acme_1", type: "function", function: { name: "exec_command", arguments: "" } }] }),
        chunk({ tool_calls: [{ index: 0, function: { arguments: '{"cmd":' } }] }),
        chunk({ tool_calls: [{ index: 0, function: { arguments: '"echo hello"}' } }] }),
        chunk({}, "tool_use"),
        usageChunk({ input_tokens: 120, cache_read_tokens: 100, output_tokens: 30, thinking_tokens: 12 }),
      ],
    });
    const turn1 = {
      model: "gpt-5.5",
      stream: true,
      store: false,
      include: ["reasoning.encrypted_content"],
      instructions: "You are a coding agent.",
      input: HISTORY,
      tools: TOOLS,
      tool_choice: "required",
      parallel_tool_calls: false,
      reasoning: { effort: "xhigh", summary: "auto" },
      max_output_tokens: 2048,
    };
    const res1 = await post(turn1);
    expect(res1.status).toBe(200);
    expect(res1.headers.get("content-type")).toMatch(/^text\/event-stream/);
    expect(res1.headers.get("x-godex-diagnostics")).toBe("degraded:reasoning_effort_degraded@reasoning.effort, degraded:tool_choice_degraded@tool_choice");
    const frames1 = parseSse(await res1.text());

    // What Acme received: its path, its auth header, and every field as acme.yaml says.
    expect(upstream.received).toHaveLength(1);
    const got1 = upstream.received[0]!;
    expect(got1.method).toBe("POST");
    expect(got1.url).toBe("/v2/chat/completions");
    expect(got1.headers["x-acme-key"]).toBe(ACME_KEY);
    expect(got1.headers.authorization).toBeUndefined();
    expect(got1.body).toBe(
      JSON.stringify({
        model: "acme-large",
        messages: CHAT_HISTORY,
        tools: CHAT_TOOLS,
        tool_choice: "auto",
        parallel_tool_calls: false,
        max_completion_tokens: 2048,
        reasoning_mode: "on",
        reasoning_budget: "high",
        stream: true,
        stream_options: { include_usage: true },
      }),
    );

    // What the client got: the Responses events in order.
    expect(frames1.map((f) => f.event)).toEqual([
      "response.created",
      "response.in_progress",
      "response.output_item.added",
      "response.reasoning_summary_part.added",
      "response.reasoning_summary_text.delta",
      "response.reasoning_summary_text.delta",
      "response.reasoning_summary_text.done",
      "response.reasoning_summary_part.done",
      "response.output_item.done",
      "response.output_item.added",
      "response.function_call_arguments.delta",
      "response.function_call_arguments.delta",
      "response.function_call_arguments.done",
      "response.output_item.done",
      "response.completed",
    ]);
    expect(frames1.map((f) => f.data.sequence_number)).toEqual(frames1.map((_, i) => i));
    expect(frames1.map((f) => f.data.type)).toEqual(frames1.map((f) => f.event));
    expect(frames1[2]!.data.item).toEqual({ id: "rs_acme0", type: "reasoning", summary: [], status: "in_progress" });
    expect(frames1.filter((f) => f.event === "response.reasoning_summary_text.delta").map((f) => f.data.delta)).toEqual(["The user wants ", "to run echo."]);
    expect(frames1[9]!.data.item).toEqual({ id: "fc_acme1", type: "function_call", status: "in_progress", call_id: "call_acme_1", name: "exec_command", arguments: "" });
    expect(frames1.filter((f) => f.event === "response.function_call_arguments.delta").map((f) => f.data.delta)).toEqual(['{"cmd":', '"echo hello"}']);
    expect(frames1[12]!.data).toMatchObject({ item_id: "fc_acme1", output_index: 1, arguments: '{"cmd":"echo hello"}' });

    const done1 = frames1.at(-1)!.data.response;
    expect(done1.status).toBe("completed");
    expect(done1.error).toBeNull();
    expect(done1.model).toBe("gpt-5.5");
    expect(done1.godex.provider).toBe("acme");
    expect(done1.godex.upstream_model).toBe("acme-large");
    const [reasoning, call] = done1.output;
    expect(done1.output).toHaveLength(2);
    expect(reasoning).toEqual({
      id: "rs_acme0",
      type: "reasoning",
      summary: [{ type: "summary_text", text: "The user wants to run echo." }],
      encrypted_content: expect.stringMatching(/^gdx1\./),
      status: "completed",
    });
    expect(call).toEqual({ id: "fc_acme1", type: "function_call", status: "completed", call_id: "call_acme_1", name: "exec_command", arguments: '{"cmd":"echo hello"}' });
    expect(frames1[8]!.data.item).toEqual(reasoning);
    expect(frames1[13]!.data.item).toEqual(call);
    // Acme's usage names → Responses usage; no total sent, so input + output.
    expect(done1.usage).toEqual({
      input_tokens: 120,
      input_tokens_details: { cached_tokens: 100 },
      output_tokens: 30,
      output_tokens_details: { reasoning_tokens: 12 },
      total_tokens: 150,
    });
    // Diagnostics: the effort Acme cannot honour and the tool_choice it cannot honour; tool_use is a known finish reason.
    expect(done1.godex.diagnostics).toEqual([
      { code: "reasoning_effort_degraded", path: "reasoning.effort", action: "degraded", message: "effort 'xhigh' for acme-large: Acme's largest budget is high; sent reasoning_budget high." },
      { code: "tool_choice_degraded", path: "tool_choice", action: "degraded", message: "The provider does not accept tool_choice 'required'; sent 'auto'." },
    ]);

    // ---- turn 2: the client echoes the items (as Codex does) and adds the tool output ----
    upstream.received.length = 0;
    upstream.replies.push({
      sse: [
        chunk({ role: "assistant", content: null, thinking: "It printed hello." }),
        chunk({ content: "The command " }),
        chunk({ content: "printed hello." }),
        chunk({}, "end_turn"),
        usageChunk({ input_tokens: 160, cache_read_tokens: 120, output_tokens: 9, thinking_tokens: 4 }),
      ],
    });
    const turn2 = {
      ...turn1,
      tool_choice: "auto",
      reasoning: { effort: "high", summary: "auto" },
      input: [
        ...HISTORY,
        { type: "reasoning", id: reasoning.id, summary: reasoning.summary, content: null, encrypted_content: reasoning.encrypted_content },
        { type: "function_call", status: "completed", id: call.id, name: call.name, arguments: call.arguments, call_id: call.call_id },
        { type: "function_call_output", id: "fco_1", call_id: "call_acme_1", output: "hello\n" },
      ],
    };
    const res2 = await post(turn2);
    expect(res2.status).toBe(200);
    expect(res2.headers.get("x-godex-diagnostics")).toBe("");
    const frames2 = parseSse(await res2.text());

    // The reasoning went back in Acme's `thinking` field on the tool-calling assistant message.
    expect(upstream.received).toHaveLength(1);
    expect(upstream.received[0]!.body).toBe(
      JSON.stringify({
        model: "acme-large",
        messages: [
          ...CHAT_HISTORY,
          {
            role: "assistant",
            content: "",
            tool_calls: [{ id: "call_acme_1", type: "function", function: { name: "exec_command", arguments: '{"cmd":"echo hello"}' } }],
            thinking: "The user wants to run echo.",
          },
          { role: "tool", tool_call_id: "call_acme_1", content: "hello\n" },
        ],
        tools: CHAT_TOOLS,
        tool_choice: "auto",
        parallel_tool_calls: false,
        max_completion_tokens: 2048,
        reasoning_mode: "on",
        reasoning_budget: "high",
        stream: true,
        stream_options: { include_usage: true },
      }),
    );

    expect(frames2.map((f) => f.event)).toEqual([
      "response.created",
      "response.in_progress",
      "response.output_item.added",
      "response.reasoning_summary_part.added",
      "response.reasoning_summary_text.delta",
      "response.reasoning_summary_text.done",
      "response.reasoning_summary_part.done",
      "response.output_item.done",
      "response.output_item.added",
      "response.content_part.added",
      "response.output_text.delta",
      "response.output_text.delta",
      "response.output_text.done",
      "response.content_part.done",
      "response.output_item.done",
      "response.completed",
    ]);
    const done2 = frames2.at(-1)!.data.response;
    expect(done2.status).toBe("completed");
    expect(done2.output).toHaveLength(2);
    expect(done2.output[0]).toMatchObject({ type: "reasoning", summary: [{ type: "summary_text", text: "It printed hello." }], status: "completed" });
    expect(done2.output[1]).toEqual({
      id: "msg_acme1",
      type: "message",
      status: "completed",
      role: "assistant",
      content: [{ type: "output_text", text: "The command printed hello.", annotations: [], logprobs: [] }],
    });
    expect(done2.usage).toEqual({ input_tokens: 160, input_tokens_details: { cached_tokens: 120 }, output_tokens: 9, output_tokens_details: { reasoning_tokens: 4 }, total_tokens: 169 });
    // end_turn is Acme's own "stop": no unknown-finish-reason diagnostic, no untrusted blob.
    expect(done2.godex.diagnostics).toEqual([]);
  });

  it("runs a non-streamed turn: JSON reply with `message.thinking`, json_schema degraded, sampling clamped", async () => {
    upstream.replies.push({
      json: {
        id: "acmecmpl-9",
        object: "chat.completion",
        model: "acme-large",
        choices: [{ index: 0, message: { role: "assistant", thinking: "Two keys.", content: '{"a":1,"b":2}' }, finish_reason: "end_turn" }],
        usage: { input_tokens: 40, cache_read_tokens: 0, output_tokens: 11, thinking_tokens: 3 },
      },
    });
    const res = await post({
      model: "acme/acme-large",
      input: "Give me a and b.",
      reasoning: { effort: "minimal" },
      temperature: 1.5,
      top_p: 0.5,
      text: { format: { type: "json_schema", name: "ab", schema: { type: "object" } } },
    });
    expect(res.status).toBe(200);
    const body = await res.json();

    expect(upstream.received).toHaveLength(1);
    expect(upstream.received[0]!.url).toBe("/v2/chat/completions");
    expect(upstream.received[0]!.body).toBe(
      JSON.stringify({
        model: "acme-large",
        messages: [
          { role: "system", content: 'Respond only with a JSON object that conforms to this JSON schema (name: ab):\n{"type":"object"}' },
          { role: "user", content: "Give me a and b." },
        ],
        temperature: 1,
        top_p: 0.5,
        response_format: { type: "json_object" },
        reasoning_mode: "on",
        reasoning_budget: "low",
      }),
    );

    expect(body.status).toBe("completed");
    expect(body.model).toBe("acme/acme-large");
    expect(body.output).toEqual([
      { id: "rs_acme0", type: "reasoning", summary: [{ type: "summary_text", text: "Two keys." }], status: "completed" },
      { id: "msg_acme1", type: "message", status: "completed", role: "assistant", content: [{ type: "output_text", text: '{"a":1,"b":2}', annotations: [], logprobs: [] }] },
    ]);
    expect(body.usage).toEqual({ input_tokens: 40, input_tokens_details: { cached_tokens: 0 }, output_tokens: 11, output_tokens_details: { reasoning_tokens: 3 }, total_tokens: 51 });
    expect(body.godex.diagnostics.map((d: { action: string; code: string; path: string }) => `${d.action}:${d.code}@${d.path}`)).toEqual([
      "degraded:reasoning_effort_degraded@reasoning.effort",
      "degraded:json_schema_as_json_object@text.format",
      "degraded:sampling_clamped@temperature",
      "ignored:sampling_ignored_thinking@temperature",
    ]);
    expect(body.godex.diagnostics[0].message).toBe("effort 'minimal' for acme-large: Acme has no minimal budget; sent reasoning_budget low.");
  });

  it("applies per-model rules: acme-mini takes max_tokens and has no reasoning control; max_tokens finish → incomplete", async () => {
    upstream.replies.push({
      json: {
        id: "acmecmpl-10",
        object: "chat.completion",
        model: "acme-mini",
        choices: [{ index: 0, message: { role: "assistant", content: "Once upon" }, finish_reason: "max_tokens" }],
        usage: { input_tokens: 5, output_tokens: 2 },
      },
    });
    const res = await post({ model: "acme/acme-mini", input: "Tell a story.", max_output_tokens: 2, reasoning: { effort: "high" } });
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(upstream.received[0]!.body).toBe(JSON.stringify({ model: "acme-mini", messages: [{ role: "user", content: "Tell a story." }], max_tokens: 2 }));
    expect(body.status).toBe("incomplete");
    expect(body.incomplete_details).toEqual({ reason: "max_output_tokens" });
    expect(body.usage).toEqual({ input_tokens: 5, input_tokens_details: { cached_tokens: 0 }, output_tokens: 2, output_tokens_details: { reasoning_tokens: 0 }, total_tokens: 7 });
    expect(body.godex.diagnostics).toEqual([
      { code: "reasoning_effort_unsupported", path: "reasoning.effort", action: "ignored", message: "acme-mini has no reasoning control; effort 'high' was not sent." },
    ]);
  });

  it("maps Acme's own finish reason acme_overload to response.failed server_error", async () => {
    upstream.replies.push({ sse: [chunk({ role: "assistant", content: "Partial" }), chunk({}, "acme_overload")], done: false });
    const res = await post({ model: "gpt-5.5", stream: true, input: "hi" });
    const frames = parseSse(await res.text());
    const events = frames.map((f) => f.event);
    expect(events.slice(0, 5)).toEqual(["response.created", "response.in_progress", "response.output_item.added", "response.content_part.added", "response.output_text.delta"]);
    expect(frames[4]!.data.delta).toBe("Partial");
    expect(events.filter((e) => /^response\.(completed|incomplete|failed)$/.test(e))).toEqual(["response.failed"]);
    expect(events.at(-1)).toBe("response.failed");
    const failed = frames.at(-1)!.data.response;
    expect(failed.status).toBe("failed");
    expect(failed.error).toEqual({ code: "server_error", message: "Acme shed the request under load (acme_overload); retry." });
    // Nothing about this request needed thinking: default_thinking is false and no effort was sent.
    expect(JSON.parse(upstream.received[0]!.body)).toEqual({ model: "acme-large", messages: [{ role: "user", content: "hi" }], stream: true, stream_options: { include_usage: true } });
  });

  it("classifies Acme's error codes with the mapping's rules", async () => {
    upstream.replies.push({ status: 429, headers: { "retry-after": "7" }, json: { error: { message: "Slow down.", type: "requests", code: "acme_rate_limited" } } });
    const res = await post({ model: "gpt-5.5", input: "hi" });
    expect(res.status).toBe(429);
    expect(await res.json()).toEqual({
      error: { message: "Acme rate limit: Slow down. Please try again in 7s.", type: "rate_limit_error", code: "rate_limit_exceeded", param: null },
    });

    upstream.replies.push({ status: 402, json: { error: { message: "No credit left.", type: "billing", code: "acme_credit_exhausted" } } });
    const res2 = await post({ model: "gpt-5.5", input: "hi" });
    expect(res2.status).toBe(429);
    expect((await res2.json()).error).toMatchObject({ code: "insufficient_quota", type: "insufficient_quota", message: "Acme: No credit left." });
  });
});

describe("no TypeScript knows the new provider", () => {
  it("no file under src/ mentions acme", () => {
    const hits: string[] = [];
    const walk = (d: string) => {
      for (const e of readdirSync(d, { withFileTypes: true })) {
        const p = join(d, e.name);
        if (e.isDirectory()) walk(p);
        else if (/acme/i.test(readFileSync(p, "utf8")) || /acme/i.test(e.name)) hits.push(p);
      }
    };
    walk(join(ROOT, "src"));
    expect(hits).toEqual([]);
  });

  it("the shipped mappings/ directory has no acme file: the fixture directory is the only source", () => {
    expect(readdirSync(join(ROOT, "mappings")).filter((f) => /acme/i.test(f))).toEqual([]);
    expect(readdirSync(FIXTURE_MAPPINGS)).toContain("acme.yaml");
  });
});
