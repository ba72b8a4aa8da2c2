// The emulators' provider-neutral "model": the rules other tests rely on.
import { describe, expect, it } from "vitest";
import { decide, type BrainInput, type BrainTool } from "../../src/mock/brain.ts";

const weather: BrainTool = { name: "get_weather", parameters: { type: "object", properties: { location: { type: "string" } }, required: ["location"] } };
const ask = (text: string, tools: BrainTool[] = [weather]): BrainInput => ({ messages: [{ role: "user", content: text, toolCalls: [] }], tools, thinking: false });

describe("mock brain", () => {
  it("calls a getter tool whose subject the user asks about, with the place named", () => {
    const r = decide(ask("What's the weather like in San Francisco?"));
    expect(r.finish).toBe("tool_calls");
    expect(r.toolCalls).toEqual([{ name: "get_weather", arguments: '{"location": "San Francisco"}' }]);
  });

  it("answers directly when the subject is not asked about, or no getter is offered", () => {
    expect(decide(ask("Say hello in exactly 3 words.")).toolCalls).toEqual([]);
    expect(decide(ask("What's the weather?", [{ name: "weather_report", parameters: {} }])).toolCalls).toEqual([]);
    expect(decide(ask("Is the weatherman here?")).toolCalls).toEqual([]);
  });
});
