// One failing fixture per rule (test/fixtures/lint/**): the rule id and the exact file:line:col.
import { describe, expect, it } from "vitest";
import { lintPaths, type Finding } from "../../src/lint/index.ts";

const F = "test/fixtures/lint";

async function lint(file: string, env: Record<string, string> = {}) {
  return lintPaths({ files: [`${F}/${file}`], env });
}

/** `file:line:col rule severity` of every finding, for compact assertions. */
function where(findings: Finding[]): string[] {
  return findings.map((f) => `${f.file}:${f.line}:${f.col} ${f.rule} ${f.severity}`);
}

describe("lint rules: one broken fixture each", () => {
  it("config-schema: unknown key and wrong type", async () => {
    const r = await lint("config/config-schema.yaml");
    expect(where(r.findings)).toEqual([
      `${F}/config/config-schema.yaml:3:3 config-schema error`,
      `${F}/config/config-schema.yaml:8:28 config-schema error`,
    ]);
    expect(r.findings[0]!.message).toContain('unknown key "prot"');
    expect(r.findings[1]!.message).toContain("max_attempts must be an integer");
    expect(r.errors).toBe(2);
  });

  it("config-schema: allowed_hosts and allowed_origins entries in the wrong form", async () => {
    const r = await lint("config/access.yaml");
    expect(where(r.findings)).toEqual([
      `${F}/config/access.yaml:3:30 config-schema error`,
      `${F}/config/access.yaml:3:54 config-schema error`,
      `${F}/config/access.yaml:5:48 config-schema error`,
      `${F}/config/access.yaml:5:74 config-schema error`,
      `${F}/config/access.yaml:5:79 config-schema error`,
    ]);
    expect(r.findings[0]!.message).toBe("server.allowed_hosts[1] must be a host name or IP address without scheme or port (godex.example.com; .example.com for it and every subdomain; 192.168.1.10; [fd00::1])");
    expect(r.findings[2]!.message).toBe("server.cors.allowed_origins[1] must be an origin: scheme://host[:port] with no path or trailing slash (http://localhost:3000, https://chat.example.com)");
  });

  it("mapping-schema: enum value and unknown key, in the child file", async () => {
    const r = await lint("mappings/mapping-schema.yaml");
    expect(where(r.findings)).toEqual([
      `${F}/mappings/mapping-schema.yaml:5:20 mapping-schema error`,
      `${F}/mappings/mapping-schema.yaml:8:5 mapping-schema error`,
    ]);
    expect(r.findings[0]!.message).toBe('request.system_messages must be one of "keep", "merge_first"');
    expect(r.findings[1]!.message).toMatch(/^unknown key 'sometimes' in request.tool_choice/);
  });

  it("mapping-schema: a model's context_window is a positive whole number of tokens", async () => {
    const schema = (await lint("mappings/context-window.yaml")).findings.filter((f) => f.rule === "mapping-schema");
    expect(where(schema)).toEqual([`${F}/mappings/context-window.yaml:5:28 mapping-schema error`, `${F}/mappings/context-window.yaml:6:26 mapping-schema error`]);
    expect(schema.map((f) => f.message)).toEqual(["models.small.context_window must be >= 1", "models.big.context_window must be an integer, got a string"]);
  });

  it("jsonata-syntax: points at the character inside block, single- and double-quoted expressions", async () => {
    const r = await lint("mappings/jsonata-syntax.yaml");
    expect(where(r.findings)).toEqual([
      `${F}/mappings/jsonata-syntax.yaml:7:51 jsonata-syntax error`, // the second `+` of `++`, inside a | block
      `${F}/mappings/jsonata-syntax.yaml:11:40 jsonata-syntax error`, // just past the end: `)` expected
      `${F}/mappings/jsonata-syntax.yaml:15:47 jsonata-syntax error`, // past the end, after \" escapes
    ]);
    expect(r.findings[0]!.message).toContain("request.patch");
    expect(r.findings[0]!.message).toContain("S0211");
    expect(r.findings[1]!.message).toContain("errors.rules[0].when");
    expect(r.findings[2]!.message).toContain("errors.rules[1].when");
  });

  it("reference (config): alias to an unconfigured provider, spec without a mapping file", async () => {
    const r = await lint("config/reference.yaml");
    expect(where(r.findings)).toEqual([
      `${F}/config/reference.yaml:5:19 reference error`,
      `${F}/config/reference.yaml:12:11 reference error`,
    ]);
    expect(r.findings[0]!.message).toContain("provider 'nowhere' is not configured");
    expect(r.findings[1]!.message).toContain("acme-chat.yaml does not exist");
  });

  it("reference (mapping): extends target missing", async () => {
    const r = await lint("mappings/reference-extends.yaml");
    expect(where(r.findings)).toEqual([`${F}/mappings/reference-extends.yaml:3:10 reference error`]);
    expect(r.findings[0]!.message).toContain("extends 'openai-chatt'");
  });

  it("reference (mapping): effort_table names no table", async () => {
    const r = await lint("mappings/reference-effort.yaml");
    expect(where(r.findings)).toEqual([`${F}/mappings/reference-effort.yaml:6:24 reference error`]);
    expect(r.findings[0]!.message).toContain("no effort table named 'thinkng'");
  });

  it("env-unset: a warning naming the variable, never a value", async () => {
    const r = await lint("config/env-unset.yaml");
    expect(where(r.findings)).toEqual([`${F}/config/env-unset.yaml:5:16 env-unset warning`]);
    expect(r.findings[0]!.message).toContain("${GODEX_LINT_UNSET_KEY}");
    const set = await lint("config/env-unset.yaml", { GODEX_LINT_UNSET_KEY: "sk-secret-value-123" });
    expect(set.findings).toEqual([]);
  });

  it("env-unset: outside api_key an unset variable is an error (the loader refuses the file)", async () => {
    const r = await lintPaths({ files: ["test/fixtures/config/valid.yaml"], env: { TEST_DEEPSEEK_KEY: "k" } });
    expect(where(r.findings)).toEqual([
      "test/fixtures/config/valid.yaml:7:19 env-unset error",
      "test/fixtures/config/valid.yaml:9:14 env-unset error",
    ]);
  });

  it("literal-key: warns without quoting the key", async () => {
    const r = await lint("config/literal-key.yaml");
    expect(where(r.findings)).toEqual([`${F}/config/literal-key.yaml:5:16 literal-key warning`]);
    expect(JSON.stringify(r)).not.toContain("sk-lint-fixture");
  });

  it("coverage-request: a Responses field without an entry, and 'mapped' with no translation step", async () => {
    const r = await lint("mappings/coverage-request.yaml");
    expect(where(r.findings)).toEqual([
      `${F}/mappings/coverage-request.yaml:6:13 coverage-request error`,
      `${F}/mappings/coverage-request.yaml:7:22 coverage-request error`,
    ]);
    expect(r.findings[0]!.message).toContain("'prompt'");
    expect(r.findings[1]!.message).toContain("no translation step for 'store'");
  });

  it("coverage-request: a sampling default the Response echoes is missing, another outside the provider's range", async () => {
    const r = await lint("mappings/sampling-defaults.yaml");
    expect(where(r.findings)).toEqual([
      `${F}/mappings/sampling-defaults.yaml:7:37 coverage-request error`,
      `${F}/mappings/sampling-defaults.yaml:7:49 coverage-request error`,
    ]);
    expect(r.findings[0]!.message).toContain("default temperature 1.5 is outside request.sampling.temperature [0, 1]");
    expect(r.findings[1]!.message).toContain("no default for 'top_p'");
  });

  it("coverage-responses-wire: a field without an entry, a rename without target, a terminal event not read, an unknown native effort table", async () => {
    const r = await lint("mappings/coverage-responses-wire.yaml");
    const wire = r.findings.filter((f) => f.rule === "coverage-responses-wire");
    expect(where(wire)).toEqual([
      `${F}/mappings/coverage-responses-wire.yaml:5:54 coverage-responses-wire error`,
      `${F}/mappings/coverage-responses-wire.yaml:8:13 coverage-responses-wire error`,
      `${F}/mappings/coverage-responses-wire.yaml:9:21 coverage-responses-wire error`,
      `${F}/mappings/coverage-responses-wire.yaml:12:24 coverage-responses-wire error`,
    ]);
    expect(wire[0]!.message).toContain("no table 'nope' under responses.effort_tables");
    expect(wire[1]!.message).toContain("'prompt' has no valid entry in responses.fields");
    expect(wire[2]!.message).toContain("rename needs `to`");
    expect(wire[3]!.message).toContain("'response.failed'");
  });

  it("coverage-reply: a reply field and a base finish reason without destination", async () => {
    const r = await lint("mappings/coverage-reply.yaml");
    expect(where(r.findings)).toEqual([
      `${F}/mappings/coverage-reply.yaml:5:14 coverage-reply error`,
      `${F}/mappings/coverage-reply.yaml:7:11 coverage-reply error`,
    ]);
    expect(r.findings[0]!.message).toMatch(/^stream.reasoning is null/);
    expect(r.findings[1]!.message).toContain("finish reason 'length'");
  });

  it("effort-coverage: a table without xhigh (error), a model entry without a table (warning)", async () => {
    const r = await lint("mappings/effort-coverage.yaml");
    expect(where(r.findings)).toEqual([
      `${F}/mappings/effort-coverage.yaml:6:3 effort-coverage warning`,
      `${F}/mappings/effort-coverage.yaml:9:5 effort-coverage error`,
    ]);
    expect(r.findings[0]!.message).toContain("reasoning.effort is ignored for acme-mini");
    expect(r.findings[1]!.message).toContain("effort 'xhigh'");
  });

  it("examples: the first differing path, expected vs actual, at the example", async () => {
    const r = await lint("mappings/examples.yaml");
    expect(where(r.findings)).toEqual([`${F}/mappings/examples.yaml:10:5 examples error`]);
    expect(r.findings[0]!.message).toBe("example 'wrong expectation': max_tokens: expected 50, got (absent)");
  });

  it("yaml-syntax: reported with its position, and the run could not complete", async () => {
    const r = await lint("config/yaml-syntax.yaml");
    expect(r.couldNotRun).toBe(true);
    expect(r.findings[0]).toMatchObject({ file: `${F}/config/yaml-syntax.yaml`, line: 4, col: 3, rule: "yaml-syntax" });
  });

  it("a missing file is reported and the run could not complete", async () => {
    const r = await lint("mappings/does-not-exist.yaml");
    expect(r.couldNotRun).toBe(true);
    expect(where(r.findings)).toEqual([`${F}/mappings/does-not-exist.yaml:1:1 file error`]);
  });

  it("a clean mapping with a passing example has no findings", async () => {
    const r = await lint("mappings/clean.yaml");
    expect(r.findings).toEqual([]);
    expect(r.files).toEqual([`${F}/mappings/clean.yaml`, "mappings/openai-chat.yaml"]);
  });

  it("--strict turns warnings into errors", async () => {
    const r = await lintPaths({ files: [`${F}/config/literal-key.yaml`], env: {}, strict: true });
    expect(r).toMatchObject({ errors: 1, warnings: 0 });
    expect(r.findings[0]!.severity).toBe("error");
  });
});
