// Rule `effort-coverage`: every effort table says what to send for each reasoning effort Codex can
// ask for, and every model entry names a table (a model entry without one is allowed, with a
// warning: reasoning.effort is then ignored for it). An unknown table name is a `reference` error.
import { locateInChain, type MappingChain } from "./sources.ts";
import { Findings, getPath, isPlainObject, showPath } from "./types.ts";

export const EFFORTS = ["none", "minimal", "low", "medium", "high", "xhigh"] as const;

export function lintEffortCoverage(chain: MappingChain, findings: Findings): void {
  const doc = chain.merged;
  const tables = getPath(doc, ["reasoning", "effort_tables"]);
  if (isPlainObject(tables)) {
    for (const [name, table] of Object.entries(tables)) {
      const tablePath = ["reasoning", "effort_tables", name];
      if (!isPlainObject(table)) continue; // the schema rule reports a table that is not a mapping
      for (const effort of EFFORTS) {
        const path = [...tablePath, effort];
        const entry = table[effort];
        if (isPlainObject(entry) && typeof entry.thinking === "boolean") continue;
        const state = entry === undefined ? "has no entry for" : "has an invalid entry (needs thinking: true|false) for";
        findings.error(
          locateInChain(chain, entry === undefined ? tablePath : path, entry === undefined ? "key" : "value"),
          "effort-coverage",
          `effort table '${name}' ${state} effort '${effort}' (every table needs ${EFFORTS.join(" ")})`,
          { doc: chain.id, path },
        );
      }
    }
  }
  const models = doc.models;
  if (!isPlainObject(models)) return;
  for (const [model, rule] of Object.entries(models)) {
    if (isPlainObject(rule) && rule.effort_table !== undefined) continue;
    const path = ["models", model];
    findings.warning(
      locateInChain(chain, path, "key"),
      "effort-coverage",
      `${showPath(path)} names no effort_table: reasoning.effort is ignored for ${model === "*" ? "other models" : model} (with a diagnostic)`,
    );
  }
}
