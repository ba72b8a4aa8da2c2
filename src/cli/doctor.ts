// `godex doctor`: a ✓/✗ table of everything a working Codex → GodeX → provider setup needs, each ✗
// with its fix. Exit 0 when every check passes, 1 otherwise. Never prints a key.
import { searchCheck } from "./doctor-search.ts";
import { existsSync, readFileSync } from "node:fs";
import { createServer } from "node:net";
import { join, resolve } from "node:path";
import { request } from "undici";
import { ConfigError, loadConfig } from "../config/load.ts";
import { resolveModel } from "../config/resolve-model.ts";
import type { LoadedConfig, ProviderConfig } from "../config/types.ts";
import { lintPaths } from "../lint/index.ts";
import type { MappingDoc } from "../mapping/doc.ts";
import { loadMappingDoc } from "../mapping/load.ts";
import { VERSION } from "../version.ts";
import { accessRules, describeAccess, hostAllowed } from "../server/access.ts";
import { parseCommandArgs, portArg } from "./args.ts";
import { catalogSlugs } from "./codex-catalog.ts";
import { defaultCodexHome, viewCodexConfig, PROVIDER_ID, type CodexConfigView } from "./codex-config.ts";
import type { TomlTable } from "./toml-doc.ts";
import { CATALOG_FILE, PROFILE_FILE, codexBaseUrl } from "./init.ts";
import { buildModelTable } from "./models.ts";
import { createProgress, defaultIO, paint, type CliIO } from "./progress.ts";

export interface Check {
  name: string;
  ok: boolean;
  detail: string;
  /** What to do about a ✗ (or a hint for a ✓). */
  fix?: string;
  /** Extra lines shown under the row (lint findings, …). */
  more?: string[];
}

export interface DoctorOptions {
  config: string;
  live: boolean;
  codexHome?: string;
  port?: number;
  /** Per live request (default 10 s). */
  timeoutMs?: number;
  /** As godex serve --mappings: this directory first, then the shipped mappings/. */
  mappingsDir?: string;
}

const HELP = `Usage: godex doctor [--config FILE] [--live] [--codex-home DIR] [--port N] [--mappings DIR]

Checks the setup and prints a ✓/✗ table, with the fix for each ✗. Exit 0 when all pass, 1 otherwise.

  config        loads and lints clean (the same checks as godex lint)
  keys          each provider's API key is set (which variable; the key is never printed)
  provider URL  with --live only: each base URL answers (GET /models, else a 1-token request; 10 s)
  port          GodeX's port is free (or a GodeX already runs there)
  access        who may call GodeX: the Host names it answers to, the web origins it serves (CORS)
  Codex         <codex home>/config.toml has model_providers.godex pointing at this GodeX, and
                Codex's model catalog lists GodeX's models

  --config FILE      configuration file (default ./godex.yaml)
  --live             also call each provider (a GET /models or a 1-token request)
  --codex-home DIR   Codex's home (default $CODEX_HOME, else ~/.codex)
  --port N           the port godex serve will use (default from the config)
  --mappings DIR     mapping files: DIR first, then the shipped mappings/ (as godex serve --mappings)
`;

// ---------------------------------------------------------------------------------------------
// Config

