// `godex doctor`'s web search check: the definition loads, the key is there (its own or a provider's),
// and with --live one search runs against the backend (here the SearXNG emulator).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { searchCheck } from "../../src/cli/doctor-search.ts";
import { loadConfigFromObject } from "../../src/config/load.ts";
import { startMockUpstreams, type MockUpstreams } from "../../src/mock/server.ts";

let mock: MockUpstreams;
beforeAll(async () => {
  mock = await startMockUpstreams();
});
afterAll(() => mock.close());

const providers = { zhipu: { spec: "zhipu", credentials: { api_key: "zk-secret-123456" }, endpoint: { base_url: "http://127.0.0.1:1" } } };
const config = (web_search?: Record<string, unknown>) => loadConfigFromObject({ providers, ...(web_search ? { web_search } : {}) }, {});

describe("godex doctor: web search", () => {
  it("is silent when search is off", async () => {
    expect(await searchCheck(config(), false)).toBeNull();
  });

  it("a reachable backend: ok, and --live runs one search", async () => {
    const c = config({ backend: "searxng", endpoint: { base_url: mock.searchUrl } });
    expect(await searchCheck(c, false)).toMatchObject({ name: "web search (searxng)", ok: true, detail: `${mock.searchUrl}, no key needed` });
    mock.clear();
    expect(await searchCheck(c, true)).toMatchObject({ ok: true, detail: `${mock.searchUrl} answered with 3 result(s), no key needed` });
    expect(mock.requests.filter((r) => r.provider === "searxng")).toHaveLength(1);
  });

  it("an unreachable backend fails --live with the reason and where to look", async () => {
    const r = await searchCheck(config({ backend: "searxng", endpoint: { base_url: "http://127.0.0.1:1" }, timeout_ms: 500 }), true);
    expect(r).toMatchObject({ ok: false });
    expect(r!.fix).toMatch(/web_search\.endpoint\.base_url/);
  });

  it("a backend that needs a key without one, and one that reuses the provider's key", async () => {
    const brave = await searchCheck(config({ backend: "brave", credentials: { api_key: "" } }), false);
    expect(brave).toMatchObject({ ok: false });
    expect(brave!.detail).toMatch(/brave search backend needs a key/);
    const zhipu = await searchCheck(config({ backend: "zhipu" }), false);
    expect(zhipu).toMatchObject({ ok: true });
    expect(zhipu!.detail).toMatch(/key of the provider reused/);
    expect(JSON.stringify(zhipu)).not.toContain("zk-secret");
  });

  it("an unknown backend names the definitions there are", async () => {
    const r = await searchCheck(loadConfigFromObject({ providers, web_search: { backend: "nosuch" } }, {}), false);
    expect(r).toMatchObject({ ok: false });
    expect(r!.fix).toMatch(/one of brave, searxng, tavily, zhipu/);
  });

  it("the providers' own search only (native: always, no backend)", async () => {
    const r = await searchCheck(config({ native: "always" }), false);
    expect(r).toMatchObject({ ok: true });
    expect(r!.detail).toMatch(/providers' own search only \(web_search\.native: always\)/);
  });
});
