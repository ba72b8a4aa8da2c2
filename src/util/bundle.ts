// Whether GodeX runs from the prebuilt bundle (dist/) or from its TypeScript sources, and the packages
// the build prebundles into one CommonJS file each (dist/vendor/<name>.cjs) to be required on first use.
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { projectPath } from "./paths.ts";

/** True in dist/godex.mjs and its chunks; false under tsx and the tests. */
export const FROM_BUNDLE = /\/dist\/(chunks\/)?[^/]+\.mjs$/.test(new URL(import.meta.url).pathname);

/**
 * `name`, required now (call it where the package is first needed, not at load): from the bundle, the
 * build's one-file copy (one compile, no per-file module resolution), else the package itself.
 */
export function requireVendored<T>(name: "pino" | "yaml" | "prom-client"): T {
  const vendored = FROM_BUNDLE ? projectPath("dist", "vendor", `${name}.cjs`) : null;
  return createRequire(import.meta.url)(vendored && existsSync(vendored) ? vendored : name) as T;
}
