// Strict validators for schemas/responses-output.schema.json (the same ajv options as test/unit/output-schema.test.ts).
import { readFileSync } from "node:fs";
import { Ajv } from "ajv";
import { projectPath } from "../../src/util/paths.ts";

const schema = JSON.parse(readFileSync(projectPath("schemas", "responses-output.schema.json"), "utf8"));
const ajv = new Ajv({ allErrors: true, discriminator: true, allowUnionTypes: true, strict: true, strictRequired: false });
ajv.addSchema(schema);
const event = ajv.getSchema(`${schema.$id}#/definitions/StreamEvent`)!;
const response = ajv.getSchema(`${schema.$id}`)!;

export function validateStreamEvent(e: unknown): string[] {
  return event(e) ? [] : (event.errors ?? []).map((x) => `${x.instancePath} ${x.message}`);
}
export function validateResponseObject(r: unknown): string[] {
  return response(r) ? [] : (response.errors ?? []).map((x) => `${x.instancePath} ${x.message}`);
}
