// Upstream faults and how each must end for the client (issue 5, docs/reliability.md), in detail
// against DeepSeek: timings, attempts, which items survive, transport classification. The same
// faults against every provider emulator are in matrix.test.ts.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { errors as undiciErrors } from "undici";
import { TransportError, toTransportError } from "../../src/upstream/http.ts";
import { redactSecrets, transportFailure } from "../../src/upstream/call.ts";
import { readSse } from "../../src/upstream/sse.ts";
import {
  DONE,
  EXEC_TOOL,
  chunk,
  clientAgent,
  diagnosticsOf,
  endlessStream,
  outcomeOf,
  post,
  requestBody,
  startRawUpstream,
  startRig,
  textSse,
  usageChunk,
  userInput,
  waitFor,
  type RawUpstream,
  type Rig,
} from "./helpers.ts";

describe("transport error classification (DNS, TLS, resets, timeouts)", () => {
  const t = { connectMs: 1500, firstByteMs: 300, idleMs: 300 };
  const sys = (code: string, message = code) => Object.assign(new Error(message), { code });

  it("maps each failure to a kind, a clear message, the client status and whether GodeX retries", () => {
    const cases: [unknown, string, RegExp, number, boolean?][] = [
      [sys("ENOTFOUND", "getaddrinfo ENOTFOUND api.example.invalid"), "connect", /cannot reach the provider \(ENOTFOUND\)/, 502],
      [sys("EAI_AGAIN"), "connect", /EAI_AGAIN/, 502],
      [sys("ECONNREFUSED"), "connect", /ECONNREFUSED/, 502],
      [sys("ERR_TLS_CERT_ALTNAME_INVALID", "Hostname/IP does not match certificate's altnames"), "connect", /TLS handshake .*altnames/, 502],
      [sys("EPROTO", "SSL routines:ssl3_get_record:wrong version number"), "connect", /TLS handshake .*EPROTO: SSL routines/, 502],
      [sys("ECONNRESET"), "network", /closed the connection \(ECONNRESET\)/, 502],
      [new undiciErrors.SocketError("other side closed"), "network", /closed the connection/, 502],
      [new undiciErrors.HeadersTimeoutError(), "timeout", /no response headers within 300 ms \(timeouts\.first_byte_ms\)/, 504, false],
      [new undiciErrors.ConnectTimeoutError(), "connect", /timed out after 1\.5s \(timeouts\.connect_ms\)/, 502],
    ];
    for (const [err, kind, message, status, retryable = true] of cases) {
      const te = toTransportError(err, undefined, t);
      expect(te.kind, String(err)).toBe(kind);
      expect(te.message).toMatch(message);
      const f = transportFailure(te, "deepseek");
      expect(f.httpStatus).toBe(status);
      expect(f.code).toBe("server_error");
      expect(f.retryable, String(err)).toBe(retryable); // timeouts are not retried
    }
    const ac = new AbortController();
    ac.abort();
    expect(toTransportError(sys("ECONNRESET"), ac.signal).kind).toBe("aborted");
    expect(transportFailure(new TransportError("aborted", "x"), "p").retryable).toBe(false);
  });

  it("an SSE event that never ends is cut off instead of buffered without bound", async () => {
    async function* endless() {
      yield Buffer.from('data: {"ok":1}\n\n');
      for (let i = 0; i < 100; i++) yield Buffer.from("data: " + "x".repeat(1000));
    }
    const seen: string[] = [];
    const err = await (async () => {
      for await (const batch of readSse(endless(), undefined, 20_000)) seen.push(...batch.map((b) => b.kind));
    })().catch((e: unknown) => e);
    expect(seen).toEqual(["json"]);
    expect(err).toBeInstanceOf(TransportError);
    expect((err as TransportError).message).toMatch(/SSE event larger than/);
  });

  it("redacts the provider's credentials from text a provider echoed back", () => {
    const p = { headers: { "content-type": "application/json", authorization: "Bearer sk-secret-abcdef123456", "x-extra-key": "extra-secret-999888" } };
    expect(redactSecrets("bad key sk-secret-abcdef123456 (Bearer sk-secret-abcdef123456), extra-secret-999888", p)).toBe("bad key ****3456 (****3456), ****9888");
    expect(redactSecrets("nothing to hide", p)).toBe("nothing to hide");
  });
});

/** Codex's own parser for the retry delay (responses-spec.md §3.6). */
const CODEX_RETRY_RE = /try again in\s*(\d+(?:\.\d+)?)\s*(s|ms|seconds?)/i;