async function configCheck(file: string, shown: string, io: CliIO, mappingsDir: string | undefined): Promise<{ check: Check; config: LoadedConfig | null }> {
  if (!existsSync(file)) {
    return { check: { name: "config", ok: false, detail: `${shown} does not exist`, fix: `godex init (writes a commented ${shown}), or pass --config FILE` }, config: null };
  }
  // Same checks as `godex lint` (src/lint), then the loader for the object the other checks use.
  const lint = await lintPaths({ config: file, env: io.env, cwd: io.cwd, ...(mappingsDir ? { mappingsDir } : {}) });
  if (lint.errors > 0 || lint.couldNotRun) {
    const errors = lint.findings.filter((f) => f.severity === "error").map((f) => `${f.file}:${f.line}:${f.col}: ${f.message} [${f.rule}]`);
    return {
      check: {
        name: "config",
        ok: false,
        detail: `${shown}: ${lint.errors} lint error${lint.errors === 1 ? "" : "s"}${lint.couldNotRun ? " (a file could not be read)" : ""}`,
        fix: `fix the lines below (godex lint ${shown} lists every finding)`,
        more: errors.slice(0, 8).concat(errors.length > 8 ? [`… ${errors.length - 8} more`] : []),
      },
      config: null,
    };
  }
  // Unset key variables are lint warnings too; the key rows below report them.
  const warnings = lint.findings.filter((f) => f.severity === "warning" && f.rule !== "env-unset").map((f) => `${f.file}:${f.line}:${f.col}: warning: ${f.message} [${f.rule}]`);
  let config: LoadedConfig;
  try {
    config = loadConfig(file, io.env);
  } catch (err) {
    const msg = err instanceof ConfigError ? err.message : (err as Error).message;
    return { check: { name: "config", ok: false, detail: `${shown} does not load`, fix: "fix the lines below", more: msg.split("\n").slice(0, 8) }, config: null };
  }
  const warned = warnings.length > 0 ? `; ${warnings.length} lint warning${warnings.length === 1 ? "" : "s"}` : "";
  const np = Object.keys(config.providers).length;
  const na = Object.keys(config.aliases).length;
  return {
    check: {
      name: "config",
      ok: true,
      detail: `${shown} loads and lints clean (${np} provider${np === 1 ? "" : "s"}, ${na} alias${na === 1 ? "" : "es"}${warned})`,
      ...(warnings.length > 0 ? { more: warnings.slice(0, 6) } : {}),
    },
    config,
  };
}

// ---------------------------------------------------------------------------------------------
// Providers

function keyCheck(p: ProviderConfig): Check {
  const name = `${p.name} key`;
  if (p.apiKey) return { name, ok: true, detail: p.apiKeyEnv ? `set (${p.apiKeyEnv})` : "set (in the config or its api_key_file)" };
  if (p.apiKeyEnv) {
    return {
      name,
      ok: false,
      detail: `${p.apiKeyEnv} is not set`,
      fix: `export ${p.apiKeyEnv}=<your ${p.name} key>, or remove providers.${p.name} (and the aliases that use it) from the config`,
    };
  }
  return {
    name,
    ok: false,
    detail: "no API key configured",
    fix: `add credentials: { api_key: "\${${p.name.toUpperCase().replace(/[^A-Z0-9]/g, "_")}_API_KEY}" } to providers.${p.name}`,
  };
}

interface ProbeResult {
  status?: number;
  error?: string;
  ms: number;
}

/** One request through undici, as GodeX's upstream client sends them (same proxies, ports, TLS). */
async function probe(url: string, init: { method: "GET" | "POST"; headers: Record<string, string>; body?: string }, timeoutMs: number): Promise<ProbeResult> {
  const started = Date.now();
  try {
    const res = await request(url, { ...init, signal: AbortSignal.timeout(timeoutMs), headersTimeout: timeoutMs, bodyTimeout: timeoutMs });
    await res.body.dump().catch(() => undefined);
    return { status: res.statusCode, ms: Date.now() - started };
  } catch (err) {
    const e = err as Error & { code?: string; cause?: { code?: string } };
    const timedOut = e.name === "TimeoutError" || e.name === "AbortError" || /TIMEOUT/.test(e.code ?? "");
    return { error: timedOut ? `no answer within ${Math.round(timeoutMs / 1000)} s` : (e.code ?? e.cause?.code ?? e.message), ms: Date.now() - started };
  }
}

