// `npm run bench`: GodeX against a direct call to the same upstream, same run, same machine.
//
//   node --import tsx bench/run.ts [--quick] [--only seq,load,cpu,bigstream,translate,rss | 1,2,…]
//                                  [--profile DIR [--profile-case stream|history]]
//
// Processes: this one (load generator + in-process translation timings), a fixed-reply DeepSeek-shaped
// upstream (bench/lib/upstream.ts), a bare Node proxy as the floor (bench/lib/floor-proxy.ts) and GodeX
// (`node bin/godex.mjs serve …`, shipped defaults), each its own child so /proc gives GodeX's own CPU time
// and RSS. Loopback only; every phase is bounded in time. Method and first numbers: docs/performance.md.
// BENCH_DEBUG=1 logs every rejected sample (failed request, incomplete stream).
import { mkdtempSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { execFileSync } from "node:child_process";
import { performance } from "node:perf_hooks";
import { keepAliveAgent, load, mergeLoad, send, sequentialInterleaved, type LoadResult, type Sample, type SeqResult, type Target } from "./lib/client.ts";
import { CPU_TICK_MS, NoiseMeter, cpuMs, freePort, hwmMiB, machineInfo, rssMiB, startChild, type Child } from "./lib/proc.ts";
import { median, ms, num, pct, pcts, percentile, ratio, renderTable, signedMs, us, type Pcts, type Row } from "./lib/stats.ts";
import { codexHistory, codexTurn1 } from "./lib/fixtures.ts";
import { BIG_DELTAS, FIRST_DELTA_MARKER, REASONING_PIECES, TEXT_PIECES } from "./lib/upstream.ts";
import { summarizeProfile } from "./lib/profile-summary.ts";
import { ensureFreshBundle, measureStartup, type StartupFigures } from "./lib/startup.ts";
import { loadMappingDoc } from "../src/mapping/load.ts";
import { compileMapping } from "../src/mapping/compile.ts";
import { ReasoningCarrier } from "../src/engine/reasoning-carrier.ts";
import { translateRequest } from "../src/engine/request/translate.ts";
import { validateResponsesRequest } from "../src/protocol/request.ts";
import { decodeUtf8 } from "../src/server/body.ts";
import { HISTORY_PARSE_FROM_BYTES, HistoryParser } from "../src/server/history-parse.ts";
import { JsonBytes } from "../src/engine/request/json-bytes.ts";

const ROOT = resolve(import.meta.dirname, "..");
const SECTIONS = ["seq", "load", "cpu", "bigstream", "translate", "rss", "startup"] as const;
type Section = (typeof SECTIONS)[number];
const HARD_LIMIT_MS = 175_000;

const { values: argv } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    only: { type: "string" },
    profile: { type: "string" },
    "profile-case": { type: "string", default: "stream" },
    // The usage ledger is on by default (SQLite under the bench's temp GODEX_HOME); off to compare.
    "no-ledger": { type: "boolean", default: false },
    // GodeX as shipped is what the bench measures; --lean is the earlier lean config to compare with
    // (log level warn, no ledger, no response store, one target per alias, no web search).
    lean: { type: "boolean", default: false },
    help: { type: "boolean", short: "h" },
  },
});
if (argv.help) {
  process.stdout.write(
    "Usage: npm run bench -- [--quick] [--only seq,load,cpu,bigstream,translate,rss,startup (or 1-7)]\n" +
      "                        [--profile DIR [--profile-case stream|json|seq|history]] [--no-ledger] [--lean]\n" +
      "  --profile DIR   run GodeX under node --cpu-prof: 50-connection streamed load (stream), or 1 MB Codex\n" +
      "                  histories one after the other (history); then print the top self-time functions\n",
  );
  process.exit(0);
}

const only = new Set<Section>(
  argv.only
    ? argv.only.split(",").map((s) => {
        const t = s.trim();
        const byNum = SECTIONS[Number(t) - 1];
        const sec = /^\d+$/.test(t) ? byNum : (SECTIONS.find((x) => x === t) as Section | undefined);
        if (!sec) throw new Error(`unknown section '${t}'; sections: ${SECTIONS.join(", ")} (or 1-7)`);
        return sec;
      })
    : SECTIONS,
);
const want = (s: Section) => only.has(s);

const Q = argv.quick === true;
const S = {
  n: Q ? 60 : 300,
  warmup: Q ? 10 : 30,
  connections: 50,
  loadMs: Q ? 2500 : 8000,
  loadSlices: Q ? 2 : 4,
  bigReps: Q ? 5 : 20,
  translateSmall: Q ? 150 : 500,
  translateLarge: Q ? 12 : 40,
  e2eSmall: Q ? 30 : 100,
  e2eLarge: Q ? 6 : 20,
  rssStreams: 200,
  rssChunkDelayMs: 50,
  rssSettleMs: Q ? 3000 : 5000,
  historyItems: 300,
  historyToolOutputChars: 1 << 20,
};

const CARRIER_SECRET = "bench-carrier-secret-0123456789abcdef0123456789";
const UPSTREAM_MODEL = "deepseek-v4-pro";
const rows: Row[] = [];
const figures: Record<string, unknown> = {};
const notes: string[] = [];
/**
 * For a missed target: what stands in the way, from this run's own figures where it can be said
 * (the bare Node proxy's cost is the floor under any Node gateway), else where the profile evidence is.
 * Keyed by the start of the row's metric.
 */
const whyMissed = new Map<string, string>();
const PERF_DOC = "docs/performance.md, \"Round 2: the hot path\"";
const log = (s: string) => process.stderr.write(`${s}\n`);

const tmp = mkdtempSync(join(tmpdir(), "godex-bench-"));
const children: Child[] = [];
let finished = false;
async function cleanup() {
  for (const c of [...children].reverse()) await c.stop(3000).catch(() => undefined);
}
// Whatever happens (a failed start, an exception), no child outlives the bench.
process.on("exit", () => {
  for (const c of children) if (c.proc.exitCode === null && c.proc.signalCode === null) c.proc.kill("SIGKILL");
  rmSync(tmp, { recursive: true, force: true });
});
const watchdog = setTimeout(() => {
  if (finished) return;
  log(`bench: still running after ${HARD_LIMIT_MS / 1000} s; stopping.`);
  void cleanup().finally(() => process.exit(1));
}, HARD_LIMIT_MS);
watchdog.unref();
for (const sig of ["SIGINT", "SIGTERM"] as const) process.once(sig, () => void cleanup().finally(() => process.exit(130)));

// ------------------------------------------------------------------------------------------------
// Set-up: upstream, GodeX, and the equivalent Chat bodies for the direct calls.

