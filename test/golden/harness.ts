// Golden-file harness shared by every provider: one folder per case under
// test/golden/<provider>/<case>/ pins a full translation
//   Responses request → upstream Chat request → scripted upstream reply → client output.
// See test/golden/README.md for the folder layout and how to regenerate.
import { existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { expect } from "vitest";
import { loadConfigFromObject } from "../../src/config/load.ts";
import { startMockUpstreams, type RecordedRequest, type ScriptedReply } from "../../src/mock/server.ts";
import { startGateway } from "../../src/server/start.ts";

export const GOLDEN_ROOT = dirname(fileURLToPath(import.meta.url));

/** Fixed identity of every golden run: ids, clock and the reasoning-carrier key. */
export const GOLDEN_RESPONSE_ID = "resp_golden";
export const GOLDEN_NOW = 1767225600;
export const GOLDEN_CARRIER_SECRET = "golden-secret";

/** Response headers a golden case may pin (everything else, e.g. x-request-id, varies per run). */
export const PINNED_HEADERS = ["content-type", "x-godex-diagnostics"] as const;

/** `GOLDEN_UPDATE=1`: write upstream-request.json and expected.* from the actual run instead of comparing. */
export const UPDATE = process.env.GOLDEN_UPDATE === "1";
/** `GOLDEN_KNOWN_BUGS=1`: run the KNOWN_BUG.md cases too (they fail until the bug is fixed). */
export const RUN_KNOWN_BUGS = process.env.GOLDEN_KNOWN_BUGS === "1";

/** test/golden/<provider>/golden.json: what every case of that provider shares. */
export interface ProviderDefaults {
  /** models.aliases of the gateway config, e.g. {"gpt-5.5": "deepseek/deepseek-v4-pro"}. */
  aliases?: Record<string, string>;
  /** Merged into providers.<provider> of the gateway config. */
  provider?: Record<string, unknown>;
}

/** Optional case.json. */
export interface CaseOptions {
  description?: string;
  /** Merged into providers.<provider> (after golden.json), e.g. {"retry": {"max_attempts": 2}}. */
  provider?: Record<string, unknown>;
  /** Merged into server. */
  server?: Record<string, unknown>;
  /** Replay the upstream SSE frame by frame with this pause (ms) instead of one write. */
  chunkDelayMs?: number;
  /** GodeX keep-alive interval (ms) for this case. */
  keepAliveMs?: number;
  /**
   * Fixed response id for this case (default resp_golden). Later turns of a multi-turn chain use
   * their own, so item ids stay unique across the echoed history, as they are with real ids.
   */
  responseId?: string;
  /**
   * Multi-turn chain: the case folder (same provider) whose expected output this request echoes.
   * The harness checks every output item of that case reappears in this request's `input`.
   */
  follows?: string;
  /**
   * Hosted web search: merged into the gateway's `web_search` (the backend at the emulator host).
   * `search-reply.json` (`-2` …) are the recorded backend replies; `search-request.txt` pins the
   * backend request paths, one per line. Each upstream call N > 1 is pinned by `upstream-request-N.json`.
   */
  webSearch?: Record<string, unknown>;
}

export interface GoldenCase {
  provider: string;
  name: string;
  dir: string;
  request: unknown;
  stream: boolean;
  options: CaseOptions;
  defaults: ProviderDefaults;
  /** Scripted upstream replies, in order (`upstream-reply.*`, `upstream-reply-2.*`, …). */
  replies: ScriptedReply[];
  /** First line of KNOWN_BUG.md, when present. */
  knownBug: string | null;
}

export interface CaseResult {
  upstream: RecordedRequest[];
  /** Request paths the search backend got (hosted web search cases). */
  searches: string[];
  status: number;
  headers: Record<string, string>;
  body: string;
}

// ---------- discovery ----------

function readText(file: string): string {
  return readFileSync(file, "utf8");
}

function readJson(file: string): any {
  try {
    return JSON.parse(readText(file));
  } catch (err) {
    throw new Error(`${file}: ${(err as Error).message}`);
  }
}

function isDir(p: string): boolean {
  return statSync(p).isDirectory();
}

/** Every case folder: test/golden/<provider>/<case>/ holding a request.json. Sorted, so runs are stable. */
export function discoverCases(root = GOLDEN_ROOT): GoldenCase[] {
  const out: GoldenCase[] = [];
  for (const provider of readdirSync(root).sort()) {
    const pdir = join(root, provider);
    if (!isDir(pdir) || provider.startsWith(".") || provider === "node_modules") continue;
    const defaultsFile = join(pdir, "golden.json");
    const defaults: ProviderDefaults = existsSync(defaultsFile) ? readJson(defaultsFile) : {};
    for (const name of readdirSync(pdir).sort()) {
      const dir = join(pdir, name);
      if (!isDir(dir) || !existsSync(join(dir, "request.json"))) continue;
      out.push(loadCase(provider, name, dir, defaults));
    }
  }
  return out;
}

function loadCase(provider: string, name: string, dir: string, defaults: ProviderDefaults): GoldenCase {
  const request = readJson(join(dir, "request.json"));
  const optionsFile = join(dir, "case.json");
  const options: CaseOptions = existsSync(optionsFile) ? readJson(optionsFile) : {};
  const bugFile = join(dir, "KNOWN_BUG.md");
  const knownBug = existsSync(bugFile) ? (readText(bugFile).split("\n").find((l) => l.trim() !== "") ?? "known bug").replace(/^#+\s*/, "").trim() : null;
  return {
    provider,
    name,
    dir,
    request,
    stream: request?.stream === true,
    options,
    defaults,
    replies: loadReplies(dir, options),
    knownBug,
  };
}

/** `upstream-reply.*` (+ `upstream-status`, `upstream-headers.json`), then the `-2`, `-3`, … variants. */
function loadReplies(dir: string, options: CaseOptions): ScriptedReply[] {
  const replies: ScriptedReply[] = [];
  for (let n = 1; ; n++) {
    const suffix = n === 1 ? "" : `-${n}`;
    const at = (f: string) => join(dir, f.replace(/(\.[a-z]+)?$/, (ext) => `${suffix}${ext}`));
    const jsonFile = at("upstream-reply.json");
    const sseFile = at("upstream-reply.sse");
    const txtFile = at("upstream-reply.txt");
    const found = [jsonFile, sseFile, txtFile].filter((f) => existsSync(f));
    if (found.length === 0) break;
    if (found.length > 1) throw new Error(`${dir}: more than one upstream-reply${suffix}.* file`);
    const statusFile = at("upstream-status");
    const headersFile = at("upstream-headers.json");
    const status = existsSync(statusFile) ? Number(readText(statusFile).trim()) : 200;
    const headers: Record<string, string> = existsSync(headersFile) ? readJson(headersFile) : {};
    if (existsSync(jsonFile)) replies.push({ status, json: readJson(jsonFile), headers });
    else if (existsSync(sseFile)) replies.push({ status, sse: readText(sseFile), headers, chunkDelayMs: options.chunkDelayMs });
    // A raw body (non-JSON error page, JSON padded with blank lines …): content-type from upstream-headers.json.
    else replies.push({ status, sse: readText(txtFile), headers: { "content-type": "text/plain", ...headers }, chunkDelayMs: options.chunkDelayMs });
  }
  return replies;
}

// ---------- running ----------

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function merge(base: unknown, over: unknown): unknown {
  if (!isObject(base) || !isObject(over)) return over === undefined ? base : over;
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) out[k] = merge(base[k], v);
  return out;
}

/** Runs one case against a fresh emulator host + gateway and returns what both sides saw. */
export async function runCase(c: GoldenCase): Promise<CaseResult> {
  const mock = await startMockUpstreams();
  try {
    const provider = merge(
      merge(
        {
          credentials: { api_key: `mock-${c.provider}-key` },
          endpoint: { base_url: mock.baseUrl(c.provider) },
          retry: { max_attempts: 1 },
        },
        c.defaults.provider ?? {},
      ),
      c.options.provider ?? {},
    );
    const config = loadConfigFromObject(
      {
        server: merge({ host: "127.0.0.1", port: 0, carrier_secret: GOLDEN_CARRIER_SECRET }, c.options.server ?? {}),
        models: { aliases: c.defaults.aliases ?? {} },
        providers: { [c.provider]: provider },
        logging: { level: "silent" },
        ...(c.options.webSearch ? { web_search: { ...c.options.webSearch, endpoint: { base_url: mock.searchUrl } } } : {}),
      },
      {},
    );
    const gw = await startGateway(config, {
      fixedIds: { responseId: c.options.responseId ?? GOLDEN_RESPONSE_ID, now: () => GOLDEN_NOW },
      ...(c.options.keepAliveMs !== undefined ? { keepAliveMs: c.options.keepAliveMs } : {}),
    });
    try {
      if (c.replies.length > 0) mock.enqueue(c.provider, ...c.replies);
      for (let n = 1; existsSync(join(c.dir, n === 1 ? "search-reply.json" : `search-reply-${n}.json`)); n++) {
        mock.enqueue("searxng", { status: 200, json: readJson(join(c.dir, n === 1 ? "search-reply.json" : `search-reply-${n}.json`)) });
      }
      const res = await fetch(`${gw.url}/v1/responses`, {
        method: "POST",
        headers: { "content-type": "application/json", accept: c.stream ? "text/event-stream" : "application/json" },
        body: readText(join(c.dir, "request.json")),
      });
      const body = await res.text();
      const headers: Record<string, string> = {};
      for (const h of PINNED_HEADERS) {
        const v = res.headers.get(h);
        if (v !== null) headers[h] = v;
      }
      const searches = mock.requests.filter((q) => q.provider === "searxng").map((q) => q.path);
      return { upstream: mock.requests.filter((q) => q.provider !== "searxng"), searches, status: res.status, headers, body };
    } finally {
      await gw.close();
    }
  } finally {
    await mock.close();
  }
}

// ---------- checking ----------

const file = (c: GoldenCase, name: string) => join(c.dir, name);

/** One frame per SSE event (text between blank lines), so a mismatch diff points at the event. */
export function sseFrames(text: string): string[] {
  return text.split(/\n\n/).filter((f) => f !== "");
}

/** The `data:` payloads of an SSE text, parsed. */
export function sseEvents(text: string): any[] {
  const out: any[] = [];
  for (const frame of sseFrames(text)) {
    for (const line of frame.split("\n")) {
      if (!line.startsWith("data:")) continue;
      const data = line.slice(5).trimStart();
      try {
        out.push(JSON.parse(data));
      } catch {
        /* [DONE] or junk: not an event */
      }
    }
  }
  return out;
}

export function checkCase(c: GoldenCase, r: CaseResult) {
  const where = `${c.provider}/${c.name}`;

  // 1. Upstream request(s): deep-equal and byte-equal (the translation is deterministic).
  const upstreamFile = file(c, "upstream-request.json");
  if (existsSync(upstreamFile)) {
    const expected = readJson(upstreamFile);
    const count = Math.max(1, c.replies.length);
    expect(r.upstream.length, `${where}: number of upstream requests`).toBe(count);
    r.upstream.forEach((req, i) => {
      // Call N of a hosted tool loop has its own body (upstream-request-N.json); retries repeat the first.
      const nth = file(c, `upstream-request-${i + 1}.json`);
      const want = i > 0 && existsSync(nth) ? readJson(nth) : expected;
      const which = i > 0 && existsSync(nth) ? `upstream-request-${i + 1}.json` : "upstream-request.json";
      expect(req.method, `${where}: upstream method`).toBe("POST");
      expect(JSON.parse(req.rawBody), `${where}: upstream body ${i + 1} (deep, ${which})`).toEqual(want);
      expect(req.rawBody, `${where}: upstream body ${i + 1} (bytes, ${which})`).toBe(JSON.stringify(want));
    });
  } else {
    expect(r.upstream.length, `${where}: no upstream-request.json, so no upstream call is expected`).toBe(0);
  }

  const searchFile = file(c, "search-request.txt");
  if (existsSync(searchFile) || r.searches.length > 0) {
    const pinned = existsSync(searchFile) ? readText(searchFile).split("\n").filter((l) => l !== "") : [];
    expect(r.searches, `${where}: search backend requests (search-request.txt)`).toEqual(pinned);
  }

  // 2. Client status, pinned headers and body.
  const statusFile = file(c, "expected-status");
  const expectedStatus = existsSync(statusFile) ? Number(readText(statusFile).trim()) : 200;
  expect(r.status, `${where}: HTTP status`).toBe(expectedStatus);
  const headersFile = file(c, "expected-headers.json");
  if (existsSync(headersFile)) {
    const expected: Record<string, string> = readJson(headersFile);
    expect(pick(r.headers, Object.keys(expected)), `${where}: pinned response headers`).toEqual(expected);
  }
  const sseFile = file(c, "expected.sse");
  const jsonFile = file(c, "expected.json");
  if (existsSync(sseFile)) {
    const expected = readText(sseFile);
    checkSseInvariants(`${where} (expected.sse)`, expected);
    expect(sseFrames(r.body), `${where}: SSE events`).toEqual(sseFrames(expected));
    expect(r.body, `${where}: SSE bytes`).toBe(expected);
  } else if (existsSync(jsonFile)) {
    const expected = readJson(jsonFile);
    checkJsonInvariants(`${where} (expected.json)`, expectedStatus, expected);
    const actual = JSON.parse(r.body);
    expect(actual, `${where}: JSON body`).toEqual(expected);
    expect(JSON.stringify(actual), `${where}: JSON body key order`).toBe(JSON.stringify(expected));
  } else {
    throw new Error(`${where}: neither expected.sse nor expected.json (run GOLDEN_UPDATE=1 to create them, then review them)`);
  }

  // 3. Multi-turn chain: the previous turn's output is echoed in this request.
  if (c.options.follows) checkEcho(c);
}

function pick(h: Record<string, string>, keys: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of keys) if (h[k] !== undefined) out[k] = h[k];
  return out;
}

