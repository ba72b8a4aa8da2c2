// Fault matrix × routing: an alias [deepseek, xiaomi] whose first target fails in each way a
// provider fails. What another target can fix (429, 503, connect refused, first-byte timeout) is
// served by the second target (200, served_by_fallback, x-godex-served-by, the alias as `model`);
// what it cannot (400, 401, context length) is the error as without routing; a failure after the
// first byte ends the stream with response.failed and no switch.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { chunk, diagnosticsOf, get, outcomeOf, post, requestBody, startRig, type Rig } from "../reliability/helpers.ts";

const ALIAS = "routed";
const DIRECT = "direct";
const SECOND = "xiaomi/mimo-v2.5";
let rig: Rig;
const logs: string[] = [];

beforeAll(async () => {
  rig = await startRig({
    providers: ["deepseek", "xiaomi"],
    retry: { max_attempts: 1 },
    aliases: {
      [ALIAS]: ["deepseek/deepseek-v4-pro", SECOND],
      [DIRECT]: "deepseek/deepseek-v4-pro",
      "routed-down": ["deepseek-down/deepseek-v4-pro", SECOND],
    },
    // Failures here must not open the circuit between cases (the cooldown test does that).
    routing: { failures: 1000 },
    logLevel: "info",
    logWrite: (line) => logs.push(line),
  });
});
afterAll(async () => {
  await rig?.close();
});
beforeEach(() => {
  for (const m of Object.values(rig.mocks)) m.clear();
  logs.length = 0;
});

const send = async (model: string, stream: boolean) => {
  const r = await post(rig.url, requestBody(model, stream));
  return { ...outcomeOf(r), headers: r.headers };
};

const FIXABLE: [string, () => void, string][] = [
  ["429", () => rig.mocks.deepseek!.enqueue("deepseek", { status: 429, json: { error: { message: "Rate limit reached", type: "rate_limit_error" } } }), ALIAS],
  ["503", () => rig.mocks.deepseek!.enqueue("deepseek", { status: 503, json: { error: { message: "Server busy", type: "server_error" } } }), ALIAS],
  ["connect refused", () => undefined, "routed-down"],
  ["first-byte timeout", () => rig.mocks.deepseek!.enqueue("deepseek", { hangMs: 1500 }), ALIAS],
];

describe("failover before the first byte", () => {
  for (const [fault, inject, alias] of FIXABLE) {
    for (const stream of [true, false]) {
      it(`${fault} (${stream ? "stream" : "json"}): the second target serves, the client is told`, async () => {
        inject();
        const o = await send(alias, stream);
        expect(o.problems).toEqual([]);
        expect(o.summary).toBe(stream ? "SSE completed" : "HTTP 200 completed");
        expect(o.response.model).toBe(alias);
        expect(o.response.godex.provider).toBe("xiaomi");
        expect(o.headers["x-godex-served-by"]).toBe(SECOND);
        expect(String(o.headers["x-godex-diagnostics"])).toContain("served_by_fallback@model");
        const d = o.response.godex.diagnostics.find((x: any) => x.code === "served_by_fallback");
        expect(d.message).toContain(`Served by ${SECOND}`);
        expect(d.message).toMatch(/deepseek(-down)?\/deepseek-v4-pro failed: /);
        expect(rig.upstreamCount("xiaomi")).toBe(1);
        // The log says it: the response line names the serving target and a warning the fallback.
        const lines = logs.map((l) => JSON.parse(l));
        expect(lines.find((l) => l.msg === "served by fallback")).toMatchObject({ alias, servedBy: SECOND });
        expect(lines.find((l) => l.msg === "response")).toMatchObject({ servedBy: SECOND, fallback: true, provider: "xiaomi" });
      });
    }
  }
});

