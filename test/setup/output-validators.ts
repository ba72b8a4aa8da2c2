// ajv validators for schemas/responses-output.schema.json (Response object, stream events, error
// envelope), shared by the golden schema test and the suite-wide output audit.
import { readFileSync } from "node:fs";
import { Ajv, type ValidateFunction } from "ajv";
import { projectPath } from "../../src/util/paths.ts";

export const outputSchema = JSON.parse(readFileSync(projectPath("schemas", "responses-output.schema.json"), "utf8"));
export const ajv = new Ajv({ allErrors: true, discriminator: true, allowUnionTypes: true, strict: true, strictRequired: false });
ajv.addSchema(outputSchema);

function get(pointer: string): ValidateFunction {
  const v = ajv.getSchema(`${outputSchema.$id}${pointer}`);
  if (!v) throw new Error(`no schema at ${pointer}`);
  return v;
}

export const validateResponse = get("");
export const validateEvent = get("#/definitions/StreamEvent");
export const validateError = get("#/definitions/ErrorEnvelope");

/** ajv's errors as short lines ("" when valid). */
export function problems(v: ValidateFunction, data: unknown, where: string): string[] {
  return v(data) ? [] : (v.errors ?? []).map((e) => `${where}${e.instancePath} ${e.message} ${JSON.stringify(e.params)}`);
}
