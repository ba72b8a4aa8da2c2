// Model-keyed tables (`models:`, `prices:`): exact name first, then glob keys (`MiniMax-M2*`) in
// file order, then "*". One lookup for every such table.
export function ruleForModel<T>(table: Record<string, T> | undefined, model: string): T | undefined {
  if (!table) return undefined;
  if (Object.hasOwn(table, model)) return table[model];
  for (const [key, rule] of Object.entries(table)) {
    if (key !== "*" && key.includes("*") && globToRegExp(key).test(model)) return rule;
  }
  return Object.hasOwn(table, "*") ? table["*"] : undefined;
}

export function globToRegExp(glob: string): RegExp {
  return new RegExp(`^${glob.split("*").map((part) => part.replace(/[.+?^${}()|[\]\\]/g, "\\$&")).join(".*")}$`, "i");
}
