// Every Response object, stream event and error body GodeX sends on /v1/responses during the test
// suite is checked against schemas/responses-output.schema.json (as strict as the Open Responses
// ResponseResource). A vitest setup file (vitest.config.ts): it watches ServerResponse writes in the
// test process, so every in-process gateway of every test file is covered; a file whose gateway sent
// anything the schema rejects fails in afterAll with the offending paths.
import { ServerResponse } from "node:http";
import { gunzipSync } from "node:zlib";
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, expect } from "vitest";
import type * as Validators from "./output-validators.ts";

/**
 * ajv and the schema take ~1 s to load and compile: only files that start a gateway load them, before
 * their tests (compiling mid-stream would stall the event loop past a test's idle timeout). Any other
 * file that still sends a body on /v1/responses gets them loaded then.
 */
let validators: typeof Validators | null = null;
let loading: Promise<void> | null = null;
const STARTS_GATEWAY = /\b(startStack|startRig|startOpsStack|makeGateway|startGateway|createApp|harness)\b/;

function load(): Promise<void> {
  loading ??= import("./output-validators.ts").then((v) => {
    validators = v;
    for (const q of queue.splice(0)) validate(q.kind, q.data, q.where);
  });
  return loading;
}
/** What arrived before the validators were loaded (the first response of a file). */
const queue: { kind: "event" | "body"; data: unknown; where: string }[] = [];

function validate(kind: "event" | "body", data: unknown, at: string) {
  if (!validators) {
    queue.push({ kind, data, where: at });
    void load();
    return;
  }
  const { problems, validateEvent, validateResponse, validateError } = validators;
  if (kind === "event") violations.push(...problems(validateEvent, data, at));
  else {
    const isResponse = data !== null && typeof data === "object" && (data as { object?: unknown }).object === "response";
    violations.push(...problems(isResponse ? validateResponse : validateError, data, at));
  }
}

/** Bodies past this are not audited (soak tests); events are checked as they complete. */
const MAX_CAPTURE = 8 * 1024 * 1024;

interface Capture {
  sse: boolean;
  pending: string;
  parts: Buffer[];
  bytes: number;
}

const captures = new WeakMap<ServerResponse, Capture | null>();
/** Headers given to writeHead(status, headers): Node does not keep those for getHeader(). */
const headHeaders = new WeakMap<ServerResponse, Record<string, string>>();

function header(res: ServerResponse, name: string): string | undefined {
  const v = headHeaders.get(res)?.[name] ?? res.getHeader(name);
  return v === undefined ? undefined : String(v);
}
const violations: string[] = [];
let audited = 0;

function isResponsesRoute(res: ServerResponse): boolean {
  const req = res.req;
  if (!req || req.method !== "POST") return false;
  const path = (req.url ?? "").split("?", 1)[0];
  return path === "/v1/responses" || path === "/responses";
}

function captureOf(res: ServerResponse): Capture | null {
  let c = captures.get(res);
  if (c !== undefined) return c;
  c = null;
  if (isResponsesRoute(res)) {
    const type = header(res, "content-type") ?? "";
    if (type.startsWith("text/event-stream")) c = { sse: true, pending: "", parts: [], bytes: 0 };
    else if (type.startsWith("application/json")) c = { sse: false, pending: "", parts: [], bytes: 0 };
  }
  // Headers not set yet (nothing written): decide again on the next write.
  if (c !== null || res.headersSent || header(res, "content-type") !== undefined) captures.set(res, c);
  return c;
}

function where(res: ServerResponse): string {
  return `${res.req?.method} ${res.req?.url} → ${res.statusCode}: `;
}

function checkEvents(res: ServerResponse, c: Capture, final: boolean) {
  const blocks = c.pending.split("\n\n");
  c.pending = final ? "" : blocks.pop()!;
  for (const block of blocks) {
    const data = block.split("\n").filter((l) => l.startsWith("data: ")).map((l) => l.slice(6)).join("\n");
    if (data === "") continue; // comment (keep-alive) or empty
    audited++;
    try {
      const event = JSON.parse(data);
      validate("event", event, `${where(res)}event ${event?.type} `);
    } catch {
      violations.push(`${where(res)}SSE data is not JSON: ${data.slice(0, 200)}`);
    }
  }
}

