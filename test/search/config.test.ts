// web_search config: off by default, the new keys, and the earlier GodeX's keys carried over with a deprecation warning.
import { describe, expect, it } from "vitest";
import { loadConfigFromObject } from "../../src/config/load.ts";
import { buildHostedSearch } from "../../src/engine/hosted/search-runtime.ts";
import { projectPath } from "../../src/util/paths.ts";

const providers = { zhipu: { spec: "zhipu", credentials: { api_key: "zk-secret-123456" }, endpoint: { base_url: "http://127.0.0.1:1" } } };
const load = (web_search?: Record<string, unknown>) => loadConfigFromObject({ providers, ...(web_search ? { web_search } : {}) }, {});

describe("web_search config", () => {
  it("is off unless set", () => {
    expect(load().webSearch).toBeUndefined();
  });

  it("reads the new keys; the key is never serialized", () => {
    const c = load({ backend: "tavily", credentials: { api_key: "tvly-secret" }, max_results: 3, max_searches_per_response: 2 });
    expect(c.webSearch).toMatchObject({ backend: "tavily", maxResults: 3, maxSearches: 2, timeoutMs: 10000, maxResultChars: 8000 });
    expect(c.webSearch!.apiKey).toBe("tvly-secret");
    expect(JSON.stringify(c)).not.toContain("tvly-secret");
  });

  it("maps the earlier GodeX's keys with a deprecation warning naming the new ones", () => {
    const c = load({ enabled: true, mode: "godex_managed", provider: "zhipu", max_iterations: 3, timeout_ms: 5000 });
    expect(c.webSearch).toMatchObject({ backend: "zhipu", maxSearches: 3, timeoutMs: 5000 });
    const text = c.warnings.map((w) => w.message).join("\n");
    expect(text).toMatch(/web_search\.provider: earlier GodeX key: use web_search\.backend/);
    expect(text).toMatch(/web_search\.max_iterations: .*max_searches_per_response/);
    expect(load({ enabled: false, provider: "zhipu" }).webSearch).toBeUndefined();
    expect(load({ mode: "disabled" }).webSearch).toBeUndefined();
  });

  it("the earlier keys resolve through the backend definitions' data, not names in code", () => {
    const dir = projectPath("test", "fixtures", "search", "legacy");
    const mm = { minimax: { spec: "minimax", credentials: { api_key: "mm-secret-123456" }, endpoint: { base_url: "http://127.0.0.1:1" } } };
    const named = loadConfigFromObject({ providers: mm, web_search: { provider: "oldname", search_dir: dir } }, {});
    expect(named.webSearch).toMatchObject({ backend: "oldsearch", native: "auto" });
    // enabled: true alone: the backend whose definition reuses a configured provider's key.
    const enabled = loadConfigFromObject({ providers: mm, web_search: { enabled: true, search_dir: dir } }, {});
    expect(enabled.webSearch?.backend).toBe("oldsearch");
    const hosted = buildHostedSearch(enabled)!;
    expect(hosted.keySource).toBe("provider");
    expect(hosted.settings.apiKey).toBe("mm-secret-123456");
    // The shipped definitions: provider: mock is the SearXNG-shaped emulator, provider: zhipu Zhipu's search API.
    expect(load({ provider: "mock" }).webSearch?.backend).toBe("searxng");
    expect(load({ enabled: true }).webSearch?.backend).toBe("zhipu");
    expect(() => loadConfigFromObject({ providers, web_search: { provider: "nosuch" } }, {})).toThrow(/web_search\.provider: 'nosuch' names no search backend/);
    // No backend reuses a minimax key among the shipped ones: a warning, search stays off.
    const none = loadConfigFromObject({ providers: mm, web_search: { enabled: true } }, {});
    expect(none.webSearch).toBeUndefined();
    expect(none.warnings.map((w) => w.message).join("\n")).toMatch(/names no search backend: set web_search\.backend \(brave, searxng, tavily, zhipu\)/);
  });

  it("web_search.native, and the earlier mode key mapped onto it", () => {
    expect(load({ backend: "searxng" }).webSearch?.native).toBe("auto");
    expect(load({ backend: "searxng", mode: "provider_native" }).webSearch?.native).toBe("always");
    expect(load({ backend: "searxng", mode: "godex_managed" }).webSearch?.native).toBe("never");
    // The providers' own search needs no backend.
    const own = load({ native: "always" });
    expect(own.webSearch).toMatchObject({ native: "always" });
    expect(own.webSearch?.backend).toBeUndefined();
    expect(buildHostedSearch(own)).toBeUndefined();
    expect(load({ native: "auto" }).webSearch).toBeUndefined();
  });

  it("the zhipu backend reuses the Zhipu provider's key", () => {
    const hosted = buildHostedSearch(load({ backend: "zhipu" }))!;
    expect(hosted.keySource).toBe("provider");
    expect(hosted.settings.apiKey).toBe("zk-secret-123456");
    expect(hosted.problem).toBeUndefined();
    expect(JSON.stringify(hosted.settings)).not.toContain("zk-secret");
  });

  it("a backend that needs a key without one is reported", () => {
    expect(buildHostedSearch(load({ backend: "brave" }))!.problem).toMatch(/brave search backend needs a key/);
  });

  it("an unknown backend is a load error", () => {
    expect(() => buildHostedSearch(load({ backend: "nosuch" }))).toThrow(/no search backend definition/);
  });
});
