// What /health, the status page, /metrics and `godex models --live` say about routing: each
// alias's targets in order, with the circuit state of each target.
import { routeLabel } from "../../config/resolve-model.ts";
import type { GatewayRuntime } from "../runtime.ts";
import type { TargetHealth, TargetHealthView } from "./health.ts";

export interface RouteTargetSummary extends TargetHealthView {
  role: "weighted" | "fallback";
  weight: number;
}

export interface RouteSummary {
  alias: string;
  route: string;
  targets: RouteTargetSummary[];
}

export function routeSummaries(rt: GatewayRuntime, health: TargetHealth): RouteSummary[] {
  return Object.entries(rt.config.routes).map(([alias, route]) => ({
    alias,
    route: routeLabel(route),
    targets: [
      ...route.targets.map((t) => ({ ...health.view(t.id), role: "weighted" as const, weight: t.weight })),
      ...route.fallback.map((t) => ({ ...health.view(t.id), role: "fallback" as const, weight: t.weight })),
    ],
  }));
}

/** Every target any alias names, once, with its state. */
export function targetStates(rt: GatewayRuntime, health: TargetHealth): TargetHealthView[] {
  const ids = new Set<string>();
  for (const route of Object.values(rt.config.routes)) for (const t of [...route.targets, ...route.fallback]) ids.add(t.id);
  return [...ids].map((id) => health.view(id));
}
