// Metrics and logs after a known sequence of requests: every Prometheus counter exact (requests by
// outcome/status, errors by code, tokens by kind = the exact sums the provider reported, retries,
// histogram counts, active streams back to 0), one JSON log line per request with every field issue 7
// asks for, and no provider key anywhere.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  KEYS,
  RATE_LIMITED,
  completion,
  getText,
  parsePrometheus,
  postJson,
  postStream,
  samples,
  startOpsStack,
  streamed,
  table,
  total,
  userInput,
  waitFor,
  type OpsStack,
  type Sample,
  type Usage,
} from "./helpers.ts";

const DS = { alias: "gpt-5.5", provider: "deepseek", model: "deepseek-v4-pro" };
const ZP = { alias: "gpt-5.4-mini", provider: "zhipu", model: "glm-5.1" };
/** provider/model addressed directly, on a provider whose key is not set. */
const MM = { alias: "minimax/MiniMax-M3", provider: "minimax", model: "MiniMax-M3" };
/** A marker in every prompt: with payload capture off, no body may reach the log. */
const PROMPT_MARKER = "ops-prompt-marker-b81d";

const U: Record<string, Usage> = {
  jsonA: { prompt: 120, completion: 30, cached: 40, reasoning: 10 },
  jsonB: { prompt: 200, completion: 45, cached: 0, reasoning: 0 },
  streamC: { prompt: 64, completion: 16, cached: 32, reasoning: 4 },
  streamD: { prompt: 50, completion: 9, cached: 0, reasoning: 3 },
  diagG: { prompt: 11, completion: 2, cached: 0, reasoning: 0 },
  zhipuH: { prompt: 77, completion: 13, cached: 7, reasoning: 5 },
};

interface Sent {
  name: string;
  requestId: string;
  expect: {
    alias?: string;
    provider?: string;
    model?: string;
    stream: boolean;
    status: number;
    outcome: string;
    errorCode: string | null;
    retries: number;
    usage?: Usage;
    diagnostics: string[];
  };
}

let stack: OpsStack;
const sent: Sent[] = [];
let metricsText = "";
let metrics: Sample[] = [];
/** godex_active_streams for gpt-5.5 seen while the slow stream was open. */
let activeDuringStream = -1;

const req = (extra: Record<string, unknown> = {}, model = DS.alias) => ({ model, input: userInput(`Say hello. ${PROMPT_MARKER}`), ...extra });
const responseUsage = (u: Usage) => ({ input: u.prompt, cached: u.cached, output: u.completion, reasoning: u.reasoning });
const sum = (keys: string[], pick: (u: Usage) => number) => keys.reduce((a, k) => a + pick(U[k]!), 0);

