// Reads godex.yaml into a LoadedConfig: parse (with locations) → expand ${ENV} → schema check with
// defaults → cross-field checks → normalized camelCase object. Every problem is reported at once,
// located, and never quotes a secret.
import bytes from "bytes";
import { readFileSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { formatLocation, parseYamlWithLocations } from "../util/yaml-source.ts";
import type { SourceLocation, SourceProblem, ValuePath } from "../util/yaml-source.ts";
import { hasEnvRef, interpolateEnv } from "./interpolate.ts";
import type { Env, EnvRef } from "./interpolate.ts";
import { coerceFromEnv, displayPath, findDeprecated, validateConfigShape } from "./validate.ts";
import type { AliasRoute, ConfigProblem, LoadedConfig, LogLevel, ProviderConfig } from "./types.ts";
import type { AliasRoute as AliasRouteFile } from "../generated/config.ts";
import { parseTarget, routeLabel } from "./resolve-model.ts";
import type { PriceRule as ConfigPriceRule } from "../generated/config.ts";
import { isHttpUrl } from "../util/url.ts";
import { readWebSearch, type RawWebSearch } from "./web-search.ts";

export class ConfigError extends Error {
  override readonly name = "ConfigError";
  constructor(readonly problems: ConfigProblem[]) {
    super(problems.map((p) => `${formatLocation(p)}: ${p.message}`).join("\n"));
  }
}

export function loadConfig(file: string, env: Env = process.env): LoadedConfig {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? String(err);
    throw new ConfigError([{ file, line: 1, col: 1, path: "", message: `cannot read config file (${code})` }]);
  }
  const parsed = parseYamlWithLocations(text, file);
  if (parsed.errors.length > 0) throw new ConfigError(syntaxProblems(parsed.errors, text));
  const config = build(parsed.value, env, file, parsed.locate, dirname(resolve(file)));
  config.warnings.unshift(...parsed.warnings);
  return config;
}

/** For tests and built-in configs: same checks, every location reported as `file:1:1`. */
export function loadConfigFromObject(obj: unknown, env: Env = process.env, file = "<inline>"): LoadedConfig {
  return build(obj, env, file, () => ({ file, line: 1, col: 1 }), process.cwd());
}

/** "64mb" → 67108864 (the `bytes` package: binary units, kb = 1024 bytes); a bare number is bytes. */
export function parseBodyLimit(limit: string | number): number {
  const n = bytes.parse(limit);
  if (n === null || !Number.isFinite(n)) throw new Error(`not a size: ${limit}`);
  return n;
}

/** Whether binding `host` keeps the server reachable from this machine only. */
export function isLoopbackHost(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[|\]$/g, "");
  return h === "localhost" || h === "::1" || /^127\.\d+\.\d+\.\d+$/.test(h) || /^::ffff:127\./.test(h);
}

/** "GodeX.LAN." → "godex.lan", "[FD00::1]" → "fd00::1": how a Host header's name is compared. */
export function normalizeHostName(name: string): string {
  return name.toLowerCase().replace(/^\[|\]$/g, "").replace(/(?<=.)\.$/, "");
}

/** As browsers serialize an Origin header: lowercase, default port dropped. */
export function normalizeOrigin(origin: string): string {
  const o = origin.toLowerCase();
  const port = /:(\d+)$/.exec(o);
  if ((o.startsWith("http://") && port?.[1] === "80") || (o.startsWith("https://") && port?.[1] === "443")) return o.slice(0, -port[0].length);
  return o;
}

/** The file's shape once the schema has accepted it and filled its defaults. */
interface RawConfig {
  server: {
    host: string;
    port: number;
    body_limit: string | number;
    expose_raw_reasoning: boolean;
    carrier_secret?: string;
    auth: { tokens: (string | { name: string; token: string })[]; allow_unauthenticated_remote: boolean };
    websocket: { enabled: boolean; max_message?: string | number; max_cached: string | number; max_cached_responses: number; max_connections: number; idle_timeout_ms: number; stall_timeout_ms: number };
    allowed_hosts: string[];
    cors: { allowed_origins: string[] };
  };
  compaction: { prompt: string; summary_prefix: string };
  store: { backend: "sqlite" | "postgres" | "off"; path?: string; url?: string; retention_hours: number; max_size: string | number };
  default_provider?: string;
  models: { aliases: Record<string, AliasRouteFile> };
  routing: { failures: number; window_ms: number; cooldown_ms: number; max_cooldown_ms: number };
  providers: Record<string, RawProvider>;
  logging: { level: LogLevel; payloads: boolean };
  ledger: { enabled: boolean; path?: string; url?: string; retention_days: number };
  budgets: { name: string; token?: string; alias?: string; period: "daily" | "monthly"; limit: number; currency: string }[];
  web_search?: RawWebSearch;
}

