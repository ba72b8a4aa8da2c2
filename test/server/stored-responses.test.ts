// Stored responses on the embedded SQLite store: store:true responses can be fetched, listed,
// deleted and continued over HTTP with previous_response_id; retention and the size cap apply.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startMockUpstreams, type MockUpstreams } from "../../src/mock/server.ts";
import { storedResponseSuite } from "./stored-suite.ts";
import { post, startStoreGateway } from "./stored-helpers.ts";

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