beforeAll(async () => {
  // Three attempts, no real backoff: a 429 then success is one retry, three 429s are two retries and a failure.
  // MiniMax is configured without a key: requests to it are refused with 401 missing_api_key.
  stack = await startOpsStack({ maxAttempts: 3, maxDelayMs: 5, unkeyedMinimax: true });
  const { mock, url } = stack;

  // A, B: non-stream OK.
  for (const [name, key, text] of [["A json ok", "jsonA", "Hello A"], ["B json ok", "jsonB", "Hello B"]] as const) {
    mock.enqueue("deepseek", { status: 200, json: completion(text, U[key]!) });
    const r = await postJson(url, req());
    expect(r.status, JSON.stringify(r.json)).toBe(200);
    expect(r.json.usage).toMatchObject({ input_tokens: U[key]!.prompt, output_tokens: U[key]!.completion });
    sent.push({ name, requestId: r.headers.get("x-request-id")!, expect: { ...DS, stream: false, status: 200, outcome: "completed", errorCode: null, retries: 0, usage: U[key], diagnostics: [] } });
  }

  // C: a slow stream; the active-streams gauge is 1 while it is open.
  mock.enqueue("deepseek", { sse: streamed(["Hel", "lo", " C", "!"], U.streamC!), chunkDelayMs: 120 });
  const slow = postStream(url, req());
  await waitFor(
    async () => {
      const v = total(parsePrometheus(await getText(`${url}/metrics`)), "godex_active_streams", DS);
      if (v > 0) activeDuringStream = v;
      return v > 0;
    },
    5000,
    "godex_active_streams to show the open stream",
    20,
  );
  const c = await slow;
  expect(c.status).toBe(200);
  expect(c.events.at(-1)?.event).toBe("response.completed");
  sent.push({ name: "C stream ok", requestId: c.headers.get("x-request-id")!, expect: { ...DS, stream: true, status: 200, outcome: "completed", errorCode: null, retries: 0, usage: U.streamC, diagnostics: [] } });

  // D: stream OK after one upstream 429 (one retry).
  mock.enqueue("deepseek", RATE_LIMITED, { sse: streamed(["Hi", " D"], U.streamD!) });
  const d = await postStream(url, req());
  expect(d.events.at(-1)?.event).toBe("response.completed");
  sent.push({ name: "D stream ok after a retry", requestId: d.headers.get("x-request-id")!, expect: { ...DS, stream: true, status: 200, outcome: "completed", errorCode: null, retries: 1, usage: U.streamD, diagnostics: [] } });

  // E: upstream 429 three times: the client gets 429 rate_limit_exceeded after two retries.
  mock.enqueue("deepseek", RATE_LIMITED, RATE_LIMITED, RATE_LIMITED);
  const e = await postJson(url, req());
  expect(e.status).toBe(429);
  expect(e.json.error.code).toBe("rate_limit_exceeded");
  sent.push({ name: "E upstream 429", requestId: e.headers.get("x-request-id")!, expect: { ...DS, stream: false, status: 429, outcome: "failed", errorCode: "rate_limit_exceeded", retries: 2, diagnostics: [] } });

  // F: a bad request (no model): 400 before any provider is chosen.
  const f = await postJson(url, { input: userInput(`hi ${PROMPT_MARKER}`) });
  expect(f.status).toBe(400);
  expect(f.json.error.code).toBe("missing_required_parameter");
  sent.push({ name: "F bad request", requestId: f.headers.get("x-request-id")!, expect: { stream: false, status: 400, outcome: "rejected", errorCode: "missing_required_parameter", retries: 0, diagnostics: [] } });

  // G: a request with compatibility diagnostics.
  mock.enqueue("deepseek", { status: 200, json: completion("Hello G", U.diagG!) });
  const g = await postJson(url, req({ prompt_cache_key: "ops-cache-key", some_future_field: { on: true } }));
  expect(g.status).toBe(200);
  expect(g.json.godex.diagnostics.map((x: { code: string }) => x.code).sort()).toEqual(["field_ignored", "field_unknown"]);
  sent.push({ name: "G with diagnostics", requestId: g.headers.get("x-request-id")!, expect: { ...DS, stream: false, status: 200, outcome: "completed", errorCode: null, retries: 0, usage: U.diagG, diagnostics: ["field_ignored@prompt_cache_key", "field_unknown@some_future_field"] } });

  // H: another alias / provider / model, streamed.
  mock.enqueue("zhipu", { sse: streamed(["Zhi", "pu"], U.zhipuH!) });
  const h = await postStream(url, req({}, ZP.alias));
  expect(h.events.at(-1)?.event).toBe("response.completed");
  sent.push({ name: "H zhipu stream ok", requestId: h.headers.get("x-request-id")!, expect: { ...ZP, stream: true, status: 200, outcome: "completed", errorCode: null, retries: 0, usage: U.zhipuH, diagnostics: [] } });

  // I: a provider without a key: 401 missing_api_key, still logged and labelled with what it resolved to.
  const i = await postJson(url, req({}, MM.alias));
  expect(i.status).toBe(401);
  expect(i.json.error.code).toBe("missing_api_key");
  sent.push({ name: "I missing provider key", requestId: i.headers.get("x-request-id")!, expect: { ...MM, stream: false, status: 401, outcome: "rejected", errorCode: "missing_api_key", retries: 0, diagnostics: [] } });

  for (const s of sent) expect(s.requestId, s.name).toMatch(/^req_[0-9a-f]+$/);
  metricsText = await getText(`${url}/metrics`);
  metrics = parsePrometheus(metricsText);
});

