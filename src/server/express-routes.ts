// The Express app for every route but the two the fast path serves (src/server/app.ts): the status
// page, metrics, models, stored responses, compaction, and the OpenAI-shaped 404/405/426 answers.
// Imported with the first request that needs it, so Express is not loaded at start.
import type { IncomingMessage, ServerResponse } from "node:http";
import express, { type NextFunction, type Request, type Response } from "express";
import { ClientError } from "../protocol/types.ts";
import { sendError } from "./errors.ts";
import { isWebSocketUpgrade, noWebSocketError } from "./no-websocket.ts";
import { modelHandler, modelsHandler } from "./routes/info.ts";
import type { Next } from "./access.ts";
import type { AppOptions } from "./app.ts";
import type { ResponsesRouteOptions } from "./routes/responses.ts";
import { statusJsonHandler, statusPageHandler } from "./routes/status.ts";
import { assetHandler, usageJsonHandler } from "./routes/usage.ts";
import type { GatewayMetrics } from "./metrics.ts";
import type { RecentRequests } from "./recent.ts";
import type { TargetHealth } from "../engine/routing/health.ts";
import { storedResponseHandlers } from "./routes/stored.ts";
import { compactHandler } from "./routes/compact.ts";

type Middleware = (req: IncomingMessage, res: ServerResponse, next: Next) => void;

/** What the fast path already built and the Express routes share with it (one guard, one set of metrics). */
export interface RouteParts {
  options: AppOptions;
  route: ResponsesRouteOptions;
  access: Middleware;
  auth: Middleware;
  json: Middleware;
  responses: (req: IncomingMessage, res: ServerResponse) => unknown;
  health: (req: IncomingMessage, res: ServerResponse) => void;
  metrics: GatewayMetrics;
  recent: RecentRequests;
  targets: TargetHealth;
  onError: (err: unknown, res: ServerResponse) => void;
}

export function expressRoutes(p: RouteParts): (req: IncomingMessage, res: ServerResponse) => void {
  const o = p.options;
  const app = express();
  app.disable("x-powered-by");
  app.set("etag", false);
  const stored = storedResponseHandlers(o.store ?? null);
  const compact = compactHandler(p.route);

  app.use(p.access);
  app.get("/health", p.health);
  // Tokens are read per request, so a hot reload of server.auth.tokens applies at once.
  app.use(p.auth);
  app.get("/", statusPageHandler());
  app.get("/status.json", statusJsonHandler(o.getRuntime, p.recent, p.targets));
  app.get("/status/usage.json", usageJsonHandler(o.ledger));
  app.get("/assets/uplot.js", assetHandler("uplot.js"));
  app.get("/assets/uplot.css", assetHandler("uplot.css"));
  app.get("/metrics", async (_req: Request, res: Response) => {
    const { contentType, body } = await p.metrics.scrape();
    res.type(contentType).send(body);
  });
  for (const prefix of ["/v1", ""]) {
    app.get(`${prefix}/models`, modelsHandler(o.getRuntime));
    app.get(new RegExp(`^${prefix}/models/.+`), modelHandler(o.getRuntime));
    app.post(`${prefix}/responses`, p.json, p.responses);
    app.post(`${prefix}/responses/compact`, p.json, compact);
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
  app.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => p.onError(err, res));
  return app;
}
