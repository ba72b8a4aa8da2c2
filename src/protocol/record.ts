// One served request as the operator surfaces see it (log line, metrics, status page, ledger),
// whatever transport carried it.
import type { Diagnostic } from "./types.ts";

export interface RequestRecord {
  requestId: string;
  alias?: string;
  provider?: string;
  model?: string;
  stream?: boolean;
  status: number;
  outcome: string;
  errorCode: string | null;
  latencyMs: number;
  firstTokenMs: number | null;
  /** Upstream attempts beyond the first. */
  retries: number;
  usage?: { input: number; cached: number; output: number; reasoning: number };
  diagnostics: Diagnostic[];
  /** Queries of the web searches GodeX ran (hosted web_search). */
  searches?: string[];
  /** The conversation key Codex sends (prompt_cache_key), when it did. */
  conversation?: string | null;
  /** The inbound token's name when auth is on (never the token). */
  tokenName?: string | null;
  /** "provider/model" that answered (routing); absent when no target did. */
  servedBy?: string;
  /** Served by another target than the first one planned for this request. */
  fallback?: boolean;
  /** Every target tried or skipped for this request, in order. */
  attempts?: RouteAttempt[];
}

/** One target of a routed request and how it went. */
export interface RouteAttempt {
  /** "provider/model". */
  target: string;
  result: "served" | "failed" | "skipped";
  /** Error code of a failure (or of a served response that failed after output), or why it was skipped. */
  code?: string;
  message?: string;
}
