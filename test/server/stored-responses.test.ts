// Stored responses on the embedded SQLite store: store:true responses can be fetched, listed,
// deleted and continued over HTTP with previous_response_id; retention and the size cap apply.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startMockUpstreams, type MockUpstreams } from "../../src/mock/server.ts";
import { storedResponseSuite } from "./stored-suite.ts";
import { call, post, startStoreGateway } from "./stored-helpers.ts";
import { createServer } from "node:net";
import { createLogger } from "../../src/server/log.ts";

let mock: MockUpstreams;
beforeAll(async () => {
  mock = await startMockUpstreams();
});
afterAll(async () => {
  await mock.close();
});

storedResponseSuite("SQLite", () => mock, async () => {
  const gw = await startStoreGateway(mock, { backend: "sqlite" });
  return { url: gw.url, stop: () => gw.stop() };
});

describe("SQLite store limits", () => {
  it("expired responses answer previous_response_not_found and 404", async () => {
    const gw = await startStoreGateway(mock, { backend: "sqlite", retention_hours: 0.0002 }); // 0.72 s
    try {
      const first = await post(gw.url, { input: "short-lived" });
      expect((await fetch(`${gw.url}/v1/responses/${first.json.id}`)).status).toBe(200);
      await new Promise((r) => setTimeout(r, 900));
      expect((await fetch(`${gw.url}/v1/responses/${first.json.id}`)).status).toBe(404);
      const cont = await post(gw.url, { previous_response_id: first.json.id, input: "more" });
      expect(cont.status).toBe(400);
      expect(cont.json.error.code).toBe("previous_response_not_found");
    } finally {
      await gw.stop();
    }
  });

  it("keeps the total under max_size by dropping the oldest responses", async () => {
    const gw = await startStoreGateway(mock, { backend: "sqlite", max_size: "40kb" });
    try {
      const ids: string[] = [];
      for (let i = 0; i < 8; i++) ids.push((await post(gw.url, { input: `response ${i} ${"z".repeat(6000)}` })).json.id);
      expect((await fetch(`${gw.url}/v1/responses/${ids[0]}`)).status).toBe(404);
      expect((await fetch(`${gw.url}/v1/responses/${ids[7]}`)).status).toBe(200);
    } finally {
      await gw.stop();
    }
  });

  it("store.backend off keeps nothing: previous_response_id is not found, GET is 404", async () => {
    const gw = await startStoreGateway(mock, { backend: "off" });
    try {
      const first = await post(gw.url, { input: "not kept" });
      expect(first.status).toBe(200);
      expect((await fetch(`${gw.url}/v1/responses/${first.json.id}`)).status).toBe(404);
      expect((await post(gw.url, { previous_response_id: first.json.id, input: "x" })).json.error.code).toBe("previous_response_not_found");
    } finally {
      await gw.stop();
    }
  });
});

describe("a response store that is down", () => {
  it("answers 503 store_unavailable in the OpenAI error shape, still serves store:false, and never logs the password", async () => {
    // A port nothing listens on.
    const port = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, "127.0.0.1", () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => resolve(p));
      });
    });
    const lines: string[] = [];
    const log = createLogger("info", (l) => lines.push(l));
    const gw = await startStoreGateway(mock, { backend: "postgres", url: `postgres://godex:Hunter2-store-pw@127.0.0.1:${port}/godex` }, undefined, log);
    try {
      // Keeping a store:true response fails: the client still gets its response (the failure is GodeX's).
      const kept = await post(gw.url, { input: "hello" });
      expect(kept.status).toBe(200);
      const cont = await post(gw.url, { previous_response_id: kept.json.id, input: "again" });
      expect(cont.status).toBe(503);
      expect(cont.json.error).toMatchObject({ type: "server_error", code: "store_unavailable", param: null });
      for (const path of [`/v1/responses/${kept.json.id}`, `/v1/responses/${kept.json.id}/input_items`]) {
        const r = await call("GET", `${gw.url}${path}`);
        expect(r.status, path).toBe(503);
        expect(r.json.error.code).toBe("store_unavailable");
      }
      expect((await call("DELETE", `${gw.url}/v1/responses/${kept.json.id}`)).status).toBe(503);
      expect((await post(gw.url, { store: false, input: "no store needed" })).status).toBe(200);
      const all = lines.join("");
      expect(all).toContain("response store failed");
      expect(all).not.toContain("Hunter2-store-pw");
      expect(JSON.stringify(cont.json)).not.toContain("Hunter2-store-pw");
    } finally {
      await gw.stop();
    }
  });
});
