// Summarizes a V8 .cpuprofile (from `node --cpu-prof`): the top self-time functions with file:line,
// their inclusive time, and self time per file / package.
//
//   node --import tsx bench/lib/profile-summary.ts <file.cpuprofile | dir (newest profile)> [top=25]
//
// Positions in TypeScript sources are mapped back to .ts lines through tsx's source maps (see below).
// `bench/run.ts --profile DIR` passes the load window, so start-up (module loading, schema compiling)
// is left out; the CLI summarizes the whole profile.
import { existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { findSourceMap } from "node:module";

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

const ROOT = resolve(import.meta.dirname, "../..");
const SPECIAL = new Set(["(root)", "(program)", "(idle)", "(garbage collector)"]);

function shortUrl(url: string): string {
  if (!url) return "";
  if (url.startsWith("file://")) {
    const p = fileURLToPath(url);
    const nm = p.lastIndexOf("/node_modules/");
    if (nm >= 0) return p.slice(nm + 1);
    return relative(ROOT, p);
  }
  return url;
}

/**
 * tsx serves TypeScript as esbuild output (whitespace-minified: everything on line 1), so a profile's
 * line:column points into generated code. Importing the same file here through tsx registers the
 * same output with its source map, which maps the position back to the .ts line.
 */
type SourceMapLike = { findEntry(line: number, column: number): { originalLine?: number; originalSource?: string } };
const maps = new Map<string, SourceMapLike | null>();
const ENTRY_POINTS = /\/src\/mock\/main\.ts$|\/bench\//;

async function loadSourceMaps(urls: Iterable<string>): Promise<void> {
  for (const url of urls) {
    if (maps.has(url)) continue;
    maps.set(url, null);
    if (!url.startsWith("file://") || !url.endsWith(".ts") || ENTRY_POINTS.test(url) || !existsSync(fileURLToPath(url))) continue;
    try {
      await import(url);
      maps.set(url, (findSourceMap(url) as SourceMapLike | undefined) ?? null);
    } catch {
      /* unmapped: the generated position is shown */
    }
  }
}

function sourceLine(url: string, line0: number, col0: number): string {
  const m = maps.get(url);
  if (m && line0 >= 0) {
    const e = m.findEntry(line0, col0);
    if (e && typeof e.originalLine === "number") return String(e.originalLine + 1);
  }
  return col0 > 0 && line0 === 0 ? `1:${col0 + 1} (generated)` : String(line0 + 1);
}

export interface FnStat {
  name: string;
  location: string;
  selfMs: number;
  totalMs: number;
}

/** A time window in the profile's clock (µs, CLOCK_MONOTONIC, like process.hrtime). */
export interface Window {
  fromUs: number;
  toUs: number;
}

export function analyze(profile: CpuProfile, window?: Window) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  // timeDeltas[i] is the time before sample i; the time after a sample belongs to it (as DevTools does).
  let t = profile.startTime;
  for (let i = 0; i < profile.samples.length; i++) {
    t += profile.timeDeltas[i] ?? 0;
    if (window && (t < window.fromUs || t > window.toUs)) continue;
    const dt = profile.timeDeltas[i + 1] ?? 0;
    self.set(profile.samples[i]!, (self.get(profile.samples[i]!) ?? 0) + dt);
  }
  const key = (f: CallFrame) => `${f.functionName}|${f.url}|${f.lineNumber}|${f.columnNumber}`;
  const fns = new Map<string, FnStat>();
  const files = new Map<string, number>();
  const stat = (f: CallFrame): FnStat => {
    const k = key(f);
    let s = fns.get(k);
    if (!s) {
      const name = f.functionName || "(anonymous)";
      const line = sourceLine(f.url, f.lineNumber, f.columnNumber);
      s = { name, location: f.url ? `${shortUrl(f.url)}:${line}` : "", selfMs: 0, totalMs: 0 };
      fns.set(k, s);
    }
    return s;
  };
  let totalUs = 0;
  let idleUs = 0;
  // Depth-first over the call tree; inclusive time counts each function once per stack (recursion).
  const root = profile.nodes[0]!;
  const stack: { node: ProfileNode; keys: Set<string> }[] = [{ node: root, keys: new Set() }];
  while (stack.length) {
    const { node, keys } = stack.pop()!;
    const f = node.callFrame;
    const k = key(f);
    const t = self.get(node.id) ?? 0;
    totalUs += t;
    if (f.functionName === "(idle)") idleUs += t;
    const here = keys.has(k) ? keys : new Set([...keys, k]);
    if (t > 0) {
      stat(f).selfMs += t / 1000;
      for (const kk of here) fns.get(kk)!.totalMs += t / 1000;
      const area = SPECIAL.has(f.functionName) ? f.functionName : areaOf(f.url);
      files.set(area, (files.get(area) ?? 0) + t / 1000);
    } else stat(f);
    for (const c of node.children ?? []) stack.push({ node: byId.get(c)!, keys: here });
  }
  return { fns: [...fns.values()].filter((s) => s.name !== "(root)"), files, totalMs: totalUs / 1000, idleMs: idleUs / 1000 };
}

