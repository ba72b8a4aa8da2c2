// Property-based bad-input fuzzing over real HTTP: thousands of random and mutated Codex-shaped
// requests. Whatever comes in, GodeX answers with a 4xx in the OpenAI error shape or a well-formed
// Response / SSE stream ending in exactly one terminal event; never a 5xx caused by input, never a crash.
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { clientAgent, get, outcomeOf, post, startRig, type HttpResult, type Rig } from "./helpers.ts";

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Path = (string | number)[];

const FIXTURES = join(import.meta.dirname, "../fixtures/requests");
const SHARED = "/work/shared/research/codex-turn1-body.truncated.json";
const SEED_FILES = [...readdirSync(FIXTURES).filter((f) => f.endsWith(".json")).map((f) => join(FIXTURES, f)), SHARED].filter((f) => {
  try {
    readFileSync(f);
    return true;
  } catch {
    return false;
  }
});
const SEEDS: Json[] = SEED_FILES.map((f) => JSON.parse(readFileSync(f, "utf8")) as Json);
const SEED_TEXTS = SEED_FILES.map((f) => readFileSync(f, "utf8"));

let rig: Rig;
beforeAll(async () => {
  rig = await startRig({ providers: ["deepseek"], aliases: { "gpt-5.5": "deepseek/deepseek-v4-pro", "gpt-5.4": "deepseek/deepseek-v4-flash" } });
});
afterAll(async () => {
  await rig.close();
  await clientAgent.close();
});

// ---------------------------------------------------------------- JSON surgery

function allPaths(v: Json, prefix: Path = [], out: Path[] = []): Path[] {
  if (out.length > 4000) return out;
  out.push(prefix);
  if (Array.isArray(v)) v.forEach((x, i) => allPaths(x, [...prefix, i], out));
  else if (v && typeof v === "object") for (const k of Object.keys(v)) allPaths(v[k]!, [...prefix, k], out);
  return out;
}

function getAt(v: Json, p: Path): Json {
  let cur: any = v;
  for (const k of p) cur = cur?.[k];
  return cur as Json;
}

/** Returns the new root (the root itself may be replaced). */
function setAt(root: Json, p: Path, value: Json): Json {
  if (p.length === 0) return value;
  const parent: any = getAt(root, p.slice(0, -1));
  if (parent && typeof parent === "object") parent[p[p.length - 1]!] = value;
  return root;
}

function deleteAt(root: Json, p: Path): Json {
  if (p.length === 0) return {};
  const parent: any = getAt(root, p.slice(0, -1));
  const key = p[p.length - 1]!;
  if (Array.isArray(parent)) parent.splice(Number(key), 1);
  else if (parent && typeof parent === "object") delete parent[key];
  return root;
}

function retype(v: Json): Json {
  if (typeof v === "string") return v.length;
  if (typeof v === "number") return String(v);
  if (typeof v === "boolean") return v ? "true" : 0;
  if (v === null) return {};
  if (Array.isArray(v)) return Object.fromEntries(v.map((x, i) => [String(i), x]));
  return Object.values(v);
}

function nest(depth: number, leaf: Json, arrays: boolean): Json {
  let v = leaf;
  for (let i = 0; i < depth; i++) v = arrays ? [v] : { a: v };
  return v;
}

// ---------------------------------------------------------------- arbitraries

const ITEM_TYPES = ["message", "function_call", "function_call_output", "reasoning", "custom_tool_call", "custom_tool_call_output", "local_shell_call", "web_search_call", "item_reference", "compaction", "image_generation_call", "bogus_type", ""];
const weirdString = fc.oneof(fc.string({ unit: "binary", maxLength: 40 }), fc.string({ unit: "grapheme", maxLength: 40 }), fc.constantFrom("", "\u0000", "\ud800", "\udfff\ud800", "__proto__", "constructor", "💥".repeat(20), "\u202e\u200b", "%s%n", "${HOME}", "<think>", "data: [DONE]\n\n"));
const jsonish: fc.Arbitrary<Json> = fc.oneof(
  { weight: 4, arbitrary: fc.jsonValue({ maxDepth: 3 }) as fc.Arbitrary<Json> },
  { weight: 2, arbitrary: weirdString },
  { weight: 1, arbitrary: fc.constantFrom<Json>(null, true, false, 0, -1, 1e308, -0, 2 ** 53 + 1, [], {}, [null], { type: null }) },
);
const contentPart = fc.record(
  { type: fc.constantFrom("input_text", "output_text", "input_image", "input_file", "refusal", "summary_text", "x"), text: fc.oneof(weirdString, jsonish), image_url: jsonish },
  { requiredKeys: [] },
);
const randomItem: fc.Arbitrary<Json> = fc.record(
  {
    type: fc.oneof(fc.constantFrom(...ITEM_TYPES), jsonish),
    role: fc.oneof(fc.constantFrom("user", "assistant", "system", "developer", "tool", "critic"), jsonish),
    content: fc.oneof(weirdString, fc.array(contentPart, { maxLength: 3 }), jsonish),
    call_id: fc.oneof(weirdString, jsonish),
    name: fc.oneof(fc.constantFrom("exec_command", "apply_patch", "shell"), weirdString),
    arguments: fc.oneof(fc.constantFrom('{"cmd":"ls"}', "{", "", "null"), weirdString, jsonish),
    input: fc.oneof(weirdString, jsonish),
    output: fc.oneof(weirdString, jsonish),
    summary: fc.oneof(fc.array(contentPart, { maxLength: 2 }), jsonish),
    encrypted_content: fc.oneof(fc.constantFrom("gdx1.AAAA.BBBB", "gAAAAABfake"), weirdString),
    id: fc.oneof(weirdString, jsonish),
  },
  { requiredKeys: ["type"] },
) as fc.Arbitrary<Json>;

