// Routing is a target list over one attempt unit: the plan orders the alias's targets, the
// circuit breaker skips the ones cooling down, and each target gets its own translation (its own
// mapping) and its own attempt. A failure another target can fix moves on to the next target as
// long as nothing of the answer reached the client; the first target that commits serves.
// Diagnostics are per attempt: a failed target's findings never reach the served response, except
// as the served_by_fallback diagnostic itself.
import type { AliasRoute, RouteTarget, RoutingPolicy } from "../../config/types.ts";
import { ClientError, type Diagnostic, type UpstreamFailure } from "../../protocol/types.ts";
import type { RouteAttempt } from "../../protocol/record.ts";
import type { ProviderRuntime } from "../provider-runtime.ts";
import { ClientReply, type StreamOut } from "../client-reply.ts";
import { continueSearchSteps } from "../hosted/web-search.ts";
import { attempt, finishRun, newBuilder, newStats, prepare, responseIdentity, searchModeFor, type AttemptResult, type JsonResult, type Prepared, type RunOptions, type Target } from "../run.ts";
import { anotherTargetCanFix, isTargetTrouble } from "./failover.ts";
import { redactSecrets } from "../../upstream/call.ts";
import type { TargetHealth } from "./health.ts";
import { conversationKey, planTargets } from "./plan.ts";

export const SERVED_BY_HEADER = "x-godex-served-by";

export interface RouteRunOptions extends RunOptions {
  route: AliasRoute;
  providers: ReadonlyMap<string, ProviderRuntime>;
  health: TargetHealth;
  policy: RoutingPolicy;
  /** The upstream body of each attempt, for opt-in payload capture. */
  onPayload?: (target: string, upstreamBody: string) => void;
}

export interface RouteResult extends JsonResult {
  /** "provider/model" that answered; null when no target did. */
  servedBy: string | null;
  /** The serving (or last tried) target's provider and upstream model. */
  provider: string;
  model: string;
  attempts: RouteAttempt[];
  /** Served by another target than the first of the plan. */
  fallback: boolean;
  /** Extra response headers (x-godex-served-by) for a whole JSON reply. */
  headers: Record<string, string>;
  /** What the x-godex-diagnostics header names for a whole JSON reply. */
  headerDiagnostics: Diagnostic[];
}

interface Candidate {
  target: RouteTarget;
  provider: ProviderRuntime;
  probe: boolean;
}

/** The targets this request may use, in order; cooling-down ones are skipped while another is left. */
export function admitTargets(o: Pick<RouteRunOptions, "route" | "providers" | "health" | "req">): { candidates: Candidate[]; skipped: RouteAttempt[]; lastResort: boolean } {
  const plan = planTargets(o.route, conversationKey(o.req));
  const candidates: Candidate[] = [];
  const skipped: RouteAttempt[] = [];
  const cooling: Candidate[] = [];
  for (const target of plan) {
    const provider = o.providers.get(target.provider);
    if (!provider) continue; // the loader checks aliases; a reload race at worst
    if (!provider.hasKey) {
      skipped.push({ target: target.id, result: "skipped", code: "missing_api_key", message: `no API key for provider '${provider.name}'` });
      continue;
    }
    const admission = plan.length > 1 ? o.health.admit(target.id) : "use";
    if (admission === "skip") {
      cooling.push({ target, provider, probe: false });
      continue;
    }
    candidates.push({ target, provider, probe: admission === "probe" });
  }
  if (candidates.length === 0 && cooling.length > 0) {
    // Every target is cooling down: the one back soonest is tried rather than failing unasked.
    cooling.sort((a, b) => o.health.openUntil(a.target.id) - o.health.openUntil(b.target.id));
    for (const c of cooling.slice(1)) skipped.push(coolingDown(o.health, c.target));
    return { candidates: [cooling[0]!], skipped, lastResort: true };
  }
  for (const c of cooling) skipped.push(coolingDown(o.health, c.target));
  return { candidates, skipped, lastResort: false };
}

function coolingDown(health: TargetHealth, target: RouteTarget): RouteAttempt {
  health.skippedOnce(target.id);
  const until = health.openUntil(target.id);
  const secs = Math.max(1, Math.ceil((until - Date.now()) / 1000));
  return { target: target.id, result: "skipped", code: "cooling_down", message: `cooling down after repeated failures (tried again in ${secs}s)` };
}

