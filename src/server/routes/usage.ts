// GET /status/usage.json (the status page's charts and totals, from the ledger) and the chart
// library, served from the installed package: the page works offline, with no CDN and no build.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import type { Request, Response } from "express";
import type { Ledger } from "../../ledger/ledger.ts";
import { CHART_RANGES, type ChartRange } from "../../ledger/charts.ts";
import { sendError } from "../errors.ts";
import { ClientError } from "../../protocol/types.ts";

export function usageJsonHandler(ledger: Ledger | undefined) {
  return async (req: Request, res: Response) => {
    const range = String(req.query.range ?? "today") as ChartRange;
    if (!CHART_RANGES.includes(range)) {
      return sendError(res, new ClientError(400, "invalid_request_error", "invalid_range", `range must be one of ${CHART_RANGES.join(", ")}`, "range"));
    }
    if (!ledger) return res.json({ enabled: false });
    try {
      res.setHeader("cache-control", "no-store");
      res.json({ enabled: true, ...(await ledger.charts(range)) });
    } catch (err) {
      sendError(res, new ClientError(503, "server_error", "ledger_unavailable", `The usage ledger cannot be read: ${(err as Error).message}`));
    }
  };
}

const ASSETS: Record<string, { file: string; type: string }> = {
  "uplot.js": { file: "uPlot.iife.min.js", type: "application/javascript; charset=utf-8" },
  "uplot.css": { file: "uPlot.min.css", type: "text/css; charset=utf-8" },
};
const loaded = new Map<string, Buffer>();

function uplotDir(): string {
  return dirname(createRequire(import.meta.url).resolve("uplot"));
}

export function assetHandler(name: keyof typeof ASSETS) {
  const asset = ASSETS[name];
  return (_req: Request, res: Response) => {
    let body = loaded.get(name);
    if (!body) {
      body = readFileSync(join(uplotDir(), asset.file));
      loaded.set(name, body);
    }
    res.setHeader("content-type", asset.type);
    res.setHeader("cache-control", "public, max-age=86400");
    res.end(body);
  };
}