afterAll(async () => {
  await stack?.close();
});

describe("GET /metrics after the known sequence", () => {
  it("is Prometheus text with every GodeX metric family", () => {
    for (const name of ["godex_requests_total", "godex_errors_total", "godex_request_duration_seconds", "godex_time_to_first_token_seconds", "godex_tokens_total", "godex_upstream_retries_total", "godex_diagnostics_total", "godex_active_streams"]) {
      expect(metricsText).toMatch(new RegExp(`^# TYPE ${name} `, "m"));
    }
  });

  it("counts requests exactly, by alias/provider/model, stream, status and outcome", () => {
    expect(table(metrics, "godex_requests_total", ["alias", "provider", "model", "stream", "status", "outcome"])).toEqual(
      [
        "alias=,provider=,model=,stream=false,status=400,outcome=rejected 1",
        "alias=gpt-5.4-mini,provider=zhipu,model=glm-5.1,stream=true,status=200,outcome=completed 1",
        "alias=gpt-5.5,provider=deepseek,model=deepseek-v4-pro,stream=false,status=200,outcome=completed 3",
        "alias=gpt-5.5,provider=deepseek,model=deepseek-v4-pro,stream=false,status=429,outcome=failed 1",
        "alias=gpt-5.5,provider=deepseek,model=deepseek-v4-pro,stream=true,status=200,outcome=completed 2",
        "alias=minimax/MiniMax-M3,provider=minimax,model=MiniMax-M3,stream=false,status=401,outcome=rejected 1",
      ].sort(),
    );
    expect(total(metrics, "godex_requests_total")).toBe(sent.length);
  });

  it("counts errors exactly, by code", () => {
    expect(table(metrics, "godex_errors_total", ["alias", "provider", "model", "code"])).toEqual(
      [
        "alias=,provider=,model=,code=missing_required_parameter 1",
        "alias=gpt-5.5,provider=deepseek,model=deepseek-v4-pro,code=rate_limit_exceeded 1",
        "alias=minimax/MiniMax-M3,provider=minimax,model=MiniMax-M3,code=missing_api_key 1",
      ].sort(),
    );
  });

  it("sums tokens by kind to exactly what the providers reported", () => {
    const ds = ["jsonA", "jsonB", "streamC", "streamD", "diagG"];
    const zp = ["zhipuH"];
    const want = (keys: string[]) => ({
      input: sum(keys, (u) => u.prompt),
      cached: sum(keys, (u) => u.cached),
      output: sum(keys, (u) => u.completion),
      reasoning: sum(keys, (u) => u.reasoning),
    });
    for (const [labels, keys] of [[DS, ds], [ZP, zp]] as const) {
      const got = Object.fromEntries(samples(metrics, "godex_tokens_total", labels).map((s) => [s.labels.kind, s.value]));
      expect(got, `${labels.alias} tokens`).toEqual(want(keys));
    }
    // input 445 / cached 72 / output 102 / reasoning 17 for deepseek: spelled out once, so a fixture edit shows.
    expect(want(ds)).toEqual({ input: 445, cached: 72, output: 102, reasoning: 17 });
    expect(samples(metrics, "godex_tokens_total").length).toBe(8);
  });

  it("counts upstream retries exactly (1 for the recovered stream + 2 for the final 429)", () => {
    expect(table(metrics, "godex_upstream_retries_total", ["alias", "provider", "model"])).toEqual(["alias=gpt-5.5,provider=deepseek,model=deepseek-v4-pro 3"]);
    // The emulator saw every attempt: 2 + 1 (C) + 2 (D) + 3 (E) + 1 (G) deepseek calls.
    expect(stack.mock.requests.filter((r) => r.provider === "deepseek").length).toBe(9);
    // The request for the provider without a key never left GodeX.
    expect(stack.mock.requests.filter((r) => r.provider === "minimax")).toEqual([]);
  });

  it("counts diagnostics by code and action", () => {
    expect(table(metrics, "godex_diagnostics_total", ["alias", "code", "action"])).toEqual(["alias=gpt-5.5,code=field_ignored,action=ignored 1", "alias=gpt-5.5,code=field_unknown,action=ignored 1"]);
  });

  it("observes one latency per request and one time-to-first-token per stream", () => {
    expect(table(metrics, "godex_request_duration_seconds_count", ["alias", "provider", "model", "stream"])).toEqual(
      [
        "alias=,provider=,model=,stream=false 1",
        "alias=gpt-5.4-mini,provider=zhipu,model=glm-5.1,stream=true 1",
        "alias=gpt-5.5,provider=deepseek,model=deepseek-v4-pro,stream=false 4",
        "alias=gpt-5.5,provider=deepseek,model=deepseek-v4-pro,stream=true 2",
        "alias=minimax/MiniMax-M3,provider=minimax,model=MiniMax-M3,stream=false 1",
      ].sort(),
    );
    expect(table(metrics, "godex_time_to_first_token_seconds_count", ["alias", "provider", "model"])).toEqual(
      ["alias=gpt-5.4-mini,provider=zhipu,model=glm-5.1 1", "alias=gpt-5.5,provider=deepseek,model=deepseek-v4-pro 2"].sort(),
    );
    // The +Inf bucket holds every observation; buckets are cumulative.
    for (const name of ["godex_request_duration_seconds", "godex_time_to_first_token_seconds"]) {
      for (const c of samples(metrics, `${name}_count`)) {
        const { le: _le, ...labels } = c.labels;
        const buckets = samples(metrics, `${name}_bucket`, labels).filter((b) => Object.keys(b.labels).length === Object.keys(labels).length + 1);
        expect(buckets.find((b) => b.labels.le === "+Inf")?.value, `${name} +Inf`).toBe(c.value);
        const values = buckets.map((b) => b.value);
        expect([...values].sort((a, b) => a - b), `${name} cumulative`).toEqual(values);
      }
    }
    // The histogram sums are the logged latencies (the same measurement, seconds vs ms).
    const lines = stack.responseLines();
    expect(total(metrics, "godex_request_duration_seconds_sum")).toBeCloseTo(lines.reduce((a, l) => a + l.latencyMs, 0) / 1000, 6);
    expect(total(metrics, "godex_time_to_first_token_seconds_sum")).toBeCloseTo(lines.reduce((a, l) => a + (l.firstTokenMs ?? 0), 0) / 1000, 6);
  });

  it("shows the open stream in godex_active_streams, and 0 once every stream ended", () => {
    expect(activeDuringStream).toBe(1);
    expect(table(metrics, "godex_active_streams", ["alias", "provider", "model"])).toEqual(
      ["alias=gpt-5.4-mini,provider=zhipu,model=glm-5.1 0", "alias=gpt-5.5,provider=deepseek,model=deepseek-v4-pro 0"].sort(),
    );
  });

  it("never carries a provider key", () => {
    for (const key of Object.values(KEYS)) expect(metricsText).not.toContain(key);
  });
});

