// The HTTP surface: /v1/responses, /v1/models, /health, with OpenAI-shaped errors for everything else.
import express, { type NextFunction, type Request, type Response } from "express";
import type { GatewayRuntime } from "./runtime.ts";
import type { Logger } from "./log.ts";
import { ClientError } from "../engine/types.ts";
import { sendError, toClientError } from "./errors.ts";
import { healthHandler, modelsHandler } from "./routes/info.ts";
import { requireToken } from "./auth.ts";
import { responsesHandler, type ResponsesRouteOptions } from "./routes/responses.ts";

export interface AppOptions {
  getRuntime: () => GatewayRuntime;
  log: Logger;
  fixedIds?: ResponsesRouteOptions["fixedIds"];
  keepAliveMs?: number;
  onFinished?: ResponsesRouteOptions["onFinished"];
}

export function createApp(o: AppOptions) {
  const app = express();
  app.disable("x-powered-by");
  app.set("etag", false);
  const limit = o.getRuntime().config.server.bodyLimitBytes;
  // Parse JSON whatever the content type says: some clients send text/plain.
  const json = express.json({ limit, type: () => true, strict: false });

  app.get("/health", healthHandler(o.getRuntime));
  const tokens = o.getRuntime().config.server.auth.tokens;
  if (tokens.length > 0) app.use(requireToken(tokens));
  for (const prefix of ["/v1", ""]) {
    app.get(`${prefix}/models`, modelsHandler(o.getRuntime));
    app.post(`${prefix}/responses`, json, responsesHandler(o));
    app.all(`${prefix}/responses`, (_req: Request, res: Response) =>
      sendError(res, new ClientError(405, "invalid_request_error", "method_not_allowed", "Use POST /v1/responses (WebSocket mode is not supported: set supports_websockets = false).")),
    );
  }
  app.use((req: Request, res: Response) => {
    sendError(res, new ClientError(404, "invalid_request_error", "not_found", `GodeX does not serve ${req.method} ${req.path}. Endpoints: POST /v1/responses, GET /v1/models, GET /health.`));
  });
  app.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    const ce = toClientError(err);
    if (ce.status >= 500) o.log.error({ msg: "unhandled error", error: String((err as Error)?.stack ?? err) });
    sendError(res, ce);
  });
  return app;
}
