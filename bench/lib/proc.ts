// Child processes and what /proc says about them (CPU ticks, RSS), plus machine info.
import { spawn, execFileSync, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { createServer, type AddressInfo } from "node:net";
import { cpus, release, totalmem } from "node:os";

let clkTck = 100;
try {
  clkTck = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
} catch {
  /* Linux default */
}

/** User + system CPU time of a process so far, in ms (whole process: all threads). */
export function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  // Fields after the command name (which may contain spaces) start at field 3 (state).
  const rest = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const utime = Number(rest[11]);
  const stime = Number(rest[12]);
  return ((utime + stime) * 1000) / clkTck;
}

export const CPU_TICK_MS = 1000 / clkTck;

function statusField(pid: number, field: string): number {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return m ? Number(m[1]) / 1024 : Number.NaN;
}

/** Resident set size in MiB. */
export const rssMiB = (pid: number): number => statusField(pid, "VmRSS");
/** Peak resident set size in MiB. */
export const hwmMiB = (pid: number): number => statusField(pid, "VmHWM");

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

export interface Child {
  proc: ChildProcess;
  pid: number;
  stderr: () => string;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves when the process has exited. */
  stop(graceMs?: number): Promise<void>;
}

/** Spawns `args` and resolves once `ready` matches its stdout or stderr (rejects on exit or after `timeoutMs`). */
export function startChild(args: string[], opts: { env?: NodeJS.ProcessEnv; cwd: string; ready: RegExp; timeoutMs?: number }): Promise<Child & { match: RegExpExecArray }> {
  const proc = spawn(process.execPath, args, { cwd: opts.cwd, env: opts.env ?? process.env, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let err = "";
  const exited = new Promise<void>((r) => proc.once("exit", () => r()));
  const child: Child = {
    proc,
    pid: proc.pid!,
    stderr: () => err,
    async stop(graceMs = 5000) {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      proc.kill("SIGTERM");
      const t = setTimeout(() => proc.kill("SIGKILL"), graceMs);
      await exited;
      clearTimeout(t);
    },
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      proc.kill("SIGKILL");
      reject(new Error(`${args.join(" ")}: not ready after ${opts.timeoutMs ?? 20000} ms\n${err}`));
    }, opts.timeoutMs ?? 20_000);
    const check = () => {
      const m = opts.ready.exec(out) ?? opts.ready.exec(err);
      if (m) {
        clearTimeout(timer);
        resolve({ ...child, match: m });
      }
    };
    proc.stdout!.on("data", (c: Buffer) => {
      if (out.length < 65536) out += c.toString("utf8");
      check();
    });
    proc.stderr!.on("data", (c: Buffer) => {
      if (err.length < 65536) err += c.toString("utf8");
      check();
    });
    proc.once("exit", (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`${args.join(" ")} exited (${code ?? signal}) before it was ready\n${err}`));
    });
  });
}

export function machineInfo() {
  const c = cpus();
  return {
    cpu: c[0]?.model ?? "unknown",
    cores: c.length,
    node: process.version,
    platform: process.platform,
    kernel: release(),
    memMiB: Math.round(totalmem() / 1024 / 1024),
  };
}

/** CPU time all processes on the machine spent busy so far (ms, summed over cores), from /proc/stat. */
export function machineBusyMs(): number {
  const line = readFileSync("/proc/stat", "utf8").split("\n", 1)[0]!;
  const f = line.trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal guest guest_nice; guest time is already in user.
  const busy = f[0]! + f[1]! + f[2]! + f[5]! + f[6]! + f[7]!;
  return (busy * 1000) / clkTck;
}

/**
 * Measures how much CPU other processes (not the bench's own) used during a phase: the bench
 * shares the machine, and a busy neighbour skews every figure.
 */
export class NoiseMeter {
  private busy0 = 0;
  private ours0 = 0;
  private t0 = 0;
  constructor(private readonly pids: () => number[]) {}
  /** Last CPU time read per pid: an exited process keeps counting with what it had used. */
  private readonly last = new Map<number, number>();
  private ours(): number {
    let sum = 0;
    for (const pid of this.pids()) {
      try {
        this.last.set(pid, cpuMs(pid));
      } catch {
        /* exited: its last reading stands */
      }
      sum += this.last.get(pid) ?? 0;
    }
    return sum;
  }
  start(): void {
    this.busy0 = machineBusyMs();
    this.ours0 = this.ours();
    this.t0 = Date.now();
  }
  /** Share of the machine's CPU capacity used by other processes since start() (0..1). */
  stop(): { foreignShare: number; foreignMs: number; elapsedMs: number } {
    const elapsed = Date.now() - this.t0;
    const foreign = Math.max(0, machineBusyMs() - this.busy0 - (this.ours() - this.ours0));
    return { foreignShare: elapsed > 0 ? foreign / (elapsed * cpus().length) : 0, foreignMs: foreign, elapsedMs: elapsed };
  }
}