/** The output items of a case's expected client output (terminal event of expected.sse, or expected.json). */
export function expectedOutput(dir: string): any[] {
  const sse = join(dir, "expected.sse");
  if (existsSync(sse)) {
    const terminal = sseEvents(readText(sse)).filter((e) => /^response\.(completed|incomplete|failed)$/.test(e?.type));
    return terminal.at(-1)?.response?.output ?? [];
  }
  const json = join(dir, "expected.json");
  return existsSync(json) ? (readJson(json)?.output ?? []) : [];
}

/** Fields Codex echoes verbatim from an output item into the next request's input. */
const ECHOED = ["type", "call_id", "name", "namespace", "arguments", "input", "encrypted_content", "summary"];

function checkEcho(c: GoldenCase) {
  const prevDir = join(GOLDEN_ROOT, c.provider, c.options.follows!);
  const prev = expectedOutput(prevDir);
  expect(prev.length, `${c.name}: ${c.options.follows} has output items to echo`).toBeGreaterThan(0);
  const input: any[] = Array.isArray((c.request as any)?.input) ? (c.request as any).input : [];
  for (const item of prev) {
    const echo = input.find((i) => i?.id === item.id && i?.type === item.type);
    expect(echo, `${c.name}: input echoes ${c.options.follows} output item ${item.id}`).toBeDefined();
    if (item.type === "message") {
      const texts = (x: any) => (x.content ?? []).map((p: any) => p.text);
      expect(texts(echo), `${c.name}: echoed message ${item.id}`).toEqual(texts(item));
      continue;
    }
    for (const k of ECHOED) {
      if (k in item) expect(echo[k], `${c.name}: echoed ${item.id}.${k}`).toEqual(item[k]);
    }
  }
}

