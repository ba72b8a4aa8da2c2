// Where the server meets the ledger: every finished response becomes a row (priced with the
// price in force), and budgets are checked before a request may reach a provider. Nothing here
// is awaited by a response except the budget check, which reads cached sums.
import type { IncomingMessage, ServerResponse } from "node:http";
import { randomHex } from "../util/ids.ts";
import { ClientError } from "../protocol/types.ts";
import type { Ledger } from "../ledger/ledger.ts";
import { priceFor, type Price } from "../ledger/prices.ts";
import { toRow, type FinishedResponse } from "../ledger/row.ts";
import { budgetMessage } from "../ledger/budgets.ts";
import type { GatewayRuntime } from "../engine/runtime.ts";
import type { GatewayMetrics } from "./metrics.ts";
import type { Logger } from "./log.ts";
import { tokenNameOf } from "./auth.ts";
import { sendError } from "./errors.ts";

/** Prices found per runtime (a reload brings a new runtime, so new prices); bounded per runtime. */
const priceCache = new WeakMap<GatewayRuntime, Map<string, Price | null>>();
const PRICE_CACHE_MAX = 1_000;

export function priceOf(rt: GatewayRuntime, provider: string | undefined, model: string | undefined): Price | null {
  if (!provider || !model) return null;
  let cache = priceCache.get(rt);
  if (!cache) priceCache.set(rt, (cache = new Map()));
  const key = `${provider}\u0000${model}`;
  const hit = cache.get(key);
  if (hit !== undefined) return hit;
  const p = rt.providers.get(provider);
  const price = p ? priceFor(rt.config.providers[provider]?.prices, p.mapping.doc, model) : null;
  if (cache.size >= PRICE_CACHE_MAX) cache.clear();
  cache.set(key, price);
  return price;
}

export interface LedgerHooks {
  /** Called with every finished response. */
  finished(r: FinishedResponse): void;
  /** Wraps the /v1/responses handler: a request over a budget is answered 429 without calling it. */
  gate<H extends (req: IncomingMessage & { body?: unknown }, res: ServerResponse) => unknown>(handler: H): (req: IncomingMessage & { body?: unknown }, res: ServerResponse) => unknown;
}

export function ledgerHooks(getRuntime: () => GatewayRuntime, ledger: Ledger | undefined, metrics: GatewayMetrics, log: Logger): LedgerHooks {
  return {
    finished(r) {
      try {
        const price = priceOf(getRuntime(), r.provider, r.model);
        const row = toRow(r, price, ledger?.instance ?? null);
        if (row.cost != null && row.currency) metrics.recordCost(row.provider ?? "", row.model ?? "", row.currency, row.cost);
        ledger?.add(row);
      } catch (err) {
        // The response has been sent already; a ledger problem only costs its row.
        metrics.ledgerFailure();
        log.warn({ msg: "ledger row not recorded", requestId: r.requestId, error: String((err as Error)?.message ?? err) });
      }
    },
    gate(handler) {
      if (!ledger) return handler;
      return (req, res) => {
        const budgets = getRuntime().config.budgets;
        if (budgets.length === 0) return handler(req, res);
        const body = req.body as { model?: unknown } | undefined;
        const alias = typeof body?.model === "string" ? body.model : null;
        const token = tokenNameOf(req);
        const started = Date.now();
        return ledger.budgets.check(budgets, token, alias).then(
          (verdict) => {
            if (!verdict) return handler(req, res);
            const requestId = `req_${randomHex(8)}`;
            res.setHeader("x-request-id", requestId);
            const message = budgetMessage(verdict);
            sendError(res, new ClientError(429, "insufficient_quota", "insufficient_quota", message));
            log.info({ msg: "response", requestId, alias, status: 429, outcome: "rejected", errorCode: "insufficient_quota", budget: verdict.budget.name });
            metrics.budgetRejected(verdict.budget.name);
            ledger.add(
              toRow(
                { requestId, alias: alias ?? undefined, status: 429, outcome: "rejected", errorCode: "insufficient_quota", latencyMs: Date.now() - started, firstTokenMs: null, retries: 0, diagnostics: [], tokenName: token, conversation: null },
                null,
                ledger.instance,
              ),
            );
          },
          (err) => {
            // The ledger cannot be read: serve the request (a ledger failure never fails one).
            metrics.ledgerFailure();
            log.warn({ msg: "budget check failed; request served without it", error: String((err as Error)?.message ?? err) });
            return handler(req, res);
          },
        );
      };
    },
  };
}
