// A configured provider joined with its compiled mapping: everything a request needs to reach it.
import type { CompiledMapping, Wire } from "../mapping/compile.ts";
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
  /** The provider's native Responses endpoint, when its mapping describes that wire. */
  responsesUrl: string | null;
  /** The user's wire choice from godex.yaml (model or "*" → wire), over the mapping's. */
  wireOverride?: Record<string, Wire>;
}

/** Which wire serves `model`: the user's choice (model, then "*"), else the mapping's model rule. */
export function wireFor(p: Pick<ProviderRuntime, "mapping" | "wireOverride" | "responsesUrl">, model: string): Wire {
  const o = p.wireOverride;
  const chosen = o ? (Object.hasOwn(o, model) ? o[model] : o["*"]) : undefined;
  const wire = chosen ?? p.mapping.forModel(model).wire;
  return wire === "responses" && p.responsesUrl ? "responses" : "chat";
}

/** Where one call goes and whose reader reads it. */
export function endpointFor(p: ProviderRuntime, model: string): { wire: Wire; url: string } {
  const wire = wireFor(p, model);
  return { wire, url: wire === "responses" ? p.responsesUrl! : p.url };
}

/**
 * Who runs a web search for `model`: GodeX's hosted loop (Chat wire, or `web_search: hosted` on the
 * native wire), the provider itself (`native`), or nobody (`drop`).
 */
export function webSearchBy(p: ProviderRuntime, model: string): "godex" | "provider" | "none" {
  if (wireFor(p, model) !== "responses") return "godex";
  const mode = p.mapping.responses?.rules.tools.web_search;
  return mode === "native" ? "provider" : mode === "hosted" ? "godex" : "none";
}

/** base_url + path; each leading `../` of the path climbs one segment of the base path (never past the origin). */
export function upstreamUrl(baseUrl: string, path: string): string {
  let base = baseUrl.replace(/\/+$/, "");
  let rest = path;
  while (rest.startsWith("../")) {
    rest = rest.slice(3);
    const u = new URL(base);
    u.pathname = u.pathname.replace(/\/[^/]*$/, "");
    base = u.toString().replace(/\/+$/, "");
  }
  return base + (rest.startsWith("/") ? rest : `/${rest}`);
}

export function authHeaders(mapping: CompiledMapping, apiKey: string | undefined, extra: Record<string, string> = {}): Record<string, string> {
  const headers: Record<string, string> = { "content-type": "application/json", accept: "application/json, text/event-stream", ...extra };
  if (apiKey) headers[mapping.doc.endpoint.auth.header] = `${mapping.doc.endpoint.auth.prefix}${apiKey}`;
  return headers;
}