// ---------- structural invariants (checked on every run, also while regenerating) ----------

const TERMINAL = /^response\.(completed|incomplete|failed)$/;

/** Usage as Codex parses it strictly (responses-spec.md §3.5). */
function checkUsage(where: string, u: any) {
  if (u == null) return;
  for (const k of ["input_tokens", "output_tokens", "total_tokens"]) expect(Number.isInteger(u[k]), `${where}: usage.${k} is an integer`).toBe(true);
  expect(Number.isInteger(u.input_tokens_details?.cached_tokens), `${where}: usage.input_tokens_details.cached_tokens`).toBe(true);
  expect(Number.isInteger(u.output_tokens_details?.reasoning_tokens), `${where}: usage.output_tokens_details.reasoning_tokens`).toBe(true);
  expect(u.input_tokens_details.cached_tokens, `${where}: cached_tokens ≤ input_tokens`).toBeLessThanOrEqual(u.input_tokens);
  expect(u.output_tokens_details.reasoning_tokens, `${where}: reasoning_tokens ≤ output_tokens`).toBeLessThanOrEqual(u.output_tokens);
}

function checkTerminalResponse(where: string, type: string, resp: any) {
  const status = type.replace(/^response\./, "");
  expect(resp?.status, `${where}: terminal response.status`).toBe(status);
  expect(typeof resp?.id, `${where}: response.id is a string`).toBe("string");
  if (status === "failed") expect(typeof resp.error?.code === "string" && typeof resp.error?.message === "string", `${where}: failed response has error.code/message`).toBe(true);
  else expect(resp.error, `${where}: no error unless failed`).toBeNull();
  if (status === "incomplete") expect(typeof resp.incomplete_details?.reason, `${where}: incomplete_details.reason`).toBe("string");
  checkUsage(where, resp.usage);
}

