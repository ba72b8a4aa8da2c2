// A SearXNG-shaped search backend emulator (GET /search?q=…&format=json): deterministic results
// from the query, so `godex serve --mock` and the tests demonstrate web search offline.
// Markers in the query steer failures: GODEX_SEARCH_EMPTY (no results), GODEX_SEARCH_500 (HTTP 500),
// GODEX_SEARCH_SLOW (answers after 30 s, or never if the caller goes away first).

export const SEARCH_MARKERS = { empty: "GODEX_SEARCH_EMPTY", error: "GODEX_SEARCH_500", slow: "GODEX_SEARCH_SLOW" } as const;

export interface SearchEmulatorReply {
  status: number;
  body: string;
  /** Wait this long before answering (the request may be cancelled meanwhile). */
  delayMs?: number;
}

function slug(q: string): string {
  return q.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "").slice(0, 60) || "query";
}

export function searxngResults(query: string, max = 3) {
  const s = slug(query);
  return Array.from({ length: max }, (_, i) => ({
    title: `${query} - result ${i + 1}`,
    url: `https://docs.example.org/${s}/${i + 1}`,
    content: `Offline result ${i + 1} for "${query}" from GodeX's search emulator.`,
    engine: "godex-mock",
    engines: ["godex-mock"],
    score: 1 / (i + 1),
    category: "general",
    ...(i === 0 ? { publishedDate: "2026-01-15T00:00:00" } : {}),
  }));
}

export function handleSearch(method: string, url: URL): SearchEmulatorReply {
  if (method !== "GET" || url.pathname !== "/search") return { status: 404, body: JSON.stringify({ error: "not found" }) };
  const q = url.searchParams.get("q") ?? "";
  if (url.searchParams.get("format") !== "json") return { status: 403, body: "<html>403 Forbidden</html>" }; // SearXNG without json in formats
  if (q.includes(SEARCH_MARKERS.error)) return { status: 500, body: "<html>Internal Server Error</html>" };
  const results = q.includes(SEARCH_MARKERS.empty) || q.trim() === "" ? [] : searxngResults(q);
  const body = JSON.stringify({ query: q, number_of_results: results.length, results, answers: [], corrections: [], infoboxes: [], suggestions: [], unresponsive_engines: [] });
  return { status: 200, body, ...(q.includes(SEARCH_MARKERS.slow) ? { delayMs: 30_000 } : {}) };
}