interface RawProvider {
  spec?: string;
  credentials?: { api_key?: string; api_key_file?: string };
  endpoint: { base_url: string; path?: string; responses_path?: string; headers: Record<string, string> };
  models: string[];
  wire?: "chat" | "responses" | Record<string, "chat" | "responses">;
  timeouts: { connect_ms: number; first_byte_ms: number; idle_ms: number; total_ms: number };
  retry: { max_attempts: number; max_delay_ms: number };
  prices: Record<string, ConfigPriceRule>;
  timeout_ms?: number;
}

type Locate = (path: ValuePath, which?: "key" | "value") => SourceLocation;

function build(input: unknown, env: Env, file: string, locate: Locate, baseDir: string): LoadedConfig {
  const problems: ConfigProblem[] = [];
  const warnings: SourceProblem[] = [];
  const fail = (path: ValuePath, message: string, which: "key" | "value" = "value") =>
    problems.push({ ...locate(path, which), file, path: displayPath(path), message });
  const warn = (path: ValuePath, message: string, which: "key" | "value" = "value") =>
    warnings.push({ ...locate(path, which), file, message });

  if (!isObject(input)) {
    fail([], input == null ? "the config is empty: at least a providers: section is needed" : "the config must be a mapping of settings");
    throw new ConfigError(problems);
  }

  // 1. ${ENV} expansion. An unset api_key is allowed: that provider is then reported as "no key".
  const { value, refs, issues } = interpolateEnv(input, env);
  for (const issue of issues) fail(issue.path, `${displayPath(issue.path)}: ${issue.message}`);
  for (const ref of refs) {
    if (ref.set || ref.hasDefault || isApiKeyPath(ref.path)) continue;
    fail(ref.path, `${displayPath(ref.path)} uses \${${ref.name}}, which is not set (set it, or write \${${ref.name}:-default})`);
  }
  for (const ref of refs) coerceFromEnv(value, ref.path);

  // 2. Schema, with defaults. Fields already reported for their env reference are not reported twice.
  const written = structuredClone(value) as Record<string, unknown>;
  const envProblemPaths = new Set(problems.map((p) => p.path));
  for (const problem of validateConfigShape(value, locate, file)) {
    if (!envProblemPaths.has(problem.path)) problems.push(problem);
  }
  if (problems.length > 0) throw new ConfigError(sortProblems(problems));
  const raw = value as RawConfig;

  for (const { path, description } of findDeprecated(written)) warn(path, `${displayPath(path)}: ${description}`, "key");

  // 3. Providers.
  const providers: Record<string, ProviderConfig> = {};
  for (const [name, p] of Object.entries(raw.providers)) {
    const at = (...rest: (string | number)[]) => ["providers", name, ...rest];

    let baseUrl = p.endpoint.base_url.trim();
    if (!isHttpUrl(baseUrl)) fail(at("endpoint", "base_url"), `${displayPath(at("endpoint", "base_url"))} must be an http(s) URL`);
    baseUrl = baseUrl.replace(/\/+$/, "");

    const { apiKey, apiKeyEnv } = readApiKey(p, at("credentials"), input, refs, baseDir, fail, warn);
    const writtenTimeouts = (written.providers as Record<string, { timeouts?: { total_ms?: unknown } }>)[name]?.timeouts;
    const provider: ProviderConfig = {
      name,
      spec: p.spec ?? name,
      ...(apiKeyEnv ? { apiKeyEnv } : {}),
      baseUrl,
      ...(p.endpoint.path ? { path: p.endpoint.path } : {}),
      ...(p.endpoint.responses_path ? { responsesPath: p.endpoint.responses_path } : {}),
      ...(p.wire ? { wire: typeof p.wire === "string" ? { "*": p.wire } : { ...p.wire } } : {}),
      headers: { ...p.endpoint.headers },
      models: [...p.models],
      timeouts: {
        connectMs: p.timeouts.connect_ms,
        firstByteMs: p.timeouts.first_byte_ms,
        idleMs: p.timeouts.idle_ms,
        totalMs: writtenTimeouts?.total_ms === undefined && p.timeout_ms !== undefined ? p.timeout_ms : p.timeouts.total_ms,
      },
      retry: { maxAttempts: p.retry.max_attempts, maxDelayMs: p.retry.max_delay_ms },
      prices: { ...p.prices },
    };
    if (apiKey) hide(provider, "apiKey", apiKey);
    providers[name] = provider;
  }
  const configured = Object.keys(providers);

  // 4. Aliases (each target at a configured provider, none twice) and the default provider.
  const routes: Record<string, AliasRoute> = {};
  for (const [alias, written] of Object.entries(raw.models.aliases)) {
    const route: AliasRoute = { targets: [], fallback: [] };
    const seen = new Set<string>();
    for (const entry of aliasEntries(written, ["models", "aliases", alias])) {
      const path = entry.path;
      const target = parseTarget(entry.name, entry.weight);
      if (!target) {
        fail(path, `${displayPath(path)}: "${entry.name}" must be written provider/model`);
        continue;
      }
      if (seen.has(target.id)) fail(path, `${displayPath(path)}: target "${target.id}" is listed twice in models.aliases["${alias}"]`);
      seen.add(target.id);
      if (!providers[target.provider]) {
        fail(path, `${displayPath(path)}: provider "${target.provider}" is not configured (configured: ${configured.join(", ")})`);
      } else if (providers[target.provider].models.length > 0 && !providers[target.provider].models.includes(target.model)) {
        warn(path, `${displayPath(path)}: model "${target.model}" is not listed in providers.${target.provider}.models`);
      }
      (entry.fallback ? route.fallback : route.targets).push(target);
    }
    routes[alias] = route;
  }
  if (raw.default_provider !== undefined && !providers[raw.default_provider]) {
    fail(["default_provider"], `default_provider: provider "${raw.default_provider}" is not configured (configured: ${configured.join(", ")})`);
  }

  // 5. Server, with GODEX_HOST / GODEX_PORT taking precedence over the file.
  const host = env.GODEX_HOST?.trim() || raw.server.host;
  let port = raw.server.port;
  const envPort = env.GODEX_PORT?.trim();
  if (envPort) {
    if (/^\d+$/.test(envPort) && Number(envPort) <= 65535) port = Number(envPort);
    else fail(["server", "port"], "GODEX_PORT (environment) must be an integer from 0 to 65535");
  }
  const tokenEntries = raw.server.auth.tokens.map((t, i) => (typeof t === "string" ? { name: `token-${i + 1}`, token: t } : t));
  const auth = { tokens: [] as string[], tokenNames: tokenEntries.map((t) => t.name), allowUnauthenticatedRemote: raw.server.auth.allow_unauthenticated_remote };
  hide(auth, "tokens", tokenEntries.map((t) => t.token));
  const seenNames = new Set<string>();
  tokenEntries.forEach((t, i) => {
    if (seenNames.has(t.name)) fail(["server", "auth", "tokens", i, "name"], `server.auth.tokens: the name "${t.name}" is used twice`);
    seenNames.add(t.name);
  });
  for (const [i, b] of raw.budgets.entries()) {
    if (b.token !== undefined && !seenNames.has(b.token)) {
      fail(["budgets", i, "token"], `budgets[${i}].token: no token named "${b.token}" in server.auth.tokens${tokenEntries.length ? ` (names: ${[...seenNames].join(", ")})` : " (auth is off: every request is anonymous)"}`);
    }
  }
  if (raw.budgets.length > 0 && !raw.ledger.enabled) {
    fail(["ledger", "enabled"], "budgets are read from the usage ledger: with ledger.enabled false they could not be enforced (enable the ledger, or remove budgets)");
  }
  const ledger = { enabled: raw.ledger.enabled, retentionDays: raw.ledger.retention_days, ...(raw.ledger.path ? { path: resolve(baseDir, expandHome(raw.ledger.path)) } : {}) };
  if (raw.ledger.url) hide(ledger, "url", raw.ledger.url);
  if (!isLoopbackHost(host) && tokenEntries.length === 0 && !auth.allowUnauthenticatedRemote) {
    warn(
      ["server", "host"],
      `server.host ${host} accepts other machines and server.auth.tokens is empty: anyone who reaches the port spends your provider keys (add server.auth.tokens, or set server.auth.allow_unauthenticated_remote: true)`,
    );
  }
  const carrierSecret = raw.server.carrier_secret || undefined;
  if (carrierSecret !== undefined && carrierSecret.length < 16) {
    warn(["server", "carrier_secret"], "server.carrier_secret is shorter than 16 characters: use a long random value");
  }

  if (raw.store.backend === "postgres" && !raw.store.url) fail(["store", "url"], "store.backend postgres needs store.url (e.g. url: ${GODEX_STORE_URL})");
  const webSearchKeyEnv = refs.find((r) => displayPath(r.path) === "web_search.credentials.api_key")?.name;
  const webSearch = readWebSearch(raw.web_search, providers, webSearchKeyEnv, baseDir, fail, warn);

  if (problems.length > 0) throw new ConfigError(sortProblems(problems));

  const ws = raw.server.websocket;
  const server = {
    host,
    port,
    bodyLimitBytes: parseBodyLimit(raw.server.body_limit),
    exposeRawReasoning: raw.server.expose_raw_reasoning,
    auth,
    websocket: {
      enabled: ws.enabled,
      maxMessageBytes: parseBodyLimit(ws.max_message ?? raw.server.body_limit),
      maxCachedBytes: parseBodyLimit(ws.max_cached),
      maxCachedResponses: ws.max_cached_responses,
      maxConnections: ws.max_connections,
      idleTimeoutMs: ws.idle_timeout_ms,
      stallTimeoutMs: ws.stall_timeout_ms,
    },
    allowedHosts: raw.server.allowed_hosts.map(normalizeHostName),
    cors: { allowedOrigins: raw.server.cors.allowed_origins.map(normalizeOrigin) },
  };
  if (carrierSecret) hide(server, "carrierSecret", carrierSecret);

  const store = {
    backend: raw.store.backend,
    ...(raw.store.path ? { path: raw.store.path } : {}),
    retentionMs: raw.store.retention_hours * 3_600_000,
    maxBytes: parseBodyLimit(raw.store.max_size),
  };
  if (raw.store.url) hide(store, "url", raw.store.url);

  return {
    server,
    store,
    compaction: { prompt: raw.compaction.prompt, summaryPrefix: raw.compaction.summary_prefix },
    ...(raw.default_provider !== undefined ? { defaultProvider: raw.default_provider } : {}),
    routes,
    aliases: Object.fromEntries(Object.entries(routes).map(([alias, route]) => [alias, routeLabel(route)])),
    routing: {
      failures: raw.routing.failures,
      windowMs: raw.routing.window_ms,
      cooldownMs: raw.routing.cooldown_ms,
      maxCooldownMs: Math.max(raw.routing.max_cooldown_ms, raw.routing.cooldown_ms),
    },
    providers,
    logging: { level: raw.logging.level, payloads: raw.logging.payloads },
    ledger,
    budgets: raw.budgets.map((b) => ({ ...b })),
    ...(webSearch ? { webSearch } : {}),
    file,
    referencedEnv: [...new Set(refs.map((r) => r.name))],
    warnings: sortProblems(warnings),
  };
}