/** The Responses stream rules Codex and the openai SDK depend on (responses-spec.md §3.2, codex-client.md §5). */
export function checkSseInvariants(where: string, text: string) {
  const events = sseEvents(text);
  expect(events.length, `${where}: events`).toBeGreaterThanOrEqual(3);
  events.forEach((e, i) => expect(e.sequence_number, `${where}: sequence_number of event ${i} (${e.type})`).toBe(i));
  expect(events[0].type, `${where}: first event`).toBe("response.created");
  expect(events[1].type, `${where}: second event`).toBe("response.in_progress");
  const terminals = events.filter((e) => TERMINAL.test(e.type));
  expect(terminals.length, `${where}: exactly one terminal event`).toBe(1);
  const last = events.at(-1);
  expect(TERMINAL.test(last.type), `${where}: the terminal event is the last one`).toBe(true);
  // `event:` names agree with the payload types.
  const named = sseFrames(text).map((f) => /^event: (.*)$/m.exec(f)?.[1]).filter((n) => n !== undefined);
  if (named.length > 0) expect(named, `${where}: event: lines`).toEqual(events.map((e) => e.type));

  // One item at a time: added → its own events → done, output_index 0, 1, 2, …
  const done: any[] = [];
  let open: { index: number; id: string; type: string; deltas: string } | null = null;
  for (const e of events.slice(2, -1)) {
    if (e.type === "response.in_progress") continue; // keep-alive
    if (e.type === "response.output_item.added") {
      expect(open, `${where}: item ${e.item?.id} added while ${open?.id} is still open`).toBeNull();
      expect(e.output_index, `${where}: output_index of ${e.item?.id}`).toBe(done.length);
      expect(typeof e.item?.id, `${where}: added item has an id`).toBe("string");
      open = { index: e.output_index, id: e.item.id, type: e.item.type, deltas: "" };
      continue;
    }
    expect(open, `${where}: ${e.type} outside an item`).not.toBeNull();
    expect(e.output_index, `${where}: ${e.type} output_index`).toBe(open!.index);
    if (e.type === "response.output_item.done") {
      expect(e.item?.id, `${where}: done item id`).toBe(open!.id);
      expect(e.item?.type, `${where}: done item type`).toBe(open!.type);
      const full =
        e.item.type === "message" ? e.item.content.map((p: any) => p.text).join("")
        : e.item.type === "reasoning" ? e.item.summary.map((p: any) => p.text).join("")
        : e.item.type === "function_call" ? e.item.arguments
        : e.item.type === "custom_tool_call" ? e.item.input
        : undefined;
      if (full !== undefined && open!.deltas !== "") expect(full, `${where}: ${open!.id} done holds the whole streamed text`).toBe(open!.deltas);
      done.push(e.item);
      open = null;
      continue;
    }
    expect(e.item_id, `${where}: ${e.type} item_id`).toBe(open!.id);
    if (/\.delta$/.test(e.type) && e.type !== "response.reasoning_text.delta") open!.deltas += e.delta;
  }
  // Only a failure may leave an item unfinished (it is then not in the terminal output).
  if (last.type !== "response.failed") expect(open, `${where}: an item was left open at the terminal event`).toBeNull();
  checkTerminalResponse(where, last.type, last.response);
  expect(last.response.output, `${where}: terminal output = the done items`).toEqual(done);
}

