import Ajv from "ajv";
import { readFileSync, readdirSync } from "node:fs";
const t0 = Date.now();
const ajv = new Ajv.default({ strict: false, allErrors: true, validateFormats: false });
for (const f of ["v1/InitializeParams", "v1/InitializeResponse", "v2/ModelListParams", "v2/ModelListResponse", "v2/ThreadStartParams", "v2/ThreadStartResponse", "v2/TurnStartParams", "v2/TurnStartResponse", "v2/TurnCompletedNotification", "v2/ItemCompletedNotification"]) {
  try { const v = ajv.compile(JSON.parse(readFileSync(`/tmp/cx-schema/${f}.json`, "utf8"))); console.log(f, "ok", Date.now() - t0); } catch (e) { console.log(f, "ERR", (e as Error).message.slice(0, 300)); }
}
