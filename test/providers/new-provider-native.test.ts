// A provider added on the native Responses wire with one mapping file and nothing else:
// test/fixtures/mappings/acme-native.yaml. A tiny upstream speaks OpenAI-style Responses events (no
// [DONE], sequence_number, reasoning as reasoning_text); GodeX turns them into Codex's stream through
// the same state machine, and the next turn carries the reasoning back from the carrier.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { tmpdir } from "node:os";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfigFromObject } from "../../src/config/load.ts";
import { startGateway, type RunningGateway } from "../../src/server/start.ts";

const ROOT = resolve(import.meta.dirname, "../..");
const received: { url: string; body: any }[] = [];
let replies: { status?: number; headers?: Record<string, string>; body: string }[] = [];

const ev = (type: string, data: object, seq: number) => `event: ${type}\ndata: ${JSON.stringify({ type, sequence_number: seq, ...data })}\n\n`;
function toolTurn(): string {
  const resp = { id: "resp_acme1", object: "response", status: "in_progress", output: [] };
  const rs = { id: "rs_1", type: "reasoning", summary: [], content: [{ type: "reasoning_text", text: "List the files first." }], status: "completed" };
  const fc = { id: "fc_1", type: "function_call", call_id: "call_acme_1", name: "exec_command", arguments: '{"cmd":"ls"}', status: "completed" };
  let n = 0;
  return [
    ev("response.created", { response: resp }, n++),
    ev("response.output_item.added", { output_index: 0, item: { ...rs, content: [], status: "in_progress" } }, n++),
    ev("response.reasoning_text.delta", { output_index: 0, item_id: "rs_1", content_index: 0, delta: "List the " }, n++),
    ev("response.reasoning_text.delta", { output_index: 0, item_id: "rs_1", content_index: 0, delta: "files first." }, n++),
    ev("response.output_item.done", { output_index: 0, item: rs }, n++),
    ev("response.output_item.added", { output_index: 1, item: { ...fc, arguments: "", status: "in_progress" } }, n++),
    ev("response.function_call_arguments.delta", { output_index: 1, item_id: "fc_1", delta: '{"cmd":' }, n++),
    ev("response.function_call_arguments.delta", { output_index: 1, item_id: "fc_1", delta: '"ls"}' }, n++),
    ev("response.output_item.done", { output_index: 1, item: fc }, n++),
    ev("response.completed", { response: { ...resp, status: "completed", output: [rs, fc], usage: { input_tokens: 12, input_tokens_details: { cached_tokens: 4 }, output_tokens: 9, output_tokens_details: { reasoning_tokens: 5 }, total_tokens: 21 } } }, n++),
  ].join("");
}

// The fake upstream lives under /acme: the output audit (test/setup) checks every body served on a
// bare /v1/responses as GodeX's own output, and this provider's minimal events are not.
let upstream: Server;
let gw: RunningGateway;

beforeAll(async () => {
  upstream = createServer((req, res) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      received.push({ url: req.url ?? "", body: JSON.parse(body) });
      const r = replies.shift() ?? { body: toolTurn() };
      res.writeHead(r.status ?? 200, r.headers ?? { "content-type": "text/event-stream" });
      res.end(r.body);
    });
  });
  await new Promise<void>((r) => upstream.listen(0, "127.0.0.1", () => r()));
  const port = (upstream.address() as AddressInfo).port;
  const config = loadConfigFromObject(
    { server: { host: "127.0.0.1", port: 0, carrier_secret: "acme-native-secret-0123456789abcdef" }, models: { aliases: { acme: "acme/acme-1" } }, providers: { acme: { spec: "acme-native", credentials: { api_key: "acme-key" }, endpoint: { base_url: `http://127.0.0.1:${port}/acme/v1` }, retry: { max_attempts: 1 } } }, logging: { level: "silent" } },
    {},
  );
  gw = await startGateway(config, { mappingsDir: join(ROOT, "test/fixtures/mappings"), carrierKeyFile: join(tmpdir(), `godex-acme-native-${process.pid}.key`) });
});

afterAll(async () => {
  await gw?.close();
  await new Promise<void>((r) => upstream.close(() => r()));
});

const post = (body: object) => fetch(`${gw.url}/v1/responses`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
const tools = [{ type: "function", name: "exec_command", parameters: { type: "object", properties: { cmd: { type: "string" } } } }, { type: "custom", name: "apply_patch" }];

describe("a provider on the native Responses wire, from one mapping file", () => {
  it("no TypeScript file names it", () => {
    const walk = (dir: string): string[] => readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)]));
    for (const f of walk(join(ROOT, "src"))) expect(readFileSync(f, "utf8").toLowerCase(), f).not.toContain("acme");
  });

  it("streams a tool call with reasoning as summary events; the next turn passes the reasoning back byte-exact", async () => {
    const res = await post({ model: "acme", stream: true, include: ["reasoning.encrypted_content"], reasoning: { effort: "medium" }, tools, metadata: { a: "1" }, safety_identifier: "u-1", input: "list files" });
    const text = await res.text();
    expect(res.headers.get("x-godex-diagnostics")).toContain("reasoning_effort_degraded");
    const sent = received.at(-1)!;
    expect(sent.url).toBe("/acme/v1/responses");
    expect(sent.body.reasoning).toEqual({ effort: "high" });
    expect(sent.body.user).toBe("u-1");
    expect(sent.body.metadata).toBeUndefined();
    expect(sent.body.tools.map((t: { type: string; name: string }) => `${t.type}:${t.name}`)).toEqual(["function:exec_command", "function:apply_patch"]);
    expect(text).toContain('"type":"response.reasoning_summary_text.delta"');
    const done = JSON.parse(text.trim().split("\n").at(-1)!.slice(6)).response;
    expect(done.status).toBe("completed");
    expect(done.usage).toEqual({ input_tokens: 12, input_tokens_details: { cached_tokens: 4 }, output_tokens: 9, output_tokens_details: { reasoning_tokens: 5 }, total_tokens: 21 });
    const [rs, fc] = done.output;
    expect(rs.summary[0].text).toBe("List the files first.");
    expect(fc).toMatchObject({ type: "function_call", name: "exec_command", call_id: "call_acme_1", arguments: '{"cmd":"ls"}' });

    await (await post({ model: "acme", stream: true, tools, input: [{ type: "message", role: "user", content: "list files" }, rs, fc, { type: "function_call_output", call_id: "call_acme_1", output: "a.txt" }] })).text();
    const input = received.at(-1)!.body.input;
    expect(input[1]).toEqual({ type: "reasoning", summary: [], content: [{ type: "reasoning_text", text: "List the files first." }] });
    expect(JSON.stringify(input)).not.toContain("encrypted_content");
  });

  it("an error inside an HTTP 200 body is classified by the mapping's rules", async () => {
    replies = [{ headers: { "content-type": "application/json" }, body: JSON.stringify({ ok: false, code: "acme_auth", msg: "bad key" }) }];
    const res = await post({ model: "acme", input: "hi" });
    expect(res.status).toBe(401);
    expect((await res.json()).error).toMatchObject({ code: "invalid_api_key", type: "authentication_error", message: "bad key" });
  });
});
