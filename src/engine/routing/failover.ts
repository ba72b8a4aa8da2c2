// Which failures another target can fix. Only what is about this target, not about the request:
// it is busy, out of quota, down or slow (429, 5xx, connect errors, timeouts, "overloaded"
// finishes). A request the provider refuses (400, 401, 403, context length, content policy) would
// be refused the same way elsewhere, or needs the user to act.
import type { UpstreamFailure } from "../../protocol/types.ts";

const THE_REQUEST = new Set(["context_length_exceeded", "invalid_prompt", "cyber_policy", "invalid_request_error", "invalid_api_key", "authentication_error", "permission_denied", "model_not_found"]);
const THE_TARGET = new Set(["rate_limit_exceeded", "insufficient_quota", "server_is_overloaded", "slow_down", "server_error", "usage_not_included"]);

export function anotherTargetCanFix(f: UpstreamFailure): boolean {
  if (THE_REQUEST.has(f.code)) return false;
  if (f.httpStatus === 429 || f.httpStatus >= 500) return true;
  if (f.httpStatus >= 400) return false;
  return THE_TARGET.has(f.code);
}

/** A failure code (of a response that failed after output) that says the target is in trouble. */
export function isTargetTrouble(code: string | null): boolean {
  return code !== null && THE_TARGET.has(code);
}
