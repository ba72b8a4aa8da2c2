// The real `godex serve` records its responses in the ledger, and `godex usage` reads them after it
// stopped; mock mode keeps its own file. Config checks of budgets and named tokens.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { GODEX_BIN, REPO_ROOT, SHIPPED_CONFIG, startCli } from "../ops/helpers.ts";
import { loadConfigFromObject } from "../../src/config/load.ts";
import { input } from "./helpers.ts";

const dir = mkdtempSync(join(tmpdir(), "godex-ledger-cli-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("godex serve → ledger → godex usage", () => {
  it("rows written by the server are read by godex usage once it has stopped (mock mode: usage-mock.db)", async () => {
    const home = join(dir, "home");
    const cli = await startCli(["--config", SHIPPED_CONFIG, "--mock"], { GODEX_HOME: home });
    try {
      expect(cli.stderr()).toContain(`Usage ledger: sqlite ${join(home, "usage-mock.db")}`);
      for (const [model, key] of [["gpt-5.5", "conv-x"], ["gpt-5.4-mini", "conv-y"], ["gpt-5.5", "conv-x"]]) {
        const res = await fetch(`${cli.url}/v1/responses`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ model, input: input("hi"), prompt_cache_key: key, stream: true }) });
        expect(res.status).toBe(200);
        await res.text();
      }
    } finally {
      expect(await cli.stop()).toBe(0);
    }
    expect(existsSync(join(home, "usage.db"))).toBe(false);
    const r = spawnSync(process.execPath, [GODEX_BIN, "usage", "--db", join(home, "usage-mock.db"), "--by", "conversation", "--format", "json"], { cwd: REPO_ROOT, encoding: "utf8" });
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.lines.map((l: any) => [l.key, l.requests]).sort()).toEqual([["conv-x", 2], ["conv-y", 1]]);
    expect(report.total.input_tokens).toBeGreaterThan(0);
    expect(report.total.cost.USD).toBeGreaterThan(0);
  }, 60_000);

  it("says clearly when there is no ledger yet", () => {
    const r = spawnSync(process.execPath, [GODEX_BIN, "usage", "--db", join(dir, "nothing.db")], { cwd: REPO_ROOT, encoding: "utf8" });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("no ledger at");
  }, 60_000);
});

describe("ledger and budget configuration", () => {
  const providers = { deepseek: { endpoint: { base_url: "https://example.test" } } };
  it("names tokens (token-1… when unnamed) and never serializes the tokens", () => {
    const cfg = loadConfigFromObject({ providers, server: { auth: { tokens: ["t-secret-1", { name: "alice", token: "t-secret-2" }] } } }, {});
    expect(cfg.server.auth.tokenNames).toEqual(["token-1", "alice"]);
    expect(JSON.stringify(cfg)).not.toContain("t-secret");
  });

  it("rejects a budget on an unknown token, budgets without the ledger, and a duplicate token name", () => {
    const bad = (over: object) => {
      try {
        loadConfigFromObject({ providers, ...over }, {});
        return "";
      } catch (err) {
        return (err as Error).message;
      }
    };
    expect(bad({ budgets: [{ name: "b", token: "carol", period: "daily", limit: 1 }], server: { auth: { tokens: [{ name: "alice", token: "x" }] } } })).toContain('no token named "carol"');
    expect(bad({ budgets: [{ name: "b", period: "daily", limit: 1 }], ledger: { enabled: false } })).toContain("budgets are read from the usage ledger");
    expect(bad({ server: { auth: { tokens: [{ name: "a", token: "x" }, { name: "a", token: "y" }] } } })).toContain('"a" is used twice');
    expect(bad({ budgets: [{ name: "b", period: "weekly", limit: 1 }] })).toMatch(/period/);
    expect(bad({ ledger: { url: "mysql://x" } })).toMatch(/ledger\.url/);
  });

  it("keeps a PostgreSQL URL (which may hold a password) out of serialization", () => {
    const cfg = loadConfigFromObject({ providers, ledger: { url: "postgres://u:hunter2@db/godex" } }, {});
    expect(cfg.ledger.url).toBe("postgres://u:hunter2@db/godex");
    expect(JSON.stringify(cfg)).not.toContain("hunter2");
  });
});