type Mutation =
  | { kind: "delete"; at: number }
  | { kind: "replace"; at: number; value: Json }
  | { kind: "retype"; at: number }
  | { kind: "insert-item"; at: number; item: Json }
  | { kind: "unicode"; at: number; s: string }
  | { kind: "huge"; at: number; size: number }
  | { kind: "deep"; at: number; depth: number; arrays: boolean }
  | { kind: "top-field"; key: string; value: Json };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant("delete" as const), at: fc.nat() }) },
  { weight: 5, arbitrary: fc.record({ kind: fc.constant("replace" as const), at: fc.nat(), value: jsonish }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant("retype" as const), at: fc.nat() }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant("insert-item" as const), at: fc.nat(), item: randomItem }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant("unicode" as const), at: fc.nat(), s: weirdString }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("huge" as const), at: fc.nat(), size: fc.integer({ min: 100_000, max: 1_500_000 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("deep" as const), at: fc.nat(), depth: fc.integer({ min: 20, max: 1500 }), arrays: fc.boolean() }) },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant("top-field" as const),
      key: fc.constantFrom("stream", "model", "tools", "tool_choice", "reasoning", "include", "text", "instructions", "max_output_tokens", "temperature", "parallel_tool_calls", "store", "previous_response_id", "__proto__", "constructor", "prompt_cache_key", "service_tier", "x_unknown"),
      value: jsonish,
    }),
  },
);

/** Applies one mutation in place on `root` (a private copy); generated values are cloned, never shared. */
function applyMutation(root: Json, m: Mutation): Json {
  if (m.kind === "top-field") {
    if (root && typeof root === "object" && !Array.isArray(root)) Object.defineProperty(root, m.key, { value: structuredClone(m.value), enumerable: true, writable: true, configurable: true });
    return root;
  }
  const paths = allPaths(root);
  const p = paths[m.at % paths.length]!;
  const cur = getAt(root, p);
  switch (m.kind) {
    case "delete":
      return deleteAt(root, p);
    case "replace":
      return setAt(root, p, structuredClone(m.value));
    case "retype":
      return setAt(root, p, retype(structuredClone(cur)));
    case "insert-item": {
      const arrays = paths.filter((q) => Array.isArray(getAt(root, q)));
      const target = arrays.length ? arrays[m.at % arrays.length]! : ["input"];
      const arr = getAt(root, target);
      if (Array.isArray(arr)) arr.splice(m.at % (arr.length + 1), 0, structuredClone(m.item));
      return root;
    }
    case "unicode":
      return setAt(root, p, typeof cur === "string" ? cur.slice(0, m.at % (cur.length + 1)) + m.s + cur.slice(m.at % (cur.length + 1)) : m.s);
    case "huge":
      return setAt(root, p, "Z".repeat(m.size));
    case "deep":
      return setAt(root, p, nest(m.depth, cur, m.arrays));
  }
}

/** A mutation plan (small to print when a case fails); the body is built from it inside the property. */
const mutationPlan = fc.record({ seed: fc.nat({ max: SEEDS.length - 1 }), ops: fc.array(mutation, { minLength: 1, maxLength: 3 }), stream: fc.constantFrom(true, false, undefined) });
type MutationPlan = { seed: number; ops: Mutation[]; stream: boolean | undefined };

function buildMutated({ seed, ops, stream }: MutationPlan): Json {
  let body: Json = structuredClone(SEEDS[seed]!);
  if (body && typeof body === "object" && !Array.isArray(body)) {
    if (stream === undefined) delete body.stream;
    else body.stream = stream;
  }
  // One deep nesting per body: two of them compound past what JSON.stringify (and the test's own
  // path walk) can recurse through; deeper bodies are covered by the raw-bytes property below.
  let nested = false;
  for (const m of ops) {
    if (m.kind === "deep" && nested) continue;
    if (m.kind === "deep") nested = true;
    body = applyMutation(body, m);
  }
  return body;
}

