// The normalized configuration the rest of GodeX reads. Field names are camelCase; the YAML's
// snake_case lives only in schemas/config.schema.json and src/config/load.ts.
import type { SourceLocation, SourceProblem } from "../util/yaml-source.ts";

export type { SourceLocation, SourceProblem };

/** A config problem, located in the file, with the dotted path of the offending field. */
export interface ConfigProblem extends SourceProblem {
  path: string;
}

export type LogLevel = "trace" | "debug" | "info" | "warn" | "error" | "silent";

export interface ServerAuth {
  /** Bearer tokens accepted from clients; empty = no client auth. Non-enumerable (never serialized). */
  tokens: string[];
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
  /** Host names served besides the loopback ones: lowercase, no port; ".example.com" = it and its subdomains. */
  allowedHosts: string[];
  cors: ServerCors;
}

export interface ServerCors {
  /** Origins whose web pages may call GodeX: lowercase scheme://host[:port], default ports dropped. */
  allowedOrigins: string[];
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
}

export interface LoggingConfig {
  level: LogLevel;
  /** Log request/response bodies. */
  payloads: boolean;
}

export interface LoadedConfig {
  server: ServerConfig;
  defaultProvider?: string;
  /** Requested model name (or "*") → "provider/model"; every target's provider is configured. */
  aliases: Record<string, string>;
  providers: Record<string, ProviderConfig>;
  logging: LoggingConfig;
  /** The file it came from ("<inline>" for loadConfigFromObject). */
  file: string;
  /** Env var names the file referred to with ${…}; never their values. */
  referencedEnv: string[];
  warnings: SourceProblem[];
}

export interface ResolvedModel {
  /** The name the client asked for. */
  alias: string;
  provider: string;
  /** The upstream model name. */
  model: string;
}
