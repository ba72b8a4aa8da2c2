// Rule `reference`: names that must point at something. In the config: aliases → configured
// providers, default_provider, provider spec → mapping file, api_key_file. In a mapping: model
// entries → effort tables, and the file name matching `name` (extends is checked while the chain
// is built, see sources.ts).
import { existsSync, readFileSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { locateInChain, type MappingChain, type SourceFile } from "./sources.ts";
import { Findings, getPath, isPlainObject, showPath } from "./types.ts";
import { isHttpUrl } from "../util/url.ts";

export interface SpecRef {
  /** Mapping name (file name without .yaml). */
  spec: string;
  /** Absolute path of the mapping file it names; undefined when it does not exist. */
  file?: string;
}

/**
 * `config` is the config value after env expansion and schema defaults. Returns the mapping files
 * the providers use.
 */
export function lintConfigReferences(source: SourceFile, config: unknown, mappingsDir: string, findings: Findings, display: (abs: string) => string): SpecRef[] {
  const specs: SpecRef[] = [];
  const providers = getPath(config, ["providers"]);
  const configured = isPlainObject(providers) ? Object.keys(providers) : [];
  const at = (path: (string | number)[], which: "key" | "value" = "value") => source.locate(path, which);

  for (const name of configured) {
    const p = (providers as Record<string, unknown>)[name];
    if (!isPlainObject(p)) continue;
    // spec → mapping file
    const written = typeof p.spec === "string";
    const spec = written ? (p.spec as string) : name;
    if (spec !== "" && /^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(spec)) {
      const file = join(mappingsDir, `${spec}.yaml`);
      if (existsSync(file)) specs.push({ spec, file });
      else {
        const how = written ? `providers.${name}.spec names mapping '${spec}'` : `provider '${name}' has no spec, so it uses mapping '${spec}' (its own name)`;
        findings.error(written ? at(["providers", name, "spec"]) : at(["providers", name], "key"), "reference", `${how}, but ${display(file)} does not exist`);
        specs.push({ spec });
      }
    }
    // credentials
    const cred = p.credentials;
    if (isPlainObject(cred)) {
      if (cred.api_key !== undefined && cred.api_key_file !== undefined) {
        findings.error(at(["providers", name, "credentials", "api_key_file"], "key"), "config-schema", `providers.${name}.credentials: set api_key or api_key_file, not both`);
      } else if (typeof cred.api_key_file === "string" && cred.api_key_file !== "") {
        const keyFile = resolve(dirname(source.abs), cred.api_key_file);
        try {
          readFileSync(keyFile);
        } catch (err) {
          const code = (err as NodeJS.ErrnoException).code ?? "error";
          findings.error(at(["providers", name, "credentials", "api_key_file"]), "reference", `providers.${name}.credentials.api_key_file: cannot read ${cred.api_key_file} (${code})`);
        }
      }
    }
    // base_url
    const baseUrl = getPath(p, ["endpoint", "base_url"]);
    if (typeof baseUrl === "string" && baseUrl.trim() !== "" && !isHttpUrl(baseUrl.trim())) {
      findings.error(at(["providers", name, "endpoint", "base_url"]), "config-schema", `providers.${name}.endpoint.base_url must be an http(s) URL`);
    }
  }

  const aliases = getPath(config, ["models", "aliases"]);
  if (isPlainObject(aliases)) {
    for (const [alias, written] of Object.entries(aliases)) {
      const seen = new Set<string>();
      for (const entry of lintableEntries(written, ["models", "aliases", alias])) {
        const { name: target, path } = entry;
        const slash = target.indexOf("/");
        if (slash <= 0 || slash === target.length - 1) {
          findings.error(at(path), "config-schema", `${showPath(path)}: "${target}" must be written provider/model`);
          continue;
        }
        if (seen.has(target)) {
          findings.error(at(path), "reference", `${showPath(path)}: target '${target}' is listed twice for alias '${alias}' (a target is tried once per request)`);
          continue;
        }
        seen.add(target);
        const provider = target.slice(0, slash);
        const model = target.slice(slash + 1);
        if (!configured.includes(provider)) {
          findings.error(at(path), "reference", `${showPath(path)}: provider '${provider}' is not configured (configured: ${configured.join(", ") || "none"})`);
          continue;
        }
        const models = getPath(providers, [provider, "models"]);
        if (Array.isArray(models) && models.length > 0 && !models.includes(model)) {
          findings.warning(at(path), "reference", `${showPath(path)}: model '${model}' is not listed in providers.${provider}.models`);
        }
      }
    }
  }
  const fallback = getPath(config, ["default_provider"]);
  if (typeof fallback === "string" && fallback !== "" && !configured.includes(fallback)) {
    findings.error(at(["default_provider"]), "reference", `default_provider: provider '${fallback}' is not configured (configured: ${configured.join(", ") || "none"})`);
  }
  return specs;
}

/** Effort table names used by model entries exist; the file is named after the mapping. */
export function lintMappingReferences(chain: MappingChain, findings: Findings): void {
  const doc = chain.merged;
  const tables = getPath(doc, ["reasoning", "effort_tables"]);
  const models = doc.models;
  if (isPlainObject(models)) {
    for (const [model, rule] of Object.entries(models)) {
      const name = isPlainObject(rule) ? rule.effort_table : undefined;
      if (typeof name !== "string") continue;
      if (isPlainObject(tables) && Object.hasOwn(tables, name)) continue;
      const known = isPlainObject(tables) ? Object.keys(tables) : [];
      const path = ["models", model, "effort_table"];
      findings.error(locateInChain(chain, path), "reference", `${showPath(path)}: no effort table named '${name}' in reasoning.effort_tables${known.length ? ` (defined: ${known.join(", ")})` : " (none defined)"}`, { doc: chain.id, path });
    }
  }
}

/** A mapping file is found by its file name: `name` should say the same. */
export function lintMappingName(file: SourceFile, findings: Findings): void {
  const own = isPlainObject(file.value) ? file.value.name : undefined;
  const stem = basename(file.abs).replace(/\.ya?ml$/, "");
  if (typeof own === "string" && own !== stem) {
    findings.warning(file.locate(["name"]), "reference", `name '${own}' differs from the file name '${basename(file.abs)}': configs and extends find mappings by file name`);
  }
}

/** An alias's targets, each with its path, from whatever shape survived the schema check. */
function lintableEntries(written: unknown, path: (string | number)[]): { name: string; path: (string | number)[] }[] {
  const named = (v: unknown, p: (string | number)[]) => (typeof v === "string" ? [{ name: v, path: p }] : []);
  if (typeof written === "string") return named(written, path);
  if (Array.isArray(written)) return written.flatMap((v, i) => named(v, [...path, i]));
  if (!isPlainObject(written)) return [];
  const targets = Array.isArray(written.targets) ? written.targets : [];
  const fallback = Array.isArray(written.fallback) ? written.fallback : [];
  return [
    ...targets.flatMap((t, i) => (isPlainObject(t) ? named(t.model, [...path, "targets", i, "model"]) : named(t, [...path, "targets", i]))),
    ...fallback.flatMap((v, i) => named(v, [...path, "fallback", i])),
  ];
}
