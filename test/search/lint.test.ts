// `godex lint` checks search backend definitions and the backend a config names.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { lintPaths } from "../../src/lint/index.ts";
import { projectPath } from "../../src/util/paths.ts";

describe("godex lint and search backends", () => {
  it("the shipped definitions and the test-only one are clean", async () => {
    const files = ["searxng", "tavily", "brave", "zhipu"].map((n) => projectPath("search", `${n}.yaml`));
    files.push(projectPath("test", "fixtures", "search", "unseen", "acme-find.yaml"));
    const r = await lintPaths({ files });
    expect(r.findings).toEqual([]);
  });

  it("reports a broken definition at its line", async () => {
    const dir = mkdtempSync(join(tmpdir(), "godex-lint-search-"));
    const file = join(dir, "broken.yaml");
    writeFileSync(file, 'name: broken\nkey: none\ndefault_base_url: http://x\nrequest: { method: GET, path: /s, verb: x }\nresults:\n  list: "items["\n  title: t\n  url: u\n  snippet: s\n');
    const r = await lintPaths({ files: [file], cwd: dir });
    expect(r.errors).toBeGreaterThan(0);
    expect(r.findings.map((f) => [f.rule, f.line])).toContainEqual(["search-schema", 4]);
    writeFileSync(file, 'name: broken\nkey: none\ndefault_base_url: http://x\nrequest: { method: GET, path: /s }\nresults:\n  list: "items["\n  title: t\n  url: u\n  snippet: s\n');
    const r2 = await lintPaths({ files: [file], cwd: dir });
    expect(r2.findings.map((f) => [f.rule, f.line])).toContainEqual(["jsonata-syntax", 6]);
  });

  it("a config naming a backend that does not exist is an error", async () => {
    const dir = mkdtempSync(join(tmpdir(), "godex-lint-search-"));
    const config = join(dir, "godex.yaml");
    writeFileSync(config, "providers:\n  deepseek:\n    credentials: { api_key: k }\n    endpoint: { base_url: http://127.0.0.1:1 }\nweb_search:\n  backend: nosuch\n");
    const r = await lintPaths({ config, cwd: dir, env: {} });
    expect(r.findings.find((f) => f.rule === "reference" && /nosuch/.test(f.message))).toMatchObject({ line: 6 });
  });
});
