// Which provider and upstream model serve a requested model name.
import type { LoadedConfig, ResolvedModel } from "./types.ts";

/**
 * Order: exact alias → "provider/model" with a configured provider → "*" alias →
 * default_provider/<requested> → null (unknown model).
 */
export function resolveModel(
  cfg: Pick<LoadedConfig, "aliases" | "providers" | "defaultProvider">,
  requested: string,
): ResolvedModel | null {
  // Own-property lookups only: a model named "constructor" or "__proto__" must not hit Object.prototype.
  const alias = Object.hasOwn(cfg.aliases, requested) ? cfg.aliases[requested] : undefined;
  if (alias !== undefined) return split(requested, alias);

  const direct = split(requested, requested);
  if (direct && Object.hasOwn(cfg.providers, direct.provider)) return direct;

  const wildcard = Object.hasOwn(cfg.aliases, "*") ? cfg.aliases["*"] : undefined;
  if (wildcard !== undefined) return split(requested, wildcard);

  if (cfg.defaultProvider !== undefined && requested !== "") {
    return { alias: requested, provider: cfg.defaultProvider, model: requested };
  }
  return null;
}

/** "deepseek/deepseek-v4-pro" → provider + model; the model part may itself contain "/". */
function split(requested: string, target: string): ResolvedModel | null {
  const slash = target.indexOf("/");
  if (slash <= 0 || slash === target.length - 1) return null;
  return { alias: requested, provider: target.slice(0, slash), model: target.slice(slash + 1) };
}
