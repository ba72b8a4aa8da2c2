// GET /health and GET /v1/models.
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Request, Response } from "express";
import { providerSummaries, type GatewayRuntime } from "../../engine/runtime.ts";
import { VERSION } from "../../version.ts";
import { ClientError } from "../../protocol/types.ts";
import { sendError, sendJson } from "../errors.ts";
import type { TargetHealth } from "../../engine/routing/health.ts";
import { routeSummaries, targetStates } from "../../engine/routing/summary.ts";

/** Served on the fast path (plain node:http) and by the Express app alike. */
export function healthHandler(getRuntime: () => GatewayRuntime, health: TargetHealth) {
  return (_req: IncomingMessage, res: ServerResponse) => {
    const rt = getRuntime();
    sendJson(res, 200, {
      status: "ok",
      version: VERSION,
      mock: rt.mock,
      providers: providerSummaries(rt),
      aliases: rt.config.aliases,
      routes: routeSummaries(rt, health),
      targets: targetStates(rt, health),
    });
  };
}

type ModelEntry = { id: string; object: "model"; created: number; owned_by: string };

/** Every alias and every provider/model GodeX can serve, as OpenAI model objects. */
function modelList(rt: GatewayRuntime): ModelEntry[] {
  const created = 1_700_000_000;
  const data: ModelEntry[] = [];
  const seen = new Set<string>();
  const add = (id: string, owner: string) => {
    if (seen.has(id)) return;
    seen.add(id);
    data.push({ id, object: "model", created, owned_by: owner });
  };
  for (const [alias, target] of Object.entries(rt.config.aliases)) {
    if (alias !== "*") add(alias, `godex:${target}`);
  }
  for (const p of rt.providers.values()) for (const m of p.models) add(`${p.name}/${m}`, p.name);
  return data;
}

/** GET /v1/models: the OpenAI list shape. */
export function modelsHandler(getRuntime: () => GatewayRuntime) {
  return (_req: Request, res: Response) => {
    sendJson(res, 200, { object: "list", data: modelList(getRuntime()) });
  };
}

/** GET /v1/models/{id} (openai SDK `models.retrieve`); ids may contain "/" (provider/model). */
export function modelHandler(getRuntime: () => GatewayRuntime) {
  return (req: Request, res: Response) => {
    const id = decodeURIComponent(req.path.replace(/^(\/v1)?\/models\//, ""));
    const rt = getRuntime();
    const listed = modelList(rt).find((m) => m.id === id);
    const resolved = listed ? null : rt.resolve(id);
    if (listed) return sendJson(res, 200, listed);
    if (resolved && rt.providers.has(resolved.provider)) {
      return sendJson(res, 200, { id, object: "model", created: 1_700_000_000, owned_by: `godex:${resolved.provider}/${resolved.model}` });
    }
    sendError(res, new ClientError(404, "invalid_request_error", "model_not_found", `The model '${id}' is not configured in GodeX.`, "model"));
  };
}
