// Client disconnects (Codex interrupted by the user): the upstream call is aborted at once, nothing
// leaks, and 1,000 aborted streams in a row leave the process with the same handles and bounded memory.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  activeResources,
  clientAgent,
  endlessStream,
  getGc,
  post,
  requestBody,
  resourceCount,
  startRawUpstream,
  startRig,
  streamThenAbort,
  textSse,
  waitFor,
  type RawUpstream,
  type Rig,
} from "./helpers.ts";

let rig: Rig;
let raw: RawUpstream;
let script: Parameters<typeof startRawUpstream>[0] = (_req, res) => endlessStream(res, 10);

beforeAll(async () => {
  raw = await startRawUpstream((req, res, rec) => script(req, res, rec));
  rig = await startRig({
    providers: ["deepseek"],
    extraProviders: {
      raw: { spec: "deepseek", base_url: raw.url },
      "raw-slowretry": { spec: "deepseek", base_url: raw.url, retry: { max_attempts: 3, max_delay_ms: 400 } },
    },
  });
});
afterAll(async () => {
  await rig.close();
  await raw.close();
  await clientAgent.close();
});

const streamBody = (model = "raw/deepseek-v4-pro") => requestBody(model, true);

describe("client disconnect", () => {
  it("mid-stream: the upstream request is closed at once", async () => {
    script = (_req, res) => endlessStream(res, 20);
    const before = raw.requests.length;
    const seen = await streamThenAbort(rig.url, streamBody(), 5);
    const abortedAt = Date.now();
    expect(seen).toBeGreaterThanOrEqual(5);
    expect(await waitFor(() => raw.requests[before]?.closedEarlyAt != null, 1000)).toBe(true);
    // Immediately in practice (a few ms); the bound leaves room for a loaded CI machine.
    expect(raw.requests[before]!.closedEarlyAt! - abortedAt).toBeLessThan(1000);
    expect(raw.requests).toHaveLength(before + 1);
  });

  it("mid-stream against the emulator: its socket closes (openSockets back to 0)", async () => {
    const mock = rig.mocks.deepseek!;
    mock.clear();
    const frames = Array.from({ length: 200 }, (_, i) => `w${i} `);
    mock.enqueue("deepseek", { sse: textSse(frames), chunkDelayMs: 20 });
    await streamThenAbort(rig.url, streamBody(rig.model("deepseek")), 6);
    expect(await waitFor(() => mock.openSockets === 0, 1000)).toBe(true);
    expect(mock.requests).toHaveLength(1);
  });

  it("before the upstream answered (waiting for headers): the upstream request is closed", async () => {
    script = () => undefined; // never answers
    const before = raw.requests.length;
    const ac = new AbortController();
    const p = post(rig.url, streamBody(), { signal: ac.signal }).catch((e: Error) => e);
    expect(await waitFor(() => raw.requests.length > before, 1000)).toBe(true);
    ac.abort();
    expect(await p).toBeInstanceOf(Error);
    expect(await waitFor(() => raw.requests[before]?.closedEarlyAt != null, 1000)).toBe(true);
  });

  it("during a retry backoff: no further attempt is made", async () => {
    script = (_req, res) => {
      res.writeHead(503, { "content-type": "application/json" });
      res.end('{"error":{"message":"busy","type":"server_error"}}');
    };
    const before = raw.requests.length;
    const ac = new AbortController();
    const p = post(rig.url, streamBody("raw-slowretry/deepseek-v4-pro"), { signal: ac.signal }).catch((e: Error) => e);
    expect(await waitFor(() => raw.requests.length > before, 1000)).toBe(true);
    ac.abort();
    await p;
    await new Promise((r) => setTimeout(r, 700)); // > the longest backoff (400 ms)
    expect(raw.requests.length - before).toBe(1);
  });

  it("non-streaming request: the upstream request is closed too", async () => {
    script = (_req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.write("\n"); // DeepSeek-style padding while queued, then nothing
    };
    const before = raw.requests.length;
    const ac = new AbortController();
    const p = post(rig.url, requestBody("raw/deepseek-v4-pro", false), { signal: ac.signal }).catch((e: Error) => e);
    expect(await waitFor(() => raw.requests.length > before, 1000)).toBe(true);
    await new Promise((r) => setTimeout(r, 50));
    ac.abort();
    await p;
    expect(await waitFor(() => raw.requests[before]?.closedEarlyAt != null, 1000)).toBe(true);
  });

  it("1,000 aborted streams in a row: same active handles (± a few), bounded memory, every upstream call closed", async () => {
    script = (_req, res) => endlessStream(res, 5);
    const gc = await getGc();
    const settle = async () => {
      await waitFor(() => raw.openSockets === 0, 2000);
      await new Promise((r) => setTimeout(r, 50));
      gc?.();
      gc?.();
    };
    for (let i = 0; i < 50; i++) await streamThenAbort(rig.url, streamBody(), 3); // warm-up
    await settle();
    const handlesBefore = activeResources();
    const countBefore = resourceCount();
    const heapBefore = process.memoryUsage().heapUsed;
    const rssBefore = process.memoryUsage().rss;
    const first = raw.requests.length;

    for (let i = 0; i < 1000; i++) await streamThenAbort(rig.url, streamBody(), 3);
    await settle();

    const handlesAfter = activeResources();
    const countAfter = resourceCount();
    const heapAfter = process.memoryUsage().heapUsed;
    const rssAfter = process.memoryUsage().rss;
    const mb = (n: number) => Math.round(n / 1e5) / 10;
    console.log(
      `1,000 aborts: handles ${countBefore} → ${countAfter} ${JSON.stringify(handlesAfter)}; heap ${mb(heapBefore)} → ${mb(heapAfter)} MB; rss ${mb(rssBefore)} → ${mb(rssAfter)} MB; gc ${gc ? "forced" : "unavailable"}`,
    );
    const calls = raw.requests.slice(first);
    expect(calls).toHaveLength(1000);
    expect(calls.filter((c) => c.closedEarlyAt === null)).toHaveLength(0);
    expect(raw.openSockets).toBe(0);
    expect(Math.abs(countAfter - countBefore), `${JSON.stringify(handlesBefore)} → ${JSON.stringify(handlesAfter)}`).toBeLessThanOrEqual(4);
    for (const kind of ["TCPSocketWrap", "Timeout"]) {
      expect(Math.abs((handlesAfter[kind] ?? 0) - (handlesBefore[kind] ?? 0)), kind).toBeLessThanOrEqual(3);
    }
    expect(heapAfter - heapBefore).toBeLessThan((gc ? 16 : 64) * 1024 * 1024);
    expect(rssAfter - rssBefore).toBeLessThan(150 * 1024 * 1024);
  }, 60_000);
});
