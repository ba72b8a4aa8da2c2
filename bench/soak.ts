// `node --import tsx bench/soak.ts [--seconds 20] [--concurrency 200] [--abort-rate 0.2] [--delay-ms 10]`
//
// Bounded soak of issue 5: `concurrency` streaming clients loop against GodeX for a fixed time, over
// every provider emulator in src/mock/dialects.ts (frames every `delay-ms`), and a random share of
// them hang up mid-stream like an interrupted Codex. Reports requests completed, errors, RSS at start
// and end, and the active handles at the end (after the upstream keep-alive pools drained).
// Exit 1 on any error (a stream not ending in a well-formed terminal event) or handle growth.
// Gateway, emulators and clients share this process (loopback only), so handles and RSS are GodeX's
// plus the harness's, measured the same way at start and end.
import { Agent as HttpAgent, request as httpRequest } from "node:http";
import { parseArgs } from "node:util";
import { PROVIDERS, activeResources, clientAgent, getGc, parseFrames, requestBody, resourceCount, startRig, streamProblems, waitFor, EXEC_TOOL, userInput } from "../test/reliability/helpers.ts";

const { values: argv } = parseArgs({
  options: {
    seconds: { type: "string", default: "20" },
    concurrency: { type: "string", default: "200" },
    "abort-rate": { type: "string", default: "0.2" },
    "delay-ms": { type: "string", default: "10" },
    help: { type: "boolean", short: "h" },
  },
});
if (argv.help) {
  process.stdout.write("usage: node --import tsx bench/soak.ts [--seconds 20] [--concurrency 200] [--abort-rate 0.2] [--delay-ms 10]\n");
  process.exit(0);
}
const SECONDS = Math.min(3600, Math.max(1, Number(argv.seconds)));
const CONCURRENCY = Math.min(2000, Math.max(1, Math.floor(Number(argv.concurrency))));
const ABORT_RATE = Math.min(1, Math.max(0, Number(argv["abort-rate"])));
const DELAY_MS = Math.max(0, Number(argv["delay-ms"]));
if (![SECONDS, CONCURRENCY, ABORT_RATE, DELAY_MS].every(Number.isFinite)) {
  process.stderr.write("soak: numeric options expected\n");
  process.exit(2);
}
const HARD_LIMIT_MS = SECONDS * 1000 + 90_000;
const hard = setTimeout(() => {
  process.stderr.write(`soak: still running ${HARD_LIMIT_MS / 1000}s after start, giving up\n`);
  process.exit(2);
}, HARD_LIMIT_MS);
hard.unref();

const mb = (n: number) => `${(n / 1048576).toFixed(1)} MB`;
const gc = await getGc();
const settleGc = () => {
  gc?.();
  gc?.();
};

const rig = await startRig({ mockChunkDelayMs: DELAY_MS, timeouts: { first_byte_ms: 15_000, idle_ms: 15_000 } });
const url = new URL(rig.url + "/v1/responses");
const agent = new HttpAgent({ keepAlive: true, maxSockets: CONCURRENCY + 16 });

type Result = "completed" | "aborted" | "failed" | "incomplete" | "malformed" | "http" | "client";
const counts: Record<Result, number> = { completed: 0, aborted: 0, failed: 0, incomplete: 0, malformed: 0, http: 0, client: 0 };
const examples: string[] = [];
const latencies: number[] = [];
let started = 0;

/** One streaming request; hangs up after `abortAfter` events when given. */
function oneStream(body: unknown, abortAfter: number | null): Promise<Result> {
  return new Promise((resolve) => {
    const payload = JSON.stringify(body);
    const t0 = Date.now();
    let settled = false;
    const done = (r: Result, note?: string) => {
      if (settled) return;
      settled = true;
      if (note && examples.length < 10) examples.push(`${r}: ${note}`);
      if (r === "completed") latencies.push(Date.now() - t0);
      resolve(r);
    };
    const req = httpRequest({ host: url.hostname, port: url.port, path: url.pathname, method: "POST", agent: abortAfter === null ? agent : false, headers: { "content-type": "application/json", "content-length": Buffer.byteLength(payload) } });
    req.setTimeout(30_000, () => {
      req.destroy();
      done("client", "no reply for 30 s");
    });
    req.on("error", (e) => done("client", e.message));
    req.on("response", (res) => {
      let text = "";
      let events = 0;
      res.setEncoding("utf8");
      res.on("data", (c: string) => {
        text += c;
        events += (c.match(/\n\n/g) ?? []).length;
        if (abortAfter !== null && events >= abortAfter) {
          req.destroy();
          done("aborted");
        }
      });
      res.on("error", () => undefined);
      res.on("end", () => {
        if (res.statusCode !== 200) return done("http", `${res.statusCode} ${text.slice(0, 200)}`);
        const problems: string[] = [];
        const frames = parseFrames(text, problems);
        problems.push(...streamProblems(frames));
        if (problems.length) return done("malformed", problems.join("; "));
        const last = frames.at(-1)!.data;
        if (last.type === "response.completed") return done("completed");
        done(last.type === "response.failed" ? "failed" : "incomplete", JSON.stringify(last.response?.error ?? last.response?.incomplete_details));
      });
    });
    req.end(payload);
  });
}