/** The targets an alias lists, each with where it is written: one string, a list, or {targets, fallback}. */
export function aliasEntries(written: AliasRouteFile, path: (string | number)[]): { name: string; weight: number; fallback: boolean; path: (string | number)[] }[] {
  if (typeof written === "string") return [{ name: written, weight: 1, fallback: false, path }];
  if (Array.isArray(written)) return written.map((name, i) => ({ name, weight: 1, fallback: i > 0, path: [...path, i] }));
  const weighted = written.targets.map((t, i) =>
    typeof t === "string" ? { name: t, weight: 1, fallback: false, path: [...path, "targets", i] } : { name: t.model, weight: t.weight ?? 1, fallback: false, path: [...path, "targets", i, "model"] },
  );
  const fallback = (written.fallback ?? []).map((name, i) => ({ name, weight: 1, fallback: true, path: [...path, "fallback", i] }));
  return [...weighted, ...fallback];
}

/** One YAML mistake often cascades into several errors: keep the first per line, plus a hint. */
function syntaxProblems(errors: SourceProblem[], text: string): ConfigProblem[] {
  const lines = text.split(/\r?\n/);
  const seen = new Set<number>();
  const kept: ConfigProblem[] = [];
  for (const error of errors) {
    if (seen.has(error.line)) continue;
    seen.add(error.line);
    // `{ api_key: ${KEY} }`: inside { } or [ ], an unquoted ${…} is YAML syntax, not text.
    const hint = kept.length === 0 && /[{[][^"']*\$\{/.test(lines[error.line - 1] ?? "") ? ' (inside { } or [ ], quote it: "${VAR}")' : "";
    kept.push({ ...error, path: "", message: error.message + hint });
  }
  return kept;
}

/** api_key (possibly ${ENV}) or api_key_file; warns about a key written literally in the file. */
function readApiKey(
  p: RawProvider,
  credentialsPath: (string | number)[],
  original: Record<string, unknown>,
  refs: EnvRef[],
  baseDir: string,
  fail: (path: ValuePath, message: string, which?: "key" | "value") => void,
  warn: (path: ValuePath, message: string) => void,
): { apiKey?: string; apiKeyEnv?: string } {
  const keyPath = [...credentialsPath, "api_key"];
  const filePath = [...credentialsPath, "api_key_file"];
  const { api_key: apiKey, api_key_file: keyFile } = p.credentials ?? {};
  if (apiKey !== undefined && keyFile !== undefined) {
    fail(filePath, `${displayPath(credentialsPath)}: set api_key or api_key_file, not both`, "key");
    return {};
  }
  if (keyFile !== undefined) {
    try {
      return { apiKey: readFileSync(resolve(baseDir, keyFile), "utf8").trim() || undefined };
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? "error";
      fail(filePath, `${displayPath(filePath)}: cannot read ${keyFile} (${code})`);
      return {};
    }
  }
  const source = getAt(original, keyPath);
  // A key in a `${VAR:-default}` default is written in the file just the same.
  if (typeof source === "string" && source.trim() !== "" && (!hasEnvRef(source) || /:-[^}\s]+\}/.test(source))) {
    const suggested = `${String(credentialsPath[1]).toUpperCase().replace(/[^A-Z0-9]/g, "_")}_API_KEY`;
    warn(keyPath, `${displayPath(keyPath)}: literal API key; prefer \${${suggested}}`);
  }
  const keyPathText = displayPath(keyPath);
  const apiKeyEnv = refs.find((r) => displayPath(r.path) === keyPathText)?.name;
  return { apiKey: apiKey || undefined, ...(apiKeyEnv ? { apiKeyEnv } : {}) };
}

/** `~/x` → the home directory's x. */
function expandHome(path: string): string {
  return path === "~" || path.startsWith("~/") ? join(homedir(), path.slice(1)) : path;
}

/** Secrets are non-enumerable: JSON.stringify, console.log and spreads never carry them. */
function hide(target: object, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: false, writable: true, configurable: true });
}

function isApiKeyPath(path: (string | number)[]): boolean {
  if (path.length === 3 && path[0] === "web_search" && path[1] === "credentials" && path[2] === "api_key") return true;
  return path.length === 4 && path[0] === "providers" && path[2] === "credentials" && path[3] === "api_key";
}


function getAt(data: unknown, path: ValuePath): unknown {
  let value = data;
  for (const segment of path) {
    if (!isObject(value)) return undefined;
    value = value[segment];
  }
  return value;
}

function isObject(x: unknown): x is Record<string | number, unknown> {
  return typeof x === "object" && x !== null && !Array.isArray(x);
}

function sortProblems<T extends SourceProblem>(list: T[]): T[] {
  const seen = new Set<string>();
  return list
    .filter((p) => {
      const id = `${formatLocation(p)} ${p.message}`;
      return seen.has(id) ? false : (seen.add(id), true);
    })
    .sort((a, b) => a.line - b.line || a.col - b.col);
}
