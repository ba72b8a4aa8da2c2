// A finished response is handed to the continuation store before the client sees its end: the JSON
// reply and the stream's end both wait for remember(), so a client (or another GodeX instance sharing
// the store) can continue it with previous_response_id the moment it has read it.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfigFromObject } from "../../src/config/load.ts";
import type { Continuations } from "../../src/engine/continuation/history.ts";
import { buildRuntime, type GatewayRuntime } from "../../src/engine/runtime.ts";
import { serveResponse, type ResponseTransport } from "../../src/engine/serve.ts";
import { startMockUpstreams, type MockUpstreams } from "../../src/mock/server.ts";

let mock: MockUpstreams;
let rt: GatewayRuntime;
let dir: string;

beforeAll(async () => {
  mock = await startMockUpstreams();
  dir = mkdtempSync(join(tmpdir(), "godex-keep-"));
  const config = loadConfigFromObject(
    {
      models: { aliases: { "gpt-5.5": "deepseek/deepseek-v4-flash" } },
      providers: { deepseek: { credentials: { api_key: "mock-deepseek-key" }, endpoint: { base_url: mock.baseUrl("deepseek") }, retry: { max_attempts: 1 } } },
      logging: { level: "silent" },
    },
    {},
  );
  rt = buildRuntime(config, { carrierKeyFile: join(dir, "carrier.key") });
});

afterAll(async () => {
  await mock.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A store whose remember() takes 150 ms; the log says in which order things happened. */
function slowStore(log: string[]): Continuations {
  return {
    find: async () => null,
    remember: async () => {
      await new Promise((r) => setTimeout(r, 150));
      log.push("kept");
    },
    forget: () => undefined,
  };
}

function transport(log: string[]): ResponseTransport {
  return {
    requestId: "req_keep",
    signal: new AbortController().signal,
    started: false,
    reply: () => void log.push("reply"),
    openStream: () => ({ begin: () => undefined, event: () => undefined, end: () => void log.push("end") }) as unknown as ReturnType<ResponseTransport["openStream"]>,
    abandon: () => undefined,
  };
}

describe("the client sees a response only once it is kept", () => {
  it.each([false, true])("stream: %s", async (stream) => {
    const log: string[] = [];
    const entry = await serveResponse(rt, { model: "gpt-5.5", input: "hello", stream }, transport(log), { continuations: slowStore(log) });
    expect(entry.outcome).toBe("completed");
    expect(log).toEqual(["kept", stream ? "end" : "reply"]);
  });
});
