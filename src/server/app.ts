// The HTTP surface: /v1/responses, /v1/models, /health, with OpenAI-shaped errors for everything else.
import type { IncomingMessage, ServerResponse } from "node:http";
import express, { type NextFunction, type Request, type Response } from "express";
import type { GatewayRuntime } from "../engine/runtime.ts";
import type { Logger } from "./log.ts";
import { ClientError } from "../protocol/types.ts";
import { sendError, toClientError } from "./errors.ts";
import { isWebSocketUpgrade, noWebSocketError } from "./no-websocket.ts";
import { healthHandler, modelHandler, modelsHandler } from "./routes/info.ts";
import { requireToken } from "./auth.ts";
import { accessGuard, refusalLogger } from "./access.ts";
import { jsonBody } from "./body.ts";
import type { RequestRecord } from "../protocol/record.ts";
import { responsesHandler, type ResponsesRouteOptions } from "./routes/responses.ts";
import { statusJsonHandler, statusPageHandler } from "./routes/status.ts";
import { assetHandler, usageJsonHandler } from "./routes/usage.ts";
import { ledgerHooks } from "./ledger-hooks.ts";
import type { Ledger } from "../ledger/ledger.ts";
import { GatewayMetrics } from "./metrics.ts";
import { RecentRequests } from "./recent.ts";
import { TargetHealth } from "../engine/routing/health.ts";
import { targetStates } from "../engine/routing/summary.ts";
import type { ResponseStore } from "../store/response-store.ts";
import { storeContinuations } from "../store/response-store.ts";
import { storedResponseHandlers } from "./routes/stored.ts";
import { compactHandler } from "./routes/compact.ts";

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

export type GatewayApp = ReturnType<typeof express> & {
  /** Serves POST /v1/responses straight from Node's server without Express's per-request work; false when not that route. */
  fastPath(req: IncomingMessage, res: ServerResponse): boolean;
  /** What POST /v1/responses is served with (logging, metrics, recent requests): WebSocket mode shares it. */
  route: ResponsesRouteOptions;
};

export function createApp(o: AppOptions): GatewayApp {
  const app = express();
  app.disable("x-powered-by");
  app.set("etag", false);
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
      metrics.refused.inc({ code: err.code });
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
    onStreamStart: (r) => metrics.activeStreams.inc(streamLabels(r)),
    onStreamEnd: (r) => metrics.activeStreams.dec(streamLabels(r)),
  };

  const responses = ledger.gate(responsesHandler(route));
  const stored = storedResponseHandlers(o.store ?? null);
  const compact = compactHandler(route);

  app.use(access);
  app.get("/health", healthHandler(o.getRuntime, health));
  // Tokens are read per request, so a hot reload of server.auth.tokens applies at once.
  app.use(auth);
  app.get("/", statusPageHandler());
  app.get("/status.json", statusJsonHandler(o.getRuntime, recent, health));
  app.get("/status/usage.json", usageJsonHandler(o.ledger));
  app.get("/assets/uplot.js", assetHandler("uplot.js"));
  app.get("/assets/uplot.css", assetHandler("uplot.css"));
  app.get("/metrics", async (_req: Request, res: Response) => {
    res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });
  for (const prefix of ["/v1", ""]) {
    app.get(`${prefix}/models`, modelsHandler(o.getRuntime));
    app.get(new RegExp(`^${prefix}/models/.+`), modelHandler(o.getRuntime));
    app.post(`${prefix}/responses`, json, responses);
    app.post(`${prefix}/responses/compact`, json, compact);
    app.get(`${prefix}/responses/:id/input_items`, stored.inputItems);
    app.get(`${prefix}/responses/:id`, stored.get);
    app.delete(`${prefix}/responses/:id`, stored.delete);
    app.all(`${prefix}/responses`, (req: Request, res: Response) => {
      sendError(res, isWebSocketUpgrade(req.headers)
        ? noWebSocketError()
        : new ClientError(405, "invalid_request_error", "method_not_allowed", "Use POST /v1/responses."));
    });
  }
  app.use((req: Request, res: Response) => {
    sendError(res, new ClientError(404, "invalid_request_error", "not_found", `GodeX does not serve ${req.method} ${req.path}. Endpoints: POST /v1/responses (GET for WebSocket mode), POST /v1/responses/compact, GET and DELETE /v1/responses/{id}, GET /v1/responses/{id}/input_items, GET /v1/models, GET /health.`));
  });
  app.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    const ce = toClientError(err);
    if (ce.status >= 500) o.log.error({ msg: "unhandled error", error: String((err as Error)?.stack ?? err) });
    sendError(res, ce);
  });
  const fastPath = (req: IncomingMessage, res: ServerResponse): boolean => {
    if (req.method !== "POST") return false;
    const path = (req.url ?? "").split("?", 1)[0];
    if (path !== "/v1/responses" && path !== "/responses") return false;
    access(req, res, () =>
      auth(req, res, () =>
        json(req, res, (err?: unknown) => {
          if (err) sendError(res, toClientError(err));
          else void responses(req, res);
        }),
      ),
    );
    return true;
  };
  return Object.assign(app, { fastPath, route });
}