export function checkJsonInvariants(where: string, status: number, body: any) {
  if (status !== 200) {
    expect(typeof body?.error?.message, `${where}: error.message`).toBe("string");
    expect(typeof body?.error?.type, `${where}: error.type`).toBe("string");
    expect("code" in (body?.error ?? {}) && "param" in (body?.error ?? {}), `${where}: error has code and param`).toBe(true);
    return;
  }
  expect(body?.object, `${where}: object`).toBe("response");
  checkTerminalResponse(where, `response.${body.status}`, body);
}

/** The hand-written expected files of a KNOWN_BUG case obey the same rules as any output. */
export function checkExpectedFiles(c: GoldenCase) {
  const where = `${c.provider}/${c.name}`;
  const sseFile = file(c, "expected.sse");
  const jsonFile = file(c, "expected.json");
  const statusFile = file(c, "expected-status");
  const status = existsSync(statusFile) ? Number(readText(statusFile).trim()) : 200;
  if (existsSync(sseFile)) checkSseInvariants(`${where} (expected.sse)`, readText(sseFile));
  else if (existsSync(jsonFile)) checkJsonInvariants(`${where} (expected.json)`, status, readJson(jsonFile));
  else throw new Error(`${where}: a KNOWN_BUG case needs a hand-written expected.sse or expected.json`);
  if (c.options.follows) checkEcho(c);
}

