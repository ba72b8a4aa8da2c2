// Per-target circuit breaking, shared by every request of a gateway and kept across config
// reloads (it lives outside the runtime). A target that fails `failures` times within `windowMs`
// is open (skipped) for a cooldown, or for as long as the provider's Retry-After asks; then one
// probe request is let through: success closes the circuit, failure opens it again for twice as
// long (up to maxCooldownMs). Keyed by "provider/model"; bounded by the configured targets.
import type { RoutingPolicy } from "../../config/types.ts";

export type CircuitState = "closed" | "open" | "half_open";
/** What a request may do with a target now. */
export type Admission = "use" | "probe" | "skip";

interface TargetState {
  /** Failure times within the window (closed circuit). */
  recent: number[];
  openUntil: number;
  /** Cooldown of the last opening (doubles after a failed probe). */
  cooldownMs: number;
  probing: boolean;
  lastError: string | null;
  lastErrorAt: number | null;
  lastSuccessAt: number | null;
  /** Set when the last opening came from the provider's Retry-After. */
  retryAfterMs: number | null;
  requests: number;
  failures: number;
  opened: number;
  skipped: number;
}

export interface TargetHealthView {
  target: string;
  state: CircuitState;
  /** Failures counted in the current window. */
  recent_failures: number;
  /** When a skipped target is tried again (ISO), while open. */
  cooldown_until: string | null;
  retry_after_ms: number | null;
  last_error: string | null;
  last_error_at: string | null;
  last_success_at: string | null;
  requests: number;
  failures: number;
  circuit_opened: number;
  skipped: number;
}

/** Most targets remembered (a wildcard alias can reach any provider/model a client names). */
const MAX_TARGETS = 1000;

export class TargetHealth {
  private readonly states = new Map<string, TargetState>();

  constructor(private readonly now: () => number = Date.now) {}

  /** Whether a request may use the target now; "probe" reserves the single trial after a cooldown. */
  admit(id: string): Admission {
    const s = this.states.get(id);
    if (!s || s.openUntil === 0) return "use";
    if (this.now() < s.openUntil || s.probing) return "skip";
    s.probing = true;
    return "probe";
  }

  /** When the target's cooldown ends (0 when it is not cooling down). */
  openUntil(id: string): number {
    return this.states.get(id)?.openUntil ?? 0;
  }

  /** A request was sent to the target (counted for the status page and metrics). */
  tried(id: string) {
    this.state(id).requests++;
  }

  skippedOnce(id: string) {
    this.state(id).skipped++;
  }

  success(id: string) {
    const s = this.state(id);
    s.recent = [];
    s.openUntil = 0;
    s.probing = false;
    s.cooldownMs = 0;
    s.retryAfterMs = null;
    s.lastSuccessAt = this.now();
  }

  /** A failure another target could have fixed (see failover.ts). */
  failure(id: string, policy: RoutingPolicy, message: string, retryAfterMs?: number) {
    const s = this.state(id);
    const now = this.now();
    s.failures++;
    s.lastError = message.slice(0, 300);
    s.lastErrorAt = now;
    const wasProbe = s.probing;
    s.probing = false;
    s.recent = s.recent.filter((t) => now - t < policy.windowMs);
    s.recent.push(now);
    const retryAfter = retryAfterMs !== undefined && retryAfterMs > 0 ? retryAfterMs : null;
    if (!wasProbe && !retryAfter && s.recent.length < policy.failures) return;
    // Open: a failed probe doubles the last cooldown; Retry-After wins when longer.
    const base = wasProbe && s.cooldownMs > 0 ? s.cooldownMs * 2 : policy.cooldownMs;
    const cooldown = Math.min(policy.maxCooldownMs, Math.max(base, retryAfter ?? 0));
    if (cooldown <= 0) return;
    s.cooldownMs = cooldown;
    s.retryAfterMs = retryAfter;
    s.openUntil = now + cooldown;
    s.recent = [];
    s.opened++;
  }

  /** The request holding the probe ended without a verdict (client gone): let another probe. */
  release(id: string) {
    const s = this.states.get(id);
    if (s) s.probing = false;
  }

  stateOf(id: string): CircuitState {
    const s = this.states.get(id);
    if (!s || s.openUntil === 0) return "closed";
    return this.now() < s.openUntil ? "open" : "half_open";
  }

  view(id: string): TargetHealthView {
    const s = this.states.get(id);
    const iso = (t: number | null) => (t ? new Date(t).toISOString() : null);
    const state = this.stateOf(id);
    return {
      target: id,
      state,
      recent_failures: s?.recent.length ?? 0,
      cooldown_until: state === "open" ? iso(s!.openUntil) : null,
      retry_after_ms: state === "open" ? (s?.retryAfterMs ?? null) : null,
      last_error: s?.lastError ?? null,
      last_error_at: iso(s?.lastErrorAt ?? null),
      last_success_at: iso(s?.lastSuccessAt ?? null),
      requests: s?.requests ?? 0,
      failures: s?.failures ?? 0,
      circuit_opened: s?.opened ?? 0,
      skipped: s?.skipped ?? 0,
    };
  }

  private state(id: string): TargetState {
    let s = this.states.get(id);
    if (!s) {
      if (this.states.size >= MAX_TARGETS) this.states.delete(this.states.keys().next().value!);
      s = { recent: [], openUntil: 0, cooldownMs: 0, probing: false, lastError: null, lastErrorAt: null, lastSuccessAt: null, retryAfterMs: null, requests: 0, failures: 0, opened: 0, skipped: 0 };
      this.states.set(id, s);
    }
    return s;
  }
}