/** GET <base>/models; when that route does not exist, a 1-token chat request. */
async function liveCheck(p: ProviderConfig, timeoutMs: number, mappingsDir: string | undefined): Promise<Check> {
  const name = `${p.name} URL`;
  let doc: MappingDoc;
  try {
    doc = loadMappingDoc(p.spec, mappingsDir);
  } catch (err) {
    return { name, ok: false, detail: `mapping ${p.spec} does not load: ${(err as Error).message.split("\n")[0]}`, fix: `godex lint` };
  }
  const headers: Record<string, string> = { accept: "application/json", ...p.headers };
  if (p.apiKey) headers[doc.endpoint.auth.header] = `${doc.endpoint.auth.prefix}${p.apiKey}`;
  const keyVar = p.apiKeyEnv ?? `providers.${p.name}.credentials`;

  const tried: string[] = [];
  let r = await probe(`${p.baseUrl}/models`, { method: "GET", headers }, timeoutMs);
  tried.push(`GET /models`);
  let how = "GET /models";
  if (r.status === 404 || r.status === 405) {
    const path = p.path ?? doc.endpoint.path;
    const model = p.models[0];
    if (model) {
      const body = { model, messages: [{ role: "user", content: "ping" }], [doc.request.max_tokens_field ?? "max_tokens"]: 1, stream: false };
      r = await probe(p.baseUrl.replace(/\/+$/, "") + path, { method: "POST", headers: { ...headers, "content-type": "application/json" }, body: JSON.stringify(body) }, timeoutMs);
      how = `POST ${path} (1 token)`;
      tried.push(how);
    }
  }
  const at = `${p.baseUrl} (${how}: ${r.status !== undefined ? `HTTP ${r.status}` : r.error}, ${r.ms} ms)`;
  if (r.status === undefined) {
    return { name, ok: false, detail: `${p.baseUrl}: ${r.error}`, fix: `check providers.${p.name}.endpoint.base_url, your network and proxy settings (HTTPS_PROXY)` };
  }
  if (r.status >= 200 && r.status < 300) return { name, ok: true, detail: `answers: ${at}` };
  if (r.status === 401 || r.status === 403) {
    if (!p.apiKey) return { name, ok: true, detail: `reachable, key not tested (no key): ${at}` };
    return { name, ok: false, detail: `key rejected: ${at}`, fix: `check ${keyVar}: a valid key for this base URL (keys are per region/platform)` };
  }
  if (r.status === 429) return { name, ok: true, detail: `answers (rate limited or out of quota): ${at}` };
  if (r.status >= 500) return { name, ok: false, detail: `provider error: ${at}`, fix: "the provider is having trouble: retry later" };
  return { name, ok: false, detail: `unexpected answer: ${at}`, fix: `check providers.${p.name}.endpoint.base_url (tried ${tried.join(", then ")})` };
}

// ---------------------------------------------------------------------------------------------
// Port

async function isGodex(host: string, port: number): Promise<string | null> {
  try {
    const h = host.includes(":") && !host.startsWith("[") ? `[${host}]` : host === "0.0.0.0" ? "127.0.0.1" : host;
    const res = await fetch(`http://${h}:${port}/health`, { signal: AbortSignal.timeout(2000) });
    const body = (await res.json()) as { status?: unknown; version?: unknown; providers?: unknown };
    return body && body.status === "ok" && typeof body.version === "string" && Array.isArray(body.providers) ? body.version : null;
  } catch {
    return null;
  }
}

export async function portCheck(host: string, port: number): Promise<Check> {
  const where = `${host}:${port}`;
  if (port === 0) return { name: "port", ok: false, detail: "server.port is 0 (a random port each start): Codex needs a fixed one", fix: "set server.port (e.g. 5678)" };
  const error = await new Promise<NodeJS.ErrnoException | null>((done) => {
    const srv = createServer();
    srv.once("error", (err) => done(err as NodeJS.ErrnoException));
    srv.listen({ host, port, exclusive: true }, () => srv.close(() => done(null)));
  });
  if (!error) return { name: "port", ok: true, detail: `${where} is free` };
  if (error.code === "EADDRINUSE") {
    const version = await isGodex(host, port);
    if (version) return { name: "port", ok: true, detail: `${where}: GodeX ${version} is already running there` };
    return { name: "port", ok: false, detail: `${where} is in use by another program`, fix: `stop it, or pick another port: godex serve --port N (or server.port / GODEX_PORT), then godex init --write-codex --port N` };
  }
  if (error.code === "EACCES") return { name: "port", ok: false, detail: `${where}: not allowed to listen there (EACCES)`, fix: "use a port above 1024" };
  if (error.code === "EADDRNOTAVAIL") return { name: "port", ok: false, detail: `${where}: this machine has no such address`, fix: "set server.host to 127.0.0.1" };
  return { name: "port", ok: false, detail: `${where}: cannot listen (${error.code ?? error.message})`, fix: "check server.host and server.port" };
}