const benchStart = performance.now();

async function startUpstream(): Promise<{ child: Child; port: number }> {
  const c = await startChild(["--import", "tsx", "bench/lib/upstream.ts"], { cwd: ROOT, ready: /\{"port":(\d+)\}/ });
  children.push(c);
  return { child: c, port: Number(c.match[1]) };
}

async function startGodex(upstreamPort: number, profileDir?: string): Promise<{ child: Child; port: number }> {
  const base = `http://127.0.0.1:${upstreamPort}`;
  const provider = (name: string) =>
    `  ${name}:\n    spec: deepseek\n    credentials: { api_key: "\${DEEPSEEK_API_KEY}" }\n    endpoint: { base_url: ${base}/${name} }\n    models: [${UPSTREAM_MODEL}]\n`;
  // The shipped defaults (log level info, SQLite ledger, SQLite response store) plus what the other
  // features need to be on: an alias with a fallback target (routing), a budget (checked before every
  // request), the providers' own web search (checked per request; the bench request asks for none).
  const lean = argv.lean === true;
  const yaml =
    `server:\n  host: 127.0.0.1\n  port: 5678\n  carrier_secret: ${CARRIER_SECRET}\n` +
    `models:\n  aliases:\n    gpt-5.5: ${lean ? `fast/${UPSTREAM_MODEL}` : `[fast/${UPSTREAM_MODEL}, big/${UPSTREAM_MODEL}]`}\n    bench-big: big/${UPSTREAM_MODEL}\n    bench-slow: slow/${UPSTREAM_MODEL}\n` +
    `providers:\n${provider("fast")}${provider("big")}${provider("slow")}` +
    (lean
      ? `logging:\n  level: warn\nledger:\n  enabled: false\nstore:\n  backend: off\n`
      : `budgets:\n  - { name: bench, alias: gpt-5.5, period: daily, limit: 1000000 }\nweb_search:\n  native: auto\n` +
        (argv["no-ledger"] ? "ledger:\n  enabled: false\n" : ""));
  const file = join(tmp, "godex.yaml");
  writeFileSync(file, yaml);
  const port = await freePort();
  const prof = profileDir ? ["--cpu-prof", `--cpu-prof-dir=${profileDir}`, "--cpu-prof-interval", "250"] : [];
  const c = await startChild([...prof, "bin/godex.mjs", "serve", "--config", file, "--port", String(port), "--no-mock"], {
    cwd: ROOT,
    env: { ...process.env, DEEPSEEK_API_KEY: "bench-key", GODEX_HOME: join(tmp, "home") },
    ready: /GodeX listening on/,
    timeoutMs: 30_000,
  });
  children.push(c);
  return { child: c, port };
}

const mapping = compileMapping(loadMappingDoc("deepseek"));
const carrier = new ReasoningCarrier(Buffer.from(CARRIER_SECRET, "utf8"));

/** The Chat body GodeX sends upstream for `req` (validated and translated exactly as the route does). */
async function chatBody(req: Record<string, unknown>): Promise<string> {
  const body = validateResponsesRequest(JSON.parse(JSON.stringify(req)));
  const t = await translateRequest(body, { mapping, model: UPSTREAM_MODEL, stream: req.stream === true, carrier });
  return JSON.stringify(t.body);
}

const smallReq = { model: "gpt-5.5", input: "Hello" };
const smallReqStream = { model: "gpt-5.5", input: "Hello", stream: true };
const marker = Buffer.from(FIRST_DELTA_MARKER);
const GX_END = Buffer.from("event: response.completed\n");
const DIRECT_END = Buffer.from("data: [DONE]");

/** Waits (bounded) for other processes to leave the CPUs alone; the bench shares the machine. */
async function waitForQuiet(maxMs: number): Promise<number> {
  const meter = new NoiseMeter(() => [process.pid]);
  const until = Date.now() + maxMs;
  let share = 1;
  for (;;) {
    meter.start();
    await new Promise((r) => setTimeout(r, 1000));
    share = meter.stop().foreignShare;
    if (share < 0.1 || Date.now() >= until) return share;
    log(`bench: other processes use ${num(share * 100, 0)}% of the CPUs; waiting for quiet (up to ${Math.round((until - Date.now()) / 1000)} s more)…`);
  }
}
const quietShare = await waitForQuiet(Q ? 5000 : 20_000);
if (quietShare >= 0.1) notes.push(`the machine was not quiet at start: other processes used ${num(quietShare * 100, 0)}% of the CPUs.`);

ensureFreshBundle(ROOT, log);

// 7. Start-up, measured first (while the machine is as quiet as it will get), reported last.
let startup: StartupFigures | undefined;
if (want("startup") && !argv.profile) {
  const runs = Q ? 3 : 7;
  log(`bench: 7. start-up: node -e 0, godex version / models / lint, godex serve to the first GET /health 200 (shipped godex.yaml), ${runs} runs each…`);
  mkdirSync(join(tmp, "startup-home"), { recursive: true });
  startup = await measureStartup(ROOT, join(tmp, "startup-home"), runs);
  figures.startupCommands = startup;
}

const upstream = await startUpstream();
const stats = async (): Promise<{ requests: Record<string, number>; lastBodyBytes: number; maxActiveStreams: number }> => {
  const res = await fetch(`http://127.0.0.1:${upstream.port}/__stats`);
  return (await res.json()) as never;
};

if (argv.profile) {
  await profileRun(argv.profile);
  process.exit(0);
}

const gx = await startGodex(upstream.port);
const godexPid = gx.child.pid;
const upstreamPid = upstream.child.pid;
const floorChild = await startChild(["--import", "tsx", "bench/lib/floor-proxy.ts", String(upstream.port)], { cwd: ROOT, ready: /\{"port":(\d+)\}/ });
children.push(floorChild);
const floorPort = Number(floorChild.match[1]);
const floorPid = floorChild.pid;
const idleFresh = rssMiB(godexPid);
figures.startup = { rssIdleFreshMiB: idleFresh, loadavg: loadavg(), foreignShareBeforeStart: quietShare };
log(`bench: upstream :${upstream.port} (pid ${upstreamPid}), GodeX :${gx.port} (pid ${godexPid}), RSS at start ${num(idleFresh, 1)} MiB${Q ? " [quick]" : ""}`);


function gxTarget(name: string, req: unknown): Target {
  return { name, host: "127.0.0.1", port: gx.port, path: "/v1/responses", body: Buffer.from(JSON.stringify(req)), marker, endMarker: (req as { stream?: boolean }).stream ? GX_END : undefined };
}
function directTarget(name: string, route: string, body: string): Target {
  return { name, host: "127.0.0.1", port: upstream.port, path: `/${route}/chat/completions`, body: Buffer.from(body), marker, endMarker: body.includes('"stream":true') ? DIRECT_END : undefined };
}