const randomRequest = fc.oneof(
  fc.record({ model: fc.oneof(fc.constantFrom("gpt-5.5", "deepseek/deepseek-v4-pro", "deepseek/", "/x", ""), jsonish), input: fc.oneof(weirdString, fc.array(randomItem, { maxLength: 4 }), jsonish), stream: fc.oneof(fc.boolean(), jsonish) }, { requiredKeys: [] }),
  fc.dictionary(weirdString, jsonish, { maxKeys: 6 }),
  jsonish,
) as fc.Arbitrary<Json>;

const rawBody: fc.Arbitrary<Buffer> = fc.oneof(
  fc.uint8Array({ maxLength: 400 }).map((b) => Buffer.from(b)),
  fc.record({ seed: fc.nat({ max: SEED_TEXTS.length - 1 }), cut: fc.nat() }).map(({ seed, cut }) => Buffer.from(SEED_TEXTS[seed]!.slice(0, cut % SEED_TEXTS[seed]!.length))),
  fc.record({ seed: fc.nat({ max: SEED_TEXTS.length - 1 }), flips: fc.array(fc.record({ at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }), { minLength: 1, maxLength: 5 }) }).map(({ seed, flips }) => {
    const b = Buffer.from(SEED_TEXTS[seed]!);
    for (const f of flips) b[f.at % b.length] = f.byte;
    return b;
  }),
  fc.uint8Array({ minLength: 1, maxLength: 6 }).map((bad) => Buffer.concat([Buffer.from('{"model":"gpt-5.5","stream":true,"input":"hi '), Buffer.from(bad), Buffer.from('"}')])),
  fc.integer({ min: 100, max: 20_000 }).map((d) => Buffer.from('{"model":"gpt-5.5","input":' + "[".repeat(d) + "]".repeat(d) + "}")),
);

// ---------------------------------------------------------------- checks

/** GODEX_FUZZ_SCALE=10 for a longer local run (CI uses 1: ~3,000 requests). */
const SCALE = Math.max(1, Number(process.env.GODEX_FUZZ_SCALE) || 1);
const runs = (n: number) => n * SCALE;

const stats = { requests: 0, byStatus: {} as Record<string, number> };

async function send(body: Json | Buffer, contentType = "application/json"): Promise<HttpResult> {
  const payload = Buffer.isBuffer(body) ? body : JSON.stringify(body);
  const r = await post(rig.url, payload ?? "null", { headers: { "content-type": contentType }, timeoutMs: 15_000 });
  stats.requests++;
  const key = String(r.status);
  stats.byStatus[key] = (stats.byStatus[key] ?? 0) + 1;
  return r;
}

/** Problems with one answer; empty when it is well-formed and not a 5xx. */
function judge(r: HttpResult): string[] {
  const o = outcomeOf(r);
  const problems = [...o.problems];
  if (r.status >= 500) problems.push(`5xx caused by input: ${o.summary} ${o.message ?? ""}`.slice(0, 300));
  if (r.status === 200 && o.summary.startsWith("SSE cut")) problems.push("stream without a terminal event");
  if (r.status >= 400 && r.status < 500 && !String(r.headers["content-type"]).startsWith("application/json")) problems.push(`4xx not JSON: ${r.headers["content-type"]}`);
  return problems;
}

const show = (v: unknown) => {
  const s = Buffer.isBuffer(v) ? `<${v.length} bytes> ${v.subarray(0, 200).toString("utf8")}` : JSON.stringify(v) ?? String(v);
  return s.length > 600 ? s.slice(0, 600) + `… (${s.length} chars)` : s;
};

async function property(body: Json | Buffer, contentType?: string) {
  const r = await send(body, contentType);
  const problems = judge(r);
  if (problems.length) throw new Error(`${problems.join("; ")}\nrequest: ${show(body)}\nreply ${r.status}: ${r.text.slice(0, 400)}`);
}

describe("fuzz: bad input never breaks GodeX", () => {
  it("mutated Codex requests (fixtures + the real turn-1 body)", async () => {
    await fc.assert(fc.asyncProperty(mutationPlan, (plan) => property(buildMutated(plan))), { numRuns: runs(1500) });
  }, 60_000 * SCALE);

  it("random JSON bodies and Codex-shaped objects", async () => {
    await fc.assert(fc.asyncProperty(randomRequest, (b) => property(b)), { numRuns: runs(800) });
  }, 60_000 * SCALE);

  it("raw bytes: invalid UTF-8, truncated and corrupted JSON, deep nesting; any content type", async () => {
    await fc.assert(
      fc.asyncProperty(rawBody, fc.constantFrom("application/json", "text/plain", "application/octet-stream", "application/json; charset=latin1", ""), (b, ct) => property(b, ct || "application/json")),
      { numRuns: runs(700) },
    );
  }, 60_000 * SCALE);

  it("the server is still up and healthy afterwards", async () => {
    expect((await get(rig.url, "/health")).status).toBe(200);
    console.log(`fuzz: ${stats.requests} requests, by status ${JSON.stringify(stats.byStatus)}`);
    expect(stats.requests).toBeGreaterThanOrEqual(runs(3000));
  });
});
