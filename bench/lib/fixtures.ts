// Request bodies for the translation benchmarks, built deterministically:
// - the real Codex first turn (shared/research/codex-turn1-body.truncated.json), whose long texts were
//   cut to a prefix + `…[truncated; total N chars]`: each is padded back to N characters by repeating
//   its own prefix, which restores the real size (~43 KB) and keeps the text realistic;
// - a long Codex history: that first turn, then 300 input items in all (reasoning / function_call /
//   function_call_output cycles, reasoning sealed the way GodeX seals it) carrying 1 MiB of tool output.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { ReasoningCarrier } from "../../src/engine/reasoning-carrier.ts";

export const TURN1_SOURCE = resolve(import.meta.dirname, "../../../shared/research/codex-turn1-body.truncated.json");
/** The padded first turn, written by `npm run bench` so the bench also works without shared/research. */
export const TURN1_PADDED = resolve(import.meta.dirname, "../fixtures/codex-turn1.json");

const TRUNCATED = /…\[truncated; total (\d+) chars\]$/;

function padTexts(v: unknown): unknown {
  if (typeof v === "string") {
    const m = TRUNCATED.exec(v);
    if (!m) return v;
    const total = Number(m[1]);
    const prefix = v.slice(0, m.index);
    let s = prefix;
    while (s.length < total) s += `\n${prefix}`;
    return s.slice(0, total);
  }
  if (Array.isArray(v)) return v.map(padTexts);
  if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, padTexts(x)]));
  return v;
}

/** The captured Codex first turn with its truncated texts padded back to their stated lengths. */
export function codexTurn1(): Record<string, any> {
  if (!existsSync(TURN1_SOURCE)) return JSON.parse(readFileSync(TURN1_PADDED, "utf8")) as Record<string, any>;
  const padded = `${JSON.stringify(padTexts(JSON.parse(readFileSync(TURN1_SOURCE, "utf8"))), null, 2)}\n`;
  if (!existsSync(TURN1_PADDED) || readFileSync(TURN1_PADDED, "utf8") !== padded) {
    mkdirSync(dirname(TURN1_PADDED), { recursive: true });
    writeFileSync(TURN1_PADDED, padded);
  }
  return JSON.parse(padded) as Record<string, any>;
}

/** Small deterministic PRNG (mulberry32). */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WORDS = (
  "const let return function import export from async await if else for while new this true false null undefined " +
  "value result error config request response stream item index length push map filter reduce assert expect test " +
  "describe it should handle parse json string number object array buffer promise resolve reject status message"
).split(" ");

const COMMANDS = [
  "rg -n \"translateRequest\" src",
  "sed -n '1,200p' src/engine/run.ts",
  "npm test -- --reporter=dot",
  "git diff --stat",
  "cat package.json",
  "ls -la src/engine/stream",
  "node --import tsx scripts/check.ts",
  "grep -rn \"TODO\" src | head -50",
];

function codeLine(r: () => number, n: number): string {
  const indent = "  ".repeat(Math.floor(r() * 4));
  const words: string[] = [];
  const count = 3 + Math.floor(r() * 9);
  for (let i = 0; i < count; i++) words.push(WORDS[Math.floor(r() * WORDS.length)]!);
  const pick = r();
  const tail = pick < 0.15 ? ` // "quoted" — ünïcode ✓` : pick < 0.25 ? `\t\\path\\to\\file` : pick < 0.3 ? ` {"k": [1, 2, 3]}` : ";";
  return `${String(n).padStart(5)}  ${indent}${words.join(" ")}${tail}`;
}

/** `size` characters of plausible command output (numbered source / log lines). */
function toolOutput(r: () => number, size: number, i: number): string {
  const head = `Chunk ID: ${(i * 7919).toString(16).padStart(6, "0")}\nWall time: 0.${String(100 + i).padStart(4, "0")} seconds\nProcess exited with code 0\nOriginal token count: ${Math.round(size / 4)}\nOutput:\n`;
  let s = head;
  let n = 1;
  while (s.length < size) s += `${codeLine(r, n++)}\n`;
  return s.slice(0, size);
}

function reasoningText(r: () => number, i: number): string {
  const len = 200 + Math.floor(r() * 1200);
  let s = `**Step ${i}: checking the output**\n\nThe command finished; `;
  while (s.length < len) s += `${WORDS[Math.floor(r() * WORDS.length)]} `;
  return s.trimEnd() + ".";
}

export interface HistoryOptions {
  /** Total input items (the first turn's included). */
  items: number;
  /** Total characters of function_call_output text. */
  toolOutputChars: number;
  carrier: ReasoningCarrier;
  /** Mapping name the reasoning is sealed for (GodeX's provider mapping, e.g. "deepseek"). */
  provider: string;
}

/** A long Codex session: the first turn followed by reasoning → tool call → tool output cycles. */
export function codexHistory(o: HistoryOptions): Record<string, any> {
  const r = rng(42);
  const base = codexTurn1();
  const input: any[] = [...base.input];
  // One assistant message half way, everything else in 3-item cycles.
  const cycles = Math.floor((o.items - input.length - 1) / 3);
  const extra = o.items - input.length - cycles * 3;
  const perOutput = Math.floor(o.toolOutputChars / cycles);
  let emitted = 0;
  for (let c = 0; c < cycles; c++) {
    if (c === Math.floor(cycles / 2)) {
      for (let k = 0; k < extra; k++) {
        input.push({
          type: "message",
          role: "assistant",
          id: `msg_${String(c).padStart(4, "0")}${k}`,
          content: [{ type: "output_text", text: "I fixed the first group of failures; continuing with the remaining ones.", annotations: [] }],
        });
      }
    }
    const text = reasoningText(r, c);
    input.push({
      type: "reasoning",
      id: `rs_${String(c).padStart(6, "0")}`,
      summary: [{ type: "summary_text", text }],
      encrypted_content: o.carrier.seal({ provider: o.provider, reasoning: text }),
    });
    const callId = `call_${String(c).padStart(2, "0")}_${Math.floor(r() * 1e12).toString(36).padEnd(8, "x")}`;
    input.push({
      type: "function_call",
      id: `fc_${String(c).padStart(6, "0")}`,
      status: "completed",
      name: "exec_command",
      arguments: JSON.stringify({ cmd: COMMANDS[c % COMMANDS.length], workdir: "/work/main", yield_time_ms: 10000 }),
      call_id: callId,
    });
    const size = c === cycles - 1 ? o.toolOutputChars - emitted : perOutput;
    emitted += size;
    input.push({ type: "function_call_output", id: `fco_${String(c).padStart(6, "0")}`, call_id: callId, output: toolOutput(r, size, c) });
  }
  return { ...base, input };
}
