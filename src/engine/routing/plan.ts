// The order in which one request tries an alias's targets. Weighted targets are ranked by
// rendezvous hashing on the conversation key: the same conversation always ranks them the same
// way (its provider's prompt cache keeps hitting), different conversations split by the weights,
// and a target that is skipped hands only its own conversations to the next one. Fallbacks follow
// in the order written. Nothing here knows a provider: targets are names and weights.
import { createHash } from "node:crypto";
import type { AliasRoute, RouteTarget } from "../../config/types.ts";
import type { ResponsesRequest } from "../../protocol/request.ts";

/**
 * What keeps one conversation on one target: Codex's `prompt_cache_key` (its thread id), else the
 * first user message (stable across the turns of a conversation); null when there is neither.
 */
export function conversationKey(req: ResponsesRequest): string | null {
  if (typeof req.prompt_cache_key === "string" && req.prompt_cache_key !== "") return `k:${req.prompt_cache_key}`;
  const input = typeof req.input === "string" ? req.input : firstUserText(req.input);
  return input ? `u:${input.slice(0, 4096)}` : null;
}

function firstUserText(input: unknown): string | null {
  if (!Array.isArray(input)) return null;
  for (const item of input) {
    if (!item || typeof item !== "object" || (item as { role?: unknown }).role !== "user") continue;
    const content = (item as { content?: unknown }).content;
    if (typeof content === "string") return content;
    if (Array.isArray(content)) return content.map((p) => (p && typeof p === "object" && typeof p.text === "string" ? p.text : "")).join("");
  }
  return null;
}

/** Every target of the route in the order this conversation tries them. */
export function planTargets(route: AliasRoute, key: string | null, random: () => number = Math.random): RouteTarget[] {
  const ranked =
    route.targets.length < 2
      ? [...route.targets]
      : route.targets
          .map((t) => ({ t, score: -Math.log(unit(key, t.id, random)) / t.weight }))
          .sort((a, b) => a.score - b.score)
          .map((r) => r.t);
  const seen = new Set(ranked.map((t) => t.id));
  return [...ranked, ...route.fallback.filter((t) => (seen.has(t.id) ? false : (seen.add(t.id), true)))];
}

/** A number in (0, 1) from the key and the target (random without a key). */
function unit(key: string | null, id: string, random: () => number): number {
  if (key === null) return Math.max(Number.MIN_VALUE, random());
  const h = createHash("sha256").update(key).update("\0").update(id).digest();
  // 52 bits, shifted off 0 so the logarithm is finite.
  return (h.readUIntBE(0, 6) * 64 + (h[6]! >> 2) + 0.5) / 2 ** 54;
}
