// Start-up does only what the command needs: the bundle is built as `npm run build` builds it (same
// esbuild flags, into a temp dir, with a metafile mapping every output chunk to its sources), then each
// command runs from it under a module loader hook that records every module Node resolves. A command
// that pulls in the emulators, the lint rules, Express or a database driver it does not use fails here,
// whatever the machine's speed (issue 17; the wall times are in `npm run bench`).
import { spawn, spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildYamlCache } from "../../codegen/yaml-cache.ts";
import { buildLintVerdicts } from "../../codegen/lint-verdicts.ts";
import { buildMappingVerdicts } from "../../codegen/mapping-verdicts.ts";
import { YAML_CACHE_FILE } from "../../src/util/yaml-source.ts";
import { LINT_VERDICTS_FILE } from "../../src/lint/verdicts.ts";
import { MAPPING_VERDICTS_FILE } from "../../src/mapping/verdicts.ts";

const REPO = join(import.meta.dirname, "..", "..");
let tmp: string;
/** Output file (relative to the temp package root) → the source files bundled into it. */
let inputsOf: Map<string, string[]>;

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), "godex-startup-"));
  // A package root (package.json + schemas/ + mappings/) so the bundle finds its files as installed.
  for (const f of ["package.json", "godex.yaml", "schemas", "mappings", "search"]) cpSync(join(REPO, f), join(tmp, f), { recursive: true });
  const build: string = JSON.parse(readFileSync(join(REPO, "package.json"), "utf8")).scripts.build;
  const esbuild = build.split("&&").map((s) => s.trim()).find((s) => s.startsWith("esbuild "));
  expect(esbuild, "the build script runs esbuild").toBeDefined();
  // Words as a shell splits them (the banner flag is one double-quoted word with spaces).
  const words = (esbuild!.match(/"[^"]*"|\S+/g) ?? []).map((w) => w.replace(/^"(.*)"$/, "$1"));
  const args = words.slice(1).filter((a) => !a.startsWith("--outdir=") && !a.startsWith("--log-level="));
  expect(args).toContain("--splitting");
  const meta = join(tmp, "meta.json");
  const r = spawnSync(process.execPath, [join(REPO, "node_modules", "esbuild", "bin", "esbuild"), ...args, `--outdir=${join(tmp, "dist")}`, `--metafile=${meta}`, "--log-level=error"], { cwd: REPO, encoding: "utf8" });
  expect(r.status, r.stderr).toBe(0);
  const outputs = JSON.parse(readFileSync(meta, "utf8")).outputs as Record<string, { inputs: Record<string, unknown> }>;
  inputsOf = new Map(Object.entries(outputs).map(([out, o]) => [out.slice(out.indexOf("dist/")), Object.keys(o.inputs)]));
  // The build's data steps, for the temp package: the shipped YAML parsed, the shipped chains' lint and load verdicts.
  writeFileSync(join(tmp, YAML_CACHE_FILE), JSON.stringify(buildYamlCache(tmp)));
  writeFileSync(join(tmp, LINT_VERDICTS_FILE), JSON.stringify(await buildLintVerdicts(tmp)));
  writeFileSync(join(tmp, MAPPING_VERDICTS_FILE), JSON.stringify(buildMappingVerdicts(tmp)));
  // The generated validators, required on first use from dist/generated/validators/ (copied by the build's first step).
  cpSync(join(REPO, "src", "generated", "validators"), join(tmp, "dist", "generated", "validators"), { recursive: true });
  // The build's other esbuild steps (one-file copies of packages loaded on first use, dist/vendor/), into the temp dist/.
  for (const step of build.split("&&").map((s) => s.trim()).filter((s) => s.startsWith("esbuild ") && s !== esbuild)) {
    const stepArgs = step.split(/\s+/).slice(1).map((a) => a.replace(/^--outfile=dist\//, `--outfile=${join(tmp, "dist")}/`));
    const v = spawnSync(process.execPath, [join(REPO, "node_modules", "esbuild", "bin", "esbuild"), ...stepArgs], { cwd: REPO, encoding: "utf8" });
    expect(v.status, v.stderr).toBe(0);
  }
  writeFileSync(
    join(tmp, "record.mjs"),
    [
      'import { register } from "node:module";',
      'import { MessageChannel } from "node:worker_threads";',
      'import { appendFileSync } from "node:fs";',
      'import Module from "node:module";',
      'import { pathToFileURL } from "node:url";',
      "// require() from the bundle (packages loaded on first use with createRequire) bypasses the ESM hook.",
      "const load = Module._load;",
      "Module._load = function (request, parent, isMain) {",
      "  const r = load.apply(this, arguments);",
      "  try { const f = Module._resolveFilename(request, parent, isMain); if (f.startsWith(\"/\")) appendFileSync(process.env.GODEX_IMPORTS_LOG, pathToFileURL(f).href + \"\\n\"); } catch {}",
      "  return r;",
      "};",
      "const { port1, port2 } = new MessageChannel();",
      `port1.on("message", (url) => appendFileSync(process.env.GODEX_IMPORTS_LOG, url + "\\n"));`,
      "port1.unref();",
      `register(${JSON.stringify(pathToFileURL(join(tmp, "hooks2.mjs")).href)}, { data: { port: port2 }, transferList: [port2] });`,
    ].join("\n"),
  );
  writeFileSync(join(tmp, "hooks2.mjs"), "let port;\nexport function initialize(d) { port = d.port; }\nexport async function resolve(s, c, next) { const r = await next(s, c); port.postMessage(r.url); return r; }\n");
  writeFileSync(join(tmp, "run.mjs"), `const { main } = await import("./dist/godex.mjs");\nprocess.exitCode = await main(process.argv.slice(2));\n`);
  // The checkout's node_modules, through a link (the bundle imports its packages by name).
  symlinkSync(join(REPO, "node_modules"), join(tmp, "node_modules"), "dir");
}, 300_000);

afterAll(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

/** Runs `godex <args>` from the temp bundle; returns the packages and source files its imports reached. */
interface Loaded {
  packages: Set<string>;
  /** Files inside packages, as "<package>/<path>". */
  packageFiles: string[];
  sources: Set<string>;
  status: number | null;
}

function loaded(args: string[], env: Record<string, string> = {}): Loaded {
  const log = join(tmp, `imports-${args[0]}-${Math.random().toString(36).slice(2)}.log`);
  writeFileSync(log, "");
  const entry = join(tmp, "run.mjs");
  const r = spawnSync(process.execPath, ["--import", pathToFileURL(join(tmp, "record.mjs")).href, entry, ...args], {
    cwd: tmp,
    encoding: "utf8",
    env: { PATH: process.env.PATH ?? "", HOME: tmp, GODEX_HOME: join(tmp, ".godex"), GODEX_IMPORTS_LOG: log, ...env },
    timeout: 60_000,
  });
  return collect(log, r.status);
}

function collect(log: string, status: number | null): Loaded {
  const urls = readFileSync(log, "utf8").split("\n").filter(Boolean);
  const packages = new Set<string>();
  const packageFiles: string[] = [];
  const sources = new Set<string>();
  for (const url of urls) {
    const path = url.startsWith("file:") ? new URL(url).pathname : url;
    const pkg = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\/(.*)$/.exec(path);
    if (pkg) {
      packages.add(pkg[1]!);
      packageFiles.push(`${pkg[1]}/${pkg[2]}`);
    }
    const out = path.indexOf("/dist/");
    // A package the build prebundles into one file of its own (dist/vendor/<package>.cjs).
    const vendored = /\/dist\/vendor\/([^/]+)\.cjs$/.exec(path);
    if (vendored) packages.add(vendored[1]!);
    const validator = /\/dist\/generated\/validators\/([^/]+\.cjs)$/.exec(path);
    if (validator) sources.add(`src/generated/validators/${validator[1]}`);
    if (out >= 0 && path.startsWith(tmp)) {
      for (const input of inputsOf.get(path.slice(out + 1)) ?? []) {
        sources.add(input);
        // A package bundled into the chunk counts as loaded (the build bundles the pure-JS ones).
        const bundled = /^node_modules\/((?:@[^/]+\/)?[^/]+)\/(.*)$/.exec(input);
        if (bundled) {
          packages.add(bundled[1]!);
          packageFiles.push(`${bundled[1]}/${bundled[2]}`);
        }
      }
    }
  }
  return { packages, packageFiles, sources, status };
}

const under = (sources: Set<string>, dir: string) => [...sources].filter((s) => s.startsWith(dir));

describe("start-up loads only what the command uses", { timeout: 120_000 }, () => {
  it("the recorder sees the bundle's chunks and packages (the checks below can fail)", () => {
    const { sources, packages, status } = loaded(["lint"]);
    expect(status).not.toBeNull();
    expect(under(sources, "src/lint/").length).toBeGreaterThan(0);
    expect(packages.has("yaml")).toBe(true);
  });

  it("godex models: no emulators, lint rules, HTTP server, upstream client, logger, metrics or databases", () => {
    const { sources, packages, packageFiles, status } = loaded(["models"]);
    expect(status).toBe(0);
    expect(under(sources, "src/cli/models.ts")).toHaveLength(1);
    for (const dir of ["src/mock/", "src/lint/", "src/server/", "src/ledger/", "src/store/", "src/engine/stream/"]) expect(under(sources, dir), dir).toEqual([]);
    for (const pkg of ["express", "undici", "ws", "pino", "prom-client", "pg", "better-sqlite3", "jsonc-parser", "smol-toml", "toml-eslint-parser", "uplot"]) {
      expect(packages.has(pkg), pkg).toBe(false);
    }
    // The schema validators are generated code: ajv's compiler is never loaded, only its small runtime helpers.
    expect(packageFiles.filter((f) => f.startsWith("ajv/") && !f.startsWith("ajv/dist/runtime/"))).toEqual([]);
  });

  it("godex lint: the lint rules, but no emulators, server or databases", () => {
    const { sources, packages } = loaded(["lint"]);
    for (const dir of ["src/mock/", "src/server/", "src/store/"]) expect(under(sources, dir), dir).toEqual([]);
    for (const pkg of ["express", "undici", "ws", "pino", "prom-client", "pg", "better-sqlite3"]) expect(packages.has(pkg), pkg).toBe(false);
  });

  it("godex serve with a provider key: nothing unused until it listens, and no Express until a request the fast path does not serve", async () => {
    const log = join(tmp, "imports-serve.log");
    writeFileSync(log, "");
    const child = spawn(process.execPath, ["--import", pathToFileURL(join(tmp, "record.mjs")).href, join(tmp, "run.mjs"), "serve", "--port", "0", "--no-watch", "--no-mock"], {
      cwd: tmp,
      env: { PATH: process.env.PATH ?? "", HOME: tmp, GODEX_HOME: join(tmp, ".godex"), GODEX_IMPORTS_LOG: log, DEEPSEEK_API_KEY: "sk-startup-test" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    const listening = new Promise<string>((ok, fail) => {
      const seen = (d: Buffer) => {
        output += d.toString();
        const url = /GodeX listening on (http:\/\/\S+)/.exec(output)?.[1];
        if (url) ok(url);
      };
      child.stdout.on("data", seen);
      child.stderr.on("data", seen);
      child.once("exit", (code) => fail(new Error(`serve exited (${code}) before listening:\n${output}`)));
    });
    let atListen: Loaded, afterFastPath: Loaded, afterOther: Loaded;
    try {
      const url = await listening;
      atListen = collect(log, 0);
      // The two fast-path routes: a health probe, and a Codex request refused before any upstream call.
      const health = await fetch(`${url}/health`);
      expect(health.status).toBe(200);
      expect((await health.json()).status).toBe("ok");
      const refused = await fetch(`${url}/v1/responses`, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
      expect(refused.status).toBe(400);
      expect((await refused.json()).error.type).toBe("invalid_request_error");
      afterFastPath = collect(log, 0);
      // Any other route is Express's: loaded now, and it answers.
      const models = await fetch(`${url}/v1/models`);
      expect(models.status).toBe(200);
      expect((await models.json()).object).toBe("list");
      afterOther = collect(log, 0);
    } finally {
      child.kill("SIGTERM");
      await new Promise((ok) => (child.exitCode !== null ? ok(null) : child.once("exit", ok)));
    }
    expect(under(atListen.sources, "src/server/").length).toBeGreaterThan(0);
    expect(under(atListen.sources, "src/mock/")).toEqual([]);
    // prom-client loads with the first request counted or the first scrape, pino with the first line logged, not at rest.
    for (const pkg of ["undici", "ws", "pg", "jsonc-parser", "prom-client", "express", "pino"]) expect(atListen.packages.has(pkg), pkg).toBe(false);
    // With the shipped config and mappings (known clean and valid from the build), serve runs neither the
    // mapping nor the request validator (~0.9 MB of generated code) before it listens, nor parses YAML.
    expect(atListen.sources.has("src/generated/validators/mapping.cjs")).toBe(false);
    expect(atListen.packages.has("yaml")).toBe(false);
    expect(atListen.sources.has("src/generated/validators/responses-request.cjs")).toBe(false);
    expect(afterFastPath.sources.has("src/generated/validators/responses-request.cjs")).toBe(true);
    // GET /health and POST /v1/responses are served without Express (src/server/app.ts).
    expect(afterFastPath.packages.has("express")).toBe(false);
    expect(under(afterFastPath.sources, "src/server/express-routes.ts")).toEqual([]);
    expect(afterOther.packages.has("express")).toBe(true);
    // The refused request's log line (written once the reply is out) loaded pino, from the build's one-file copy.
    expect(afterOther.packages.has("pino")).toBe(true);
    expect(under(afterOther.sources, "src/server/express-routes.ts")).toHaveLength(1);
  });

  it("godex --version loads no command at all", () => {
    const { sources, packages } = loaded(["--version"]);
    expect([...sources].filter((s) => s.startsWith("src/cli/") && s !== "src/cli/main.ts")).toEqual([]);
    expect([...packages]).toEqual([]);
  });
});
