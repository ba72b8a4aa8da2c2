// The native /responses emulators: the documented quirks per provider, and the switches for the
// unverified ones (providers-native-responses.md).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { NativeResponses } from "../../src/mock/native.ts";
import { deepseekNative, minimaxNative, NATIVE_SWITCHES, resetNativeSwitches, xiaomiNative, zhipuNative } from "../../src/mock/native-profiles.ts";

const call = (n: NativeResponses, body: object, key = "k") =>
  n.handle({ method: "POST", path: "/responses", headers: { authorization: `Bearer ${key}`, "content-type": "application/json" }, rawBody: JSON.stringify(body), expectedKey: "k" });
const status = (r: ReturnType<NativeResponses["handle"]>) => r.status;
const json = (r: ReturnType<NativeResponses["handle"]>) => JSON.parse((r as { body: string }).body);
const frames = (r: ReturnType<NativeResponses["handle"]>) => (r as { events: string[] }).events.join("");

afterEach(() => resetNativeSwitches());

describe("native emulators", () => {
  it("DeepSeek: custom tools only named apply_patch; the reasoning_text pass-back rule; no [DONE], sequence numbers", () => {
    const ds = new NativeResponses(deepseekNative());
    expect(status(call(ds, { model: "deepseek-v4-pro", input: "hi", tools: [{ type: "custom", name: "exec" }] }))).toBe(400);
    expect(status(call(ds, { model: "deepseek-v4-pro", input: "hi", tools: [{ type: "custom", name: "apply_patch" }] }))).toBe(200);
    const history = [{ type: "message", role: "user", content: "x" }, { type: "function_call", call_id: "c1", name: "f", arguments: "{}" }, { type: "function_call_output", call_id: "c1", output: "ok" }];
    const missing = call(ds, { model: "deepseek-v4-pro", input: history });
    expect(status(missing)).toBe(400);
    expect(json(missing).error.message).toContain("reasoning_text");
    const withReasoning = [history[0], { type: "reasoning", summary: [], content: [{ type: "reasoning_text", text: "" }] }, history[1], history[2]];
    expect(status(call(ds, { model: "deepseek-v4-pro", input: withReasoning }))).toBe(200);
    expect(status(call(ds, { model: "deepseek-v4-pro", input: [{ type: "reasoning", summary: [], encrypted_content: "x" }] }))).toBe(400);
    const s = frames(call(ds, { model: "deepseek-v4-pro", input: "hello", stream: true }));
    expect(s).not.toContain("[DONE]");
    expect(s).toMatch(/^: keep-alive/);
    expect(s).toContain("event: response.reasoning_text.delta");
    expect(s).not.toContain("reasoning_summary");
    const seqs = [...s.matchAll(/"sequence_number":(\d+)/g)].map((m) => Number(m[1]));
    expect(seqs).toEqual(seqs.map((_, i) => i));
  });

  it("DeepSeek: namespace tools ignored, or rejected when switched", () => {
    const ns = { model: "deepseek-v4-pro", input: "hi", tools: [{ type: "namespace", name: "mcp__x__", tools: [{ type: "function", name: "f" }] }] };
    expect(status(call(new NativeResponses(deepseekNative()), ns))).toBe(200);
    NATIVE_SWITCHES.deepseekNamespace = "reject";
    expect(status(call(new NativeResponses(deepseekNative()), ns))).toBe(400);
  });

  it("Zhipu: auth failures in an HTTP 200 body; over-long input 400 unstreamed, 200 + response.failed streamed; json_schema refused", () => {
    const z = new NativeResponses(zhipuNative());
    const auth = call(z, { model: "glm-5.3", input: "hi" }, "wrong");
    expect(status(auth)).toBe(200);
    expect(json(auth)).toMatchObject({ success: false, code: 401 });
    expect(status(call(z, { model: "glm-5.3", input: "GODEX_MOCK_TOO_LONG" }))).toBe(400);
    const streamed = call(z, { model: "glm-5.3", input: "GODEX_MOCK_TOO_LONG", stream: true });
    expect(status(streamed)).toBe(200);
    expect(frames(streamed)).toContain('"type":"response.failed"');
    expect(status(call(z, { model: "glm-5.3", input: "hi", text: { format: { type: "json_schema", schema: {} } } }))).toBe(400);
  });

  it("MiniMax: effort defaults to none (no reasoning); function tools only; web_search and reasoning events switchable", () => {
    const m = new NativeResponses(minimaxNative());
    expect(json(call(m, { model: "MiniMax-M3", input: "hello" })).output.map((o: { type: string }) => o.type)).toEqual(["message"]);
    expect(json(call(m, { model: "MiniMax-M3", input: "hello", reasoning: { effort: "low" } })).output.map((o: { type: string }) => o.type)).toEqual(["reasoning", "message"]);
    expect(status(call(m, { model: "MiniMax-M3", input: "hi", tools: [{ type: "custom", name: "apply_patch" }] }))).toBe(400);
    const web = { model: "MiniMax-M3", input: "hi", tools: [{ type: "web_search" }] };
    expect(status(call(m, web))).toBe(200);
    NATIVE_SWITCHES.minimaxWebSearch = "reject";
    expect(status(call(new NativeResponses(minimaxNative()), web))).toBe(400);
    const think = { model: "MiniMax-M3", input: "hello", stream: true, reasoning: { effort: "high" } };
    expect(frames(call(new NativeResponses(minimaxNative()), think))).toContain("response.reasoning_summary_text.delta");
    NATIVE_SWITCHES.minimaxReasoningEvents = "text";
    expect(frames(call(new NativeResponses(minimaxNative()), think))).toContain("response.reasoning_text.delta");
  });

  it("MiMo: responses_feature_not_supported for custom tools, web_search and json_schema; api-key header", () => {
    const x = new NativeResponses(xiaomiNative());
    for (const extra of [{ tools: [{ type: "custom", name: "apply_patch" }] }, { tools: [{ type: "web_search" }] }, { text: { format: { type: "json_schema", schema: {} } } }]) {
      const r = call(x, { model: "mimo-v2.5-pro", input: "hi", ...extra });
      expect(status(r)).toBe(400);
      expect(json(r).error).toMatchObject({ code: "responses_feature_not_supported", type: "unsupported_feature" });
    }
    const viaHeader = x.handle({ method: "POST", path: "/responses", headers: { "api-key": "k" }, rawBody: JSON.stringify({ model: "mimo-v2.5-pro", input: "hi" }), expectedKey: "k" });
    expect(status(viaHeader)).toBe(200);
  });
});

describe("shipped mappings hold under both settings of an unverified quirk", () => {
  const golden = (p: string, c: string) => JSON.parse(readFileSync(join(import.meta.dirname, "../golden", p, c, "upstream-request.json"), "utf8"));
  it("DeepSeek namespace tools ignored or rejected: the mapping flattens them, accepted either way", () => {
    const body = golden("deepseek", "native-mcp-namespace-stream");
    for (const mode of ["ignore", "reject"] as const) {
      NATIVE_SWITCHES.deepseekNamespace = mode;
      expect(new NativeResponses(deepseekNative()).check(body)).toBeUndefined();
    }
  });
  it("MiniMax web_search run or rejected: the mapping does not offer it, accepted either way", () => {
    const body = golden("minimax", "native-web-search-stream");
    for (const mode of ["server", "reject"] as const) {
      NATIVE_SWITCHES.minimaxWebSearch = mode;
      expect(new NativeResponses(minimaxNative()).check(body)).toBeUndefined();
    }
  });
});
