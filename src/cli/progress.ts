// Terminal plumbing shared by `godex init`, `doctor` and `models`: the I/O a command writes to (so
// tests can inject it) and a progress indicator for anything the user waits on. On a terminal it
// is one spinner line that is erased when done; elsewhere (pipes, CI logs) it prints plain lines.

export interface Out {
  write(text: string): unknown;
  isTTY?: boolean;
}

export interface CliIO {
  stdout: Out;
  stderr: Out;
  env: NodeJS.ProcessEnv;
  /** Base for relative paths. */
  cwd: string;
  now(): Date;
}

export function defaultIO(): CliIO {
  return { stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd(), now: () => new Date() };
}

/** Colours only on a terminal, and never with NO_COLOR set. */
export function paint(out: Out, env: NodeJS.ProcessEnv): { ok(s: string): string; bad(s: string): string; dim(s: string): string } {
  const on = out.isTTY === true && !env.NO_COLOR && env.TERM !== "dumb";
  const wrap = (code: number) => (s: string) => (on ? `\x1b[${code}m${s}\x1b[0m` : s);
  return { ok: wrap(32), bad: wrap(31), dim: wrap(2) };
}

export interface ProgressTask {
  /** Marks the task finished; `detail` is shown on the plain-line output. */
  done(ok: boolean, detail?: string): void;
}

export interface Progress {
  task(label: string): ProgressTask;
  /** Erases the spinner line (TTY) and stops the timer. Idempotent. */
  stop(): void;
}

export interface ProgressOptions {
  title: string;
  /** Default: out.isTTY. */
  tty?: boolean;
  intervalMs?: number;
  now?: () => number;
}

const FRAMES = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];

export function createProgress(out: Out, opts: ProgressOptions): Progress {
  const tty = opts.tty ?? out.isTTY === true;
  const now = opts.now ?? Date.now;
  const started = now();
  const running = new Map<number, { label: string; since: number }>();
  let finished = 0;
  let total = 0;
  let nextId = 0;
  let frame = 0;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  let drawn = false;

  const draw = () => {
    if (stopped) return;
    const names = [...running.values()].map((r) => r.label);
    const secs = ((now() - started) / 1000).toFixed(1);
    const line = `${FRAMES[frame++ % FRAMES.length]} ${opts.title}: ${names.join(", ") || "finishing"} (${finished}/${total} done, ${secs} s)`;
    const columns = (out as { columns?: number }).columns;
    const width = columns && columns >= 20 ? columns : 100;
    out.write(`\r\x1b[2K${line.length > width - 1 ? line.slice(0, width - 2) + "…" : line}`);
    drawn = true;
  };

  return {
    task(label) {
      const id = nextId++;
      total++;
      running.set(id, { label, since: now() });
      if (tty) {
        if (!timer && !stopped) {
          timer = setInterval(draw, opts.intervalMs ?? 80);
          timer.unref();
        }
        draw();
      } else {
        out.write(`… ${opts.title}: ${label}\n`);
      }
      let closed = false;
      return {
        done(ok, detail) {
          if (closed) return;
          closed = true;
          const entry = running.get(id);
          running.delete(id);
          finished++;
          if (tty) draw();
          else {
            const ms = entry ? now() - entry.since : 0;
            out.write(`${ok ? "✓" : "✗"} ${opts.title}: ${label}${detail ? ` — ${detail}` : ""} (${ms} ms)\n`);
          }
        },
      };
    },
    stop() {
      if (stopped) return;
      stopped = true;
      if (timer) clearInterval(timer);
      if (tty && drawn) out.write("\r\x1b[2K");
    },
  };
}
