// A test client for `codex app-server`, the engine the Codex desktop app drives: JSON-RPC messages, one per
// line, over the child's stdin/stdout. The protocol is the one the binary describes itself
// (`codex app-server generate-json-schema`): every request this client sends and every result and
// notification a test relies on is validated against the schema of the very build under test.
import { execFile, spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { promisify } from "node:util";
import Ajv, { type ValidateFunction } from "ajv";
import type { CodexBuild } from "./helpers.ts";

const run = promisify(execFile);

/** The app-server protocol of one Codex build, as JSON Schemas it writes itself. */
export interface AppServerProtocol {
  /** Throws when `params` is not what the build accepts for `method`. */
  checkParams(method: string, params: unknown): void;
  /** Throws when a result of `method` is not the shape the build documents. */
  checkResult(method: string, result: unknown): void;
  /** Throws when a notification's params are not the shape the build documents. */
  checkNotification(method: string, params: unknown): void;
  /** Every client request method the build knows. */
  methods: string[];
}

interface OneOfEntry {
  properties: { method: { enum: string[] }; params?: { $ref?: string } };
}

/** `generate-json-schema --out dir`, then compiles (once each, on first use) the schemas tests touch. */
export async function loadAppServerProtocol(build: CodexBuild, dir: string): Promise<AppServerProtocol> {
  await run(process.execPath, [build.bin, "app-server", "generate-json-schema", "--out", dir], { timeout: 30_000 });
  const ajv = new Ajv.default({ strict: false, allErrors: true, validateFormats: false });
  const compiled = new Map<string, ValidateFunction>();
  const index = (file: string): Map<string, string> => {
    const doc = JSON.parse(readFileSync(join(dir, file), "utf8")) as { oneOf: OneOfEntry[] };
    return new Map(doc.oneOf.map((o) => [o.properties.method.enum[0]!, o.properties.params?.$ref?.split("/").at(-1) ?? ""]));
  };
  const requests = index("ClientRequest.json");
  const notifications = index("ServerNotification.json");
  const schema = (name: string): ValidateFunction => {
    let v = compiled.get(name);
    if (!v) {
      const file = ["v2", "v1", "."].map((sub) => join(dir, sub, `${name}.json`)).find((f) => existsSync(f));
      if (!file) throw new Error(`Codex ${build.version} app-server describes no ${name}`);
      v = ajv.compile(JSON.parse(readFileSync(file, "utf8")) as object);
      compiled.set(name, v);
    }
    return v;
  };
  const check = (name: string, value: unknown, what: string): void => {
    const v = schema(name);
    if (!v(value)) throw new Error(`${what} is not a valid ${name} for Codex ${build.version}: ${ajv.errorsText(v.errors)}\n${JSON.stringify(value).slice(0, 2000)}`);
  };
  const paramsName = (method: string): string => {
    const name = requests.get(method);
    if (name === undefined) throw new Error(`Codex ${build.version} app-server has no request method ${method}`);
    return name;
  };
  return {
    methods: [...requests.keys()],
    checkParams: (method, params) => check(paramsName(method), params, `${method} params`),
    checkResult: (method, result) => check(paramsName(method).replace(/Params$/, "Response"), result, `${method} result`),
    checkNotification(method, params) {
      const name = notifications.get(method);
      if (!name) throw new Error(`Codex ${build.version} app-server has no notification ${method}`);
      check(name, params, `${method} notification`);
    },
  };
}

export interface Notification {
  method: string;
  params: Record<string, unknown>;
}

export interface AppServer {
  /** Sends a request (params validated first) and resolves with its validated result; a JSON-RPC error rejects. */
  request<T = Record<string, unknown>>(method: string, params: unknown, timeoutMs?: number): Promise<T>;
  notify(method: string, params?: unknown): void;
  /** Every notification so far, in order. */
  notifications: Notification[];
  /** Requests the server sent us (approvals…); each was answered with a JSON-RPC error. */
  serverRequests: Notification[];
  /** Resolves with the first notification (past or future) matching; its params are validated. */
  waitFor(method: string, match: (params: Record<string, unknown>) => boolean, timeoutMs: number): Promise<Record<string, unknown>>;
  stderr(): string;
  close(): Promise<void>;
}

export interface AppServerOptions {
  build: CodexBuild;
  protocol: AppServerProtocol;
  codexHome: string;
  cwd: string;
}

export function startAppServer(o: AppServerOptions): AppServer {
  const env: NodeJS.ProcessEnv = { ...process.env, CODEX_HOME: o.codexHome, NO_COLOR: "1" };
  for (const k of ["OPENAI_API_KEY", "OPENAI_BASE_URL", "CODEX_API_KEY", "RUST_LOG"]) delete env[k];
  // detached: the launcher spawns the native binary; close() ends the whole process group.
  const child = spawn(process.execPath, [o.build.bin, "app-server"], { cwd: o.cwd, env, stdio: ["pipe", "pipe", "pipe"], detached: true });
  let stderr = "";
  child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
  const exited = new Promise<void>((resolvePromise) => child.once("exit", () => resolvePromise()));
  let nextId = 0;
  const pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  const notifications: Notification[] = [];
  const serverRequests: Notification[] = [];
  const waiters = new Set<{ method: string; match(p: Record<string, unknown>): boolean; resolve(p: Record<string, unknown>): void }>();
  const send = (msg: object): void => void child.stdin.write(JSON.stringify(msg) + "\n");

  createInterface({ input: child.stdout }).on("line", (line) => {
    let msg: { id?: number | string; method?: string; params?: Record<string, unknown>; result?: unknown; error?: { code: number; message: string } };
    try {
      msg = JSON.parse(line) as typeof msg;
    } catch {
      return; // not a protocol line
    }
    if (msg.method !== undefined && msg.id !== undefined) {
      // A request to the client (e.g. an approval). The tests run with approvalPolicy "never", so none is expected.
      serverRequests.push({ method: msg.method, params: msg.params ?? {} });
      send({ id: msg.id, error: { code: -32601, message: `the GodeX e2e client does not handle ${msg.method}` } });
    } else if (msg.method !== undefined) {
      const n = { method: msg.method, params: msg.params ?? {} };
      notifications.push(n);
      for (const w of waiters) if (w.method === n.method && w.match(n.params)) w.resolve(n.params);
    } else if (typeof msg.id === "number" && pending.has(msg.id)) {
      const p = pending.get(msg.id)!;
      pending.delete(msg.id);
      if (msg.error) p.reject(new Error(`app-server error ${msg.error.code}: ${msg.error.message}`));
      else p.resolve(msg.result);
    }
  });
  child.once("exit", (code, signal) => {
    for (const p of pending.values()) p.reject(new Error(`app-server exited (code ${code}, signal ${signal})\n${stderr.slice(-2000)}`));
    pending.clear();
  });

  return {
    notifications,
    serverRequests,
    request<T>(method: string, params: unknown, timeoutMs = 30_000): Promise<T> {
      o.protocol.checkParams(method, params);
      const id = ++nextId;
      return new Promise<T>((resolvePromise, reject) => {
        const timer = setTimeout(() => {
          pending.delete(id);
          reject(new Error(`app-server: no answer to ${method} within ${timeoutMs} ms\n${stderr.slice(-2000)}`));
        }, timeoutMs);
        pending.set(id, {
          resolve: (v) => {
            clearTimeout(timer);
            try {
              o.protocol.checkResult(method, v);
              resolvePromise(v as T);
            } catch (err) {
              reject(err as Error);
            }
          },
          reject: (e) => {
            clearTimeout(timer);
            reject(e);
          },
        });
        send({ id, method, params });
      });
    },
    notify(method, params) {
      send(params === undefined ? { method } : { method, params });
    },
    waitFor(method, match, timeoutMs) {
      return new Promise((resolvePromise, reject) => {
        const done = (p: Record<string, unknown>): void => {
          clearTimeout(timer);
          waiters.delete(waiter);
          try {
            o.protocol.checkNotification(method, p);
            resolvePromise(p);
          } catch (err) {
            reject(err as Error);
          }
        };
        const waiter = { method, match, resolve: done };
        const timer = setTimeout(() => {
          waiters.delete(waiter);
          const seen = notifications.map((n) => n.method).join(", ");
          reject(new Error(`app-server: no ${method} within ${timeoutMs} ms; seen: ${seen}\n${stderr.slice(-2000)}`));
        }, timeoutMs);
        const past = notifications.find((n) => n.method === method && match(n.params));
        if (past) done(past.params);
        else waiters.add(waiter);
      });
    },
    stderr: () => stderr,
    async close() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.stdin.end();
      const kill = (sig: NodeJS.Signals): void => {
        try {
          if (child.pid) process.kill(-child.pid, sig);
        } catch {
          /* already gone */
        }
      };
      kill("SIGTERM");
      const hard = setTimeout(() => kill("SIGKILL"), 3000);
      await exited;
      clearTimeout(hard);
    },
  };
}
