// Load generator: plain node:http with keep-alive agents (no dependencies).
import { Agent, request } from "node:http";
import { performance } from "node:perf_hooks";

export interface Target {
  name: string;
  host: string;
  port: number;
  path: string;
  body: Buffer;
  /** Time to first delta is the time until this byte string first appears in the body. */
  marker?: Buffer;
  /** A byte string that must appear somewhere in a complete reply (e.g. the terminal event). */
  endMarker?: Buffer;
}

export interface Sample {
  status: number;
  /** ms from request start to the response headers. */
  headersMs: number;
  /** ms to the first occurrence of the marker (NaN when absent). */
  firstDeltaMs: number;
  /** ms to the last body byte. */
  totalMs: number;
  bytes: number;
  /** SSE frames received (blank-line separated). */
  frames: number;
  /** Last bytes of the body (≤ 200, for diagnostics). */
  tail: string;
  /** The target's endMarker was seen (true when it has none). */
  complete: boolean;
}

/** Finds `needle` across a sequence of chunks (keeps the last needle.length-1 bytes between calls). */
class Finder {
  private carry: Buffer | null = null;
  found = false;
  constructor(private readonly needle: Buffer) {}
  feed(c: Buffer): boolean {
    if (this.found) return false;
    const hay: Buffer = this.carry ? Buffer.concat([this.carry, c]) : c;
    if (hay.indexOf(this.needle) >= 0) {
      this.found = true;
      this.carry = null;
      return true;
    }
    this.carry = hay.subarray(Math.max(0, hay.length - this.needle.length + 1));
    return false;
  }
}

export function keepAliveAgent(maxSockets: number): Agent {
  return new Agent({ keepAlive: true, maxSockets, maxFreeSockets: maxSockets, keepAliveMsecs: 30_000 });
}

const NL = 0x0a;

export function send(agent: Agent, t: Target, timeoutMs = 30_000): Promise<Sample> {
  return new Promise((resolve, reject) => {
    const start = performance.now();
    const req = request(
      {
        agent,
        host: t.host,
        port: t.port,
        path: t.path,
        method: "POST",
        headers: { "content-type": "application/json", "content-length": t.body.length },
      },
      (res) => {
        const headersMs = performance.now() - start;
        let firstDeltaMs = Number.NaN;
        let bytes = 0;
        let frames = 0;
        let last = 0;
        let tail: Buffer = Buffer.alloc(0);
        const first = t.marker ? new Finder(t.marker) : null;
        const end = t.endMarker ? new Finder(t.endMarker) : null;
        res.on("data", (c: Buffer) => {
          bytes += c.length;
          if (first?.feed(c)) firstDeltaMs = performance.now() - start;
          end?.feed(c);
          // Count "\n\n" (frame ends), including one split across two reads.
          let i = c.indexOf(NL);
          while (i >= 0) {
            if (i === 0 ? last === NL : c[i - 1] === NL) frames++;
            i = c.indexOf(NL, i + 1);
          }
          // A frame end already counted must not count again: "\n\n\n" is rare in SSE and ignored.
          last = c[c.length - 1] ?? last;
          tail = c.length >= 200 ? c.subarray(-200) : Buffer.concat([tail, c]).subarray(-200);
        });
        res.on("end", () => {
          clearTimeout(timer);
          const totalMs = performance.now() - start;
          resolve({ status: res.statusCode ?? 0, headersMs, firstDeltaMs, totalMs, bytes, frames, tail: tail.toString("utf8"), complete: end ? end.found : true });
        });
        res.on("error", fail);
      },
    );
    const timer = setTimeout(() => req.destroy(new Error(`timeout after ${timeoutMs} ms`)), timeoutMs);
    const fail = (err: Error) => {
      clearTimeout(timer);
      reject(err);
    };
    req.on("error", fail);
    req.end(t.body);
  });
}

export interface SeqResult {
  samples: Sample[];
  errors: number;
}

/**
 * Sequential requests, the targets taking turns (a, b, a, b, …) so that every target is measured
 * under the same conditions; `warmup` rounds are discarded.
 */
export async function sequentialInterleaved(
  targets: { target: Target; agent: Agent; ok: (s: Sample) => boolean }[],
  n: number,
  warmup: number,
  between?: (round: number) => void,
): Promise<SeqResult[]> {
  const out: SeqResult[] = targets.map(() => ({ samples: [], errors: 0 }));
  for (let round = 0; round < warmup + n; round++) {
    if (round === warmup) between?.(round);
    for (let k = 0; k < targets.length; k++) {
      const { target, agent, ok } = targets[k]!;
      try {
        const s = await send(agent, target);
        if (round < warmup) continue;
        if (ok(s)) out[k]!.samples.push(s);
        else out[k]!.errors++;
      } catch (err) {
        if (process.env.BENCH_DEBUG) process.stderr.write(`bench: ${target.name} round ${round}: ${String(err)}\n`);
        if (round >= warmup) out[k]!.errors++;
      }
    }
  }
  return out;
}

export interface LoadResult {
  connections: number;
  durationMs: number;
  completed: number;
  errors: number;
  rps: number;
  latencies: number[];
  frames: number;
}

/**
 * `connections` workers, each sending back-to-back requests until `durationMs` has passed.
 * Pass an agent to keep its connections open across calls (it is then not destroyed).
 */
export async function load(t: Target, connections: number, durationMs: number, ok: (s: Sample) => boolean, shared?: Agent): Promise<LoadResult> {
  const agent = shared ?? keepAliveAgent(connections);
  const latencies: number[] = [];
  let errors = 0;
  let frames = 0;
  const start = performance.now();
  const end = start + durationMs;
  let lastDone = start;
  const worker = async () => {
    while (performance.now() < end) {
      try {
        const s = await send(agent, t);
        lastDone = performance.now();
        if (ok(s)) {
          latencies.push(s.totalMs);
          frames += s.frames;
        } else errors++;
      } catch {
        errors++;
        lastDone = performance.now();
      }
    }
  };
  await Promise.all(Array.from({ length: connections }, worker));
  if (!shared) agent.destroy();
  const elapsed = lastDone - start;
  return { connections, durationMs: elapsed, completed: latencies.length, errors, rps: (latencies.length / elapsed) * 1000, latencies, frames };
}

/** Adds up load runs of one target (e.g. time slices interleaved with other targets). */
export function mergeLoad(parts: LoadResult[]): LoadResult {
  const completed = parts.reduce((a, r) => a + r.completed, 0);
  const durationMs = parts.reduce((a, r) => a + r.durationMs, 0);
  return {
    connections: parts[0]?.connections ?? 0,
    durationMs,
    completed,
    errors: parts.reduce((a, r) => a + r.errors, 0),
    rps: (completed / durationMs) * 1000,
    latencies: parts.flatMap((r) => r.latencies),
    frames: parts.reduce((a, r) => a + r.frames, 0),
  };
}