function add(res: ServerResponse, chunk: unknown, encoding: unknown) {
  if (chunk === undefined || chunk === null || typeof chunk === "function") return;
  const c = captureOf(res);
  if (!c) return;
  const buf = typeof chunk === "string" ? Buffer.from(chunk, typeof encoding === "string" ? (encoding as BufferEncoding) : "utf8") : Buffer.from(chunk as Uint8Array);
  if (c.sse) {
    c.pending += buf.toString("utf8");
    checkEvents(res, c, false);
    if (c.pending.length > MAX_CAPTURE) c.pending = "";
  } else if (c.bytes + buf.length <= MAX_CAPTURE) {
    c.parts.push(buf);
    c.bytes += buf.length;
  } else c.parts = [];
}

function finish(res: ServerResponse) {
  const c = captures.get(res);
  if (!c) return;
  captures.set(res, null);
  if (c.sse) {
    if (c.pending.trim() !== "") checkEvents(res, c, true);
    return;
  }
  if (c.parts.length === 0) return;
  let raw = Buffer.concat(c.parts);
  if (header(res, "content-encoding") === "gzip") raw = gunzipSync(raw);
  audited++;
  try {
    const body = JSON.parse(raw.toString("utf8"));
    validate("body", body, where(res));
  } catch {
    violations.push(`${where(res)}body is not JSON: ${raw.toString("utf8").slice(0, 200)}`);
  }
}

/** GODEX_OUTPUT_AUDIT=0 turns the audit off (to time a test without it). */
const enabled = process.env.GODEX_OUTPUT_AUDIT !== "0";

// A worker process runs many test files: keep Node's own methods once, so each file's audit replaces
// the previous file's instead of wrapping it.
const ORIGINALS = Symbol.for("godex.test.outputAudit.originals");
const proto = ServerResponse.prototype as unknown as Record<symbol, unknown>;
proto[ORIGINALS] ??= { writeHead: ServerResponse.prototype.writeHead, write: ServerResponse.prototype.write, end: ServerResponse.prototype.end };
const { writeHead: originalWriteHead, write: originalWrite, end: originalEnd } = proto[ORIGINALS] as {
  writeHead: typeof ServerResponse.prototype.writeHead;
  write: typeof ServerResponse.prototype.write;
  end: typeof ServerResponse.prototype.end;
};

if (enabled) {
  installAudit();
  beforeAll(async ({}, file) => {
    const path = (file as { filepath?: string } | undefined)?.filepath;
    if (path && STARTS_GATEWAY.test(readFileSync(path, "utf8"))) await load();
  });
}

function installAudit() {
  ServerResponse.prototype.writeHead = function (this: ServerResponse, ...args: unknown[]) {
    const headers = args.find((a, i) => i > 0 && a !== null && typeof a === "object");
    if (headers) {
      const flat: Record<string, string> = {};
      if (Array.isArray(headers)) for (let i = 0; i + 1 < headers.length; i += 2) flat[String(headers[i]).toLowerCase()] = String(headers[i + 1]);
      else for (const [k, v] of Object.entries(headers)) flat[k.toLowerCase()] = String(v);
      headHeaders.set(this, flat);
    }
    return (originalWriteHead as (...a: unknown[]) => ServerResponse).apply(this, args);
  } as typeof ServerResponse.prototype.writeHead;

  ServerResponse.prototype.write = function (this: ServerResponse, chunk: unknown, encoding?: unknown, cb?: unknown) {
    try {
      add(this, chunk, encoding);
    } catch (err) {
      violations.push(`audit failed: ${String(err)}`);
    }
    return (originalWrite as (...a: unknown[]) => boolean).call(this, chunk, encoding, cb);
  } as typeof ServerResponse.prototype.write;

  ServerResponse.prototype.end = function (this: ServerResponse, chunk?: unknown, encoding?: unknown, cb?: unknown) {
    try {
      add(this, chunk, encoding);
      finish(this);
    } catch (err) {
      violations.push(`audit failed: ${String(err)}`);
    }
    return (originalEnd as (...a: unknown[]) => ServerResponse).call(this, chunk, encoding, cb);
  } as typeof ServerResponse.prototype.end;
}

afterAll(async () => {
  await loading;
  expect(violations.slice(0, 20), `${violations.length} GodeX outputs violate schemas/responses-output.schema.json (${audited} audited)`).toEqual([]);
});

/** Resolves once everything captured so far has been validated. */
export async function auditSettled(): Promise<void> {
  await loading;
}

/** For the audit's own test: how many bodies/events were checked, and what failed. */
export function auditState() {
  return { audited, violations };
}