const T = {
  gxNs: gxTarget("godex-nonstream", smallReq),
  gxS: gxTarget("godex-stream", smallReqStream),
  dNs: directTarget("direct-nonstream", "fast", await chatBody(smallReq)),
  dS: directTarget("direct-stream", "fast", await chatBody(smallReqStream)),
};
/** The same direct calls through the bare Node proxy. */
const viaFloor = (t: Target): Target => ({ ...t, name: t.name.replace("direct", "floor"), port: floorPort });

const okStatus = (s: Sample) => s.status === 200;
// Streamed targets carry an endMarker (the terminal event); non-streamed ones are checked by status.
const okGxStream = (s: Sample) => s.status === 200 && s.complete;
const okDirectStream = (s: Sample) => s.status === 200 && s.complete;

// Probe: one request each way, checks that GodeX sends the body we use for the direct calls, and counts events.
const probeAgent = keepAliveAgent(1);
const probeNs = await send(probeAgent, T.gxNs);
const sentNs = (await stats()).lastBodyBytes;
const probeS = await send(probeAgent, T.gxS);
const sentS = (await stats()).lastBodyBytes;
if (!okStatus(probeNs) || !okGxStream(probeS)) throw new Error(`GodeX probe failed: ${probeNs.status} / ${probeS.status} ${probeS.tail}\n${gx.child.stderr()}`);
if (sentNs !== T.dNs.body.length || sentS !== T.dS.body.length) {
  notes.push(`GodeX sent ${sentNs}/${sentS} bytes upstream; the direct bodies are ${T.dNs.body.length}/${T.dS.body.length} bytes.`);
}
const eventsPerStream = probeS.frames;
const directProbe = await send(probeAgent, T.dS);
const chunksPerStream = directProbe.frames - 1; // minus data: [DONE]
probeAgent.destroy();
figures.reply = { reasoningDeltas: REASONING_PIECES.length, textDeltas: TEXT_PIECES.length, upstreamChunks: chunksPerStream, godexEventsPerStream: eventsPerStream };

interface CpuMark {
  gx: number;
  up: number;
  fl: number;
}
const ourPids = [process.pid, upstreamPid, floorPid, godexPid];
const noise = new NoiseMeter(() => ourPids);
const noiseByPhase: Record<string, { foreignShare: number; foreignMs: number; elapsedMs: number }> = {};
let currentPhase: string | null = null;
/** Closes the previous phase's noise measurement and opens one for `name`. */
function phase(name: string | null) {
  if (currentPhase) noiseByPhase[currentPhase] = noise.stop();
  currentPhase = name;
  if (name) noise.start();
}

const mark = (): CpuMark => ({ gx: cpuMs(godexPid), up: cpuMs(upstreamPid), fl: cpuMs(floorPid) });

// ------------------------------------------------------------------------------------------------
// 1. Sequential latency (direct / Node proxy / GodeX interleaved), non-streamed and streamed.

interface Cpu {
  /** GodeX CPU ms per GodeX request. */
  gxPerReq: number;
  /** Upstream CPU ms per request it served. */
  upPerReq: number;
  /** Node proxy CPU ms per proxied request (NaN when not run). */
  flPerReq: number;
  n: number;
}
let seqStreamCpu: Cpu | undefined;
let loadStreamCpu: Cpu | undefined;
let loadNsCpu: Cpu | undefined;
let seqNsCpu: Cpu | undefined;

function latencyRows(sec: string, label: string, d: Pcts, f: Pcts, g: Pcts, targetP50?: number) {
  if (targetP50 !== undefined) {
    const floor = f.p50 - d.p50;
    whyMissed.set(
      `${label} latency p50`,
      floor >= targetP50
        ? `the bare Node proxy alone adds ${signedMs(floor, 3)} here: the target is below the cost of one more Node HTTP hop on this machine; GodeX's own share over that hop is ${signedMs(g.p50 - f.p50, 3)} (${PERF_DOC}).`
        : `the bare Node proxy adds ${signedMs(floor, 3)}; GodeX's own work adds ${signedMs(g.p50 - f.p50, 3)} over it (${PERF_DOC}).`,
    );
  }
  for (const p of ["p50", "p90", "p99"] as const) {
    const diff = g[p] - d[p];
    const target = p === "p50" && targetP50 !== undefined ? `added ≤ ${targetP50} ms` : "";
    rows.push({ section: sec, metric: `${label} latency ${p}`, direct: ms(d[p], 3), floor: ms(f[p], 3), godex: ms(g[p], 3), diff: signedMs(diff, 3), target, ok: target ? diff <= targetP50! : undefined });
  }
}

interface SeqOut {
  d: SeqResult;
  f?: SeqResult;
  g: SeqResult;
  cpu: Cpu;
}

/** Direct, (Node proxy,) GodeX taking turns; CPU of each process over the measured rounds. */
async function seqRun(direct: Target, godex: Target, okD: (s: Sample) => boolean, okG: (s: Sample) => boolean, n: number, warmup: number, withFloor: boolean): Promise<SeqOut> {
  const agents = [keepAliveAgent(1), keepAliveAgent(1), keepAliveAgent(1)];
  const targets = [
    { target: direct, agent: agents[0]!, ok: okD },
    ...(withFloor ? [{ target: viaFloor(direct), agent: agents[1]!, ok: okD }] : []),
    { target: godex, agent: agents[2]!, ok: okG },
  ];
  let m0: CpuMark | undefined;
  const res = await sequentialInterleaved(targets, n, warmup, () => (m0 = mark()));
  const m1 = mark();
  for (const a of agents) a.destroy();
  const d = res[0]!;
  const f = withFloor ? res[1] : undefined;
  const g = res[res.length - 1]!;
  const cnt = (r: SeqResult) => r.samples.length + r.errors;
  const served = cnt(d) + (f ? cnt(f) : 0) + cnt(g);
  const cpu = { gxPerReq: (m1.gx - m0!.gx) / cnt(g), upPerReq: (m1.up - m0!.up) / served, flPerReq: f ? (m1.fl - m0!.fl) / cnt(f) : Number.NaN, n: cnt(g) };
  return { d, f, g, cpu };
}

const totals = (r?: SeqResult) => pcts(r ? r.samples.map((s) => s.totalMs) : []);
const firsts = (r?: SeqResult) => pcts(r ? r.samples.map((s) => s.firstDeltaMs) : []);

