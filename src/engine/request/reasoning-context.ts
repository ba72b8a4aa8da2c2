// Responses `reasoning.context` (which turns' reasoning the model may see) → the mapping's pass-back
// rules for this request, plus any request fields the provider needs for it. What each provider can
// do is mapping data (reasoning.passback.context); this only applies it.
import type { Diagnostics } from "../diagnostics.ts";
import type { ActivePassback, PassbackRules } from "../../mapping/doc.ts";
import type { ReasoningConfig } from "../../protocol/request.ts";

export interface ContextResult {
  /** The pass-back rules for this request. */
  passback: ActivePassback;
  /** Fields to deep-merge into the upstream request. */
  set?: Record<string, unknown>;
}

const KNOWN_REASONING_KEYS = new Set(["effort", "summary", "generate_summary", "context"]);

export function applyReasoningContext(reasoning: ReasoningConfig | null | undefined, passback: PassbackRules, thinking: boolean, diags: Diagnostics): ContextResult {
  for (const key of Object.keys(reasoning ?? {})) {
    if (!KNOWN_REASONING_KEYS.has(key)) diags.ignored("reasoning_field_ignored", `reasoning.${key}`, `'reasoning.${key}' is not a reasoning option GodeX knows; it was ignored.`);
  }
  const context = reasoning?.context;
  if (context == null || context === "auto" || !thinking) return { passback };
  const rule = Object.hasOwn(passback.context ?? {}, context) ? passback.context![context] : undefined;
  if (!rule) {
    diags.ignored(
      "reasoning_context_unsupported",
      "reasoning.context",
      `The provider has no way to honour reasoning.context '${context}'; earlier reasoning is passed back as the provider's default rules say.`,
    );
    return { passback };
  }
  if (rule.note) diags.degraded("reasoning_context_degraded", "reasoning.context", `reasoning.context '${context}': ${rule.note}`);
  const effective: ActivePassback = { ...passback, when: rule.when ?? passback.when, turns: rule.turns ?? "all" };
  return { passback: effective, set: rule.set };
}

/** `patch` merged into `target` key by key (objects recursively, anything else replaces). */
export function deepMerge(target: Record<string, unknown>, patch: Record<string, unknown>): void {
  for (const [key, value] of Object.entries(patch)) {
    const current = target[key];
    if (isPlain(value) && isPlain(current)) {
      const copy = { ...current };
      deepMerge(copy, value);
      target[key] = copy;
    } else target[key] = isPlain(value) ? structuredClone(value) : value;
  }
}

function isPlain(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