describe("no failover for what the next target would refuse too", () => {
  const cases: [string, () => void][] = [
    ["400", () => rig.mocks.deepseek!.enqueue("deepseek", { status: 400, json: { error: { message: "Invalid request: bad field", type: "invalid_request_error" } } })],
    ["401", () => rig.mocks.deepseek!.enqueue("deepseek", { status: 401, json: { error: { message: "Authentication Fails, Your api key: ****abcd is invalid", type: "authentication_error" } } })],
    ["context length", () => rig.mocks.deepseek!.enqueue("deepseek", { status: 400, json: { error: { message: "This model's maximum context length is 131072 tokens. However, you requested 200000 tokens.", type: "invalid_request_error" } } })],
  ];
  for (const [fault, inject] of cases) {
    for (const stream of [true, false]) {
      it(`${fault} (${stream ? "stream" : "json"}): the error as without routing, the second target never called`, async () => {
        inject();
        const routed = await send(ALIAS, stream);
        inject();
        const direct = await send(DIRECT, stream);
        expect(routed.summary).toBe(direct.summary);
        expect(routed.summary).not.toMatch(/completed/);
        expect(routed.message).toBe(direct.message);
        expect(rig.upstreamCount("xiaomi")).toBe(0);
        expect(diagnosticsOf(routed)).not.toContain("served_by_fallback");
      });
    }
  }
});

it("a failure after the first byte ends with response.failed: no switch", async () => {
  rig.mocks.deepseek!.enqueue("deepseek", { sse: chunk({ role: "assistant", content: "Hel" }) + chunk({ content: "lo" }) });
  const o = await send(ALIAS, true);
  expect(o.summary).toBe("SSE failed:server_error");
  expect(o.message).toMatch(/closed the stream before finishing/);
  expect(o.response.godex.provider).toBe("deepseek");
  expect(o.headers["x-godex-served-by"]).toBe("deepseek/deepseek-v4-pro");
  expect(rig.upstreamCount("xiaomi")).toBe(0);
});

it("an 'overloaded' finish before any output fails over like a 503", async () => {
  rig.mocks.deepseek!.enqueue("deepseek", { sse: chunk({ role: "assistant", content: "" }) + chunk({}, "insufficient_system_resource") + "data: [DONE]\n\n" });
  const o = await send(ALIAS, true);
  expect(o.summary).toBe("SSE completed");
  expect(o.headers["x-godex-served-by"]).toBe(SECOND);
  expect(diagnosticsOf(o)).toContain("served_by_fallback");
});

it("every target failing: the last failure, with all_targets_failed naming each", async () => {
  rig.mocks.deepseek!.enqueue("deepseek", { status: 503, json: { error: { message: "Server busy", type: "server_error" } } });
  rig.mocks.xiaomi!.enqueue("xiaomi", { status: 503, json: { error: { message: "Server busy", type: "server_error" } } });
  const o = await send(ALIAS, true);
  expect(o.summary).toBe("SSE failed:server_error");
  const d = o.response.godex.diagnostics.find((x: any) => x.code === "all_targets_failed");
  expect(d.message).toContain("deepseek/deepseek-v4-pro failed");
  expect(d.message).toContain(`${SECOND} failed`);
  expect(o.headers["x-godex-served-by"]).toBeUndefined();
});

it("/metrics counts attempts per target and fallbacks per alias", async () => {
  rig.mocks.deepseek!.enqueue("deepseek", { status: 503, json: { error: { message: "Server busy", type: "server_error" } } });
  await send(ALIAS, false);
  const m = (await get(rig.url, "/metrics")).text;
  expect(m).toMatch(/godex_target_attempts_total\{target="deepseek\/deepseek-v4-pro",result="failed"\} [1-9]/);
  expect(m).toMatch(/godex_target_attempts_total\{target="xiaomi\/mimo-v2.5",result="served"\} [1-9]/);
  expect(m).toMatch(/godex_fallbacks_total\{alias="routed",served_by="xiaomi\/mimo-v2.5"\} [1-9]/);
  expect(m).toMatch(/godex_target_circuit_state\{target="deepseek\/deepseek-v4-pro"\} 0/);
});
