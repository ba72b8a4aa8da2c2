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
}
