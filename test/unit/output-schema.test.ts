// GodeX's output must match what schemas/responses-output.schema.json declares: every event of every
// golden expected.sse and every golden expected.json body (a Response object, or an error envelope)
// is validated with ajv. A field the builder adds, renames or retypes without the schema fails here.
// The Chat side too: every golden upstream-request.json (what GodeX sends) against
// schemas/chat.schema.json, and the scripted provider replies/chunks against its reply shapes.
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import type { ValidateFunction } from "ajv";
import { describe, expect, it } from "vitest";
import { GOLDEN_ROOT } from "../golden/harness.ts";
import { projectPath } from "../../src/util/paths.ts";
import { ajv, validateError, validateEvent, validateResponse } from "../setup/output-validators.ts";
import { responseResourceSchema } from "../compliance/openresponses/src/generated/kubb/zod/responseResourceSchema.ts";

const chatSchema = JSON.parse(readFileSync(projectPath("schemas", "chat.schema.json"), "utf8"));
ajv.addSchema(chatSchema);
const getChat = (pointer: string): ValidateFunction => ajv.getSchema(`${chatSchema.$id}${pointer}`)!;
const validateChatRequest = getChat("");
const validateChatReply = getChat("#/definitions/ChatCompletion");
const validateChatChunk = getChat("#/definitions/ChatCompletionChunk");

function check(v: ValidateFunction, data: unknown, where: string) {
  const ok = v(data);
  expect(ok ? [] : (v.errors ?? []).map((e) => `${where}${e.instancePath} ${e.message} ${JSON.stringify(e.params)}`)).toEqual([]);
}

/** Golden case folders: test/golden/<provider>/<case>/. */
function cases(): { name: string; dir: string }[] {
  const out: { name: string; dir: string }[] = [];
  for (const provider of readdirSync(GOLDEN_ROOT).sort()) {
    const pdir = join(GOLDEN_ROOT, provider);
    if (!statSync(pdir).isDirectory()) continue;
    for (const c of readdirSync(pdir).sort()) {
      const dir = join(pdir, c);
      if (statSync(dir).isDirectory()) out.push({ name: `${provider}/${c}`, dir });
    }
  }
  return out;
}

/** SSE blocks → [event name, parsed data]; comment lines (keep-alives) are skipped. */
function parseSse(text: string): { event: string | undefined; data: any }[] {
  return text
    .split(/\n\n+/)
    .map((block) => block.split("\n").filter((l) => l !== "" && !l.startsWith(":")))
    .filter((lines) => lines.length > 0)
    .map((lines) => {
      const event = lines.find((l) => l.startsWith("event: "))?.slice(7);
      const data = lines.filter((l) => l.startsWith("data: ")).map((l) => l.slice(6)).join("\n");
      return { event, data: JSON.parse(data) };
    });
}

const all = cases();
const sseCases = all.filter((c) => existsSync(join(c.dir, "expected.sse")));
const jsonCases = all.filter((c) => existsSync(join(c.dir, "expected.json")));

