// The Response fields strict clients (Open Responses ResponseResource) demand, per provider: sampling
// values in effect (sent, clamped, or the provider's default from its mapping) and complete function
// tools, the same in the JSON body and in every lifecycle event of the stream.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadMappingDoc } from "../../src/mapping/load.ts";
import { PROVIDER_ALIASES, PROVIDERS, startStack, type Stack } from "../e2e/helpers.ts";

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ providers: PROVIDERS });
});
afterAll(async () => {
  await stack?.close();
});

async function create(body: Record<string, unknown>): Promise<any> {
  const r = await fetch(`${stack.gatewayUrl}/v1/responses`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  const text = await r.text();
  expect(r.status, text).toBe(200);
  if (!body.stream) return JSON.parse(text);
  const events = text.split("\n").filter((l) => l.startsWith("data: ")).map((l) => JSON.parse(l.slice(6)));
  return events.filter((e) => e.response).map((e) => e.response);
}

const weather = { type: "function", name: "get_weather", strict: true, parameters: { type: "object", properties: { location: { type: "string" } } } };

describe.each(PROVIDERS.map((p) => [p]))("%s", (provider) => {
  const defaults = loadMappingDoc(provider).request.sampling_defaults;
  const model = PROVIDER_ALIASES[provider];

  it("nothing sent: the provider's defaults from its mapping, numbers in JSON and stream alike", async () => {
    const json = await create({ model, input: "hi" });
    const streamed = await create({ model, input: "hi", stream: true });
    for (const r of [json, ...streamed]) {
      expect({ t: r.temperature, p: r.top_p, pp: r.presence_penalty, fp: r.frequency_penalty }).toEqual({
        t: defaults.temperature,
        p: defaults.top_p,
        pp: defaults.presence_penalty,
        fp: defaults.frequency_penalty,
      });
    }
  });

  it("sent values are echoed as sent upstream (clamped into the provider's range)", async () => {
    const r = await create({ model, input: "hi", temperature: 1.2, top_p: 0.5 });
    const upstream = stack.mock.requests.at(-1)!.body as { temperature?: number; top_p?: number };
    expect(r.top_p).toBe(0.5);
    expect(r.temperature).toBe(upstream.temperature);
    // Zhipu and MiniMax cap temperature at 1; DeepSeek and MiMo take 1.2.
    expect(r.temperature).toBe(provider === "zhipu" || provider === "minimax" ? 1 : 1.2);
  });

  it("function tools are echoed complete; strict says whether the provider enforces it (none does)", async () => {
    const r = await create({ model, input: "hi", tools: [weather, { type: "function", name: "bare" }] });
    expect(r.tools).toEqual([
      { ...weather, description: null, strict: false },
      { type: "function", name: "bare", description: null, parameters: null, strict: false },
    ]);
  });
});

describe("on the native Responses wire", () => {
  it("strict follows the native wire's rules: Zhipu's /responses keeps it (echoed true), DeepSeek's strips it", async () => {
    const zhipu = await create({ model: "zhipu/glm-5-turbo", input: "hi", tools: [weather] });
    const zUp = stack.mock.requests.at(-1)!;
    expect(zUp.path).toMatch(/\/responses$/);
    expect((zUp.body as { tools: { strict?: boolean }[] }).tools[0]!.strict).toBe(true);
    expect(zhipu.tools).toEqual([{ ...weather, description: null, strict: true }]);

    const deepseek = await create({ model: "deepseek/deepseek-flash", input: "hi", tools: [weather] });
    const dUp = stack.mock.requests.at(-1)!;
    expect(dUp.path).toMatch(/\/responses$/);
    expect((dUp.body as { tools: { strict?: boolean }[] }).tools[0]!.strict).toBeUndefined();
    expect(deepseek.tools).toEqual([{ ...weather, description: null, strict: false }]);
  });
});