describe("the request log after the known sequence", () => {
  it("has exactly one JSON `response` line per request, carrying the x-request-id", () => {
    const lines = stack.responseLines();
    expect(lines.map((l) => l.requestId)).toEqual(sent.map((s) => s.requestId));
    for (const l of stack.logs()) {
      expect(typeof l.time).toBe("string");
      expect(typeof l.level).toBe("string");
    }
  });

  it("logs alias → provider/model, status, outcome, latency, time to first token, usage, retries and diagnostics", () => {
    const byId = new Map(stack.responseLines().map((l) => [l.requestId, l]));
    for (const s of sent) {
      const l = byId.get(s.requestId)!;
      const e = s.expect;
      expect(l, s.name).toBeDefined();
      expect(l.level, s.name).toBe("info");
      expect({ alias: l.alias, provider: l.provider, model: l.model }, s.name).toEqual({ alias: e.alias, provider: e.provider, model: e.model });
      expect(l.stream ?? false, s.name).toBe(e.stream);
      expect(l.status, s.name).toBe(e.status);
      expect(l.outcome, s.name).toBe(e.outcome);
      expect(l.errorCode, s.name).toBe(e.errorCode);
      expect(l.retries, s.name).toBe(e.retries);
      expect(Number.isInteger(l.latencyMs) && l.latencyMs >= 0, `${s.name} latencyMs=${l.latencyMs}`).toBe(true);
      if (e.stream && e.status === 200) {
        expect(Number.isInteger(l.firstTokenMs) && l.firstTokenMs >= 0 && l.firstTokenMs <= l.latencyMs, `${s.name} firstTokenMs=${l.firstTokenMs}`).toBe(true);
      } else {
        expect(l.firstTokenMs, s.name).toBeNull();
      }
      if (e.usage) expect(l.usage, s.name).toEqual(responseUsage(e.usage));
      else expect(l.usage, s.name).toBeUndefined();
      expect(Array.isArray(l.diagnostics), s.name).toBe(true);
      expect(l.diagnostics.map((d: { code: string; path: string }) => `${d.code}@${d.path}`).sort(), s.name).toEqual(e.diagnostics);
      for (const d of l.diagnostics) {
        expect(["degraded", "ignored", "rejected"]).toContain(d.action);
        expect(d.message.length).toBeGreaterThan(0);
      }
    }
  });

  it("the slow stream's time to first token is well below its latency", () => {
    const c = stack.responseLines().find((l) => l.requestId === sent[2]!.requestId)!;
    // Four content chunks 120 ms apart after the first: the first token arrives long before the end.
    expect(c.latencyMs - c.firstTokenMs).toBeGreaterThanOrEqual(300);
  });

  it("never contains a provider key, an Authorization header or a request body (payload capture off)", () => {
    expect(stack.lines.length).toBeGreaterThanOrEqual(sent.length);
    // The keys really were in play: the emulator received them.
    expect(stack.mock.requests.some((r) => String(r.headers.authorization).includes(KEYS.deepseek))).toBe(true);
    for (const line of stack.lines) {
      for (const key of Object.values(KEYS)) expect(line).not.toContain(key);
      expect(line.toLowerCase()).not.toContain("bearer");
      expect(line).not.toContain(PROMPT_MARKER);
    }
  });

  it("a request rejected for a missing provider key logs (and labels metrics with) the alias → provider/model it resolved to", () => {
    const id = sent.find((x) => x.name === "I missing provider key")!.requestId;
    const l = stack.responseLines().find((x) => x.requestId === id)!;
    expect(l).toMatchObject({ alias: MM.alias, provider: MM.provider, model: MM.model, stream: false, status: 401, outcome: "rejected", errorCode: "missing_api_key", retries: 0 });
    expect(total(metrics, "godex_requests_total", { ...MM, status: "401", outcome: "rejected" })).toBe(1);
    expect(total(metrics, "godex_errors_total", { ...MM, code: "missing_api_key" })).toBe(1);
    expect(total(metrics, "godex_request_duration_seconds_count", MM)).toBe(1);
    // Nothing is counted without labels but the 400 that never resolved a model.
    expect(total(metrics, "godex_requests_total", { alias: "", provider: "", model: "" })).toBe(1);
    expect(table(metrics, "godex_errors_total", ["alias", "code"]).filter((r) => r.includes("missing_api_key"))).toEqual(["alias=minimax/MiniMax-M3,code=missing_api_key 1"]);
  });

  it("logs no payload line with payload capture off", () => {
    expect(stack.logs().filter((l) => l.msg === "payload")).toEqual([]);
  });
});