export async function runRoute(o: RouteRunOptions, candidates: Candidate[], skipped: RouteAttempt[], out: StreamOut | null): Promise<RouteResult> {
  const id = responseIdentity(o);
  const reply = new ClientReply(out, o.keepAliveMs);
  const stats = newStats();
  const attempts: RouteAttempt[] = [...skipped];
  const failed: { target: string; failure: UpstreamFailure }[] = [];
  let last: { target: Target; result: AttemptResult; id: string } | null = null;
  const started = Date.now();
  const tried = new Set<Candidate>();
  try {
    for (const [i, c] of candidates.entries()) {
      tried.add(c);
      const target: Target = { provider: c.provider, model: c.target.model };
      let p: Prepared;
      try {
        p = await prepare(o, target, reply.streaming);
      } catch (err) {
        // A fallback whose mapping cannot take this request is passed over; the first target's refusal is the answer.
        if (!(err instanceof ClientError) || !last) throw err;
        attempts.push({ target: c.target.id, result: "failed", code: err.code, message: err.message.slice(0, 300) });
        continue;
      }
      o.onPayload?.(c.target.id, p.upstreamBody);
      const builder = newBuilder(o, id, target, p, reply.sink);
      const hosted = searchModeFor(o, target) === "hosted" ? o.webSearch?.hosted : undefined;
      if (hosted?.problem) builder.addDiagnostic({ code: "web_search_unavailable", path: "web_search", action: "degraded", message: `Web search is configured but ${hosted.problem}; searches answer with that error.` });
      const headerDiagnostics = [...p.translated.diagnostics.list];
      const isFallback = i > 0 || attempts.length > 0;
      const announce = () => {
        reply.setHeader(SERVED_BY_HEADER, c.target.id);
        if (!isFallback) return;
        const d = servedByFallback(c.target.id, attempts);
        builder.addDiagnostic(d);
        headerDiagnostics.push(d);
      };
      reply.use(builder, headerDiagnostics, announce);
      o.health.tried(c.target.id);
      stats.searches = [];
      let result = await attempt(o, target, p, builder, reply, stats, started);
      // A first step that asked for hosted searches: the loop runs them and continues on this target.
      if (result.kind === "served" && hosted && !builder.finished) result = await continueSearchSteps(o, target, builder, reply, stats, hosted);
      stats.searches.push(...builder.providerSearches);
      last = { target, result, id: c.target.id };
      if (result.kind === "aborted") {
        if (c.probe) o.health.release(c.target.id);
        break;
      }
      if (result.kind === "served") {
        // A failure after output still says something about the target's health.
        if (stats.outcome === "failed" && isTargetTrouble(stats.errorCode)) o.health.failure(c.target.id, o.policy, `failed mid-answer (${stats.errorCode})`);
        else o.health.success(c.target.id);
        attempts.push({ target: c.target.id, result: "served", ...(stats.outcome === "failed" ? { code: stats.errorCode ?? "server_error" } : {}) });
        if (!reply.streaming) announce();
        break;
      }
      const f = result.failure;
      const fixable = anotherTargetCanFix(f);
      if (fixable) o.health.failure(c.target.id, o.policy, f.message, f.retryAfterMs);
      else if (c.probe) o.health.release(c.target.id);
      attempts.push({ target: c.target.id, result: "failed", code: f.code, message: redactSecrets(f.message, c.provider).slice(0, 300) });
      failed.push({ target: c.target.id, failure: f });
      if (!fixable || reply.answered) break;
    }
    if (!last) throw new Error("runRoute needs at least one candidate target");
    if (last.result.kind === "failed" && failed.length + skipped.length > 1) {
      const d = allTargetsFailed(attempts);
      last.result.builder.addDiagnostic(d);
      reply.addHeaderDiagnostic(d);
    }
    const json = finishRun(o, last.target, last.result, reply, stats);
    const servedBy = attempts.find((a) => a.result === "served")?.target ?? null;
    const firstPlanned = attempts[0]?.target ?? null;
    return {
      ...json,
      servedBy,
      provider: last.target.provider.name,
      model: last.target.model,
      attempts,
      fallback: servedBy !== null && servedBy !== firstPlanned,
      headers: reply.extraHeaders,
      headerDiagnostics: reply.headerDiagnostics,
    };
  } finally {
    reply.dispose();
    // A probe reserved for a target this request never reached goes back to the pool.
    for (const c of candidates) if (c.probe && !tried.has(c)) o.health.release(c.target.id);
  }
}

function servedByFallback(servedBy: string, attempts: RouteAttempt[]): Diagnostic {
  const why = attempts.map((a) => `${a.target} ${a.result === "skipped" ? "skipped" : "failed"}: ${a.message ?? a.code ?? "unknown"}`).join("; ");
  return {
    code: "served_by_fallback",
    path: "model",
    action: "degraded",
    message: `Served by ${servedBy} instead of ${attempts[0]?.target ?? "the first target"} (${why}).`,
  };
}

function allTargetsFailed(attempts: RouteAttempt[]): Diagnostic {
  const why = attempts.map((a) => `${a.target} ${a.result}${a.code ? ` (${a.code})` : ""}`).join("; ");
  return { code: "all_targets_failed", path: "model", action: "degraded", message: `No target of the alias could serve: ${why}.` };
}
