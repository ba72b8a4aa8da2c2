// The normalized configuration the rest of GodeX reads. Field names are camelCase; the YAML's
// snake_case lives only in schemas/config.schema.json and src/config/load.ts.
import type { SourceLocation, SourceProblem } from "../util/yaml-source.ts";
import type { PriceRule as ConfigPriceRule } from "../generated/config.ts";

export type { SourceLocation, SourceProblem };

/** A config problem, located in the file, with the dotted path of the offending field. */
export interface ConfigProblem extends SourceProblem {
  path: string;
}

export type LogLevel = "trace" | "debug" | "info" | "warn" | "error" | "silent";

export interface ServerAuth {
  /** Bearer tokens accepted from clients; empty = no client auth. Non-enumerable (never serialized). */
  tokens: string[];
  /** The name of each token, same order (`token-<n>` when the config names none): what the ledger records. */
  tokenNames: string[];
  allowUnauthenticatedRemote: boolean;
}

export interface ServerConfig {
  host: string;
  /** 0 = any free port. */
  port: number;
  bodyLimitBytes: number;
  exposeRawReasoning: boolean;
  /** HMAC key for reasoning carried in encrypted_content. Non-enumerable (never serialized). */
  carrierSecret?: string;
  auth: ServerAuth;
  websocket: WebSocketConfig;
  /** Host names served besides the loopback ones: lowercase, no port; ".example.com" = it and its subdomains. */
  allowedHosts: string[];
  cors: ServerCors;
}

export interface ServerCors {
  /** Origins whose web pages may call GodeX: lowercase scheme://host[:port], default ports dropped. */
  allowedOrigins: string[];
}

export interface WebSocketConfig {
  enabled: boolean;
  maxMessageBytes: number;
  /** Conversation bytes one connection keeps for previous_response_id. */
  maxCachedBytes: number;
  maxCachedResponses: number;
  /** Open connections at once: with maxCachedBytes, the bound on what WebSocket mode holds. */
  maxConnections: number;
  idleTimeoutMs: number;
  stallTimeoutMs: number;
}

/** Milliseconds; 0 disables that limit. */
export interface ProviderTimeouts {
  connectMs: number;
  /** Until the response headers / first body byte. */
  firstByteMs: number;
  /** Longest silence between two body chunks. */
  idleMs: number;
  totalMs: number;
}

export interface ProviderRetry {
  /** Attempts in all, the first included (1 = no retry). Only before the first response byte. */
  maxAttempts: number;
  maxDelayMs: number;
}

export interface ProviderConfig {
  /** The key under `providers:`. */
  name: string;
  /** Mapping file name in mappings/ (without .yaml). */
  spec: string;
  /**
   * Undefined when the key is unset or empty: the provider is then reported as "no key".
   * Non-enumerable, so JSON.stringify / console.log / object spread never carry it along:
   * read it as `provider.apiKey`.
   */
  apiKey?: string;
  /** The env var api_key referred to, for "set DEEPSEEK_API_KEY" style hints. */
  apiKeyEnv?: string;
  /** No trailing slash. */
  baseUrl: string;
  /** Explicit override of the Chat Completions path (starts with "/"); undefined = the default. */
  path?: string;
  /** Explicit override of the native Responses path; undefined = the mapping's. */
  responsesPath?: string;
  /** User's wire choice: model name (or "*") → wire; overrides the mapping's choice. */
  wire?: Record<string, "chat" | "responses">;
  headers: Record<string, string>;
  /** Advertised in /v1/models. */
  models: string[];
  timeouts: ProviderTimeouts;
  retry: ProviderRetry;
  /** Contract prices keyed by model name or glob, over the mapping's (snake_case as in the file). */
  prices: Record<string, ConfigPriceRule>;
}