/** Invariants of the actual client output, whatever the golden files say. */
export function checkInvariants(c: GoldenCase, r: CaseResult) {
  const where = `${c.provider}/${c.name}`;
  if ((r.headers["content-type"] ?? "").startsWith("text/event-stream")) {
    expect(r.status, `${where}: a stream starts with 200`).toBe(200);
    checkSseInvariants(where, r.body);
  } else checkJsonInvariants(where, r.status, JSON.parse(r.body));
}

// ---------- regeneration ----------

function writeJson(path: string, value: unknown) {
  writeFileSync(path, JSON.stringify(value, null, 2) + "\n");
}

function remove(path: string) {
  if (existsSync(path)) rmSync(path);
}

/**
 * GOLDEN_UPDATE=1: writes what GodeX actually did. Never bless the result blindly: read every
 * generated file against the research notes (see README) before committing it.
 */
export function writeCase(c: GoldenCase, r: CaseResult) {
  if (r.upstream.length > 0) {
    const bodies = new Set(r.upstream.map((u) => u.rawBody));
    if (bodies.size > 1 && !c.options.webSearch) throw new Error(`${c.provider}/${c.name}: the upstream requests differ between attempts`);
    writeJson(file(c, "upstream-request.json"), JSON.parse(r.upstream[0]!.rawBody));
    // A hosted tool loop: each later call continues the conversation, so each has its own body.
    if (c.options.webSearch) r.upstream.slice(1).forEach((u, i) => writeJson(file(c, `upstream-request-${i + 2}.json`), JSON.parse(u.rawBody)));
  } else remove(file(c, "upstream-request.json"));
  if (r.searches.length > 0) writeFileSync(file(c, "search-request.txt"), r.searches.join("\n") + "\n");

  if (r.status === 200) remove(file(c, "expected-status"));
  else writeFileSync(file(c, "expected-status"), `${r.status}\n`);
  writeJson(file(c, "expected-headers.json"), r.headers);

  const isSse = (r.headers["content-type"] ?? "").startsWith("text/event-stream");
  if (isSse) {
    writeFileSync(file(c, "expected.sse"), r.body);
    remove(file(c, "expected.json"));
  } else {
    writeJson(file(c, "expected.json"), JSON.parse(r.body));
    remove(file(c, "expected.sse"));
  }
}