// ---------------------------------------------------------------------------------------------
// Access (src/server/access.ts)

/** The effective Host, Origin and body rules; a hint when the Host check is off. */
export function accessCheck(config: LoadedConfig): Check {
  const d = describeAccess(config.server);
  const open = accessRules(config.server).anyHost;
  return {
    name: "access",
    ok: true,
    detail: `Host: ${d.hosts}`,
    more: [`Origin: ${d.origins}`, `bodies: ${d.bodies}`],
    fix: open
      ? "list the names clients use in server.allowed_hosts: with every Host accepted, a web page can reach GodeX by DNS rebinding (README: Security)"
      : "a reverse proxy or another name: server.allowed_hosts; a browser-based client: server.cors.allowed_origins (README: Security)",
  };
}

// ---------------------------------------------------------------------------------------------
// Codex

const LOOPBACK = new Set(["127.0.0.1", "localhost", "::1", "[::1]"]);

/** Whether `url` reaches a GodeX on host:port under /v1. */
export function pointsAt(url: string, host: string, port: number): boolean {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return false;
  }
  if (u.protocol !== "http:") return false;
  const uPort = u.port === "" ? 80 : Number(u.port);
  if (uPort !== port) return false;
  if (u.pathname.replace(/\/+$/, "") !== "/v1") return false;
  const h = u.hostname.toLowerCase();
  const wildcard = host === "0.0.0.0" || host === "::" || host === "[::]";
  if (wildcard) return true;
  const want = host.toLowerCase();
  return h === want || h === `[${want}]` || (LOOPBACK.has(h) && LOOPBACK.has(want)) || (LOOPBACK.has(h) && /^127\./.test(want));
}

/** env_key, a bearer token or an Authorization header: Codex sends something GodeX can check. */
function sendsToken(g: TomlTable): boolean {
  if (typeof g.env_key === "string" || typeof g.experimental_bearer_token === "string") return true;
  for (const table of [g.http_headers, g.env_http_headers]) {
    if (table && typeof table === "object" && !Array.isArray(table) && Object.keys(table).some((k) => k.toLowerCase() === "authorization")) return true;
  }
  return false;
}

function readText(file: string): string | null {
  try {
    return readFileSync(file, "utf8");
  } catch {
    return null;
  }
}

