// `godex init`: the config template, the printed Codex block, and --write-codex into empty and
// existing Codex homes (byte-exact preservation, backups, idempotence).
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "yaml";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { init } from "../../src/cli/init.ts";
import { parse as parseToml } from "smol-toml";
import { godexYamlTemplate } from "../../src/cli/templates/godex.yaml.ts";
import { loadConfig } from "../../src/config/load.ts";
import { memoryIO } from "../fixtures/cli/io.ts";

const REPO = join(import.meta.dirname, "../..");
const FIXTURES = join(REPO, "test/fixtures/cli");
const NO_KEYS = {};

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "godex-init-"));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

async function run(args: string[], env: NodeJS.ProcessEnv = NO_KEYS) {
  const m = memoryIO({ cwd: dir, env });
  const code = await init(args, m.io);
  return { code, out: m.stdout(), err: m.stderr() };
}

describe("godex init: godex.yaml", () => {
  it("the template means what the shipped godex.yaml means", () => {
    const shipped = parse(readFileSync(join(REPO, "godex.yaml"), "utf8"));
    expect(parse(godexYamlTemplate())).toEqual(shipped);
    expect(parse(godexYamlTemplate({ port: 6001 }))).toEqual({ ...shipped, server: { ...shipped.server, port: 6001 } });
    // And it loads exactly like the shipped file (providers, env var names, base URLs, aliases).
    writeFileSync(join(dir, "t.yaml"), godexYamlTemplate());
    const a = loadConfig(join(dir, "t.yaml"), {});
    const b = loadConfig(join(REPO, "godex.yaml"), {});
    expect({ ...a, file: "", warnings: [] }).toEqual({ ...b, file: "", warnings: [] });
    expect(Object.fromEntries(Object.values(a.providers).map((p) => [p.name, [p.apiKeyEnv, p.baseUrl]]))).toEqual({
      deepseek: ["DEEPSEEK_API_KEY", "https://api.deepseek.com"],
      zhipu: ["ZHIPU_API_KEY", "https://open.bigmodel.cn/api/paas/v4"],
      minimax: ["MINIMAX_API_KEY", "https://api.minimax.io/v1"],
      xiaomi: ["XIAOMI_API_KEY", "https://api.xiaomimimo.com/v1"],
    });
  });

  it("fresh: writes the commented config and prints the Codex block, touching no Codex home", async () => {
    const r = await run(["--codex-home", join(dir, "codex")]);
    expect(r.code, r.err).toBe(0);
    const written = readFileSync(join(dir, "godex.yaml"), "utf8");
    expect(written).toBe(godexYamlTemplate());
    expect(written).toMatch(/^# Written by `godex init`/);
    expect(written).toContain('api_key: "${DEEPSEEK_API_KEY}"');
    expect(r.out).toContain("✓ godex.yaml: written");
    expect(r.out).toContain("providers: deepseek (DEEPSEEK_API_KEY not set), zhipu (ZHIPU_API_KEY not set)");
    expect(r.out).toContain("  [model_providers.godex]\n");
    expect(r.out).toContain('  base_url = "http://127.0.0.1:5678/v1"\n');
    expect(r.out).toContain(`  model_catalog_json = "${join(dir, "codex", "godex-models.json")}"\n`);
    expect(r.out).toContain("godex init --write-codex merges this into");
    expect(existsSync(join(dir, "codex"))).toBe(false);
  });

  it("--port goes into the new config and the Codex block", async () => {
    const r = await run(["--port", "6123", "--codex-home", join(dir, "codex")]);
    expect(r.code).toBe(0);
    expect(readFileSync(join(dir, "godex.yaml"), "utf8")).toContain("  port: 6123               # GODEX_PORT overrides\n");
    expect(r.out).toContain('base_url = "http://127.0.0.1:6123/v1"');
    expect((await run(["--port", "99999"])).code).toBe(2);
  });

  it("an existing godex.yaml is kept; --force replaces it after a .bak copy", async () => {
    const mine = "# mine\nproviders:\n  deepseek:\n    credentials: { api_key: \"${DEEPSEEK_API_KEY}\" }\n    endpoint: { base_url: https://api.deepseek.com }\nserver: { port: 7001 }\n";
    writeFileSync(join(dir, "godex.yaml"), mine);
    const kept = await run(["--codex-home", join(dir, "codex")]);
    expect(kept.code, kept.err).toBe(0);
    expect(kept.out).toContain("✓ godex.yaml exists: kept as it is (godex init --force replaces it, after a .bak copy)");
    expect(readFileSync(join(dir, "godex.yaml"), "utf8")).toBe(mine);
    // The Codex block follows the existing config's port.
    expect(kept.out).toContain('base_url = "http://127.0.0.1:7001/v1"');

    const forced = await run(["--force", "--codex-home", join(dir, "codex")]);
    expect(forced.code, forced.err).toBe(0);
    expect(readFileSync(join(dir, "godex.yaml.bak"), "utf8")).toBe(mine);
    expect(readFileSync(join(dir, "godex.yaml"), "utf8")).toBe(godexYamlTemplate());
    expect(forced.out).toContain(`previous copy: ${join(dir, "godex.yaml.bak")}`);
  });

  it("a godex.yaml that does not load: exit 1 with the problem, nothing written to Codex", async () => {
    writeFileSync(join(dir, "godex.yaml"), "providers:\n  deepseek:\n    endpoint: { base_url: nope }\n    bogus: 1\n");
    const r = await run(["--write-codex", "--codex-home", join(dir, "codex")]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/godex\.yaml does not load/);
    expect(r.err).toMatch(/godex\.yaml:\d+:\d+/);
    expect(existsSync(join(dir, "codex"))).toBe(false);
  });
});

describe("godex init --write-codex", () => {
  it("into an empty CODEX_HOME: config.toml, the catalog and the profile; a second run changes nothing", async () => {
    const home = join(dir, "codex");
    const r = await run(["--write-codex"], { CODEX_HOME: home });
    expect(r.code, r.err).toBe(0);
    const toml = readFileSync(join(home, "config.toml"), "utf8");
    const obj = parseToml(toml);
    expect(obj).toEqual({
      model: "gpt-5.5",
      model_provider: "godex",
      model_catalog_json: join(home, "godex-models.json"),
      model_providers: { godex: { name: "GodeX", base_url: "http://127.0.0.1:5678/v1", wire_api: "responses", requires_openai_auth: false, supports_websockets: true } },
    });
    const catalog = JSON.parse(readFileSync(join(home, "godex-models.json"), "utf8")) as { models: { slug: string }[] };
    expect(catalog.models.map((m) => m.slug).slice(0, 5)).toEqual(["gpt-5.5", "gpt-5.4", "gpt-5.3-codex", "gpt-5.4-mini", "gpt-5.3-codex-spark"]);
    expect(parseToml(readFileSync(join(home, "godex.config.toml"), "utf8"))).toEqual({
      model_provider: "godex",
      model: "gpt-5.5",
      model_catalog_json: join(home, "godex-models.json"),
    });
    expect(r.out).toContain("GodeX is Codex's default provider");
    // No backup: there was nothing to back up.
    expect(readdirSync(home).sort()).toEqual(["config.toml", "godex-models.json", "godex.config.toml"]);

    const snapshot = Object.fromEntries(readdirSync(home).map((f) => [f, readFileSync(join(home, f), "utf8")]));
    const again = await run(["--write-codex"], { CODEX_HOME: home });
    expect(again.code, again.err).toBe(0);
    expect(again.out).toContain("config.toml: already up to date");
    expect(again.out).toContain("godex-models.json: already up to date");
    expect(Object.fromEntries(readdirSync(home).map((f) => [f, readFileSync(join(home, f), "utf8")]))).toEqual(snapshot);
  });

  it("supports_websockets follows server.websocket.enabled: Codex tries WebSocket mode only when GodeX serves it", async () => {
    const home = join(dir, "codex");
    writeFileSync(join(dir, "godex.yaml"), godexYamlTemplate().replace(/^server:\n/m, "server:\n  websocket:\n    enabled: false\n"));
    const r = await run(["--write-codex"], { CODEX_HOME: home });
    expect(r.code, r.err).toBe(0);
    const obj = parseToml(readFileSync(join(home, "config.toml"), "utf8")) as { model_providers: { godex: { supports_websockets: boolean } } };
    expect(obj.model_providers.godex.supports_websockets).toBe(false);
  });

  it("into a home with other providers and settings: the rest is kept byte for byte, backup first, idempotent", async () => {
    const home = join(dir, "codex");
    mkdirSync(home);
    const original = readFileSync(join(FIXTURES, "codex-home-other/config.toml"), "utf8");
    copyFileSync(join(FIXTURES, "codex-home-other/config.toml"), join(home, "config.toml"));

    const r = await run(["--write-codex", "--codex-home", home]);
    expect(r.code, r.err).toBe(0);
    const after = readFileSync(join(home, "config.toml"), "utf8");
    // Everything the user wrote is still there, unchanged and in order; GodeX's table is appended.
    expect(after.startsWith(original)).toBe(true);
    const added = after.slice(original.length);
    expect(added).toBe(
      '\n# GodeX: a local gateway from Codex to DeepSeek, Zhipu GLM, MiniMax and Xiaomi MiMo.\n# `godex init --write-codex` keeps the keys below up to date; keys you add are kept.\n[model_providers.godex]\nname = "GodeX"\nbase_url = "http://127.0.0.1:5678/v1"\nwire_api = "responses"\nrequires_openai_auth = false\nsupports_websockets = true\n',
    );
    // The user's default stays; the catalog goes into the profile, not the global config.
    expect(r.out).toMatch(/model_provider = "openai" with model = "gpt-5\.5" \(kept\)/);
    expect(r.out).toContain("codex -p godex");
    expect(after).not.toContain("model_catalog_json");
    expect(readFileSync(join(home, "godex.config.toml"), "utf8")).toContain(`model_catalog_json = "${join(home, "godex-models.json")}"`);

    const backups = readdirSync(home).filter((f) => f.startsWith("config.toml.bak-"));
    expect(backups).toEqual(["config.toml.bak-20261124T063000Z"]);
    expect(readFileSync(join(home, backups[0]!), "utf8")).toBe(original);
    expect(r.out).toContain(`backup: ${join(home, backups[0]!)}`);

    const listing = readdirSync(home).sort();
    const again = await run(["--write-codex", "--codex-home", home]);
    expect(again.code).toBe(0);
    expect(readFileSync(join(home, "config.toml"), "utf8")).toBe(after);
    expect(readdirSync(home).sort()).toEqual(listing);
  });

  it("an older GodeX block is brought up to date in place, the user's extra keys kept", async () => {
    const home = join(dir, "codex");
    mkdirSync(home);
    copyFileSync(join(FIXTURES, "codex-home-godex-old/config.toml"), join(home, "config.toml"));
    const r = await run(["--write-codex", "--codex-home", home]);
    expect(r.code, r.err).toBe(0);
    const obj = parseToml(readFileSync(join(home, "config.toml"), "utf8"));
    expect(obj.model).toBe("zhipu/glm-5.3");
    expect(obj.model_catalog_json).toBe(join(home, "godex-models.json"));
    expect(obj.model_providers).toEqual({
      godex: { name: "My GodeX", base_url: "http://127.0.0.1:5678/v1", wire_api: "responses", stream_max_retries: 2, requires_openai_auth: false, supports_websockets: true },
      other: { name: "Other", base_url: "http://127.0.0.1:9999/v1" },
    });
    expect(r.out).toMatch(/set model_providers\.godex\.base_url = "http:\/\/127\.0\.0\.1:5678\/v1" \(was "http:\/\/127\.0\.0\.1:5000\/v1"\)/);
  });

  it("a config.toml it cannot parse is left untouched (exit 1)", async () => {
    const home = join(dir, "codex");
    mkdirSync(home);
    const broken = 'model = "gpt-5.5"\nmodel_provider = \n';
    writeFileSync(join(home, "config.toml"), broken);
    const r = await run(["--write-codex", "--codex-home", home]);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/config\.toml is not TOML GodeX can read, so nothing was changed/);
    expect(r.out).toContain("line 2: invalid value");
    expect(readFileSync(join(home, "config.toml"), "utf8")).toBe(broken);
    expect(readdirSync(home)).toEqual(["config.toml"]);
  });
});
