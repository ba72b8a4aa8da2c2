// Which targets serve a requested model name.
import type { AliasRoute, LoadedConfig, ResolvedModel, RouteTarget } from "./types.ts";

/**
 * Order: exact alias → "provider/model" with a configured provider → "*" alias →
 * default_provider/<requested> → null (unknown model).
 */
export function resolveModel(
  cfg: Pick<LoadedConfig, "routes" | "providers" | "defaultProvider">,
  requested: string,
): ResolvedModel | null {
  // Own-property lookups only: a model named "constructor" or "__proto__" must not hit Object.prototype.
  const alias = Object.hasOwn(cfg.routes, requested) ? cfg.routes[requested] : undefined;
  if (alias !== undefined) return resolved(requested, alias);

  const direct = parseTarget(requested);
  if (direct && Object.hasOwn(cfg.providers, direct.provider)) return resolved(requested, single(direct));

  const wildcard = Object.hasOwn(cfg.routes, "*") ? cfg.routes["*"] : undefined;
  if (wildcard !== undefined) return resolved(requested, wildcard);

  if (cfg.defaultProvider !== undefined && requested !== "") {
    return resolved(requested, single({ provider: cfg.defaultProvider, model: requested, id: `${cfg.defaultProvider}/${requested}`, weight: 1 }));
  }
  return null;
}

/** "deepseek/deepseek-v4-pro" → provider + model; the model part may itself contain "/". */
export function parseTarget(target: string, weight = 1): RouteTarget | null {
  const slash = target.indexOf("/");
  if (slash <= 0 || slash === target.length - 1) return null;
  return { provider: target.slice(0, slash), model: target.slice(slash + 1), id: target, weight };
}

export function single(target: RouteTarget): AliasRoute {
  return { targets: [target], fallback: [] };
}

/** Every target of a route, weighted ones first, each once. */
export function routeTargets(route: AliasRoute): RouteTarget[] {
  const seen = new Set<string>();
  return [...route.targets, ...route.fallback].filter((t) => (seen.has(t.id) ? false : (seen.add(t.id), true)));
}

/** One line for display: "a/x", "a/x → b/y", "a/x ×3 + b/y ×1 → c/z". */
export function routeLabel(route: AliasRoute): string {
  const weighted = route.targets.length > 1;
  const head = route.targets.map((t) => (weighted ? `${t.id} ×${t.weight}` : t.id)).join(" + ");
  return [head, ...route.fallback.map((t) => t.id)].join(" → ");
}

function resolved(requested: string, route: AliasRoute): ResolvedModel {
  const first = route.targets[0]!;
  return { alias: requested, provider: first.provider, model: first.model, route };
}
