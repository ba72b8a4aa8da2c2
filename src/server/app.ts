// The HTTP surface: /v1/responses, /v1/models, /health, with OpenAI-shaped errors for everything else.
// POST /v1/responses and GET /health are served straight from node:http (the fast path: no Express
// per-request work, and Express is not loaded at start); every other route goes through the Express
// app of ./express-routes.ts, imported with the first request that needs it (issue 17: a gateway that has only
// served Codex and health probes never loads Express).
import type { IncomingMessage, ServerResponse } from "node:http";
import type { GatewayRuntime } from "../engine/runtime.ts";
import type { Logger } from "./log.ts";
import { sendError, toClientError } from "./errors.ts";
import { healthHandler } from "./routes/info.ts";
import { requireToken } from "./auth.ts";
import { accessGuard, refusalLogger } from "./access.ts";
import { jsonBody } from "./body.ts";
import type { RequestRecord } from "../protocol/record.ts";
import { responsesHandler, type ResponsesRouteOptions } from "./routes/responses.ts";
import { ledgerHooks } from "./ledger-hooks.ts";
import type { Ledger } from "../ledger/ledger.ts";
import { GatewayMetrics } from "./metrics.ts";
import { RecentRequests } from "./recent.ts";
import { TargetHealth } from "../engine/routing/health.ts";
import { targetStates } from "../engine/routing/summary.ts";
import type { ResponseStore } from "../store/response-store.ts";
import { storeContinuations } from "../store/response-store.ts";
import type { RouteParts } from "./express-routes.ts";

export interface AppOptions {
  getRuntime: () => GatewayRuntime;
  log: Logger;
  metrics?: GatewayMetrics;
  recent?: RecentRequests;
  fixedIds?: ResponsesRouteOptions["fixedIds"];
  keepAliveMs?: number;
  onFinished?: ResponsesRouteOptions["onFinished"];
  shutdown?: AbortSignal;
  /** Per-target circuit state; outlives runtime reloads. */
  health?: TargetHealth;
  /** Stored responses (store: true); null or absent: none are kept. */
  store?: ResponseStore | null;
  /** The usage ledger (rows, budgets, charts); none = no ledger. */
  ledger?: Ledger;
}

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/** A node:http request listener (also what supertest takes). */
export type GatewayApp = Handler & {
  /** What POST /v1/responses is served with (logging, metrics, recent requests): WebSocket mode shares it. */
  route: ResponsesRouteOptions;
};

/** The paths the fast path serves as Express would: exact, with or without a query (any other spelling goes through Express). */
function fastRoute(req: IncomingMessage): "responses" | "health" | null {
  const url = req.url ?? "";
  const q = url.indexOf("?");
  const path = q < 0 ? url : url.slice(0, q);
  if (req.method === "POST") return path === "/v1/responses" || path === "/responses" ? "responses" : null;
  // Express answers HEAD with the GET route (Node drops the body).
  if (req.method === "GET" || req.method === "HEAD") return path === "/health" ? "health" : null;
  return null;
}

export function createApp(o: AppOptions): GatewayApp {
  const limit = o.getRuntime().config.server.bodyLimitBytes;
  const json = jsonBody(limit);
  const auth = requireToken(
    () => o.getRuntime().config.server.auth.tokens,
    () => o.getRuntime().config.server.auth.tokenNames,
  );

  const recent = o.recent ?? new RecentRequests();
  const health = o.health ?? new TargetHealth();
  const metrics = o.metrics ?? new GatewayMetrics();
  metrics.watchTargets(() => targetStates(o.getRuntime(), health));
  if (o.ledger) metrics.watchLedger(() => o.ledger!.writer.stats);
  const ledger = ledgerHooks(o.getRuntime, o.ledger, metrics, o.log);
  // Host, Origin (CORS) and JSON-only POST bodies, before anything else (rules re-read on reload).
  const logRefusal = refusalLogger((f) => o.log.warn(f));
  const access = accessGuard(
    () => o.getRuntime().config.server,
    (err, req) => {
      metrics.refusedRequest(err.code);
      logRefusal(err, req);
    },
  );
  const onFinished = (r: RequestRecord) => {
    recent.add(r);
    metrics.record(r);
    ledger.finished(r);
    o.onFinished?.(r);
  };
  const streamLabels = (r: Partial<RequestRecord>) => ({ alias: r.alias ?? "", provider: r.provider ?? "", model: r.model ?? "" });
  const route: ResponsesRouteOptions = {
    ...o,
    health,
    continuations: o.store ? storeContinuations(o.store) : undefined,
    onFinished,
    onStreamStart: (r) => metrics.streamStarted(streamLabels(r)),
    onStreamEnd: (r) => metrics.streamEnded(streamLabels(r)),
  };
  const responses = ledger.gate(responsesHandler(route));
  const healthz = healthHandler(o.getRuntime, health);

  /** What Express's error handler does: OpenAI-shaped error, server errors logged (never a stack to the client). */
  const onError = (err: unknown, res: ServerResponse) => {
    const ce = toClientError(err);
    if (ce.status >= 500) o.log.error({ msg: "unhandled error", error: String((err as Error)?.stack ?? err) });
    sendError(res, ce);
  };

  const parts: RouteParts = { options: o, route, access, auth, json, responses, health: healthz, metrics, recent, targets: health, onError };
  let routes: Handler | undefined;
  let loading: Promise<Handler> | undefined;
  const viaExpress: Handler = (req, res) => {
    if (routes) return routes(req, res);
    loading ??= import("./express-routes.ts")
      .then((m) => (routes = m.expressRoutes(parts)))
      .catch((err: unknown) => {
        loading = undefined; // the next request tries again
        throw err;
      });
    loading.then((h) => h(req, res)).catch((err: unknown) => onError(err, res));
  };

  const app: Handler = (req, res) => {
    const which = fastRoute(req);
    if (which === null) return viaExpress(req, res);
    if (which === "health") {
      // Same order as the Express app: access guard, then /health (no token needed: probes).
      return access(req, res, () => {
        try {
          healthz(req, res);
        } catch (err) {
          onError(err, res);
        }
      });
    }
    access(req, res, () =>
      auth(req, res, () =>
        json(req, res, (err?: unknown) => {
          if (err) sendError(res, toClientError(err));
          else void responses(req, res);
        }),
      ),
    );
  };
  return Object.assign(app, { route });
}
