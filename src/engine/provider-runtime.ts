// A configured provider joined with its compiled mapping: everything a request needs to reach it.
import type { CompiledMapping } from "../mapping/compile.ts";
import type { Timeouts } from "../upstream/http.ts";
import type { RetryPolicy } from "../upstream/call.ts";

export interface ProviderRuntime {
  name: string;
  mapping: CompiledMapping;
  url: string;
  /** Request headers including auth; never logged. */
  headers: Record<string, string>;
  hasKey: boolean;
  timeouts: Timeouts & { totalMs: number };
  retry: RetryPolicy;
  models: string[];
}

export function upstreamUrl(baseUrl: string, path: string): string {
  return baseUrl.replace(/\/+$/, "") + (path.startsWith("/") ? path : `/${path}`);
}

export function authHeaders(mapping: CompiledMapping, apiKey: string | undefined, extra: Record<string, string> = {}): Record<string, string> {
  const headers: Record<string, string> = { "content-type": "application/json", accept: "application/json, text/event-stream", ...extra };
  if (apiKey) headers[mapping.doc.endpoint.auth.header] = `${mapping.doc.endpoint.auth.prefix}${apiKey}`;
  return headers;
}