if (want("seq") || want("cpu")) {
  phase("seq");
  log(`bench: 1. sequential, N=${S.n} after ${S.warmup} warm-up, direct / Node proxy / GodeX interleaved…`);
  const ns = await seqRun(T.dNs, T.gxNs, okStatus, okStatus, S.n, S.warmup, true);
  const st = await seqRun(T.dS, T.gxS, okDirectStream, okGxStream, S.n, S.warmup, true);
  seqNsCpu = ns.cpu;
  seqStreamCpu = st.cpu;
  const [dN, fN, gN] = [totals(ns.d), totals(ns.f), totals(ns.g)];
  const [dS, fS, gS] = [totals(st.d), totals(st.f), totals(st.g)];
  const [dF, fF, gF] = [firsts(st.d), firsts(st.f), firsts(st.g)];
  const errD = ns.d.errors + st.d.errors;
  const errF = (ns.f?.errors ?? 0) + (st.f?.errors ?? 0);
  const errG = ns.g.errors + st.g.errors;
  if (want("seq")) {
    latencyRows("1", "non-streamed", dN, fN, gN, 0.3);
    latencyRows("1", "streamed (last byte)", dS, fS, gS, 0.5);
    for (const p of ["p50", "p99"] as const) {
      rows.push({ section: "1", metric: `streamed time to first delta ${p}`, direct: ms(dF[p], 3), floor: ms(fF[p], 3), godex: ms(gF[p], 3), diff: signedMs(gF[p] - dF[p], 3), target: "" });
    }
    if (errD + errF + errG) rows.push({ section: "1", metric: "errors", direct: String(errD), floor: String(errF), godex: String(errG), diff: "", target: "0", ok: false });
    const added = (g: Pcts, d: Pcts) => ({ p50: g.p50 - d.p50, p90: g.p90 - d.p90, p99: g.p99 - d.p99 });
    figures.sequential = {
      n: S.n,
      warmup: S.warmup,
      nonStream: { direct: dN, nodeProxy: fN, godex: gN, added: added(gN, dN), nodeProxyAdded: added(fN, dN) },
      stream: { direct: dS, nodeProxy: fS, godex: gS, added: added(gS, dS), nodeProxyAdded: added(fS, dS) },
      firstDelta: { direct: dF, nodeProxy: fF, godex: gF },
      errors: { direct: errD, nodeProxy: errF, godex: errG },
    };
  }
}

// ------------------------------------------------------------------------------------------------
// 2. 50 connections for a fixed time: direct, Node proxy, GodeX one after the other.

function loadFigures(r: LoadResult) {
  return { rps: r.rps, completed: r.completed, errors: r.errors, durationMs: r.durationMs, latency: pcts(r.latencies) };
}

const pause = (msec: number) => new Promise((r) => setTimeout(r, msec));

/**
 * Direct, Node proxy and GodeX take turns in slices (loadMs / loadSlices each), so a busy neighbour
 * skews all three alike; connections stay open across a target's slices.
 */
async function loadTriple(direct: Target, godex: Target, okD: (s: Sample) => boolean, okG: (s: Sample) => boolean) {
  const sliceMs = S.loadMs / S.loadSlices;
  const targets = [
    { t: direct, ok: okD, agent: keepAliveAgent(S.connections), parts: [] as LoadResult[], cpu: 0, key: "up" as const },
    { t: viaFloor(direct), ok: okD, agent: keepAliveAgent(S.connections), parts: [] as LoadResult[], cpu: 0, key: "fl" as const },
    { t: godex, ok: okG, agent: keepAliveAgent(S.connections), parts: [] as LoadResult[], cpu: 0, key: "gx" as const },
  ];
  for (let slice = 0; slice < S.loadSlices; slice++) {
    for (const x of targets) {
      const m0 = mark();
      x.parts.push(await load(x.t, S.connections, sliceMs, x.ok, x.agent));
      const m1 = mark();
      x.cpu += m1[x.key] - m0[x.key];
      await pause(100);
    }
  }
  for (const x of targets) x.agent.destroy();
  const [d, f, g] = targets.map((x) => mergeLoad(x.parts)) as [LoadResult, LoadResult, LoadResult];
  const cnt = (r: LoadResult) => r.completed + r.errors;
  return { d, f, g, cpu: { gxPerReq: targets[2]!.cpu / cnt(g), upPerReq: targets[0]!.cpu / cnt(d), flPerReq: targets[1]!.cpu / cnt(f), n: cnt(g) } };
}

if (want("load") || (want("cpu") && !seqStreamCpu)) {
  phase("load");
  log(`bench: 2. ${S.connections} connections × ${S.loadMs / 1000} s per target (${S.loadSlices} interleaved slices): direct, Node proxy, GodeX; non-streamed and streamed…`);
  const ns = await loadTriple(T.dNs, T.gxNs, okStatus, okStatus);
  const st = await loadTriple(T.dS, T.gxS, okDirectStream, okGxStream);
  loadNsCpu = ns.cpu;
  loadStreamCpu = st.cpu;
  if (want("load")) {
    const lat = (r: LoadResult) => pcts(r.latencies);
    const c = S.connections;
    rows.push({ section: "2", metric: `non-streamed req/s (${c} conns)`, direct: num(ns.d.rps, 0), floor: num(ns.f.rps, 0), godex: num(ns.g.rps, 0), diff: pct(ns.g.rps, ns.d.rps), target: "" });
    rows.push({ section: "2", metric: "non-streamed p99 under load", direct: ms(lat(ns.d).p99), floor: ms(lat(ns.f).p99), godex: ms(lat(ns.g).p99), diff: ratio(lat(ns.g).p99, lat(ns.d).p99), target: "" });
    whyMissed.set(
      "streamed req/s",
      `the bare Node proxy, which only pipes bytes, reaches ${pct(st.f.rps, st.d.rps)} of direct here; GodeX also parses every upstream chunk and writes its own events (CPU per request in section 3; ${PERF_DOC}).`,
    );
    rows.push({ section: "2", metric: `streamed req/s (${c} conns)`, direct: num(st.d.rps, 0), floor: num(st.f.rps, 0), godex: num(st.g.rps, 0), diff: pct(st.g.rps, st.d.rps), target: "≥ 50% of direct", ok: st.g.rps >= 0.5 * st.d.rps });
    rows.push({ section: "2", metric: "streamed p99 under load", direct: ms(lat(st.d).p99), floor: ms(lat(st.f).p99), godex: ms(lat(st.g).p99), diff: ratio(lat(st.g).p99, lat(st.d).p99), target: "" });
    const eD = ns.d.errors + st.d.errors;
    const eF = ns.f.errors + st.f.errors;
    const eG = ns.g.errors + st.g.errors;
    if (eD + eF + eG) rows.push({ section: "2", metric: "errors under load", direct: String(eD), floor: String(eF), godex: String(eG), diff: "", target: "0", ok: false });
    figures.load = {
      connections: c,
      durationMs: S.loadMs,
      nonStream: { direct: loadFigures(ns.d), nodeProxy: loadFigures(ns.f), godex: loadFigures(ns.g) },
      stream: { direct: loadFigures(st.d), nodeProxy: loadFigures(st.f), godex: loadFigures(st.g) },
    };
  }
}

