// Prometheus metrics (GET /metrics), labelled by alias, provider and model. One registry per
// gateway, so tests can run several side by side. prom-client is loaded, and the registry built,
// with the first thing to count or the first scrape: a gateway at rest does not hold it (~11 MB,
// docs/performance.md). Nothing is lost by waiting: before that first event every counter is zero.
import { requireVendored } from "../util/bundle.ts";
import type { RequestRecord } from "../protocol/record.ts";
import type { TargetHealthView } from "../engine/routing/health.ts";
import { DeferredCounter } from "./deferred-counter.ts";

const LABELS = ["alias", "provider", "model"] as const;

type PromClient = typeof import("prom-client");
let promClient: PromClient | undefined;
/**
 * prom-client, loaded on first use (synchronously: counting happens inside request handlers), from the
 * build's one-file copy: ~30 ms instead of ~70 ms for its ~90 CommonJS files, paid by the first request.
 */
function prom(): PromClient {
  return (promClient ??= requireVendored<PromClient>("prom-client"));
}

/** Every metric of one gateway, in its own registry. */
class Instruments {
  readonly registry = new (prom().Registry)();
  /** Counted once per response: summed in GodeX, handed to prom-client at scrape time (deferred-counter.ts). */
  readonly requests = deferred([...LABELS, "stream", "status", "outcome"], { name: "godex_requests_total", help: "Responses requests by outcome.", registers: [this.registry] });
  readonly errors = new (prom().Counter)({ name: "godex_errors_total", help: "Failed or rejected requests by error code.", labelNames: [...LABELS, "code"], registers: [this.registry] });
  readonly latency = new (prom().Histogram)({ name: "godex_request_duration_seconds", help: "Time from request to last byte.", labelNames: [...LABELS, "stream"], buckets: [0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300], registers: [this.registry] });
  readonly ttft = new (prom().Histogram)({ name: "godex_time_to_first_token_seconds", help: "Time from request to the first upstream delta.", labelNames: [...LABELS], buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120], registers: [this.registry] });
  readonly tokens = deferred([...LABELS, "kind"], { name: "godex_tokens_total", help: "Tokens reported by providers, by kind (input includes cached; output includes reasoning).", registers: [this.registry] });
  readonly retries = new (prom().Counter)({ name: "godex_upstream_retries_total", help: "Upstream attempts beyond the first.", labelNames: [...LABELS], registers: [this.registry] });
  readonly diagnostics = new (prom().Counter)({ name: "godex_diagnostics_total", help: "Compatibility diagnostics by code and action.", labelNames: [...LABELS, "code", "action"], registers: [this.registry] });
  readonly targetAttempts = deferred(["target", "result"], { name: "godex_target_attempts_total", help: "Routed targets tried or skipped, by result (served, failed, skipped).", registers: [this.registry] });
  readonly fallbacks = new (prom().Counter)({ name: "godex_fallbacks_total", help: "Responses served by another target than the first planned.", labelNames: ["alias", "served_by"], registers: [this.registry] });
  readonly circuit = new (prom().Gauge)({
    name: "godex_target_circuit_state",
    help: "Circuit state per target: 0 closed, 1 half-open (a probe may go), 2 open (skipped while another target is left).",
    labelNames: ["target"],
    registers: [this.registry],
    collect: () => {
      this.circuit.reset();
      for (const t of this.targets()) this.circuit.set({ target: t.target }, t.state === "open" ? 2 : t.state === "half_open" ? 1 : 0);
    },
  });
  readonly recentFailures = new (prom().Gauge)({
    name: "godex_target_recent_failures",
    help: "Failures counted toward opening the target's circuit (current window).",
    labelNames: ["target"],
    registers: [this.registry],
    collect: () => {
      this.recentFailures.reset();
      for (const t of this.targets()) this.recentFailures.set({ target: t.target }, t.recent_failures);
    },
  });
  readonly cost = deferred(["provider", "model", "currency"], { name: "godex_cost_total", help: "Spend computed from the mapping's (or the config's) prices, by provider/model and currency.", registers: [this.registry] });
  readonly cachedTokens = deferred(["provider", "model"], { name: "godex_cached_tokens_total", help: "Input tokens the provider's prompt cache served, by provider/model.", registers: [this.registry] });
  readonly ledgerFailures = new (prom().Counter)({ name: "godex_ledger_failures_total", help: "Ledger rows not recorded, budget checks that could not read the ledger.", registers: [this.registry] });
  readonly budgetRejections = new (prom().Counter)({ name: "godex_budget_rejections_total", help: "Requests answered 429 insufficient_quota because a budget was exhausted.", labelNames: ["budget"], registers: [this.registry] });
  readonly refused = new (prom().Counter)({ name: "godex_refused_requests_total", help: "Requests refused before routing (Host, Origin, content type), by error code.", labelNames: ["code"], registers: [this.registry] });
  readonly activeStreams = new (prom().Gauge)({ name: "godex_active_streams", help: "Streams currently open to clients.", labelNames: [...LABELS], registers: [this.registry] });

  constructor(private readonly targets: () => TargetHealthView[]) {}
}