export interface LedgerConfig {
  enabled: boolean;
  /** SQLite file; undefined = ~/.godex/usage.db (or $GODEX_HOME/usage.db). */
  path?: string;
  /** postgres://… : PostgreSQL instead of SQLite. Non-enumerable (may hold a password). */
  url?: string;
  /** 0 = keep forever. */
  retentionDays: number;
}

export interface BudgetConfig {
  name: string;
  /** Inbound token name; undefined = every token. */
  token?: string;
  /** Requested model name; undefined = every model. */
  alias?: string;
  period: "daily" | "monthly";
  limit: number;
  currency: string;
}

export interface LoggingConfig {
  level: LogLevel;
  /** Log request/response bodies. */
  payloads: boolean;
}

/** One provider/model an alias can send a request to. */
export interface RouteTarget {
  provider: string;
  /** The upstream model name. */
  model: string;
  /** "provider/model": the target's name in logs, headers, metrics and cooldown state. */
  id: string;
  /** Share in a weighted split (1 for ordered targets). */
  weight: number;
}

/**
 * Where an alias sends a request: one of `targets` (weighted, deterministic per conversation; the
 * others follow as fallbacks), then `fallback` in order. A single "provider/model" is one target.
 */
export interface AliasRoute {
  targets: RouteTarget[];
  fallback: RouteTarget[];
}

/** Circuit breaking of routed targets (models.aliases with more than one target). */
export interface RoutingPolicy {
  /** Failures within windowMs that open a target's circuit. */
  failures: number;
  windowMs: number;
  cooldownMs: number;
  maxCooldownMs: number;
}

export interface StoreConfig {
  backend: "sqlite" | "postgres" | "off";
  /** SQLite file (undefined: responses.db in GodeX's data directory). */
  path?: string;
  /** Non-enumerable (never serialized): it may carry a password. */
  url?: string;
  retentionMs: number;
  maxBytes: number;
}

export interface CompactionConfig {
  prompt: string;
  summaryPrefix: string;
}

/** GodeX-hosted web search (`web_search:`); absent = off (the tool is dropped with a diagnostic). */
export interface WebSearchConfig {
  /** A search backend definition: search/<backend>.yaml (or searchDir). Undefined: only the providers' own search (native: always). */
  backend?: string;
  /**
   * The providers' own search (a mapping's web_search.native): auto = where the mapping chooses it
   * (web_search.native.use), always = wherever a mapping has one, never = GodeX's hosted loop only.
   */
  native: "auto" | "always" | "never";
  /** Undefined = the definition's default_base_url. No trailing slash. */
  baseUrl?: string;
  /** Non-enumerable (never serialized). Undefined: none set (a definition may reuse a provider's key). */
  apiKey?: string;
  apiKeyEnv?: string;
  maxResults: number;
  maxSearches: number;
  timeoutMs: number;
  /** Size cap of the result text sent upstream. */
  maxResultChars: number;
  searchDir?: string;
}

export interface LoadedConfig {
  server: ServerConfig;
  store: StoreConfig;
  compaction: CompactionConfig;
  defaultProvider?: string;
  /** Requested model name (or "*") → its route; every target's provider is configured. */
  routes: Record<string, AliasRoute>;
  /** Requested model name → a one-line label of its route ("provider/model" for a single target); for display. */
  aliases: Record<string, string>;
  routing: RoutingPolicy;
  providers: Record<string, ProviderConfig>;
  logging: LoggingConfig;
  ledger: LedgerConfig;
  budgets: BudgetConfig[];
  webSearch?: WebSearchConfig;
  /** The file it came from ("<inline>" for loadConfigFromObject). */
  file: string;
  /** Env var names the file referred to with ${…}; never their values. */
  referencedEnv: string[];
  warnings: SourceProblem[];
}

export interface ResolvedModel {
  /** The name the client asked for. */
  alias: string;
  /** The first listed target's provider and model (the whole route is in `route`). */
  provider: string;
  /** The upstream model name. */
  model: string;
  route: AliasRoute;
}