describe("payload capture (logging.payloads: true)", () => {
  let pstack: OpsStack;
  const PAYLOAD_MARKER = "ops-payload-marker-5c07";
  const bodies: { name: string; requestId: string; body: Record<string, unknown> }[] = [];

  beforeAll(async () => {
    pstack = await startOpsStack({ payloads: true });
    const { mock, url } = pstack;
    const json = { model: DS.alias, input: userInput(`Say hello. ${PAYLOAD_MARKER}`), instructions: "Be brief.", max_output_tokens: 64 };
    mock.enqueue("deepseek", { status: 200, json: completion("Hello P", U.jsonA!) });
    const a = await postJson(url, json);
    expect(a.status, JSON.stringify(a.json)).toBe(200);
    bodies.push({ name: "json", requestId: a.headers.get("x-request-id")!, body: json });

    const stream = { model: ZP.alias, input: userInput(`Stream please. ${PAYLOAD_MARKER}`) };
    mock.enqueue("zhipu", { sse: streamed(["Zhi", "pu"], U.zhipuH!) });
    const b = await postStream(url, stream);
    expect(b.events.at(-1)?.event).toBe("response.completed");
    bodies.push({ name: "stream", requestId: b.headers.get("x-request-id")!, body: { ...stream, stream: true } });
  });

  afterAll(async () => {
    await pstack?.close();
  });

  it("logs one payload line per request with the client body and the Chat body sent upstream", () => {
    const payloads = pstack.logs().filter((l) => l.msg === "payload");
    expect(payloads.map((l) => l.requestId)).toEqual(bodies.map((b) => b.requestId));
    // Each request still has its one response line.
    expect(pstack.responseLines().map((l) => l.requestId)).toEqual(bodies.map((b) => b.requestId));
    const upstream = pstack.mock.requests.filter((r) => r.method === "POST");
    expect(upstream.map((r) => r.provider)).toEqual(["deepseek", "zhipu"]);
    for (const [i, b] of bodies.entries()) {
      const l = payloads[i]!;
      expect(l.level, b.name).toBe("info");
      expect(l.request, b.name).toEqual(b.body);
      // The upstream body logged is exactly the one the provider received.
      expect(l.upstream_request, b.name).toEqual(upstream[i]!.body);
      expect(JSON.stringify(l.upstream_request), b.name).toContain(PAYLOAD_MARKER);
      expect(Array.isArray(l.upstream_request.messages), b.name).toBe(true);
    }
    expect(payloads[0]!.upstream_request.model).toBe(DS.model);
    expect(payloads[1]!.upstream_request.model).toBe(ZP.model);
    expect(payloads[1]!.upstream_request.stream).toBe(true);
  });

  it("never logs a provider key or an Authorization header, though the keys were sent upstream", () => {
    expect(pstack.mock.requests.some((r) => String(r.headers.authorization).includes(KEYS.deepseek))).toBe(true);
    expect(pstack.mock.requests.some((r) => String(r.headers.authorization).includes(KEYS.zhipu))).toBe(true);
    expect(pstack.lines.length).toBeGreaterThanOrEqual(4);
    for (const line of pstack.lines) {
      for (const key of Object.values(KEYS)) expect(line).not.toContain(key);
      expect(line.toLowerCase()).not.toContain("bearer");
    }
    // Bodies appear on the payload lines only.
    for (const l of pstack.logs()) if (l.msg !== "payload") expect(JSON.stringify(l), l.msg).not.toContain(PAYLOAD_MARKER);
  });
});