// ------------------------------------------------------------------------------------------------
// 3. GodeX CPU per request and per output event (from /proc utime+stime).

if (want("cpu")) {
  const perEvent = (perReq: number) => (perReq * 1000) / eventsPerStream;
  const cpuRow = (label: string, c: Cpu, target: boolean) => {
    if (target) {
      whyMissed.set(
        `${label}: CPU per request`,
        c.flPerReq >= 0.4
          ? `the bare Node proxy alone spends ${ms(c.flPerReq, 3)} per proxied request here (target ≤ 0.4 ms); GodeX spends ${ratio(c.gxPerReq, c.flPerReq)} of that (${PERF_DOC}).`
          : `GodeX spends ${ratio(c.gxPerReq, c.flPerReq)} of the bare proxy's ${ms(c.flPerReq, 3)} per request (${PERF_DOC}).`,
      );
      whyMissed.set(`${label}: CPU per output event`, `the fixed per-request cost divided by ${eventsPerStream} events (dense streams: section 4).`);
    }
    rows.push({ section: "3", metric: `${label}: CPU per request`, direct: ms(c.upPerReq, 3), floor: ms(c.flPerReq, 3), godex: ms(c.gxPerReq, 3), diff: ratio(c.gxPerReq, c.upPerReq), target: target ? "≤ 0.4 ms" : "", ok: target ? c.gxPerReq <= 0.4 : undefined });
    if (target) rows.push({ section: "3", metric: `${label}: CPU per output event (${eventsPerStream} events)`, direct: "", godex: us(perEvent(c.gxPerReq), 2), diff: "", target: "≤ 10 µs", ok: perEvent(c.gxPerReq) <= 10 });
  };
  // Issue 17's ≤ 0.4 ms is the cost under load, where reads and writes coalesce as with a real client;
  // sequentially each of the 26 chunks is its own wake-up (see docs/performance.md, section 3).
  if (seqStreamCpu) cpuRow("streamed, sequential", seqStreamCpu, false);
  if (loadStreamCpu) cpuRow(`streamed, ${S.connections} conns`, loadStreamCpu, true);
  if (seqNsCpu) cpuRow("non-streamed, sequential", seqNsCpu, false);
  if (loadNsCpu) cpuRow(`non-streamed, ${S.connections} conns`, loadNsCpu, false);
  figures.cpu = {
    note: `utime+stime (all threads) / requests; GodeX per GodeX request, the Node proxy per proxied request, the upstream per request served; /proc resolution ${CPU_TICK_MS} ms`,
    eventsPerStream,
    streamSequential: seqStreamCpu && { ...seqStreamCpu, gxPerEventUs: perEvent(seqStreamCpu.gxPerReq) },
    streamLoad: loadStreamCpu && { ...loadStreamCpu, gxPerEventUs: perEvent(loadStreamCpu.gxPerReq) },
    nonStreamSequential: seqNsCpu,
    nonStreamLoad: loadNsCpu,
  };
}

// ------------------------------------------------------------------------------------------------
// 4. One stream of 5,000 small deltas.

if (want("bigstream")) {
  phase("bigstream");
  log(`bench: 4. ${BIG_DELTAS}-delta stream × ${S.bigReps}…`);
  const dBig = directTarget("direct-big", "big", await chatBody({ ...smallReqStream, model: "bench-big" }));
  const gBig = gxTarget("godex-big", { ...smallReqStream, model: "bench-big" });
  const a = keepAliveAgent(1);
  const b = keepAliveAgent(1);
  const okBigD = (s: Sample) => okDirectStream(s) && s.frames - 1 >= BIG_DELTAS;
  const okBigG = (s: Sample) => {
    const ok = okGxStream(s) && s.frames >= BIG_DELTAS;
    if (!ok && process.env.BENCH_DEBUG) log(`bench: bad GodeX big stream: status ${s.status}, ${s.frames} frames, ${s.bytes} bytes, tail ${JSON.stringify(s.tail.slice(-120))}`);
    return ok;
  };
  let m0: CpuMark | undefined;
  const [d, g] = await sequentialInterleaved(
    [
      { target: dBig, agent: a, ok: okBigD },
      { target: gBig, agent: b, ok: okBigG },
    ],
    S.bigReps,
    1,
    () => (m0 = mark()),
  );
  const m1 = mark();
  a.destroy();
  b.destroy();
  const dRate = median(d!.samples.map((s) => (s.frames - 1) / (s.totalMs / 1000)));
  const gRate = median(g!.samples.map((s) => s.frames / (s.totalMs / 1000)));
  const gEvents = g!.samples.reduce((x, s) => x + s.frames, 0);
  const cpuPerEventUs = ((m1.gx - m0!.gx) * 1000) / gEvents;
  const dT = median(d!.samples.map((s) => s.totalMs));
  const gT = median(g!.samples.map((s) => s.totalMs));
  rows.push({ section: "4", metric: `${BIG_DELTAS}-delta stream: chunks/s vs events/s`, direct: num(dRate, 0), godex: num(gRate, 0), diff: pct(gRate, dRate), target: "" });
  rows.push({ section: "4", metric: `${BIG_DELTAS}-delta stream: total time p50`, direct: ms(dT, 1), godex: ms(gT, 1), diff: signedMs(gT - dT, 1), target: "" });
  rows.push({ section: "4", metric: `${BIG_DELTAS}-delta stream: GodeX CPU per event`, direct: "", godex: us(cpuPerEventUs, 2), diff: "", target: "≤ 10 µs", ok: (cpuPerEventUs <= 10) });
  if (d!.errors + g!.errors) rows.push({ section: "4", metric: "errors", direct: String(d!.errors), godex: String(g!.errors), diff: "", target: "0", ok: false });
  figures.bigStream = {
    deltas: BIG_DELTAS,
    reps: S.bigReps,
    direct: { chunksPerSec: dRate, totalMsP50: dT, errors: d!.errors },
    godex: { eventsPerSec: gRate, eventsPerStream: g!.samples[0]?.frames, totalMsP50: gT, cpuPerEventUs, errors: g!.errors },
  };
}

