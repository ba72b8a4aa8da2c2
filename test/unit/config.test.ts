import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig, loadConfigFromObject, parseBodyLimit } from "../../src/config/load.ts";
import { interpolateEnv } from "../../src/config/interpolate.ts";
import { parseTarget, resolveModel, single } from "../../src/config/resolve-model.ts";
import { formatLocation, parseYamlWithLocations } from "../../src/util/yaml-source.ts";

const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/config/${name}`, import.meta.url));
const shipped = fileURLToPath(new URL("../../godex.yaml", import.meta.url));

/** Runs `fn`, expecting a ConfigError, and returns it. */
function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error("expected a ConfigError");
}

const minimal = { providers: { deepseek: { endpoint: { base_url: "https://api.deepseek.com" } } } };

describe("parseYamlWithLocations", () => {
  const text = "a:\n  b: 1\n  list:\n    - x\n    - { y: 2 }\n  empty:\n";
  const doc = parseYamlWithLocations(text, "t.yaml");

  it("locates keys and values, 1-based", () => {
    expect(doc.value).toEqual({ a: { b: 1, list: ["x", { y: 2 }], empty: null } });
    expect(doc.locate(["a", "b"], "key")).toEqual({ file: "t.yaml", line: 2, col: 3 });
    expect(doc.locate(["a", "b"])).toEqual({ file: "t.yaml", line: 2, col: 6 });
    expect(doc.locate("/a/list/1/y")).toEqual({ file: "t.yaml", line: 5, col: 12 });
    expect(doc.locate(["a", "list", 0])).toEqual({ file: "t.yaml", line: 4, col: 7 });
  });

  it("falls back to the nearest existing ancestor, and to the key of an empty value", () => {
    expect(doc.locate(["a", "missing", "deeper"])).toEqual({ file: "t.yaml", line: 1, col: 1 });
    expect(doc.locate(["a", "list", 7])).toEqual({ file: "t.yaml", line: 3, col: 3 });
    expect(doc.locate(["a", "empty"])).toEqual({ file: "t.yaml", line: 6, col: 3 });
    expect(doc.locate([])).toEqual({ file: "t.yaml", line: 1, col: 1 });
  });

  it("reports syntax errors and duplicate keys with positions", () => {
    const bad = parseYamlWithLocations("a: 1\na: 2\n", "d.yaml");
    expect(bad.errors).toHaveLength(1);
    expect(bad.errors[0]).toMatchObject({ file: "d.yaml", line: 2, col: 1 });
    expect(bad.errors[0]!.message).toMatch(/unique/);
    expect(formatLocation({ file: "x.yaml", line: 3, col: 9 })).toBe("x.yaml:3:9");
  });
});

describe("interpolateEnv", () => {
  it("expands ${VAR} and ${VAR:-default}, and records references without values", () => {
    const env = { A: "1", EMPTY: "" };
    const { value, refs, issues } = interpolateEnv(
      { x: "${A}-${B:-two}", y: ["${EMPTY:-fallback}", "${MISSING}"], z: "$${A} $HOME", n: 5 },
      env,
    );
    expect(value).toEqual({ x: "1-two", y: ["fallback", ""], z: "${A} $HOME", n: 5 });
    expect(issues).toEqual([]);
    expect(refs.map((r) => [r.name, r.set, r.hasDefault])).toEqual([
      ["A", true, false],
      ["B", false, true],
      ["EMPTY", true, true],
      ["MISSING", false, false],
    ]);
    expect(refs[3]!.path).toEqual(["y", 1]);
    expect(JSON.stringify(refs)).not.toContain('"1"');
  });

  it("flags malformed references", () => {
    const { issues } = interpolateEnv({ a: "${1X}", b: "${OPEN", c: "${A:-${B}}" }, {});
    expect(issues.map((i) => i.path)).toEqual([["a"], ["b"], ["c"]]);
  });
});

describe("loadConfig", () => {
  const env = { TEST_SECRET: "s".repeat(32), TEST_TOKEN: "tok-123", TEST_DEEPSEEK_KEY: "sk-test-deepseek" };

  it("loads and normalizes a full config", () => {
    const cfg = loadConfig(fixture("valid.yaml"), env);
    expect(cfg.server).toMatchObject({ host: "127.0.0.1", port: 6000, bodyLimitBytes: 2 * 1024 * 1024, exposeRawReasoning: true });
    expect(cfg.server.carrierSecret).toBe(env.TEST_SECRET);
    expect(cfg.server.auth.tokens).toEqual(["tok-123"]);
    expect(cfg.defaultProvider).toBe("deepseek");
    expect(cfg.aliases).toEqual({ "gpt-5.5": "deepseek/deepseek-v4-pro", "*": "zhipu/glm-5.1" });
    expect(cfg.logging).toEqual({ level: "debug", payloads: true });
    expect(cfg.providers.deepseek).toMatchObject({
      name: "deepseek",
      spec: "deepseek",
      apiKeyEnv: "TEST_DEEPSEEK_KEY",
      baseUrl: "https://api.deepseek.com",
      headers: { "X-Trace": "off" },
      models: ["deepseek-v4-pro", "deepseek-v4-flash"],
      timeouts: { connectMs: 1000, firstByteMs: 300000, idleMs: 300000, totalMs: 60000 },
      retry: { maxAttempts: 2, maxDelayMs: 8000 },
    });
    expect(cfg.providers.deepseek!.path).toBeUndefined();
    expect(cfg.providers.deepseek!.apiKey).toBe("sk-test-deepseek");
    expect(cfg.providers.zhipu).toMatchObject({ baseUrl: "http://127.0.0.1:9000/api/paas/v4", path: "/chat/completions", models: [] });
    expect(cfg.providers.zhipu!.apiKey).toBe("zk-from-file");
    expect(cfg.referencedEnv).toEqual(["TEST_PORT", "TEST_SECRET", "TEST_TOKEN", "TEST_DEEPSEEK_KEY", "TEST_TRACE"]);
    expect(cfg.warnings).toEqual([]);
  });

  it("never serializes secrets", () => {
    const cfg = loadConfig(fixture("valid.yaml"), env);
    const dump = JSON.stringify(cfg);
    for (const secret of [env.TEST_SECRET, env.TEST_TOKEN, env.TEST_DEEPSEEK_KEY, "zk-from-file"]) expect(dump).not.toContain(secret);
  });

  it("coerces env values into number fields and lets GODEX_PORT / GODEX_HOST override", () => {
    expect(loadConfig(fixture("valid.yaml"), { ...env, TEST_PORT: "7001" }).server.port).toBe(7001);
    const cfg = loadConfig(fixture("valid.yaml"), { ...env, GODEX_PORT: "7002", GODEX_HOST: "::1" });
    expect(cfg.server).toMatchObject({ port: 7002, host: "::1" });
    const err = configError(() => loadConfig(fixture("valid.yaml"), { ...env, GODEX_PORT: "http" }));
    expect(err.message).toBe(`${fixture("valid.yaml")}:4:9: GODEX_PORT (environment) must be an integer from 0 to 65535`);
  });

  it("allows an unset api_key (provider has no key) but not other unset variables", () => {
    const cfg = loadConfig(fixture("valid.yaml"), { ...env, TEST_DEEPSEEK_KEY: undefined });
    expect(cfg.providers.deepseek!.apiKey).toBeUndefined();
    expect(cfg.providers.deepseek!.apiKeyEnv).toBe("TEST_DEEPSEEK_KEY");

    const err = configError(() => loadConfig(fixture("valid.yaml"), { TEST_DEEPSEEK_KEY: "sk-must-not-leak" }));
    expect(err.problems.map((p) => [p.line, p.col, p.path])).toEqual([
      [7, 19, "server.carrier_secret"],
      [9, 14, "server.auth.tokens[0]"],
    ]);
    expect(err.problems[0]!.message).toBe("server.carrier_secret uses ${TEST_SECRET}, which is not set (set it, or write ${TEST_SECRET:-default})");
    expect(err.message).not.toContain("sk-must-not-leak");
  });

  it("names an unknown key at its exact line:col", () => {
    const file = fixture("unknown-key.yaml");
    const err = configError(() => loadConfig(file, {}));
    expect(err.message.split("\n")).toEqual([
      `${file}:3:3: unknown key "prot" in server; did you mean "port"?`,
      `${file}:6:53: unknown key "bogus" in providers.deepseek.endpoint (allowed: base_url, path, responses_path, headers)`,
    ]);
    expect(err.problems[0]).toMatchObject({ file, line: 3, col: 3, path: "server.prot" });
  });

  it("names the field and expected type on a wrong type", () => {
    const file = fixture("wrong-type.yaml");
    const err = configError(() => loadConfig(file, {}));
    expect(err.message.split("\n")).toEqual([
      `${file}:2:9: server.port must be an integer, got a string`,
      `${file}:3:25: server.expose_raw_reasoning must be a boolean (true/false), got a string`,
      `${file}:8:13: providers.deepseek.models must be a list, got a string`,
    ]);
  });

  it("reports a missing required key at its parent", () => {
    const err = configError(() => loadConfigFromObject({ providers: { deepseek: { spec: "deepseek" } } }, {}));
    expect(err.message).toBe('<inline>:1:1: providers.deepseek is missing required key "endpoint"');
  });

  it("rejects alias targets that are malformed or name an unconfigured provider", () => {
    const file = fixture("bad-alias.yaml");
    const err = configError(() => loadConfig(file, {}));
    expect(err.message.split("\n")).toEqual([
      `${file}:1:19: default_provider: provider "openai" is not configured (configured: deepseek)`,
      `${file}:5:14: models.aliases["gpt-5.4"]: provider "kimi" is not configured (configured: deepseek)`,
      `${file}:6:20: models.aliases["gpt-5.3-codex"]: "deepseek-v4-pro" must be written provider/model`,
      `${file}:9:27: providers.deepseek.endpoint.base_url must be an http(s) URL`,
    ]);
  });

  it("warns about a literal API key without echoing it", () => {
    const file = fixture("literal-key.yaml");
    const cfg = loadConfig(file, {});
    expect(cfg.warnings).toEqual([
      { file, line: 4, col: 16, message: "providers.deepseek.credentials.api_key: literal API key; prefer ${DEEPSEEK_API_KEY}" },
    ]);
    expect(cfg.providers.deepseek!.apiKey).toBe("sk-literal-0123456789");
    expect(JSON.stringify(cfg)).not.toContain("sk-literal");

    const inDefault = { providers: { d: { credentials: { api_key: "${D_KEY:-sk-default-key}" }, endpoint: { base_url: "http://x" } } } };
    const warned = loadConfigFromObject(inDefault, {});
    expect(warned.warnings.map((w) => w.message)).toEqual(["providers.d.credentials.api_key: literal API key; prefer ${D_API_KEY}"]);
    expect(JSON.stringify(warned)).not.toContain("sk-default-key");
  });

  it("accepts an earlier-GodeX config, warning about the settings it ignores", () => {
    const file = fixture("legacy.yaml");
    const cfg = loadConfig(file, { DEEPSEEK_API_KEY: "sk-x" });
    expect(cfg.providers.deepseek!.timeouts.totalMs).toBe(120000);
    expect(cfg.server.host).toBe("0.0.0.0");
    expect(cfg.warnings.map((w) => `${w.line}:${w.col} ${w.message}`)).toEqual([
      "4:9 server.host 0.0.0.0 accepts other machines and server.auth.tokens is empty: anyone who reaches the port spends your provider keys (add server.auth.tokens, or set server.auth.allow_unauthenticated_remote: true)",
      "5:3 server.idle_timeout: a setting of the earlier GodeX, ignored",
      "18:5 providers.deepseek.timeout_ms: a setting of the earlier GodeX, read as timeouts.total_ms when that is not set",
      "19:1 session: a setting of the earlier GodeX, ignored",
      "23:1 trace: a setting of the earlier GodeX, ignored",
      "28:3 logging.console: a setting of the earlier GodeX, ignored",
    ]);
  });

  it("reports YAML syntax errors with their position", () => {
    const file = fixture("syntax-error.yaml");
    const err = configError(() => loadConfig(file, {}));
    expect(err.message).toBe(`${file}:3:1: All mapping items must start at the same column`);
  });

  it("reports a missing file and an empty config", () => {
    expect(configError(() => loadConfig(fixture("nope.yaml"))).message).toMatch(/nope\.yaml:1:1: cannot read config file \(ENOENT\)/);
    expect(configError(() => loadConfigFromObject(null, {})).message).toMatch(/config is empty/);
  });

  it("rejects api_key together with api_key_file, and unreadable key files", () => {
    const both = { providers: { d: { credentials: { api_key: "${K}", api_key_file: "k" }, endpoint: { base_url: "http://x" } } } };
    expect(configError(() => loadConfigFromObject(both, {})).message).toMatch(/set api_key or api_key_file, not both/);
    const missing = { providers: { d: { credentials: { api_key_file: "/nonexistent/key" }, endpoint: { base_url: "http://x" } } } };
    expect(configError(() => loadConfigFromObject(missing, {})).message).toMatch(/cannot read \/nonexistent\/key \(ENOENT\)/);
  });

  it("applies defaults to a minimal inline config", () => {
    const cfg = loadConfigFromObject(minimal, {});
    expect(cfg.server).toMatchObject({ host: "127.0.0.1", port: 5678, bodyLimitBytes: 64 * 1024 * 1024, exposeRawReasoning: false });
    expect(cfg.server.auth).toEqual({ allowUnauthenticatedRemote: false, tokenNames: [] });
    expect(cfg.server.auth.tokens).toEqual([]);
    expect(cfg.server.carrierSecret).toBeUndefined();
    expect(cfg.aliases).toEqual({});
    expect(cfg.defaultProvider).toBeUndefined();
    expect(cfg.logging).toEqual({ level: "info", payloads: false });
    expect(cfg.ledger).toEqual({ enabled: true, retentionDays: 90 });
    expect(cfg.budgets).toEqual([]);
    expect(cfg.file).toBe("<inline>");
  });

  it("parses body sizes", () => {
    expect(parseBodyLimit("512kb")).toBe(512 * 1024);
    expect(parseBodyLimit("1.5MB")).toBe(1.5 * 1024 * 1024);
    expect(parseBodyLimit(100)).toBe(100);
    expect(configError(() => loadConfigFromObject({ ...minimal, server: { body_limit: "lots" } }, {})).message).toMatch(
      /server\.body_limit must be a byte count or a size such as 512kb, 64mb, 1gb/,
    );
  });

  it("loads the shipped godex.yaml, with or without keys", () => {
    const cfg = loadConfig(shipped, {});
    expect(cfg.server).toMatchObject({ host: "127.0.0.1", port: 5678 });
    expect(Object.keys(cfg.providers)).toEqual(["deepseek", "zhipu", "minimax", "xiaomi"]);
    expect(Object.values(cfg.providers).map((p) => [p.baseUrl, p.apiKeyEnv, p.apiKey])).toEqual([
      ["https://api.deepseek.com", "DEEPSEEK_API_KEY", undefined],
      ["https://open.bigmodel.cn/api/paas/v4", "ZHIPU_API_KEY", undefined],
      ["https://api.minimax.io/v1", "MINIMAX_API_KEY", undefined],
      ["https://api.xiaomimimo.com/v1", "XIAOMI_API_KEY", undefined],
    ]);
    expect(cfg.warnings).toEqual([]);
    expect(resolveModel(cfg, "gpt-5.5")).toMatchObject({ alias: "gpt-5.5", provider: "deepseek", model: "deepseek-v4-pro" });
    expect(resolveModel(cfg, "gpt-5.3-codex-spark")).toMatchObject({ alias: "gpt-5.3-codex-spark", provider: "zhipu", model: "glm-5.1" });
    expect(resolveModel(cfg, "xiaomi/mimo-v2.5")).toMatchObject({ alias: "xiaomi/mimo-v2.5", provider: "xiaomi", model: "mimo-v2.5" });
    expect(loadConfig(shipped, { DEEPSEEK_API_KEY: "sk-1" }).providers.deepseek!.apiKey).toBe("sk-1");
  });
});

describe("resolveModel", () => {
  const cfg = loadConfigFromObject(
    {
      providers: {
        deepseek: { endpoint: { base_url: "https://api.deepseek.com" } },
        zhipu: { endpoint: { base_url: "https://open.bigmodel.cn/api/paas/v4" } },
      },
      models: { aliases: { "gpt-5.5": "deepseek/deepseek-v4-pro", "zhipu/glm-5.1": "deepseek/deepseek-v4-flash" } },
    },
    {},
  );

  it("prefers an exact alias, even over a provider/model name", () => {
    expect(resolveModel(cfg, "gpt-5.5")).toMatchObject({ alias: "gpt-5.5", provider: "deepseek", model: "deepseek-v4-pro" });
    expect(resolveModel(cfg, "zhipu/glm-5.1")).toMatchObject({ alias: "zhipu/glm-5.1", provider: "deepseek", model: "deepseek-v4-flash" });
  });

  it("passes provider/model through when the provider is configured", () => {
    expect(resolveModel(cfg, "zhipu/glm-5.2")).toMatchObject({ alias: "zhipu/glm-5.2", provider: "zhipu", model: "glm-5.2" });
    expect(resolveModel(cfg, "deepseek/org/model")).toMatchObject({ alias: "deepseek/org/model", provider: "deepseek", model: "org/model" });
  });

  it("returns null for unknown names without wildcard or default provider", () => {
    expect(resolveModel(cfg, "gpt-4o")).toBeNull();
    expect(resolveModel(cfg, "kimi/k2")).toBeNull();
    expect(resolveModel(cfg, "constructor")).toBeNull();
    expect(resolveModel(cfg, "")).toBeNull();
  });

  it("falls back to the wildcard, then to default_provider", () => {
    const wild = { ...cfg, routes: { ...cfg.routes, "*": single(parseTarget("zhipu/glm-5.1")!) } };
    expect(resolveModel(wild, "gpt-4o")).toMatchObject({ alias: "gpt-4o", provider: "zhipu", model: "glm-5.1" });
    expect(resolveModel(wild, "kimi/k2")).toMatchObject({ alias: "kimi/k2", provider: "zhipu", model: "glm-5.1" });
    const withDefault = { ...cfg, defaultProvider: "zhipu" };
    expect(resolveModel(withDefault, "glm-5.3")).toMatchObject({ alias: "glm-5.3", provider: "zhipu", model: "glm-5.3" });
    expect(resolveModel({ ...wild, defaultProvider: "zhipu" }, "glm-5.3")).toMatchObject({ alias: "glm-5.3", provider: "zhipu", model: "glm-5.1" });
  });
});