describe("schemas/responses-output.schema.json and schemas/chat.schema.json describe GodeX's traffic", () => {
  it("finds golden outputs to check", () => {
    expect(sseCases.length).toBeGreaterThan(10);
    expect(jsonCases.length).toBeGreaterThan(10);
    expect(sseCases.some((c) => c.name.startsWith("deepseek/"))).toBe(true);
  });

  it.each(sseCases.map((c) => [c.name, c.dir] as const))("stream events of %s", (name, dir) => {
    const events = parseSse(readFileSync(join(dir, "expected.sse"), "utf8"));
    expect(events.length).toBeGreaterThan(0);
    events.forEach(({ event, data }, i) => {
      const where = `${name}/expected.sse event ${i} (${data?.type})`;
      check(validateEvent, data, where);
      expect(event, where).toBe(data.type);
      expect(data.sequence_number, where).toBe(i);
    });
    const last = events.at(-1)!.data;
    expect(["response.completed", "response.incomplete", "response.failed"]).toContain(last.type);
  });

  it.each(jsonCases.map((c) => [c.name, c.dir] as const))("JSON body of %s", (name, dir) => {
    const body = JSON.parse(readFileSync(join(dir, "expected.json"), "utf8"));
    const isResponse = body && typeof body === "object" && body.object === "response";
    check(isResponse ? validateResponse : validateError, body, `${name}/expected.json`);
  });

  // Cases on the native Responses wire send and read Responses bodies, not Chat (checked by the native emulators' validators).
  const nativeWire = (dir: string) => existsSync(join(dir, "case.json")) && JSON.parse(readFileSync(join(dir, "case.json"), "utf8"))?.provider?.wire === "responses";
  it.each(all.filter((c) => existsSync(join(c.dir, "upstream-request.json")) && !nativeWire(c.dir)).map((c) => [c.name, c.dir] as const))(
    "Chat request and provider reply of %s",
    (name, dir) => {
      // Every pinned call: the later calls of a hosted search loop have their own upstream-request-N.json.
      for (const f of readdirSync(dir).filter((n) => /^upstream-request(-\d+)?\.json$/.test(n))) {
        check(validateChatRequest, JSON.parse(readFileSync(join(dir, f), "utf8")), `${name}/${f}`);
      }
      for (const f of readdirSync(dir).filter((n) => /^upstream-reply(-\d+)?\.sse$/.test(n))) {
        const sse = join(dir, f);
        readFileSync(sse, "utf8")
          .split("\n")
          .filter((l) => l.startsWith("data:") && l.slice(5).trim() !== "[DONE]")
          .forEach((l, i) => {
            let chunk: unknown;
            try {
              chunk = JSON.parse(l.slice(5));
            } catch {
              return; // scripted garbage (fault cases)
            }
            check(validateChatChunk, chunk, `${name}/${f} data ${i}`);
          });
      }
      const reply = join(dir, "upstream-reply.json");
      if (existsSync(reply) && !existsSync(join(dir, "upstream-status"))) {
        check(validateChatReply, JSON.parse(readFileSync(reply, "utf8")), `${name}/upstream-reply.json`);
      }
    },
  );

  it("every golden Response in Open Responses vocabulary also passes the Open Responses ResponseResource schema", () => {
    // Open Responses knows function tools and message/function_call/reasoning items only; Codex's
    // custom/namespace tools and custom_tool_call/tool_search_call items are OpenAI vocabulary beyond it.
    const OPEN_ITEMS = new Set(["message", "function_call", "function_call_output", "reasoning"]);
    const inVocabulary = (r: any) =>
      (r.tools ?? []).every((t: any) => t.type === "function") &&
      (r.output ?? []).every((i: any) => OPEN_ITEMS.has(i.type)) &&
      (typeof r.instructions === "string" || r.instructions === null) &&
      r.reasoning?.effort !== "minimal" &&
      typeof r.tool_choice === "string";
    const responses: [string, unknown][] = [
      ...sseCases.flatMap((c) =>
        parseSse(readFileSync(join(c.dir, "expected.sse"), "utf8"))
          .filter((e) => e.data?.response)
          .map((e): [string, unknown] => [`${c.name} ${e.data.type}`, e.data.response]),
      ),
      ...jsonCases
        .map((c): [string, any] => [c.name, JSON.parse(readFileSync(join(c.dir, "expected.json"), "utf8"))])
        .filter(([, b]) => b?.object === "response"),
    ].filter(([, r]) => inVocabulary(r));
    expect(responses.length).toBeGreaterThan(100);
    const failures = responses.flatMap(([name, r]) => {
      const parsed = responseResourceSchema.safeParse(r);
      return parsed.success ? [] : parsed.error.issues.map((i) => `${name}: ${i.path.join(".")} ${i.message}`);
    });
    expect(failures).toEqual([]);
  });

  it("rejects output that drifts from the schema", () => {
    const base = parseSse(readFileSync(join(sseCases[0]!.dir, "expected.sse"), "utf8")).at(-1)!.data;
    expect(validateEvent(base)).toBe(true);
    expect(validateEvent({ ...base, sequence_number: "1" })).toBe(false);
    expect(validateEvent({ ...base, type: "response.unknown" })).toBe(false);
    expect(validateResponse({ ...base.response, extra_field: 1 })).toBe(false);
    const { godex: _, ...noGodex } = base.response;
    expect(validateResponse(noGodex)).toBe(false);
    const item = { id: "fc_1", type: "function_call", status: "completed", call_id: "c", name: "n", arguments: 1 };
    expect(validateEvent({ type: "response.output_item.done", sequence_number: 3, output_index: 0, item })).toBe(false);
    expect(validateEvent({ type: "response.output_item.done", sequence_number: 3, output_index: 0, item: { ...item, arguments: "{}" } })).toBe(true);
  });
});