// ------------------------------------------------------------------------------------------------
// 5. Request translation: in-process (no HTTP), and the same bodies end to end.

function timeIt(runs: number, warm: number, fn: () => unknown | Promise<unknown>, prep?: () => void): Promise<number[]> {
  return (async () => {
    const out: number[] = [];
    for (let i = 0; i < warm + runs; i++) {
      prep?.();
      const t0 = performance.now();
      const r = fn();
      if (r instanceof Promise) await r;
      const t = performance.now() - t0;
      if (i >= warm) out.push(t);
    }
    return out;
  })();
}

async function translationFigures(name: string, req: Record<string, unknown>, runs: number) {
  const raw = JSON.stringify(req);
  const parsed = validateResponsesRequest(JSON.parse(raw));
  let copy: any;
  const translate = await timeIt(runs, Math.ceil(runs / 5), () => translateRequest(copy, { mapping, model: UPSTREAM_MODEL, stream: true, carrier }), () => (copy = structuredClone(parsed)));
  // The gateway's own path (src/server/body.ts, src/engine/run.ts), its caches warm after the first
  // run as they are when Codex resends a history: bytes → parse → validate → translate → bytes.
  const bytes = Buffer.from(raw);
  const parser = new HistoryParser();
  const json = new JsonBytes();
  const full = await timeIt(runs, Math.ceil(runs / 5), async () => {
    const body = validateResponsesRequest(bytes.length >= HISTORY_PARSE_FROM_BYTES ? parser.parse(bytes, decodeUtf8) : JSON.parse(decodeUtf8(bytes)));
    const t = await translateRequest(body, { mapping, model: UPSTREAM_MODEL, stream: true, carrier });
    return json.serialize(t.body);
  });
  const upstreamBody = await chatBody(req);
  return { name, requestBytes: Buffer.byteLength(raw), upstreamBytes: Buffer.byteLength(upstreamBody), items: (req.input as unknown[]).length, translate: pcts(translate), parseValidateTranslateSerialize: pcts(full), raw, upstreamBody };
}

if (want("translate")) {
  phase("translate");
  log("bench: 5. request translation (in-process, then end to end)…");
  const turn1 = { ...codexTurn1(), stream: true };
  const history = { ...codexHistory({ items: S.historyItems, toolOutputChars: S.historyToolOutputChars, carrier, provider: mapping.name }), stream: true };
  const small = await translationFigures("codex-turn1", turn1, S.translateSmall);
  const large = await translationFigures("codex-history-300", history, S.translateLarge);
  const kb = (b: number) => `${num(b / 1024, 0)} KB`;
  const e2e: Record<string, unknown> = {};
  // [figures, translate target, end-to-end added target (issue 17: ≤ 8 ms for the 1 MB history), N]
  for (const [f, target, e2eTarget, n] of [
    [small, 2, 2, S.e2eSmall],
    [large, 15, 8, S.e2eLarge],
  ] as const) {
    const label = f.name === "codex-turn1" ? `Codex turn 1 (${kb(f.requestBytes)}, ${f.items} items)` : `history (${kb(f.requestBytes)}, ${f.items} items)`;
    rows.push({ section: "5", metric: `${label}: translate p50`, direct: "", godex: ms(f.translate.p50, 3), diff: "", target: `≤ ${target} ms`, ok: (f.translate.p50 <= target) });
    whyMissed.set(
      `${label}: end-to-end`,
      `reading, validating, translating and serializing the body alone take ${ms(f.parseValidateTranslateSerialize.p50, 3)} in-process (row above), plus one more loopback transfer of ${kb(f.requestBytes)} each way (${PERF_DOC}).`,
    );
    rows.push({ section: "5", metric: `${label}: parse+validate+translate+serialize p50`, direct: "", godex: ms(f.parseValidateTranslateSerialize.p50, 3), diff: "", target: "" });
    const dT = directTarget(`direct-${f.name}`, "fast", f.upstreamBody);
    const gT: Target = { name: `godex-${f.name}`, host: "127.0.0.1", port: gx.port, path: "/v1/responses", body: Buffer.from(f.raw), marker, endMarker: GX_END };
    const r = await seqRun(dT, gT, okDirectStream, okGxStream, n, Math.max(3, Math.ceil(n / 10)), false);
    const d = pcts(r.d.samples.map((s) => s.totalMs));
    const g = pcts(r.g.samples.map((s) => s.totalMs));
    rows.push({ section: "5", metric: `${label}: end-to-end streamed p50 (N=${n})`, direct: ms(d.p50, 3), godex: ms(g.p50, 3), diff: signedMs(g.p50 - d.p50, 3), target: `added ≤ ${e2eTarget} ms`, ok: (g.p50 - d.p50 <= e2eTarget) });
    if (r.d.errors + r.g.errors) rows.push({ section: "5", metric: `${label}: errors`, direct: String(r.d.errors), godex: String(r.g.errors), diff: "", target: "0", ok: false });
    e2e[f.name] = { n, direct: d, godex: g, addedP50: g.p50 - d.p50, errors: { direct: r.d.errors, godex: r.g.errors } };
  }
  const strip = ({ raw: _r, upstreamBody: _u, ...rest }: Awaited<ReturnType<typeof translationFigures>>) => rest;
  figures.translation = { codexTurn1: strip(small), codexHistory: strip(large), endToEnd: e2e, runs: { small: S.translateSmall, large: S.translateLarge } };
}

// ------------------------------------------------------------------------------------------------
// 6. RSS: idle, during 200 overlapping streams, and after.

