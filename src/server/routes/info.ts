// GET /health and GET /v1/models.
import type { Request, Response } from "express";
import { providerSummaries, type GatewayRuntime } from "../runtime.ts";
import { VERSION } from "../../version.ts";

export function healthHandler(getRuntime: () => GatewayRuntime) {
  return (_req: Request, res: Response) => {
    const rt = getRuntime();
    res.json({
      status: "ok",
      version: VERSION,
      mock: rt.mock,
      providers: providerSummaries(rt),
      aliases: rt.config.aliases,
    });
  };
}

/** OpenAI list shape: every alias and every provider/model GodeX can serve. */
export function modelsHandler(getRuntime: () => GatewayRuntime) {
  return (_req: Request, res: Response) => {
    const rt = getRuntime();
    const created = 1_700_000_000;
    const data: { id: string; object: "model"; created: number; owned_by: string }[] = [];
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
    res.json({ object: "list", data });
  };
}
