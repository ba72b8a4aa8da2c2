// Deterministic token estimates and a tiny prompt-cache model shared by the emulators.
import { createHash } from "node:crypto";

/** About four characters per token, never zero for non-empty text. */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

/**
 * Remembers prompt prefixes at message boundaries (LRU). A later request that starts with a
 * remembered prefix gets those tokens as a cache hit, rounded down to the 64-token blocks
 * DeepSeek-style caches work in.
 */
export class PrefixCache {
  private readonly seen = new Map<string, number>();

  constructor(
    private readonly maxEntries = 512,
    private readonly block = 64,
  ) {}

  /** `head` is everything before the messages (model, tools); `parts` one string per message. */
  account(head: string, parts: string[]): { promptTokens: number; hitTokens: number } {
    let hash = createHash("sha1").update(head).digest("hex");
    let chars = head.length;
    let hitChars = 0;
    const prefixes: [string, number][] = [];
    for (const part of parts) {
      hash = createHash("sha1").update(hash).update(part).digest("hex");
      chars += part.length;
      if (this.seen.has(hash)) hitChars = chars;
      prefixes.push([hash, chars]);
    }
    for (const [h, c] of prefixes) this.remember(h, c);
    const promptTokens = Math.max(1, Math.ceil(chars / 4));
    const hitTokens = Math.floor(Math.ceil(hitChars / 4) / this.block) * this.block;
    return { promptTokens, hitTokens: Math.min(hitTokens, promptTokens) };
  }

  private remember(hash: string, chars: number): void {
    this.seen.delete(hash); // re-insert = most recently used
    this.seen.set(hash, chars);
    while (this.seen.size > this.maxEntries) this.seen.delete(this.seen.keys().next().value as string);
  }
}
