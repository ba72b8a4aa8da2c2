// Prices as data: the mapping file's `prices:` (what the provider publishes) under the config's
// `providers.<name>.prices:` (contract prices), both keyed by model name or glob. The cost of a
// response is computed once, when its ledger row is written, with the price in force at that time.
import type { MappingDoc } from "../mapping/doc.ts";
import type { PriceRule as MappingPriceRule, PriceWhen } from "../generated/mapping.ts";
import type { PriceRule as ConfigPriceRule } from "../generated/config.ts";
import { ruleForModel } from "../mapping/glob.ts";

export interface PriceRates {
  /** Per 1M input tokens the cache did not serve. */
  input: number;
  /** Per 1M input tokens served from the provider's cache. */
  cachedInput: number;
  /** Per 1M output tokens (reasoning included). */
  output: number;
}

export interface Price extends PriceRates {
  currency: string;
  checked?: string;
  source?: string;
  variants: { when: PriceWhen; rates: Partial<PriceRates> }[];
  /** Where it was found: the config (contract price) or the mapping file. */
  from: "config" | "mapping";
}

export interface TokenUsage {
  input: number;
  cached: number;
  output: number;
  reasoning: number;
}

type AnyRule = MappingPriceRule | ConfigPriceRule;

export function normalizePrice(rule: AnyRule, from: Price["from"]): Price {
  return {
    input: rule.input,
    cachedInput: rule.cached_input ?? rule.input,
    output: rule.output,
    currency: rule.currency ?? "USD",
    ...(rule.checked ? { checked: rule.checked } : {}),
    ...(rule.source ? { source: rule.source } : {}),
    variants: (rule.variants ?? []).map((v) => ({
      when: v.when,
      rates: { ...(v.input !== undefined ? { input: v.input } : {}), ...(v.cached_input !== undefined ? { cachedInput: v.cached_input } : {}), ...(v.output !== undefined ? { output: v.output } : {}) },
    })),
    from,
  };
}

/** The price of `model`: the config's rule when one matches, else the mapping's, else null (unpriced). */
export function priceFor(configPrices: Record<string, ConfigPriceRule | undefined> | undefined, doc: Pick<MappingDoc, "prices">, model: string): Price | null {
  const own = ruleForModel(configPrices as Record<string, ConfigPriceRule> | undefined, model);
  if (own) return normalizePrice(own, "config");
  const shipped = ruleForModel(doc.prices as Record<string, MappingPriceRule> | undefined, model);
  return shipped ? normalizePrice(shipped, "mapping") : null;
}

const clocks = new Map<string, { f: Intl.DateTimeFormat; minute: number; value: { day: string; minute: number } | null }>();

/**
 * Weekday and minute of the day of `at` in `timeZone`. Every zone's offset is a whole number of
 * minutes, so the answer is the same for a whole UTC minute: it is formatted once per minute
 * (Intl's formatToParts was 1.4% of a streamed request under load).
 */
function localTime(at: Date, timeZone: string): { day: string; minute: number } {
  let c = clocks.get(timeZone);
  if (!c) {
    c = { f: new Intl.DateTimeFormat("en-US", { timeZone, weekday: "short", hour: "2-digit", minute: "2-digit", hourCycle: "h23" }), minute: NaN, value: null };
    clocks.set(timeZone, c);
  }
  const minute = Math.floor(at.getTime() / 60_000);
  if (c.minute !== minute || !c.value) {
    const parts = Object.fromEntries(c.f.formatToParts(at).map((p) => [p.type, p.value]));
    c.value = { day: String(parts.weekday).slice(0, 3).toLowerCase(), minute: Number(parts.hour) * 60 + Number(parts.minute) };
    c.minute = minute;
  }
  return c.value;
}

const toMinute = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

export function variantApplies(when: PriceWhen, at: Date, inputTokens: number): boolean {
  if (when.input_tokens_above !== undefined && !(inputTokens > when.input_tokens_above)) return false;
  if (when.days || when.hours) {
    const { day, minute } = localTime(at, when.timezone ?? "UTC");
    if (when.days && !when.days.includes(day as never)) return false;
    if (when.hours && !when.hours.some((range) => minute >= toMinute(range.slice(0, 5)) && minute < toMinute(range.slice(6, 11)))) return false;
  }
  return true;
}

/** The rates in force at `at` for a request with `inputTokens` input tokens (first matching variant wins). */
export function ratesAt(price: Price, at: Date, inputTokens: number): PriceRates {
  const base = { input: price.input, cachedInput: price.cachedInput, output: price.output };
  const v = price.variants.find((x) => variantApplies(x.when, at, inputTokens));
  return v ? { ...base, ...v.rates } : base;
}

/**
 * Cost of one response: cache misses at the input rate, cache hits at the cached rate, output
 * (reasoning included, as every provider counts it in completion tokens) at the output rate.
 */
export function costOf(price: Price, usage: TokenUsage, at: Date): number {
  const r = ratesAt(price, at, usage.input);
  const cached = Math.min(usage.cached, usage.input);
  return ((usage.input - cached) * r.input + cached * r.cachedInput + usage.output * r.output) / 1_000_000;
}
