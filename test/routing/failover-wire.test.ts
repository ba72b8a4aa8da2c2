// A fallback may cross wires: an alias whose first target is on DeepSeek's Chat Completions and
// whose second is MiMo v2.6 on MiMo's own /responses (the mapping's choice for v2.6). When the
// first fails before any output, the second is called with a Responses body on its native
// endpoint and read by the native reader into the same response; its output is valid history for
// the next turn on the Chat target.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { loadConfigFromObject } from "../../src/config/load.ts";
import { createLogger } from "../../src/server/log.ts";
import { startGateway, type RunningGateway } from "../../src/server/start.ts";
import { startMockUpstreams, type MockUpstreams } from "../../src/mock/server.ts";

const SECOND = "xiaomi/mimo-v2.6-pro";
let tmp: string;
let mock: MockUpstreams;
let gw: RunningGateway;

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), "godex-failover-wire-"));
  mock = await startMockUpstreams({ keys: { deepseek: "k-ds", xiaomi: "k-mi" } });
  const retry = { max_attempts: 1 };
  const config = loadConfigFromObject(
    {
      server: { host: "127.0.0.1", port: 0 },
      models: { aliases: { routed: ["deepseek/deepseek-v4-pro", SECOND] } },
      providers: {
        deepseek: { credentials: { api_key: "k-ds" }, endpoint: { base_url: mock.baseUrl("deepseek") }, retry },
        xiaomi: { credentials: { api_key: "k-mi" }, endpoint: { base_url: mock.baseUrl("xiaomi") }, retry },
      },
      routing: { failures: 1000 },
      logging: { level: "silent" },
    },
    {},
  );
  gw = await startGateway(config, { carrierKeyFile: join(tmp, "carrier.key"), log: createLogger("silent") });
});

afterAll(async () => {
  await gw?.close();
  await mock?.close();
  rmSync(tmp, { recursive: true, force: true });
});

beforeEach(() => mock.clear());

const post = (body: Record<string, unknown>) =>
  fetch(`${gw.url}/v1/responses`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ model: "routed", ...body }) });

function sseResponse(text: string): { types: string[]; response: any } {
  const events = text
    .split("\n")
    .filter((l) => l.startsWith("data: "))
    .map((l) => JSON.parse(l.slice(6)));
  return { types: events.map((e) => e.type), response: events.at(-1)?.response };
}

describe("fallback from a Chat target to a native Responses target", () => {
  for (const stream of [true, false]) {
    it(`${stream ? "stream" : "json"}: DeepSeek (chat) answers 503, MiMo serves over its /responses`, async () => {
      mock.enqueue("deepseek", { status: 503, json: { error: { message: "Server busy", type: "server_error" } } });
      const res = await post({ input: "Reply with exactly: crossed wires", stream, reasoning: { effort: "high" } });
      expect(res.status).toBe(200);
      expect(res.headers.get("x-godex-served-by")).toBe(SECOND);
      const response = stream ? sseResponse(await res.text()).response : await res.json();
      expect(response.status).toBe("completed");
      expect(response.model).toBe("routed");
      expect(response.godex.provider).toBe("xiaomi");
      expect(response.godex.upstream_model).toBe("mimo-v2.6-pro");
      expect(response.godex.diagnostics.map((d: { code: string }) => d.code)).toContain("served_by_fallback");
      const message = response.output.find((i: { type: string }) => i.type === "message");
      expect(message.content[0].text).toContain("crossed wires");

      const [first, second] = mock.requests;
      expect(mock.requests).toHaveLength(2);
      expect(first!.provider).toBe("deepseek");
      expect(first!.path).toMatch(/\/chat\/completions$/);
      expect(first!.body).toHaveProperty("messages");
      // The second attempt was built by the native wire's translator for the native endpoint.
      expect(second!.provider).toBe("xiaomi");
      expect(second!.path).toMatch(/\/responses$/);
      expect(second!.body).toMatchObject({ model: "mimo-v2.6-pro", stream });
      expect(second!.body).toHaveProperty("input");
      expect(second!.body).not.toHaveProperty("messages");
    });
  }

  it("the natively served turn is valid history when the next turn goes back to the Chat target", async () => {
    mock.enqueue("deepseek", { status: 503, json: { error: { message: "Server busy", type: "server_error" } } });
    const tools = [{ type: "function", name: "exec_command", description: "Runs a command.", parameters: { type: "object", properties: { cmd: { type: "string" } }, required: ["cmd"] } }];
    const input: unknown[] = [{ type: "message", role: "user", content: [{ type: "input_text", text: "Run `echo hi` with exec_command" }] }];
    const r1 = await post({ input, tools, include: ["reasoning.encrypted_content"] });
    expect(r1.status).toBe(200);
    expect(r1.headers.get("x-godex-served-by")).toBe(SECOND);
    const out1 = (await r1.json()) as { output: Record<string, unknown>[] };
    const call = out1.output.find((i) => i.type === "function_call") as { call_id: string } | undefined;
    expect(call, JSON.stringify(out1.output)).toBeDefined();

    mock.clear();
    const r2 = await post({ input: [...input, ...out1.output, { type: "function_call_output", call_id: call!.call_id, output: "hi" }], tools, include: ["reasoning.encrypted_content"] });
    expect(r2.status).toBe(200);
    expect(r2.headers.get("x-godex-served-by")).toBe("deepseek/deepseek-v4-pro");
    const out2 = (await r2.json()) as { status: string };
    expect(out2.status).toBe("completed");
    // DeepSeek's strict emulator accepted the Chat history built from MiMo's native output.
    expect(mock.requests).toHaveLength(1);
    expect(mock.requests[0]!.status).toBe(200);
    const messages = (mock.requests[0]!.body as { messages: { role: string; tool_calls?: { id: string }[]; tool_call_id?: string }[] }).messages;
    expect(messages.find((m) => m.role === "assistant")?.tool_calls?.[0]?.id).toBe(call!.call_id);
    expect(messages.find((m) => m.role === "tool")?.tool_call_id).toBe(call!.call_id);
  });
});