afterAll(async () => {
  await clientAgent.close();
});

describe("DeepSeek: fault details", () => {
  let rig: Rig;
  let raw: RawUpstream;
  /** What the raw upstream does with the next request. */
  let script: Parameters<typeof startRawUpstream>[0] = (_req, res) => void res.end();
  const P = "deepseek";

  beforeAll(async () => {
    raw = await startRawUpstream((req, res, rec) => script(req, res, rec));
    rig = await startRig({
      providers: [P],
      variants: { patient: { retry: { max_attempts: 3, max_delay_ms: 1500 } }, "fb-long": { timeouts: { first_byte_ms: 5000 } } },
      extraProviders: {
        raw: { spec: "deepseek", base_url: raw.url },
        "raw-total": { spec: "deepseek", base_url: raw.url, timeouts: { total_ms: 600 } },
      },
    });
  });
  afterAll(async () => {
    await rig.close();
    await raw.close();
  });
  const mock = () => rig.mocks[P]!;
  const send = async (model: string, stream: boolean, extra: Record<string, unknown> = {}) => outcomeOf(await post(rig.url, requestBody(model, stream, extra)));
  const rateLimited = (retryAfter: string) => ({ status: 429, json: { error: { message: "Rate limit reached for requests", type: "rate_limit_error", param: null, code: null } }, headers: { "retry-after": retryAfter } });

  it("429 with Retry-After within retry.max_delay: waits that long, retries, succeeds", async () => {
    mock().clear();
    mock().enqueue(P, rateLimited("1"));
    const o = await send(rig.model(P, "patient"), true);
    expect(o.summary).toBe("SSE completed");
    expect(o.problems).toEqual([]);
    expect(mock().requests).toHaveLength(2);
    expect(o.ms).toBeGreaterThanOrEqual(950);
  });

  it("429 with Retry-After beyond retry.max_delay: no retry; rate_limit_exceeded with a delay Codex can parse", async () => {
    for (const stream of [true, false]) {
      mock().clear();
      mock().enqueue(P, rateLimited("45"));
      const o = await send(rig.model(P, "patient"), stream);
      expect(o.summary).toBe(stream ? "SSE failed:rate_limit_exceeded" : "HTTP 429 rate_limit_exceeded");
      expect(o.status).toBe(stream ? 200 : 429);
      expect(o.problems).toEqual([]);
      expect(CODEX_RETRY_RE.exec(o.message ?? "")?.[1]).toBe("45");
      expect(mock().requests).toHaveLength(1);
      expect(o.ms).toBeLessThan(500);
    }
  });

  it("500/502/503/504: retried up to retry.max_attempts, then server_error (HTTP 502 / response.failed)", async () => {
    for (const status of [500, 502, 503, 504]) {
      for (const stream of [true, false]) {
        mock().clear();
        mock().enqueue(P, ...Array.from({ length: 3 }, () => ({ status, json: { error: { message: `boom ${status}`, type: "server_error", param: null, code: null } } })));
        const o = await send(rig.model(P), stream);
        expect(o.summary, `${status} stream=${stream}`).toBe(stream ? "SSE failed:server_error" : "HTTP 502 server_error");
        expect(o.problems).toEqual([]);
        expect(mock().requests).toHaveLength(3);
      }
    }
  });

  it("a connection dropped before any byte (before headers) is retried and then succeeds", async () => {
    for (const stream of [true, false]) {
      mock().clear();
      mock().enqueue(P, { destroy: "before-headers" });
      const o = await send(rig.model(P), stream);
      expect(o.summary).toBe(stream ? "SSE completed" : "HTTP 200 completed");
      expect(mock().requests).toHaveLength(2);
    }
  });

  it("never retries once the client has bytes: cut mid-stream, first-byte timeout, in-stream error", async () => {
    const faults = [{ destroy: "mid-stream" as const }, { hangMs: 3000 }, { sse: chunk({ role: "assistant", content: "Hi" }) + `data: {"error":{"message":"overloaded","type":"server_error"}}\n\n` }];
    for (const f of faults) {
      mock().clear();
      mock().enqueue(P, f, f, f);
      const o = await send(rig.model(P), true);
      expect(o.summary, JSON.stringify(f)).toBe("SSE failed:server_error");
      expect(o.problems).toEqual([]);
      expect(mock().requests, JSON.stringify(f)).toHaveLength(1);
    }
  });

  it("time to first byte: headers then silence beyond timeouts.first_byte_ms → failed / 504, promptly", async () => {
    for (const stream of [true, false]) {
      mock().clear();
      mock().enqueue(P, { hangMs: 5000 });
      const o = await send(rig.model(P), stream);
      expect(o.summary).toBe(stream ? "SSE failed:server_error" : "HTTP 504 server_error");
      expect(o.message).toMatch(/first_byte_ms/);
      expect(o.ms).toBeGreaterThanOrEqual(280);
      expect(o.ms).toBeLessThan(1500);
    }
  });

  it("headers then silence: idle_ms applies before the first byte too (first_byte_ms 5 s, idle_ms 300 ms)", async () => {
    mock().clear();
    mock().enqueue(P, { hangMs: 3000 });
    const o = await send(rig.model(P, "fb-long"), true);
    expect(o.summary).toBe("SSE failed:server_error");
    expect(o.message).toMatch(/went silent for 300 ms .*idle_ms/);
    expect(o.ms).toBeLessThan(1500);
  });

  it("idle timeout mid-stream: a gap beyond timeouts.idle_ms → failed, the finished items kept", async () => {
    mock().clear();
    mock().enqueue(P, { sse: chunk({ role: "assistant", reasoning_content: "Plan." }) + chunk({ content: "Hel" }) + chunk({ content: "lo" }) + chunk({}, "stop"), chunkDelayMs: 1000 });
    // The first frame arrives at once; the second comes after 1 s > idle_ms 300.
    const o = await send(rig.model(P), true);
    expect(o.summary).toBe("SSE failed:server_error");
    expect(o.problems).toEqual([]);
    expect(o.message).toMatch(/idle_ms/);
    expect(o.ms).toBeLessThan(1000);
  });

  it("keep-alive comments count as alive: ': keep-alive' every 100 ms for 1 s with idle_ms 300 completes", async () => {
    for (const stream of [true, false]) {
      mock().clear();
      const keepAlives = ": keep-alive\n\n".repeat(10);
      mock().enqueue(P, stream ? { sse: keepAlives + textSse(["Hello", " world"]), chunkDelayMs: 100 } : { sse: "\n\n".repeat(10) + '{"id":"x","object":"chat.completion","choices":[{"index":0,"message":{"role":"assistant","content":"Hello world"},"finish_reason":"stop"}]}', chunkDelayMs: 100 });
      const o = await send(rig.model(P), stream);
      expect(o.summary).toBe(stream ? "SSE completed" : "HTTP 200 completed");
      expect(o.problems).toEqual([]);
      expect(o.ms).toBeGreaterThanOrEqual(1000);
      expect(o.response.output.find((i: any) => i.type === "message")?.content[0].text).toBe("Hello world");
    }
  });

  it("total timeout: a stream still producing at timeouts.total_ms → failed / 504", async () => {
    script = (_req, res) => endlessStream(res, 50);
    const o = await send("raw-total/deepseek-v4-pro", true);
    expect(o.summary).toBe("SSE failed:server_error");
    expect(o.problems).toEqual([]);
    expect(o.message).toMatch(/total_ms/);
    expect(o.ms).toBeLessThan(1500);
    const j = await send("raw-total/deepseek-v4-pro", false);
    expect(j.summary).toBe("HTTP 504 server_error");
    // The upstream was told: its connection closed at the deadline.
    expect(await waitFor(() => raw.requests.at(-1)!.closedEarlyAt !== null, 1000)).toBe(true);
  });

  it("connection cut mid-stream: response.failed; complete items kept, the cut-off tool call left out", async () => {
    script = (req, res) => {
      res.writeHead(200, { "content-type": "text/event-stream" });
      res.write(chunk({ role: "assistant", reasoning_content: "Thinking." }));
      res.write(chunk({ content: "Hello world." }));
      res.write(chunk({ tool_calls: [{ index: 0, id: "call_cut", type: "function", function: { name: "exec_command", arguments: '{"cmd": "rm' } }] }), () => setTimeout(() => req.socket.destroy(), 20));
    };
    const o = await send("raw/deepseek-v4-pro", true, { tools: [EXEC_TOOL], input: userInput("Clean up.") });
    expect(o.summary).toBe("SSE failed:server_error");
    expect(o.problems).toEqual([]);
    expect(o.response.output.map((i: any) => i.type)).toEqual(["reasoning", "message"]);
    expect(o.response.output[1].content[0].text).toBe("Hello world.");
    expect(o.frames!.filter((f) => f.data.type === "response.output_item.done").map((f) => f.data.item.type)).toEqual(["reasoning", "message"]);
    expect(diagnosticsOf(o)).toContain("partial_item_dropped");
  });

  it("malformed chunks (not JSON, or JSON of the wrong shape) are skipped with a diagnostic; the stream completes", async () => {
    script = (_req, res) => {
      res.writeHead(200, { "content-type": "text/event-stream" });
      res.end(chunk({ role: "assistant", content: "Hello" }) + "data: {oops\n\n" + 'data: {"choices":{"0":5}}\n\n' + "data: 42\n\n" + chunk({ content: " world" }) + chunk({}, "stop") + usageChunk() + DONE);
    };
    const o = await send("raw/deepseek-v4-pro", true);
    expect(o.summary).toBe("SSE completed");
    expect(o.problems).toEqual([]);
    expect(o.response.output.at(-1).content[0].text).toBe("Hello world");
    expect(diagnosticsOf(o)).toContain("upstream_chunk_malformed");
  });

  it("an error object inside the stream → response.failed with the mapped code", async () => {
    mock().clear();
    mock().enqueue(P, { sse: chunk({ role: "assistant", content: "" }) + `data: ${JSON.stringify({ error: { message: "This model's maximum context length is 131072 tokens.", type: "invalid_request_error", code: null } })}\n\n` });
    const o = await send(rig.model(P), true);
    expect(o.summary).toBe("SSE failed:context_length_exceeded");
    expect(o.problems).toEqual([]);
  });

  it("a stream that never sends a finish chunk → response.failed (not completed)", async () => {
    mock().clear();
    mock().enqueue(P, { sse: chunk({ role: "assistant", content: "Hello" }) + chunk({ content: " there" }) + usageChunk() + DONE });
    const o = await send(rig.model(P), true);
    expect(o.summary).toBe("SSE failed:server_error");
    expect(o.message).toMatch(/without a finish reason/);
  });

  it("truncated tool-call arguments with finish length → response.incomplete, the item present", async () => {
    mock().clear();
    mock().enqueue(P, {
      sse:
        chunk({ role: "assistant", content: null, tool_calls: [{ index: 0, id: "call_t", type: "function", function: { name: "exec_command", arguments: "" } }] }) +
        chunk({ tool_calls: [{ index: 0, function: { arguments: '{"cmd": "git st' } }] }) +
        chunk({}, "length") +
        usageChunk() +
        DONE,
    });
    const o = await send(rig.model(P), true, { tools: [EXEC_TOOL], input: userInput("Status?") });
    expect(o.summary).toBe("SSE incomplete:max_output_tokens");
    expect(o.problems).toEqual([]);
    const call = o.response.output.find((i: any) => i.type === "function_call");
    expect(call).toMatchObject({ name: "exec_command", call_id: "call_t", arguments: '{"cmd": "git st' });
    expect(diagnosticsOf(o)).toContain("tool_arguments_invalid");
  });

  it("an error reply whose body is cut off: retried like any transport error, never a GodeX 500", async () => {
    script = (req, res) => {
      res.writeHead(500, { "content-type": "application/json" });
      res.write('{"error": {"mess', () => setTimeout(() => req.socket.destroy(), 10));
    };
    for (const stream of [true, false]) {
      const before = raw.requests.length;
      const o = await send("raw/deepseek-v4-pro", stream);
      expect(o.summary).toBe(stream ? "SSE failed:server_error" : "HTTP 502 server_error");
      expect(o.message).toMatch(/closed the connection/);
      expect(raw.requests.length - before).toBe(3);
    }
  });

  it("a whole JSON reply cut mid-body is retried (nothing reached the client yet)", async () => {
    let n = 0;
    script = (req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      if (n++ === 0) return void res.write('{"id": "x", "choices": [{"mess', () => setTimeout(() => req.socket.destroy(), 10));
      res.end(JSON.stringify({ id: "x", object: "chat.completion", choices: [{ index: 0, message: { role: "assistant", content: "Whole." }, finish_reason: "stop" }] }));
    };
    const before = raw.requests.length;
    const o = await send("raw/deepseek-v4-pro", false);
    expect(o.summary).toBe("HTTP 200 completed");
    expect(o.response.output[0].content[0].text).toBe("Whole.");
    expect(raw.requests.length - before).toBe(2);
  });

  it("connect refused: retried, then server_error promptly (no hang)", async () => {
    for (const stream of [true, false]) {
      const o = await send(rig.model(P, "down"), stream);
      expect(o.summary).toBe(stream ? "SSE failed:server_error" : "HTTP 502 server_error");
      expect(o.message).toMatch(/cannot reach the provider/);
      expect(o.ms).toBeLessThan(1500);
    }
  });
});
