// Registry of emulated providers, keyed by URL prefix: `/<name>/...`.
// Zhipu, MiniMax and Xiaomi MiMo will each be one more entry here.
import { deepseek } from "./deepseek.ts";
import type { DialectSpec } from "./types.ts";

export const DIALECTS: Record<string, DialectSpec> = {
  deepseek,
};
