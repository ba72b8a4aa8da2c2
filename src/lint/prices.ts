// Rule `price`: every model the config serves (listed in providers.<name>.models or named by an
// alias) should have a price, from the mapping's `prices:` or the provider's own `prices:`;
// otherwise its responses reach the ledger without a cost. A warning: GodeX serves it anyway.
import { resolveMapping } from "../mapping/load.ts";
import type { MappingDoc } from "../mapping/doc.ts";
import { priceFor } from "../ledger/prices.ts";
import type { PriceRule } from "../generated/config.ts";
import type { SpecRef } from "./references.ts";
import type { SourceFile } from "./sources.ts";
import { Findings, getPath, isPlainObject } from "./types.ts";

export function lintConfigPrices(file: SourceFile, config: unknown, specs: SpecRef[], mappingsDir: string, findings: Findings): void {
  const providers = getPath(config, ["providers"]);
  if (!isPlainObject(providers)) return;
  const docs = new Map<string, Pick<MappingDoc, "prices"> | null>();
  const docFor = (spec: string) => {
    if (!docs.has(spec)) {
      let doc: Pick<MappingDoc, "prices"> | null = null;
      // A mapping that cannot be read is reported by the mapping rules; no price finding on top.
      if (specs.some((s) => s.spec === spec && s.file)) {
        try {
          doc = resolveMapping(spec, mappingsDir) as Pick<MappingDoc, "prices">;
        } catch {
          doc = null;
        }
      }
      docs.set(spec, doc);
    }
    return docs.get(spec)!;
  };
  const served = new Map<string, { provider: string; model: string; path: (string | number)[] }>();
  for (const [name, p] of Object.entries(providers)) {
    if (!isPlainObject(p) || !Array.isArray(p.models)) continue;
    p.models.forEach((model, i) => {
      if (typeof model === "string") served.set(`${name}/${model}`, { provider: name, model, path: ["providers", name, "models", i] });
    });
  }
  const aliases = getPath(config, ["models", "aliases"]);
  if (isPlainObject(aliases)) {
    for (const [alias, target] of Object.entries(aliases)) {
      if (typeof target !== "string") continue;
      const slash = target.indexOf("/");
      if (slash <= 0 || served.has(target)) continue;
      served.set(target, { provider: target.slice(0, slash), model: target.slice(slash + 1), path: ["models", "aliases", alias] });
    }
  }
  for (const { provider, model, path } of served.values()) {
    const p = providers[provider];
    if (!isPlainObject(p)) continue;
    const spec = typeof p.spec === "string" ? p.spec : provider;
    const doc = docFor(spec);
    if (!doc) continue;
    const own = isPlainObject(p.prices) ? (p.prices as Record<string, PriceRule>) : undefined;
    if (priceFor(own, doc, model)) continue;
    findings.warning(
      file.locate(path),
      "price",
      `${provider}/${model} has no price (none in mappings/${spec}.yaml, none in providers.${provider}.prices): its responses are recorded without a cost and budgets do not count them. Add providers.${provider}.prices: { "${model}": { input: …, cached_input: …, output: …, currency: USD } }`,
    );
  }
}
