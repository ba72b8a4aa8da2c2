// `node --import tsx bench/faults.ts [--provider deepseek,zhipu] [--json]`
//
// The fault-injection matrix of issue 5: every fault (connect refused, 429 ± Retry-After, 5xx,
// first-byte / idle / total timeouts, keep-alive comments, cuts, malformed and error chunks, missing
// finish, truncated tool calls) × every provider emulator in src/mock/dialects.ts × {stream, JSON},
// printed as expected vs observed client-visible outcome. Exit 1 on any mismatch. Loopback only;
// the whole run is bounded (a hard limit stops it with exit 2).
import { parseArgs } from "node:util";
import { PROVIDERS, clientAgent, formatTable, runMatrix, startRig, type MatrixRow } from "../test/reliability/helpers.ts";

const HARD_LIMIT_MS = 120_000;
const { values: argv } = parseArgs({ options: { provider: { type: "string" }, json: { type: "boolean", default: false }, help: { type: "boolean", short: "h" } } });
if (argv.help) {
  process.stdout.write("usage: node --import tsx bench/faults.ts [--provider a,b] [--json]\n");
  process.exit(0);
}
const providers = argv.provider ? argv.provider.split(",").map((s) => s.trim()) : PROVIDERS;
const unknown = providers.filter((p) => !PROVIDERS.includes(p));
if (unknown.length) {
  process.stderr.write(`unknown provider(s): ${unknown.join(", ")} (emulated: ${PROVIDERS.join(", ")})\n`);
  process.exit(2);
}

const hard = setTimeout(() => {
  process.stderr.write(`faults: still running after ${HARD_LIMIT_MS / 1000}s, giving up\n`);
  process.exit(2);
}, HARD_LIMIT_MS);
hard.unref();

const started = Date.now();
const rig = await startRig({ providers });
let rows: MatrixRow[];
try {
  // Providers run concurrently (one emulator host each); the cases of one provider run in order.
  rows = (await Promise.all(providers.map((p) => runMatrix(rig, p)))).flat();
} finally {
  await rig.close();
  await clientAgent.close();
}
const bad = rows.filter((r) => !r.ok);
if (argv.json) process.stdout.write(JSON.stringify({ rows, mismatches: bad.length }, null, 2) + "\n");
else {
  process.stdout.write(`GodeX fault-injection matrix: ${rows.length / providers.length} cases × ${providers.length} providers (${providers.join(", ")})\n`);
  process.stdout.write("timeouts: connect 1 s, first byte 300 ms, idle 300 ms, total 600 ms (\"total\" rows); retry: 3 attempts, max delay 40 ms\n\n");
  const legend = new Map(rows.map((r) => [r.id.replace(/ \(json\)$/, ""), r.fault]));
  process.stdout.write("faults:\n" + [...legend].map(([id, fault]) => `  ${id.padEnd(24)} ${fault}`).join("\n") + "\n\n");
  process.stdout.write(formatTable(rows) + "\n\n");
  process.stdout.write(`${rows.length - bad.length}/${rows.length} rows match` + (bad.length ? `; ${bad.length} MISMATCH(ES):\n${bad.map((r) => `  ${r.provider} ${r.id}: expected ${r.expected}, observed ${r.observed}`).join("\n")}\n` : "") + ` (${((Date.now() - started) / 1000).toFixed(1)}s)\n`);
}
process.exitCode = bad.length ? 1 : 0;
