// Runs one query against a compiled backend: builds the request from the definition, calls it
// (bounded in time and size, cancelled with the client), and reads the results out of the reply.
import type { CompiledSearchBackend } from "./backend.ts";

export interface SearchResult {
  title: string;
  url: string;
  snippet: string;
  date?: string;
}

/** What a hosted search needs to call its backend. The key is never logged or echoed. */
export interface SearchSettings {
  backend: CompiledSearchBackend;
  baseUrl: string;
  apiKey?: string;
  maxResults: number;
  timeoutMs: number;
}

export type SearchOutcome =
  | { ok: true; results: SearchResult[] }
  | { ok: false; reason: "http" | "timeout" | "network" | "unreadable" | "aborted"; message: string };

/** Replies above this are not read (a search result page is a few kB). */
const REPLY_LIMIT = 2 * 1024 * 1024;

function fill(template: string, vars: Record<string, string>): string {
  return template.replace(/\{(query|max_results|api_key)\}/g, (_, k: string) => vars[k] ?? "");
}

export interface BuiltRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: string;
}

export async function buildSearchRequest(s: SearchSettings, query: string): Promise<BuiltRequest> {
  const req = s.backend.doc.request;
  const vars = { query, max_results: String(s.maxResults), api_key: s.apiKey ?? "" };
  const url = new URL(s.baseUrl.replace(/\/+$/, "") + req.path);
  for (const [k, v] of Object.entries(req.query ?? {})) url.searchParams.set(k, fill(v, vars));
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers ?? {})) {
    const value = fill(v, vars);
    // A header that only carried the key is left out when there is none (key: optional).
    if (v.includes("{api_key}") && !s.apiKey) continue;
    headers[k.toLowerCase()] = value;
  }
  let body: string | undefined;
  if (s.backend.body) {
    body = JSON.stringify(await s.backend.body.evaluate({}, { query, max_results: s.maxResults }));
    headers["content-type"] ??= "application/json";
  }
  return { method: req.method, url: url.toString(), headers, body };
}

export async function readSearchResults(backend: CompiledSearchBackend, reply: unknown, max: number): Promise<SearchResult[]> {
  let list = await backend.list.evaluate(reply);
  if (list === undefined || list === null) return [];
  if (!Array.isArray(list)) list = [list];
  const out: SearchResult[] = [];
  for (const item of list as unknown[]) {
    if (out.length >= max) break;
    const str = async (e: { evaluate(x: unknown): Promise<unknown> } | null) => {
      const v = e ? await e.evaluate(item) : undefined;
      return typeof v === "string" ? v.trim() : typeof v === "number" ? String(v) : "";
    };
    const url = await str(backend.fields.url);
    if (!/^https?:\/\//i.test(url)) continue;
    const date = await str(backend.fields.date);
    out.push({ title: await str(backend.fields.title), url, snippet: await str(backend.fields.snippet), ...(date ? { date } : {}) });
  }
  return out;
}

export async function runSearch(s: SearchSettings, query: string, signal: AbortSignal): Promise<SearchOutcome> {
  if (signal.aborted) return { ok: false, reason: "aborted", message: "The client went away." };
  const timeout = AbortSignal.timeout(s.timeoutMs);
  const both = AbortSignal.any([signal, timeout]);
  const name = s.backend.doc.name;
  try {
    const r = await buildSearchRequest(s, query);
    const res = await fetch(r.url, { method: r.method, headers: r.headers, body: r.body, signal: both });
    const text = await readCapped(res, both);
    if (!res.ok) return { ok: false, reason: "http", message: `The ${name} search backend answered HTTP ${res.status}.` };
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      return { ok: false, reason: "unreadable", message: `The ${name} search backend's reply is not JSON.` };
    }
    return { ok: true, results: await readSearchResults(s.backend, json, s.maxResults) };
  } catch (err) {
    if (signal.aborted) return { ok: false, reason: "aborted", message: "The client went away." };
    if (timeout.aborted) return { ok: false, reason: "timeout", message: `The ${name} search backend did not answer within ${s.timeoutMs} ms.` };
    const cause = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).message;
    return { ok: false, reason: "network", message: `The ${name} search backend could not be reached (${cause}).` };
  }
}

async function readCapped(res: Response, signal: AbortSignal): Promise<string> {
  if (!res.body) return "";
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = res.body.getReader();
  const stop = () => void reader.cancel().catch(() => {});
  signal.addEventListener("abort", stop, { once: true });
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > REPLY_LIMIT) {
        await reader.cancel();
        break;
      }
      chunks.push(value);
    }
  } finally {
    signal.removeEventListener("abort", stop);
  }
  if (signal.aborted) throw signal.reason;
  return Buffer.concat(chunks).toString("utf8");
}

/** The tool result the model reads: numbered results, capped at `maxChars`. */
export function formatResults(query: string, results: SearchResult[], maxChars: number): string {
  if (results.length === 0) return `No web results for "${query}".`;
  const parts = results.map((r, i) => `[${i + 1}] ${r.title || r.url}\nURL: ${r.url}${r.date ? `\nDate: ${r.date}` : ""}\n${r.snippet}`);
  let text = `Web results for "${query}" (cite the URL of a result you use):\n\n${parts.join("\n\n")}`;
  if (text.length > maxChars) text = `${text.slice(0, maxChars - 30)}\n[results truncated by GodeX]`;
  return text;
}
