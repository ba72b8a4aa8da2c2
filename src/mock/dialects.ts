// Registry of emulated providers, keyed by URL prefix: `/<name>/...`.
import { deepseek } from "./deepseek.ts";
import { minimax } from "./minimax.ts";
import type { DialectSpec } from "./types.ts";
import { xiaomi } from "./xiaomi.ts";
import { zhipu } from "./zhipu.ts";

export const DIALECTS: Record<string, DialectSpec> = {
  deepseek,
  zhipu,
  minimax,
  xiaomi,
};
