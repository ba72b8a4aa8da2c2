// Small pieces shared by the Zhipu, MiniMax and MiMo emulators (DeepSeek keeps its own copies).
import { createHash, randomBytes } from "node:crypto";
import type { IncomingHttpHeaders } from "node:http";
import { requestedFinish, type BrainInput, type BrainReply } from "./brain.ts";
import { estimateTokens, type PrefixCache } from "./tokens.ts";
import type { DialectRequest, DialectResponse } from "./types.ts";

/** A brain reply whose finish reason may be any provider string (scripted with GODEX_MOCK_FINISH). */
export interface Reply {
  reasoning?: string;
  content: string;
  toolCalls: { name: string; arguments: string }[];
  finish: string;
  webSearch?: BrainReply["webSearch"];
}

/** Applies `GODEX_MOCK_FINISH=<reason>`: that reason verbatim, tool calls kept only for `tool_calls`. */
export function withScriptedFinish(input: BrainInput, reply: BrainReply): Reply {
  const forced = requestedFinish(input);
  if (!forced) return reply;
  return { ...reply, toolCalls: forced === "tool_calls" ? reply.toolCalls : [], finish: forced };
}

export function randomHex(chars: number): string {
  return randomBytes(Math.ceil(chars / 2)).toString("hex").slice(0, chars);
}

const LOWER_ALNUM = "abcdefghijklmnopqrstuvwxyz0123456789";

export function randomLowerAlnum(chars: number): string {
  let out = "";
  for (const b of randomBytes(chars)) out += LOWER_ALNUM[b % LOWER_ALNUM.length];
  return out;
}

/** A small deterministic number from text, for choosing among equally real variants (e.g. whitespace). */
export function pick<T>(seed: string, options: readonly T[]): T {
  const n = createHash("sha1").update(seed).digest().readUInt32BE(0);
  return options[n % options.length]!;
}

export function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

/** The key after `Bearer `, or undefined when the header is absent or has another scheme. */
export function bearerKey(headers: IncomingHttpHeaders): string | undefined {
  const m = /^Bearer (.*)$/.exec(String(headers.authorization ?? ""));
  return m ? m[1] : undefined;
}

export interface UsageCounts {
  prompt: number;
  completion: number;
  total: number;
  reasoning: number;
  cached: number;
}

/** Token counts for a reply; the same arithmetic as the DeepSeek emulator. */
export function countUsage(prompt: { promptTokens: number; hitTokens: number }, reply: Reply): UsageCounts {
  const reasoning = estimateTokens(reply.reasoning ?? "");
  const rest = reply.content + reply.toolCalls.map((c) => c.name + c.arguments).join("");
  const completion = Math.max(1, reasoning + estimateTokens(rest));
  return { prompt: prompt.promptTokens, completion, total: prompt.promptTokens + completion, reasoning, cached: prompt.hitTokens };
}

/** A copy with object keys sorted at every level (Zhipu's non-stream bodies look like this). */
export function sortKeysDeep(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeysDeep);
  if (v && typeof v === "object") {
    const o = v as Record<string, unknown>;
    return Object.fromEntries(Object.keys(o).sort().map((k) => [k, sortKeysDeep(o[k])]));
  }
  return v;
}

/**
 * Things a real provider accepts silently but a test may want to know about (reasoning not passed back,
 * parameters ignored). Sent as the `x-mock-notes` response header ("; "-separated); not a provider header.
 */
export const NOTES_HEADER = "x-mock-notes";

export function withNotes(headers: Record<string, string>, notes: string[]): Record<string, string> {
  if (!notes.length) return headers;
  // Header values must be printable ASCII: escape anything else (e.g. a non-ASCII name echoed from the request).
  const value = notes.join("; ").replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
  return { ...headers, [NOTES_HEADER]: value };
}

export function jsonResponse(status: number, body: unknown, headers: Record<string, string>): DialectResponse {
  return { status, headers, body: typeof body === "string" ? body : JSON.stringify(body) };
}

export function isNum(v: unknown): v is number {
  return typeof v === "number" && Number.isFinite(v);
}

export const present = (v: unknown): boolean => v !== undefined && v !== null;

/** The two endpoints every chat emulator serves, or undefined for any other method/path. */
export function chatRoute(req: DialectRequest): "complete" | "models" | undefined {
  const route = `${req.method} ${req.path}`;
  return route === "POST /chat/completions" ? "complete" : route === "GET /models" ? "models" : undefined;
}

/**
 * The request body as a JSON object that passed `validate`, or the provider's error:
 * `malformed` when the body is not JSON, else what `validate` reported.
 */
export function parseChatBody<E>(rawBody: string, validate: (body: unknown) => E | undefined, malformed: E): { body: Record<string, unknown> } | { error: E } {
  let body: unknown;
  try {
    body = JSON.parse(rawBody);
  } catch {
    return { error: malformed };
  }
  const invalid = validate(body);
  if (invalid) return { error: invalid };
  return { body: body as Record<string, unknown> };
}

/** Prompt-cache accounting for a validated chat body: keyed by model + tools, one block per message. */
export function accountPrompt(cache: PrefixCache, b: Record<string, unknown>): ReturnType<PrefixCache["account"]> {
  return cache.account(JSON.stringify([b.model, b.tools ?? null]), (b.messages as unknown[]).map((m) => JSON.stringify(m)));
}