/** File for our sources, package for node_modules, module for Node internals. */
function areaOf(url: string): string {
  if (!url) return "(native / no script)";
  const s = shortUrl(url);
  if (s.startsWith("node_modules/")) {
    const parts = s.split("/");
    return parts[1]!.startsWith("@") ? `${parts[1]}/${parts[2]}` : parts[1]!;
  }
  if (s.startsWith("node:internal/")) return s.split("/").slice(0, 3).join("/");
  return s;
}

export async function summarizeProfile(file: string, top = 25, window?: Window): Promise<string> {
  const profile = JSON.parse(readFileSync(file, "utf8")) as CpuProfile;
  await loadSourceMaps(new Set(profile.nodes.map((n) => n.callFrame.url)));
  const inWindow = window && window.fromUs >= profile.startTime && window.toUs <= profile.endTime ? window : undefined;
  const { fns, files, totalMs, idleMs } = analyze(profile, inWindow);
  const busy = totalMs - idleMs;
  const pctOf = (x: number) => `${((x / busy) * 100).toFixed(1).padStart(5)}%`;
  const lines: string[] = [];
  const span = inWindow ? `the load window (${((inWindow.toUs - inWindow.fromUs) / 1e6).toFixed(2)} s)` : "the whole process lifetime";
  lines.push(`${file}: ${span}, ${(totalMs / 1000).toFixed(2)} s sampled, ${(busy / 1000).toFixed(2)} s busy (not idle); percentages are of busy time`);
  lines.push("");
  lines.push(`top ${top} functions by self time`);
  lines.push(`${"self ms".padStart(9)} ${"self".padStart(6)} ${"total".padStart(6)}  function  (file:line)`);
  const sorted = fns.filter((f) => f.name !== "(idle)").sort((a, b) => b.selfMs - a.selfMs);
  for (const f of sorted.slice(0, top)) {
    lines.push(`${f.selfMs.toFixed(1).padStart(9)} ${pctOf(f.selfMs)} ${pctOf(f.totalMs)}  ${f.name}${f.location ? `  (${f.location})` : ""}`);
  }
  lines.push("");
  lines.push("self time by file / package (top 20)");
  const areas = [...files.entries()].filter(([a]) => a !== "(idle)").sort((a, b) => b[1] - a[1]);
  for (const [a, t] of areas.slice(0, 20)) lines.push(`${t.toFixed(1).padStart(9)} ${pctOf(t)}  ${a}`);
  lines.push("");
  lines.push("inclusive time of GodeX entry points");
  const ours = fns
    .filter((f) => f.location.startsWith("src/") && f.totalMs > busy * 0.02)
    .sort((a, b) => b.totalMs - a.totalMs)
    .slice(0, 15);
  for (const f of ours) lines.push(`${f.totalMs.toFixed(1).padStart(9)} ${pctOf(f.totalMs)}  ${f.name}  (${f.location})`);
  return lines.join("\n");
}

function newestProfile(dir: string): string {
  const files = readdirSync(dir)
    .filter((f) => f.endsWith(".cpuprofile"))
    .map((f) => join(dir, f))
    .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs);
  if (!files[0]) throw new Error(`no .cpuprofile in ${dir}`);
  return files[0];
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const arg = process.argv[2];
  if (!arg) {
    process.stderr.write("usage: node --import tsx bench/lib/profile-summary.ts <file.cpuprofile | dir> [top]\n");
    process.exit(2);
  }
  const file = statSync(arg).isDirectory() ? newestProfile(arg) : arg;
  process.stdout.write(`${await summarizeProfile(file, Number(process.argv[3] ?? 25))}\n`);
}