/** A counter incremented per response through a DeferredCounter (the sums reach prom-client when scraped). */
function deferred<L extends string>(labelNames: L[], config: { name: string; help: string; registers: import("prom-client").Registry[] }): DeferredCounter<L> {
  const sums = new DeferredCounter<L>(labelNames);
  return sums.attach(
    new (prom().Counter)<L>({
      ...config,
      labelNames,
      collect() {
        sums.flush();
      },
    }),
  );
}

type LedgerStats = () => { written: number; failed: number; dropped: number; queued: number };

function ledgerGauges(m: Instruments, stats: LedgerStats): void {
  const { Gauge } = prom();
  new Gauge({ name: "godex_ledger_queue_depth", help: "Ledger rows waiting to be written.", registers: [m.registry], collect() { this.set(stats().queued); } });
  new Gauge({ name: "godex_ledger_rows_written", help: "Ledger rows written since start.", registers: [m.registry], collect() { this.set(stats().written); } });
  new Gauge({ name: "godex_ledger_rows_lost", help: "Ledger rows lost since start (write failures and a full queue).", registers: [m.registry], collect() { const s = stats(); this.set(s.failed + s.dropped); } });
}

export class GatewayMetrics {
  private built: Instruments | undefined;
  private targets: () => TargetHealthView[] = () => [];
  private ledgerStats: LedgerStats | undefined;

  /** The instruments, built on first use (prom-client loads then). */
  private get m(): Instruments {
    if (this.built) return this.built;
    const m = (this.built = new Instruments(() => this.targets()));
    if (this.ledgerStats) ledgerGauges(m, this.ledgerStats);
    return m;
  }

  /** True once something was counted or scraped (prom-client is loaded). */
  get loaded(): boolean {
    return this.built !== undefined;
  }

  /** The exposition text and its content type (GET /metrics). */
  async scrape(): Promise<{ contentType: string; body: string }> {
    const { registry } = this.m;
    return { contentType: registry.contentType, body: await registry.metrics() };
  }

  /** A request refused before routing (Host, Origin, content type). */
  refusedRequest(code: string) {
    this.m.refused.inc({ code });
  }

  streamStarted(labels: { alias: string; provider: string; model: string }) {
    this.m.activeStreams.inc(labels);
  }

  streamEnded(labels: { alias: string; provider: string; model: string }) {
    this.m.activeStreams.dec(labels);
  }

  /** Where the per-target gauges read their state at scrape time. */
  watchTargets(read: () => TargetHealthView[]) {
    this.targets = read;
  }

  record(r: RequestRecord) {
    for (const a of r.attempts ?? (r.servedBy ? [{ target: r.servedBy, result: "served" as const }] : [])) this.m.targetAttempts.inc({ target: a.target, result: a.result });
    if (r.fallback && r.servedBy) this.m.fallbacks.inc({ alias: r.alias ?? "", served_by: r.servedBy });
    const base = { alias: r.alias ?? "", provider: r.provider ?? "", model: r.model ?? "" };
    this.m.requests.inc({ ...base, stream: String(r.stream ?? false), status: String(r.status), outcome: r.outcome });
    if (r.errorCode) this.m.errors.inc({ ...base, code: r.errorCode });
    this.m.latency.observe({ ...base, stream: String(r.stream ?? false) }, r.latencyMs / 1000);
    if (r.firstTokenMs != null) this.m.ttft.observe(base, r.firstTokenMs / 1000);
    if (r.usage && r.provider) this.m.cachedTokens.inc({ provider: r.provider, model: r.model ?? "" }, r.usage.cached);
    if (r.usage) {
      this.m.tokens.inc({ ...base, kind: "input" }, r.usage.input);
      this.m.tokens.inc({ ...base, kind: "cached" }, r.usage.cached);
      this.m.tokens.inc({ ...base, kind: "output" }, r.usage.output);
      this.m.tokens.inc({ ...base, kind: "reasoning" }, r.usage.reasoning);
    }
    if (r.retries > 0) this.m.retries.inc(base, r.retries);
    for (const d of r.diagnostics) this.m.diagnostics.inc({ ...base, code: d.code, action: d.action });
  }

  recordCost(provider: string, model: string, currency: string, amount: number) {
    if (amount > 0) this.m.cost.inc({ provider, model, currency }, amount);
  }

  ledgerFailure() {
    this.m.ledgerFailures.inc();
  }

  budgetRejected(budget: string) {
    this.m.budgetRejections.inc({ budget });
  }

  /** Ledger writer counters, read at scrape time. */
  watchLedger(stats: LedgerStats) {
    this.ledgerStats = stats;
    if (this.built) ledgerGauges(this.built, stats);
  }
}