if (want("rss")) {
  phase("rss");
  // A fresh GodeX, so that idle / peak / after describe these streams and not the load runs above.
  log(`bench: 6. RSS of a fresh GodeX: idle, ${S.rssStreams} concurrent streams (${S.rssChunkDelayMs} ms per chunk), after…`);
  const afterRuns = rssMiB(godexPid);
  await gx.child.stop();
  const fresh = await startGodex(upstream.port);
  const pid = fresh.child.pid;
  ourPids.push(pid);
  await new Promise((r) => setTimeout(r, 500));
  const idle = rssMiB(pid);
  const slow = { ...gxTarget("godex-slow", { ...smallReqStream, model: "bench-slow" }), port: fresh.port };
  const fast = { ...T.gxS, port: fresh.port };
  const warmAgent = keepAliveAgent(1);
  for (let i = 0; i < 20; i++) await send(warmAgent, fast);
  warmAgent.destroy();
  await new Promise((r) => setTimeout(r, 500));
  const idleWarm = rssMiB(pid);
  const agent = keepAliveAgent(S.rssStreams);
  let peak = idleWarm;
  const sampler = setInterval(() => {
    peak = Math.max(peak, rssMiB(pid));
  }, 25);
  const results = await Promise.allSettled(Array.from({ length: S.rssStreams }, () => send(agent, slow, 60_000)));
  clearInterval(sampler);
  peak = Math.max(peak, rssMiB(pid));
  agent.destroy();
  const failed = results.filter((r) => r.status === "rejected" || !okGxStream(r.value)).length;
  const overlap = (await stats()).maxActiveStreams;
  await new Promise((r) => setTimeout(r, S.rssSettleMs));
  const after = rssMiB(pid);
  const hwm = hwmMiB(pid);
  rows.push({ section: "6", metric: "RSS idle (fresh start, no request yet)", direct: "", godex: `${num(idle, 1)} MiB`, diff: "", target: "≤ 80 MB", ok: idle <= 80 });
  rows.push({ section: "6", metric: "RSS idle (after 20 requests)", direct: "", godex: `${num(idleWarm, 1)} MiB`, diff: "", target: "≤ 80 MB", ok: idleWarm <= 80 });
  rows.push({ section: "6", metric: `RSS at ${S.rssStreams} concurrent streams (peak; ${overlap} overlapped)`, direct: "", godex: `${num(peak, 1)} MiB`, diff: "", target: "≤ 200 MB", ok: peak <= 200 });
  rows.push({ section: "6", metric: `RSS ${S.rssSettleMs / 1000} s after they end`, direct: "", godex: `${num(after, 1)} MiB`, diff: "", target: "< 100 MB", ok: after < 100 });
  rows.push({ section: "6", metric: "RSS of the GodeX that ran sections 1–5 (info)", direct: "", godex: `${num(afterRuns, 1)} MiB`, diff: "", target: "" });
  if (failed) rows.push({ section: "6", metric: "failed streams", direct: "", godex: String(failed), diff: "", target: "0", ok: false });
  figures.rss = {
    unit: "MiB",
    idleFresh: idle,
    idleAfter20Requests: idleWarm,
    peakAtStreams: peak,
    streams: S.rssStreams,
    overlapped: overlap,
    chunkDelayMs: S.rssChunkDelayMs,
    afterMs: S.rssSettleMs,
    after,
    vmHWM: hwm,
    failed,
    firstGodexAtStart: idleFresh,
    firstGodexAfterSections1to5: afterRuns,
    upstream: rssMiB(upstreamPid),
  };
}

if (startup) {
  const m = (xs: number[]) => median(xs);
  const base = m(startup.bareNode);
  const wall = (label: string, xs: number[], target?: number) =>
    rows.push({ section: "7", metric: `${label} wall time (median of ${startup!.runs})`, direct: ms(base, 0), godex: ms(m(xs), 0), diff: signedMs(m(xs) - base, 0), target: target ? `≤ ${target} ms` : "", ok: target ? m(xs) <= target : undefined });
  wall("godex version", startup.version);
  wall("godex models", startup.models, 250);
  wall("godex lint", startup.lint, 250);
  rows.push({ section: "7", metric: `godex serve: start to first GET /health 200 (median of ${startup.runs})`, direct: ms(base, 0), godex: ms(m(startup.serveToHealth), 0), diff: signedMs(m(startup.serveToHealth) - base, 0), target: "≤ 300 ms", ok: m(startup.serveToHealth) <= 300 });
  rows.push({ section: "7", metric: "godex serve: CPU until that first 200", direct: "", godex: ms(m(startup.serveCpuToHealth), 0), diff: "", target: "" });
  rows.push({ section: "7", metric: "godex serve: RSS at rest (2 s after start, shipped config)", direct: "", godex: `${num(m(startup.serveRssAtRest), 1)} MiB`, diff: "", target: "≤ 70 MB", ok: m(startup.serveRssAtRest) <= 70 });
  for (const [cmd, status] of Object.entries(startup.status)) {
    if (status !== 0) rows.push({ section: "7", metric: `godex ${cmd} exit status`, direct: "", godex: String(status), diff: "", target: "0", ok: false });
  }
  for (const key of ["godex models", "godex lint", "godex serve: RSS"]) whyMissed.set(key, `a bare \`node -e 0\` takes ${ms(base, 0)} here; the start-up profile and what it would take: docs/performance.md, "Round 2" sections.`);
  whyMissed.set(
    "godex serve: start",
    `GodeX spent ${ms(m(startup.serveCpuToHealth), 0)} of CPU until that 200 and a bare \`node -e 0\` takes ${ms(base, 0)} here; no item of that CPU is above ~11% (compiling the chunks' source): docs/performance.md, "Round 2, third pass".`,
  );
  notes.push("section 7: the direct column is `node -e 0` (a bare Node start); GodeX runs the bundle (dist/) with the shipped godex.yaml, DEEPSEEK_API_KEY set.");
}

// ------------------------------------------------------------------------------------------------
// Report.

phase(null);
await cleanup();
finished = true;
figures.noise = { note: "CPU used by processes other than the bench's own during each phase, as a share of the machine's capacity", byPhase: noiseByPhase, loadavg: loadavg() };
for (const [name, n] of Object.entries(noiseByPhase)) {
  if (n.foreignShare > 0.05) notes.push(`other processes used ${num(n.foreignShare * 100, 0)}% of the machine's CPU during '${name}': its figures are skewed; re-run on a quiet machine.`);
}
const elapsed = (performance.now() - benchStart) / 1000;
const machine = machineInfo();
const git = gitState();
const header =
  `GodeX bench — ${new Date().toISOString()} — ${machine.cpu} × ${machine.cores}, Node ${machine.node} — ${git.commit.slice(0, 7)}${git.dirtySrc ? " + uncommitted src/ changes" : ""}${Q ? " — QUICK run" : ""}\n` +
  `Upstream: fixed DeepSeek-shaped reply, ${REASONING_PIECES.length} reasoning + ${TEXT_PIECES.length} text deltas (${chunksPerStream} chunks), no delay; ` +
  `GodeX emits ${eventsPerStream} SSE events per streamed response; ${argv.lean ? "GodeX lean (--lean: log level warn, no ledger, no store, one target)" : "GodeX as shipped (log level info, ledger, response store) + a fallback target, a budget and native web search"}.\n` +
  `"direct" = the equivalent Chat body sent straight to the same upstream, in the same run (sequential runs interleave the two);\n` +
  `"Node proxy" = the same direct calls through a bare Node http proxy (bench/lib/floor-proxy.ts): the cost of one more Node hop, a floor for any Node gateway.\n` +
  `In section 3 the direct column is the upstream's own CPU per request. CPU = utime+stime from /proc (${CPU_TICK_MS} ms ticks).\n`;
