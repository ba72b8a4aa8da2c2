// Rule `examples`: a mapping file carries its own unit tests. Each `examples[i]` runs `request`
// through the real request translator with this mapping, and `expect` must be a deep subset of the
// Chat Completions body it produces (objects: listed keys only; lists: same length, item by item).
import { compileMapping } from "../mapping/compile.ts";
import type { MappingDoc } from "../mapping/doc.ts";
import { translateRequest } from "../engine/request/translate.ts";
import { ReasoningCarrier } from "../engine/reasoning-carrier.ts";
import { validateResponsesRequest } from "../protocol/request.ts";
import { locateInChain, type MappingChain } from "./sources.ts";
import { Findings, isPlainObject, preview, showPath } from "./types.ts";

export interface Difference {
  path: (string | number)[];
  expected: unknown;
  actual: unknown;
  note?: string;
}

/** The first place where `expected` is not contained in `actual`, or null. */
export function firstDifference(expected: unknown, actual: unknown, path: (string | number)[] = []): Difference | null {
  if (isPlainObject(expected)) {
    if (!isPlainObject(actual)) return { path, expected, actual };
    for (const [key, value] of Object.entries(expected)) {
      if (!Object.hasOwn(actual, key)) return { path: [...path, key], expected: value, actual: undefined };
      const d = firstDifference(value, actual[key], [...path, key]);
      if (d) return d;
    }
    return null;
  }
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual)) return { path, expected, actual };
    for (let i = 0; i < Math.min(expected.length, actual.length); i++) {
      const d = firstDifference(expected[i], actual[i], [...path, i]);
      if (d) return d;
    }
    if (expected.length !== actual.length) {
      return { path, expected, actual, note: `expected ${expected.length} item(s), got ${actual.length}` };
    }
    return null;
  }
  return Object.is(expected, actual) || (expected === 0 && actual === 0) ? null : { path, expected, actual };
}

// Examples never see real reasoning blobs; any fixed key will do.
const carrier = new ReasoningCarrier(Buffer.alloc(32, 1));

export async function lintExamples(chain: MappingChain, findings: Findings): Promise<void> {
  const examples = chain.merged.examples;
  if (!Array.isArray(examples) || examples.length === 0) return;
  let mapping;
  try {
    mapping = compileMapping(chain.merged as unknown as MappingDoc);
  } catch (err) {
    findings.error(locateInChain(chain, ["examples"], "key"), "examples", `cannot run the examples: the mapping does not compile (${(err as Error).message})`);
    return;
  }
  for (let i = 0; i < examples.length; i++) {
    const example = examples[i];
    if (!isPlainObject(example) || !isPlainObject(example.request) || !isPlainObject(example.expect)) continue; // schema
    const at = locateInChain(chain, ["examples", i]);
    const label = typeof example.name === "string" ? `example '${example.name}'` : `examples[${i}]`;
    let request;
    try {
      request = validateResponsesRequest(structuredClone(example.request));
    } catch (err) {
      findings.error(at, "examples", `${label}: request is not a valid Responses request: ${(err as Error).message}`);
      continue;
    }
    let body: Record<string, unknown>;
    try {
      const out = await translateRequest(request, { mapping, model: String(request.model), stream: request.stream === true, carrier });
      body = out.body;
    } catch (err) {
      findings.error(at, "examples", `${label}: translating the request failed: ${(err as Error).message}`);
      continue;
    }
    const d = firstDifference(example.expect, body);
    if (!d) continue;
    const where = d.path.length ? showPath(d.path) : "(body)";
    const detail = d.note ?? `expected ${preview(d.expected)}, got ${preview(d.actual)}`;
    findings.error(at, "examples", `${label}: ${where}: ${detail}`);
  }
}
