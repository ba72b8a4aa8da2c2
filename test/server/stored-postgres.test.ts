// Stored responses on PostgreSQL: the same behaviour as on SQLite, and two GodeX instances on one
// database continue each other's previous_response_id chains.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startMockUpstreams, type MockUpstreams } from "../../src/mock/server.ts";
import { startPostgres } from "../setup/postgres.ts";
import { storedResponseSuite } from "./stored-suite.ts";
import { call, post, startStoreGateway } from "./stored-helpers.ts";

let mock: MockUpstreams;
let pg: { url: string; stop(): Promise<void> };
beforeAll(async () => {
  mock = await startMockUpstreams();
  pg = await startPostgres();
}, 60_000);
afterAll(async () => {
  await mock?.close();
  await pg?.stop();
});

storedResponseSuite("PostgreSQL", () => mock, async () => {
  const gw = await startStoreGateway(mock, { backend: "postgres", url: pg.url });
  return { url: gw.url, stop: () => gw.stop() };
});

describe("two GodeX instances on one PostgreSQL", () => {
  it("continue each other's chains and see each other's deletes", async () => {
    const a = await startStoreGateway(mock, { backend: "postgres", url: pg.url });
    const b = await startStoreGateway(mock, { backend: "postgres", url: pg.url });
    try {
      const r1 = await post(a.url, { input: "Remember the word basalt." });
      const r2 = await post(b.url, { previous_response_id: r1.json.id, input: "Which word?" });
      expect(r2.status).toBe(200);
      const users = (mock.requests.at(-1)!.body as { messages: { role: string; content: unknown }[] }).messages.filter((m) => m.role === "user");
      expect(JSON.stringify(users[0].content)).toContain("basalt");
      const r3 = await post(a.url, { previous_response_id: r2.json.id, input: "Again?", stream: true });
      expect(r3.json.status).toBe("completed");
      expect((await call("GET", `${b.url}/v1/responses/${r3.json.id}`)).json.id).toBe(r3.json.id);
      await call("DELETE", `${b.url}/v1/responses/${r1.json.id}`);
      // The chain's first link is gone: neither instance can rebuild it any more.
      expect((await post(a.url, { previous_response_id: r3.json.id, input: "x" })).json.error.code).toBe("previous_response_not_found");
    } finally {
      await a.stop();
      await b.stop();
    }
  });
});