function codexChecks(codexHome: string, host: string, port: number, config: LoadedConfig | null, mappingsDir: string | undefined): Check[] {
  const file = join(codexHome, "config.toml");
  const want = codexBaseUrl(host, port);
  const fix = `godex init --write-codex${port !== 5678 ? ` --port ${port}` : ""} (merges it, after a backup)`;
  const view: CodexConfigView = viewCodexConfig(file, readText(file));
  const profileFile = join(codexHome, PROFILE_FILE);
  const profileText = readText(profileFile);
  const profile = profileText === null ? null : viewCodexConfig(profileFile, profileText);
  const checks: Check[] = [];

  if (!view.exists) checks.push({ name: "Codex config", ok: false, detail: `${file} does not exist`, fix });
  else if (view.errors.length > 0) checks.push({ name: "Codex config", ok: false, detail: `${file} is not valid TOML`, fix: "fix it by hand (codex --strict-config shows the same problem)", more: view.errors.slice(0, 5) });
  else if (!view.godex) checks.push({ name: "Codex config", ok: false, detail: `${file} has no [model_providers.${PROVIDER_ID}]`, fix });
  else {
    const g = view.godex;
    const base = typeof g.base_url === "string" ? g.base_url : undefined;
    if (!base || !pointsAt(base, host, port)) {
      checks.push({ name: "Codex config", ok: false, detail: `model_providers.godex.base_url is ${base ? `"${base}"` : "missing"}, GodeX will listen on ${want}`, fix });
    } else if (config && !hostAllowed(accessRules(config.server), new URL(base).host)) {
      const name = new URL(base).hostname;
      checks.push({
        name: "Codex config",
        ok: false,
        detail: `model_providers.godex.base_url uses the host name ${name}, which GodeX refuses (not a loopback name, not in server.allowed_hosts)`,
        fix: `add ${name.replace(/^\[|\]$/g, "")} to server.allowed_hosts in the config, or use http://127.0.0.1:${port}/v1`,
      });
    } else if (g.wire_api !== undefined && g.wire_api !== "responses") {
      checks.push({ name: "Codex config", ok: false, detail: `model_providers.godex.wire_api is "${String(g.wire_api)}": GodeX speaks "responses"`, fix });
    } else if (g.requires_openai_auth === true) {
      checks.push({ name: "Codex config", ok: false, detail: "model_providers.godex.requires_openai_auth is true: Codex would ask for an OpenAI login", fix });
    } else if (config && config.server.auth.tokens.length > 0 && !sendsToken(g)) {
      checks.push({
        name: "Codex config",
        ok: false,
        detail: "GodeX requires a bearer token (server.auth.tokens) but model_providers.godex sends none",
        fix: `add env_key = "GODEX_TOKEN" to [model_providers.godex] in ${file} and export GODEX_TOKEN=<one of server.auth.tokens>`,
      });
    } else if (view.modelProvider === PROVIDER_ID && config && view.model !== undefined && !resolveModel(config, view.model)) {
      checks.push({
        name: "Codex config",
        ok: false,
        detail: `Codex's model = "${view.model}" is not an alias or provider/model GodeX serves`,
        fix: `set model = "gpt-5.5" (or another alias: godex models) in ${file}, or add an alias for it to the config`,
      });
    } else if (view.modelProvider === PROVIDER_ID) {
      checks.push({ name: "Codex config", ok: true, detail: `${file}: GodeX is the default provider (${base})` });
    } else {
      const viaProfile = profile?.modelProvider === PROVIDER_ID;
      checks.push({
        name: "Codex config",
        ok: true,
        detail: `${file}: model_providers.godex → ${base}; default provider is ${view.modelProvider ?? "openai"}`,
        fix: viaProfile ? "use GodeX with: codex -p godex" : `use GodeX with: codex -c model_provider=godex -m gpt-5.5 (godex init --write-codex also writes the profile: codex -p godex)`,
      });
    }
  }

  // The model catalog Codex uses with GodeX: config.toml's when GodeX is the default, else the profile's.
  if (config) {
    const table = buildModelTable(config, mappingsDir);
    const wanted = [...table.aliases.map((a) => a.alias), ...table.models.map((m) => m.id)];
    const catalogPath = view.modelProvider === PROVIDER_ID ? view.catalogPath : (profile?.catalogPath ?? view.catalogPath);
    const catalogFix = `godex init --write-codex (writes ${join(codexHome, CATALOG_FILE)})`;
    if (!catalogPath) {
      checks.push({ name: "Codex models", ok: false, detail: "no model_catalog_json: Codex uses fallback metadata for GodeX's models (no reasoning effort, no apply_patch)", fix: catalogFix });
    } else {
      const text = readText(resolve(codexHome, catalogPath));
      const parsed = text === null ? { error: "missing" } : catalogSlugs(text);
      if ("error" in parsed) checks.push({ name: "Codex models", ok: false, detail: `${catalogPath}: ${parsed.error}`, fix: catalogFix });
      else {
        const missing = wanted.filter((s) => !parsed.slugs.includes(s));
        if (missing.length > 0) {
          checks.push({ name: "Codex models", ok: false, detail: `${catalogPath} lacks ${missing.join(", ")}: Codex uses fallback metadata for them`, fix: catalogFix });
        } else checks.push({ name: "Codex models", ok: true, detail: `${catalogPath} lists all ${wanted.length} aliases and models` });
      }
    }
  }
  return checks;
}

