// Starts GodeX on a host/port (used by `godex serve` and by the tests).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { LoadedConfig } from "../config/types.ts";
import { createApp, type AppOptions } from "./app.ts";
import { buildRuntime, type GatewayRuntime, type RuntimeOptions } from "../engine/runtime.ts";
import { createLogger, type Logger } from "./log.ts";
import { remoteBindProblem } from "./auth.ts";
import { isLoopbackHost } from "../config/load.ts";
import { TargetHealth } from "../engine/routing/health.ts";
import { attachResponsesSockets, type ResponsesSockets } from "./ws/upgrade.ts";
import { openResponseStore } from "../store/open.ts";
import type { ResponseStore } from "../store/response-store.ts";
import { dirname, join } from "node:path";
import { homedir } from "node:os";
import { setMaxListeners } from "node:events";

export interface RunningGateway {
  url: string;
  server: Server;
  readonly runtime: GatewayRuntime;
  /** Per-target circuit state (routing). */
  readonly health: TargetHealth;
  /** Open WebSocket-mode connections. */
  sockets: ResponsesSockets;
  /** Stored responses (null when store.backend is off). Opened at start; a reload does not change it. */
  store: ResponseStore | null;
  /** Swaps in a new config (throws, keeping the old one, when it cannot be built). */
  reload(next: LoadedConfig): void;
  /** Stops listening; in-flight requests get `graceMs` (default 0) to finish. */
  close(graceMs?: number): Promise<void>;
}

export interface StartOptions extends RuntimeOptions {
  log?: Logger;
  fixedIds?: AppOptions["fixedIds"];
  keepAliveMs?: number;
  onFinished?: AppOptions["onFinished"];
  /** The usage ledger, opened by the caller (`godex serve` opens the config's); closed with the gateway. */
  ledger?: AppOptions["ledger"];
}

export async function startGateway(config: LoadedConfig, opts: StartOptions = {}): Promise<RunningGateway> {
  const { auth } = config.server;
  const refusal = remoteBindProblem(config.server.host, auth.tokens, auth.allowUnauthenticatedRemote, isLoopbackHost);
  if (refusal) throw new Error(refusal);
  let runtime = buildRuntime(config, opts);
  const log = opts.log ?? createLogger(config.logging.level);
  const shutdown = new AbortController();
  // Every in-flight request listens on this one signal (and removes its listener when it ends), so
  // more than Node's default 10 listeners is normal load, not a leak.
  setMaxListeners(0, shutdown.signal);
  // Circuit state outlives reloads: a reload must not forget that a target is down.
  const health = new TargetHealth();
  // The store lives beside the carrier key (GodeX's data directory) unless store.path says otherwise.
  const dataDir = opts.carrierKeyFile ? dirname(opts.carrierKeyFile) : (process.env.GODEX_HOME ?? join(homedir(), ".godex"));
  const store = openResponseStore(config.store, dataDir, (error) => log.error({ msg: "response store failed", error }));
  const app = createApp({ store, getRuntime: () => runtime, log, fixedIds: opts.fixedIds, keepAliveMs: opts.keepAliveMs, onFinished: opts.onFinished, shutdown: shutdown.signal, health, ledger: opts.ledger });
  const server = createServer();
  let draining = false;
  // Registered before the app: during a drain, a request arriving on an existing keep-alive
  // connection is answered with `connection: close`, and every connection that goes idle is closed,
  // so shutdown waits for in-flight work only, never for idle keep-alive sockets.
  server.on("request", (_req: IncomingMessage, res: ServerResponse) => {
    if (draining) res.shouldKeepAlive = false;
    res.once("finish", () => {
      if (draining) setImmediate(() => server.closeIdleConnections());
    });
  });
  // POST /v1/responses and GET /health skip Express (same handlers, same checks); everything else goes through it.
  server.on("request", app);
  // WebSocket mode on GET /v1/responses: same serving path, logging and metrics as POST.
  const sockets = attachResponsesSockets(server, app.route);
  // Codex keeps connections open between turns; long reasoning streams must not be cut by Node's defaults.
  server.keepAliveTimeout = 65_000;
  server.requestTimeout = 0;
  server.headersTimeout = 60_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(config.server.port, config.server.host, () => resolve());
  });
  const addr = server.address() as AddressInfo;
  const host = addr.family === "IPv6" ? `[${addr.address}]` : addr.address;
  return {
    url: `http://${host}:${addr.port}`,
    server,
    health,
    sockets,
    store,
    get runtime() {
      return runtime;
    },
    reload(next: LoadedConfig) {
      // Build first: a config or mapping that fails leaves the running one in force. Requests
      // already in flight keep the runtime they started with.
      runtime = buildRuntime(next, opts);
    },
    close: (graceMs = 0) =>
      new Promise<void>((resolve) => {
        // Stop accepting; let in-flight streams finish for the grace period, then cut the rest
        // (cutting a client connection aborts its upstream call too).
        draining = true;
        server.close(() => {
          clearTimeout(timer);
          // The rows of the last responses reach the database before the process ends.
          void Promise.resolve(store?.close())
            .catch(() => {})
            .then(() => opts.ledger?.close())
            .catch((err) => log.warn({ msg: "ledger close failed", error: String(err?.message ?? err) }))
            .finally(resolve);
        });
        server.closeIdleConnections();
        sockets.closeIdle();
        // At the end of the grace period open streams are ended with response.failed first
        // (Codex then retries), and the connections cut a moment later.
        const timer = setTimeout(() => {
          shutdown.abort();
          setTimeout(() => {
            server.closeAllConnections();
            sockets.closeAll();
          }, 100).unref();
        }, graceMs);
        timer.unref();
      }),
  };
}
