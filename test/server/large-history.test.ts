// A long Codex session through the gateway: every turn resends the whole history. Whether a turn's
// items come from the large-body cache (history-parse.ts) and its long strings' JSON from the upstream
// serializer's cache (json-bytes.ts) or not, the provider gets exactly the bytes a fresh translation
// gives: JSON.stringify of translateRequest over JSON.parse of the body.
import request from "supertest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeGateway, type TestGateway } from "./helpers.ts";
import { codexHistory } from "../../bench/lib/fixtures.ts";
import { largeBodyCacheUse } from "../../src/server/body.ts";
import { translateRequest } from "../../src/engine/request/translate.ts";
import { validateResponsesRequest } from "../../src/protocol/request.ts";

let gw: TestGateway;
beforeAll(async () => {
  gw = await makeGateway();
});
afterAll(async () => {
  await gw.close();
});

async function expectedUpstream(raw: string): Promise<string> {
  const provider = gw.runtime.providers.get("deepseek")!;
  const req = validateResponsesRequest(JSON.parse(raw));
  const t = await translateRequest(req, { mapping: provider.mapping, model: "deepseek-v4-pro", stream: req.stream === true, carrier: gw.runtime.carrier });
  return JSON.stringify(t.body);
}

async function turn(body: Record<string, unknown>): Promise<void> {
  const raw = JSON.stringify(body);
  gw.mock.clear();
  const res = await request(gw.app).post("/v1/responses").set("content-type", "application/json").send(raw);
  expect(res.status, res.text.slice(0, 300)).toBe(200);
  const sent = gw.mock.requests.filter((r) => r.provider === "deepseek");
  expect(sent).toHaveLength(1);
  expect(sent[0]!.rawBody).toBe(await expectedUpstream(raw));
}

describe("a long Codex session", () => {
  it("sends the provider the same bytes turn after turn, cached or not (appends, a resend, an edit, a branch)", async () => {
    const history = codexHistory({ items: 60, toolOutputChars: 200_000, carrier: gw.runtime.carrier, provider: "deepseek" });
    const base: Record<string, unknown> = { ...history, model: "gpt-5.5", stream: false };
    const items = base.input as unknown[];
    const before = largeBodyCacheUse().hits;
    await turn(base); // cold
    const next = [...items, { type: "message", role: "user", content: "And now the remaining failures — please ✓." }];
    await turn({ ...base, input: next }); // appended
    await turn({ ...base, input: next }); // the same body again
    const edited = next.map((it, i) => (i === 20 ? { ...(it as object), output: "edited output" } : it));
    await turn({ ...base, input: edited }); // an edit half way: items after it are parsed again
    await turn({ ...base, input: [...items.slice(0, 40), { type: "message", role: "user", content: "branch" }] }); // a branch
    await turn({ ...base, input: next, stream: true }); // a trailing field changed
    expect(largeBodyCacheUse().hits - before).toBeGreaterThanOrEqual(4);
  });
});