let seq = 0;
async function worker(endAt: number) {
  while (Date.now() < endAt) {
    const provider = PROVIDERS[seq++ % PROVIDERS.length]!;
    const withTool = seq % 3 === 0;
    const body = requestBody(rig.model(provider), true, withTool ? { tools: [EXEC_TOOL], input: userInput("List the files in this directory.") } : {});
    const abortAfter = Math.random() < ABORT_RATE ? 1 + Math.floor(Math.random() * 15) : null;
    started++;
    counts[await oneStream(body, abortAfter)]++;
  }
}

async function settle() {
  agent.destroy();
  // Upstream keep-alive sockets close once the emulators' keep-alive timeout (5 s) passes.
  await waitFor(() => Object.values(rig.mocks).every((m) => m.openSockets === 0), 8000, 50);
  await new Promise((r) => setTimeout(r, 200));
  settleGc();
}

settleGc();
const rssStart = process.memoryUsage().rss;
const heapStart = process.memoryUsage().heapUsed;
const handlesStart = resourceCount();
const handlesStartByType = activeResources();
let rssPeak = rssStart;
const sampler = setInterval(() => {
  rssPeak = Math.max(rssPeak, process.memoryUsage().rss);
  // The emulators record every request (bodies included): drop them so the harness does not grow.
  for (const m of Object.values(rig.mocks)) m.clear();
}, 250);

process.stdout.write(`GodeX soak: ${CONCURRENCY} concurrent streams for ${SECONDS}s over ${PROVIDERS.join(", ")} (frames every ${DELAY_MS} ms), ${Math.round(ABORT_RATE * 100)}% random client aborts\n`);
const t0 = Date.now();
const endAt = t0 + SECONDS * 1000;
await Promise.all(Array.from({ length: CONCURRENCY }, () => worker(endAt)));
const elapsed = (Date.now() - t0) / 1000;
clearInterval(sampler);
await settle();
const rssEnd = process.memoryUsage().rss;
const heapEnd = process.memoryUsage().heapUsed;
const handlesEnd = resourceCount();
const handlesEndByType = activeResources();
await rig.close();
await clientAgent.close();

latencies.sort((a, b) => a - b);
const pct = (p: number) => (latencies.length ? latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))] : 0);
const errors = counts.failed + counts.incomplete + counts.malformed + counts.http + counts.client;
const handleGrowth = handlesEnd - handlesStart;
process.stdout.write(
  [
    `requests: ${started} started, ${counts.completed} completed, ${counts.aborted} aborted by the client, ${errors} errors` +
      ` (failed ${counts.failed}, incomplete ${counts.incomplete}, malformed ${counts.malformed}, http ${counts.http}, client-side ${counts.client})`,
    `throughput: ${(started / elapsed).toFixed(0)} req/s over ${elapsed.toFixed(1)}s; completed latency p50 ${pct(50)} ms, p99 ${pct(99)} ms`,
    `RSS: start ${mb(rssStart)}, peak ${mb(rssPeak)}, end ${mb(rssEnd)} (${rssEnd >= rssStart ? "+" : ""}${mb(rssEnd - rssStart)}); heap used ${mb(heapStart)} → ${mb(heapEnd)}${gc ? " (after gc)" : ""}`,
    `active handles: start ${handlesStart} ${JSON.stringify(handlesStartByType)}, end ${handlesEnd} ${JSON.stringify(handlesEndByType)}`,
    ...(examples.length ? ["examples:", ...examples.map((e) => `  ${e.slice(0, 240)}`)] : []),
  ].join("\n") + "\n",
);
const ok = errors === 0 && handleGrowth <= 4;
process.stdout.write(ok ? "soak: OK\n" : `soak: FAILED (${errors} errors, handle growth ${handleGrowth})\n`);
process.exitCode = ok ? 0 : 1;