const table = renderTable(rows);
process.stdout.write(`\n${header}\n${table}\n`);
const missedWhy = rows
  .filter((r) => r.ok === false)
  .map((r) => {
    const key = [...whyMissed.keys()].find((k) => r.metric.startsWith(k));
    return `  - ${r.section} ${r.metric}: ${key ? whyMissed.get(key) : "see docs/performance.md."}`;
  });
if (missedWhy.length) process.stdout.write(`\nmissed, and what stands in the way (this run's figures):\n${missedWhy.join("\n")}\n`);
const misses = rows.filter((r) => r.ok === false).length;
const met = rows.filter((r) => r.ok === true).length;
const noiseLine = Object.entries(noiseByPhase)
  .map(([k, v]) => `${k} ${num(v.foreignShare * 100, 0)}%`)
  .join(", ");
process.stdout.write(`\ntargets: ${met} met, ${misses} missed — ${num(elapsed, 1)} s — other processes' share of the CPU: ${noiseLine || "–"}${notes.length ? `\nnotes:\n${notes.map((n) => `  - ${n}`).join("\n")}` : ""}\n`);

const result = {
  timestamp: new Date().toISOString(),
  command: `node --import tsx bench/run.ts${process.argv.slice(2).length ? ` ${process.argv.slice(2).join(" ")}` : ""}`,
  quick: Q,
  sections: [...only],
  elapsedSec: elapsed,
  machine,
  git,
  settings: S,
  figures,
  rows,
  notes,
};
const dir = join(ROOT, "bench", "results");
mkdirSync(dir, { recursive: true });
const stamp = result.timestamp.replace(/[:.]/g, "-");
writeFileSync(join(dir, `${stamp}.json`), `${JSON.stringify(result, null, 2)}\n`);
writeFileSync(join(dir, "latest.json"), `${JSON.stringify(result, null, 2)}\n`);
process.stdout.write(`results: bench/results/${stamp}.json (and latest.json)\n`);
process.exit(0);

// ------------------------------------------------------------------------------------------------
// --profile DIR: GodeX under `node --cpu-prof`, streamed load only, then the top self-time functions.

async function profileRun(dirArg: string): Promise<void> {
  const dir = resolve(dirArg);
  mkdirSync(dir, { recursive: true });
  const before = new Set(readdirSync(dir));
  const g = await startGodex(upstream.port, dir);
  const t: Target = { name: "godex-stream", host: "127.0.0.1", port: g.port, path: "/v1/responses", body: Buffer.from(JSON.stringify(smallReqStream)), marker, endMarker: Buffer.from("event: response.completed\n") };
  const okG = (s: Sample) => s.status === 200 && s.complete;
  let fromUs: number;
  let toUs: number;
  if (argv["profile-case"] === "history" || argv["profile-case"] === "seq") {
    // history: 1 MB Codex histories one after another; seq: the small streamed request one after another.
    const isHistory = argv["profile-case"] === "history";
    const history = isHistory ? { ...codexHistory({ items: S.historyItems, toolOutputChars: S.historyToolOutputChars, carrier, provider: mapping.name }), stream: true } : smallReqStream;
    const h: Target = { ...t, name: isHistory ? "godex-history" : "godex-seq", body: Buffer.from(JSON.stringify(history)) };
    const n = isHistory ? (Q ? 20 : 60) : Q ? 500 : 2000;
    log(`bench --profile: GodeX pid ${g.child.pid} under --cpu-prof; ${n} sequential ${isHistory ? "1 MB Codex histories" : "small requests"} (streamed)…`);
    const agent = keepAliveAgent(1);
    for (let i = 0; i < 5; i++) await send(agent, h);
    fromUs = Number(process.hrtime.bigint() / 1000n);
    const lat: number[] = [];
    for (let i = 0; i < n; i++) lat.push((await send(agent, h)).totalMs);
    toUs = Number(process.hrtime.bigint() / 1000n);
    agent.destroy();
    log(`bench --profile: ${isHistory ? "history" : "small streamed"} p50 ${ms(percentile(lat, 50))} (profiler on)`);
  } else {
    // stream: the streamed small request; json: the same request non-streamed.
    const json = argv["profile-case"] === "json";
    const what = json ? "non-streamed" : "streamed";
    const tt: Target = json ? { name: "godex-json", host: "127.0.0.1", port: g.port, path: "/v1/responses", body: Buffer.from(JSON.stringify(smallReq)) } : t;
    const ok = json ? (s: Sample) => s.status === 200 : okG;
    log(`bench --profile: GodeX pid ${g.child.pid} under --cpu-prof; warm-up, then ${S.connections} connections × ${S.loadMs / 1000} s ${what}…`);
    await load(tt, 4, 1000, ok);
    const c0 = cpuMs(g.child.pid);
    fromUs = Number(process.hrtime.bigint() / 1000n);
    const r = await load(tt, S.connections, S.loadMs, ok);
    toUs = Number(process.hrtime.bigint() / 1000n);
    const c1 = cpuMs(g.child.pid);
    log(`bench --profile: ${num(r.rps, 0)} ${what} req/s, p99 ${ms(percentile(r.latencies, 99))}, ${r.errors} errors, GodeX CPU ${ms((c1 - c0) / (r.completed + r.errors), 3)} per request (profiler on)`);
  }
  await g.child.stop(20_000);
  await cleanup();
  finished = true;
  const fresh = readdirSync(dir)
    .filter((f) => f.endsWith(".cpuprofile") && !before.has(f))
    .map((f) => join(dir, f))
    .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs);
  if (!fresh[0]) {
    log("bench --profile: GodeX wrote no .cpuprofile (did it exit cleanly?)");
    process.exit(1);
  }
  process.stdout.write(`profile: ${fresh[0]}\n\n${await summarizeProfile(fresh[0], 25, { fromUs, toUs })}\n`);
}

/** Which code was measured: HEAD, and whether src/ or mappings/ had uncommitted changes. */
function gitState(): { commit: string; dirtySrc: boolean } {
  try {
    const commit = execFileSync("git", ["rev-parse", "HEAD"], { cwd: ROOT, encoding: "utf8" }).trim();
    const dirty = execFileSync("git", ["status", "--porcelain", "--", "src", "mappings", "bin", "package.json"], { cwd: ROOT, encoding: "utf8" }).trim();
    return { commit, dirtySrc: dirty !== "" };
  } catch {
    return { commit: "unknown", dirtySrc: false };
  }
}
