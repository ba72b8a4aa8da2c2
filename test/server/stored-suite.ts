// The stored-response behaviour every backend must show (run on SQLite and on PostgreSQL).
import { describe, expect, it } from "vitest";
import type { MockUpstreams } from "../../src/mock/server.ts";
import { call, post } from "./stored-helpers.ts";
import { WsClient } from "./ws-helpers.ts";

type Messages = { role: string; content: unknown; reasoning_content?: string; tool_calls?: unknown[] }[];

export function storedResponseSuite(name: string, mock: () => MockUpstreams, start: () => Promise<{ url: string; stop(): Promise<void> }>) {
  const lastMessages = () => (mock().requests.at(-1)!.body as { messages: Messages }).messages;

  describe(`stored responses (${name})`, () => {
    it("store:true (the default) keeps the response: GET returns it, input_items lists its input, DELETE removes it", async () => {
      const gw = await start();
      try {
        const first = await post(gw.url, { input: [{ type: "message", role: "user", content: "hello store" }], metadata: { k: "v" } });
        expect(first.status).toBe(200);
        expect(first.json.store).toBe(true);
        const got = await call("GET", `${gw.url}/v1/responses/${first.json.id}`);
        expect(got.status).toBe(200);
        expect(got.json).toEqual(first.json);
        const items = await call("GET", `${gw.url}/v1/responses/${first.json.id}/input_items`);
        expect(items.json).toMatchObject({ object: "list", has_more: false, data: [{ type: "message", role: "user", content: "hello store" }] });
        expect(typeof items.json.data[0].id).toBe("string");
        expect(items.json.first_id).toBe(items.json.data[0].id);
        const del = await call("DELETE", `${gw.url}/v1/responses/${first.json.id}`);
        expect(del.json).toEqual({ id: first.json.id, object: "response", deleted: true });
        expect((await call("GET", `${gw.url}/v1/responses/${first.json.id}`)).status).toBe(404);
        expect((await call("DELETE", `${gw.url}/v1/responses/${first.json.id}`)).status).toBe(404);
        const cont = await post(gw.url, { previous_response_id: first.json.id, input: "x" });
        expect(cont.json.error).toMatchObject({ code: "previous_response_not_found", param: "previous_response_id" });
      } finally {
        await gw.stop();
      }
    });

    it("continues a chain over HTTP (JSON and SSE): the provider gets the whole conversation", async () => {
      const gw = await start();
      try {
        const a = await post(gw.url, { instructions: "Be brief.", input: "My name is Alice." });
        const b = await post(gw.url, { instructions: "Be brief.", previous_response_id: a.json.id, input: "I live in Paris.", stream: true });
        expect(b.json.status).toBe("completed");
        expect(b.json.previous_response_id).toBe(a.json.id);
        const c = await post(gw.url, { instructions: "Be brief.", previous_response_id: b.json.id, input: "What is my name?" });
        expect(c.status).toBe(200);
        const msgs = lastMessages();
        expect(msgs[0]).toEqual({ role: "system", content: "Be brief." });
        const users = msgs.filter((m) => m.role === "user").map((m) => JSON.stringify(m.content));
        expect(users.length).toBe(3);
        expect(users[0]).toContain("Alice");
        expect(users[2]).toContain("What is my name?");
        expect(msgs.filter((m) => m.role === "assistant").length).toBe(2);
        // input_items lists only the request's own input.
        const items = await call("GET", `${gw.url}/v1/responses/${c.json.id}/input_items?order=asc`);
        expect(items.json.data.length).toBe(1);
      } finally {
        await gw.stop();
      }
    });

    it("WebSocket store:true responses are stored: another connection and HTTP continue them, GET returns them", async () => {
      const gw = await start();
      const opened: WsClient[] = [];
      try {
        const first = await WsClient.open(gw.url);
        opened.push(first);
        const a = await first.turn({ type: "response.create", model: "gpt-5.5", store: true, input: "Remember the word obsidian." });
        expect(a.last.type).toBe("response.completed");
        first.close();
        await first.waitClosed();
        // A new connection never saw it: the store answers.
        const second = await WsClient.open(gw.url);
        opened.push(second);
        const b = await second.turn({ type: "response.create", model: "gpt-5.5", store: true, previous_response_id: a.response!.id, input: "Which word?" });
        expect(b.last.type).toBe("response.completed");
        expect(JSON.stringify(lastMessages().filter((m) => m.role === "user")[0].content)).toContain("obsidian");
        const got = await call("GET", `${gw.url}/v1/responses/${b.response!.id}`);
        expect(got.status).toBe(200);
        expect(got.json).toMatchObject({ id: b.response!.id, previous_response_id: a.response!.id, status: "completed" });
        // HTTP continues the WebSocket chain, and the WebSocket continues the HTTP one.
        const c = await post(gw.url, { previous_response_id: b.response!.id, input: "And again?" });
        expect(c.status).toBe(200);
        expect(lastMessages().filter((m) => m.role === "user").length).toBe(3);
        const d = await second.turn({ type: "response.create", model: "gpt-5.5", store: true, previous_response_id: c.json.id, input: "Last one." });
        expect(d.last.type).toBe("response.completed");
        expect(lastMessages().filter((m) => m.role === "user").length).toBe(4);
        // store:false over WebSocket stays on its connection: the store does not have it.
        const e = await second.turn({ type: "response.create", model: "gpt-5.5", store: false, input: "not kept" });
        expect((await call("GET", `${gw.url}/v1/responses/${e.response!.id}`)).status).toBe(404);
      } finally {
        for (const c of opened) c.close();
        await gw.stop();
      }
    });

    it("store:false responses are not kept", async () => {
      const gw = await start();
      try {
        const a = await post(gw.url, { store: false, input: "ephemeral" });
        expect((await call("GET", `${gw.url}/v1/responses/${a.json.id}`)).status).toBe(404);
        expect((await post(gw.url, { previous_response_id: a.json.id, input: "x" })).json.error.code).toBe("previous_response_not_found");
      } finally {
        await gw.stop();
      }
    });

    it("replays reasoning exactly as encrypted_content would, even when the client did not ask for it", async () => {
      const gw = await start();
      try {
        const tools = [{ type: "function", name: "exec_command", description: "run", parameters: { type: "object", properties: { cmd: { type: "string" } }, required: ["cmd"] } }];
        const a = await post(gw.url, { tools, reasoning: { effort: "high" }, input: "run echo hello" });
        const call1 = a.json.output.find((i: any) => i.type === "function_call");
        const reasoning = a.json.output.find((i: any) => i.type === "reasoning");
        expect(reasoning.encrypted_content).toBeUndefined();
        const b = await post(gw.url, { tools, reasoning: { effort: "high" }, previous_response_id: a.json.id, input: [{ type: "function_call_output", call_id: call1.call_id, output: "hello" }] });
        expect(b.status).toBe(200);
        const assistant = lastMessages().find((m) => m.role === "assistant")!;
        expect(assistant.reasoning_content).toBe(reasoning.summary[0].text);
        expect(assistant.tool_calls?.length).toBe(1);
      } finally {
        await gw.stop();
      }
    });

    it("input_items pages with limit/after and refuses bad parameters; unknown ids are 404", async () => {
      const gw = await start();
      try {
        const input = [1, 2, 3, 4, 5].map((n) => ({ type: "message", role: "user", content: `part ${n}` }));
        const a = await post(gw.url, { input });
        const page1 = await call("GET", `${gw.url}/v1/responses/${a.json.id}/input_items?order=asc&limit=2`);
        expect(page1.json.data.map((i: any) => i.content)).toEqual(["part 1", "part 2"]);
        expect(page1.json.has_more).toBe(true);
        const page2 = await call("GET", `${gw.url}/v1/responses/${a.json.id}/input_items?order=asc&limit=2&after=${page1.json.last_id}`);
        expect(page2.json.data.map((i: any) => i.content)).toEqual(["part 3", "part 4"]);
        const desc = await call("GET", `${gw.url}/v1/responses/${a.json.id}/input_items`);
        expect(desc.json.data[0].content).toBe("part 5");
        expect((await call("GET", `${gw.url}/v1/responses/${a.json.id}/input_items?limit=0`)).json.error.param).toBe("limit");
        const missing = await call("GET", `${gw.url}/v1/responses/resp_nope`);
        expect(missing.status).toBe(404);
        expect(missing.json.error).toMatchObject({ type: "invalid_request_error", code: "not_found" });
      } finally {
        await gw.stop();
      }
    });
  });
}
