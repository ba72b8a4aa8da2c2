// The schema validators generated at build time (codegen/validators.ts: ajv's standalone code, CommonJS,
// in src/generated/validators/), required on first call rather than imported: the mapping and request
// validators are ~1 MB of code that `godex serve` need not compile before it listens (issue 17). From
// the bundle, the copy the build puts in dist/generated/validators/ is used.
import { createRequire } from "node:module";
import type { ValidateFunction } from "ajv";
import { projectPath } from "./paths.ts";
import { FROM_BUNDLE } from "./bundle.ts";

/** A function that behaves as the generated validator `file` (same result, same `errors`), loading it with the first call. */
export function generatedValidator(file: string): ValidateFunction {
  let real: ValidateFunction | undefined;
  const validate = ((data: unknown) => {
    real ??= createRequire(import.meta.url)(projectPath(FROM_BUNDLE ? "dist" : "src", "generated", "validators", file)) as ValidateFunction;
    const ok = real(data) as boolean;
    validate.errors = real.errors;
    return ok;
  }) as ValidateFunction;
  validate.errors = null;
  return validate;
}
