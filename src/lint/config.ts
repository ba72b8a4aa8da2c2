// Lints a godex.yaml: env references (`env-unset`, `literal-key`), JSON Schema (`config-schema`,
// after ${ENV} expansion, as the loader does) and references (`reference`). Returns the mapping
// files its providers use, for the mapping rules.
import { interpolateEnv, type Env } from "../config/interpolate.ts";
import { coerceFromEnv, displayPath, findDeprecated, validateConfigShape } from "../config/validate.ts";
import { lintEnvRefs, lintLiteralKeys } from "./env.ts";
import { lintConfigReferences, type SpecRef } from "./references.ts";
import { lintConfigPrices } from "./prices.ts";
import { rootOf, type SourceFile } from "./sources.ts";
import { Findings, isPlainObject } from "./types.ts";

const MAPPING_KEYS = ["name", "extends", "abstract", "endpoint", "prices", "request", "reasoning", "response", "stream", "usage", "finish_reasons", "errors", "examples"];
const CONFIG_KEYS = ["providers", "models", "routing", "server", "default_provider", "logging", "ledger", "budgets", "store", "compaction"];

/** A config has providers:/models:/server: at the top; mapping keys (mappings have models: too) win. */
export function looksLikeConfig(value: unknown): boolean {
  if (!isPlainObject(value)) return false;
  if (MAPPING_KEYS.some((k) => Object.hasOwn(value, k))) return false;
  return CONFIG_KEYS.some((k) => Object.hasOwn(value, k));
}

export function lintConfigFile(file: SourceFile, env: Env, mappingsDir: string, findings: Findings, display: (abs: string) => string): SpecRef[] {
  if (!isPlainObject(file.value)) {
    findings.error(rootOf(file.file), "config-schema", file.value == null ? "the config is empty: at least a providers: section is needed" : "the config must be a mapping of settings");
    return [];
  }
  const { value, refs, issues } = interpolateEnv(file.value, env);
  const skip = new Set<string>();
  for (const issue of issues) {
    skip.add(displayPath(issue.path));
    findings.error(file.locate(issue.path), "config-schema", `${displayPath(issue.path)}: ${issue.message}`);
  }
  lintEnvRefs(file, refs, findings);
  for (const ref of refs) {
    if (!ref.set && !ref.hasDefault) skip.add(displayPath(ref.path));
    coerceFromEnv(value, ref.path);
  }
  const shaped = structuredClone(value);
  for (const problem of validateConfigShape(shaped, file.locate, file.file)) {
    if (skip.has(problem.path)) continue; // already reported as env-unset: "" is not a value the user wrote
    findings.error(problem, "config-schema", problem.message);
  }
  for (const { path, description } of findDeprecated(value)) {
    findings.warning(file.locate(path, "key"), "config-schema", `${displayPath(path)}: ${description}`);
  }
  lintLiteralKeys(file, findings);
  const specs = lintConfigReferences(file, shaped, mappingsDir, findings, display);
  lintConfigPrices(file, shaped, specs, mappingsDir, findings);
  return specs;
}
