// Rules `env-unset` and `literal-key` over a config file. Messages name variables and fields,
// never their values.
import { hasEnvRef, type EnvRef } from "../config/interpolate.ts";
import type { SourceFile } from "./sources.ts";
import { Findings, getPath, isPlainObject, showPath } from "./types.ts";

function isApiKeyPath(path: readonly (string | number)[]): boolean {
  return path.length === 4 && path[0] === "providers" && path[2] === "credentials" && path[3] === "api_key";
}

/**
 * `${VAR}` without a default whose variable is not set. An unset API key only leaves that provider
 * without a key (a warning); anywhere else the config loader refuses the file, so it is an error.
 */
export function lintEnvRefs(file: SourceFile, refs: EnvRef[], findings: Findings): void {
  const seen = new Set<string>();
  for (const ref of refs) {
    if (ref.set || ref.hasDefault) continue;
    const id = `${showPath(ref.path)}\0${ref.name}`;
    if (seen.has(id)) continue;
    seen.add(id);
    const at = file.locate(ref.path);
    if (isApiKeyPath(ref.path)) {
      findings.warning(at, "env-unset", `${showPath(ref.path)} uses \${${ref.name}}, which is not set: provider '${String(ref.path[1])}' has no API key`);
    } else {
      findings.error(at, "env-unset", `${showPath(ref.path)} uses \${${ref.name}}, which is not set (set it, or write \${${ref.name}:-default}); godex serve refuses to start`);
    }
  }
}

/** An API key written in the file (or in a `${VAR:-default}` default) rather than taken from the environment. */
export function lintLiteralKeys(file: SourceFile, findings: Findings): void {
  const providers = getPath(file.value, ["providers"]);
  if (!isPlainObject(providers)) return;
  for (const name of Object.keys(providers)) {
    const path = ["providers", name, "credentials", "api_key"];
    const source = getPath(file.value, path);
    if (typeof source !== "string" || source.trim() === "") continue;
    if (hasEnvRef(source) && !/:-[^}\s]+\}/.test(source)) continue;
    const suggested = `${name.toUpperCase().replace(/[^A-Z0-9]/g, "_")}_API_KEY`;
    findings.warning(file.locate(path), "literal-key", `${showPath(path)}: API key written in the file; prefer \${${suggested}} (or api_key_file)`);
  }
}