// ---------------------------------------------------------------------------------------------

export async function doctorChecks(opts: DoctorOptions, io: CliIO): Promise<Check[]> {
  const file = resolve(io.cwd, opts.config);
  const checks: Check[] = [];
  const { check, config } = await configCheck(file, opts.config, io, opts.mappingsDir);
  checks.push(check);

  if (config) {
    const providers = Object.values(config.providers);
    for (const p of providers) checks.push(keyCheck(p));
    const search = await searchCheck(config, opts.live === true);
    if (search) checks.push(search);
    if (opts.live) {
      const progress = createProgress(io.stderr, { title: "checking providers" });
      try {
        const results = await Promise.all(
          providers.map(async (p) => {
            const task = progress.task(p.name);
            const c = await liveCheck(p, opts.timeoutMs ?? 10_000, opts.mappingsDir);
            task.done(c.ok, c.detail);
            return c;
          }),
        );
        checks.push(...results);
      } finally {
        progress.stop();
      }
    }
  }
  const host = config?.server.host ?? "127.0.0.1";
  const port = opts.port ?? config?.server.port ?? 5678;
  checks.push(await portCheck(host, port));
  if (config) checks.push(accessCheck(config));
  checks.push(...codexChecks(resolve(io.cwd, opts.codexHome ?? defaultCodexHome(io.env)), host, port, config, opts.mappingsDir));
  return checks;
}

export function formatChecks(checks: Check[], io: CliIO): string {
  const c = paint(io.stdout, io.env);
  const w = Math.max(...checks.map((k) => k.name.length));
  const lines: string[] = [];
  for (const k of checks) {
    lines.push(`  ${k.ok ? c.ok("✓") : c.bad("✗")} ${k.name.padEnd(w)}  ${k.detail}`);
    for (const m of k.more ?? []) lines.push(`    ${" ".repeat(w)}  ${c.dim(m)}`);
    if (k.fix) lines.push(`    ${" ".repeat(w)}  ${k.ok ? "hint" : c.bad("fix")}: ${k.fix}`);
  }
  return lines.join("\n") + "\n";
}

export async function doctor(argv: string[], io: CliIO = defaultIO()): Promise<number> {
  const parsed = parseCommandArgs("doctor", HELP, io, {
    args: argv,
    options: {
      config: { type: "string", default: "godex.yaml" },
      live: { type: "boolean" },
      "codex-home": { type: "string" },
      port: { type: "string" },
      mappings: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (typeof parsed === "number") return parsed;
  const { values } = parsed;
  const port = portArg("doctor", values.port, 0, io);
  if (port === null) return 2;
  const codexHome = values["codex-home"] ?? defaultCodexHome(io.env);
  io.stdout.write(`GodeX ${VERSION} doctor: config ${values.config}, Codex home ${codexHome}\n\n`);
  const checks = await doctorChecks(
    { config: values.config!, live: values.live === true, codexHome, ...(port !== undefined ? { port } : {}), ...(values.mappings ? { mappingsDir: resolve(io.cwd, values.mappings) } : {}) },
    io,
  );
  io.stdout.write(formatChecks(checks, io));
  const failed = checks.filter((k) => !k.ok).length;
  io.stdout.write(failed === 0 ? "\nAll checks passed.\n" : `\n${failed} check${failed === 1 ? "" : "s"} failed.\n`);
  if (!values.live) io.stdout.write("Provider URLs were not contacted: add --live to check them.\n");
  return failed === 0 ? 0 : 1;
}
