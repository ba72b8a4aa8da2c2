// Starts GodeX on a host/port (used by `godex serve` and by the tests).
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { LoadedConfig } from "../config/types.ts";
import { createApp, type AppOptions } from "./app.ts";
import { buildRuntime, type GatewayRuntime, type RuntimeOptions } from "./runtime.ts";
import { createLogger, type Logger } from "./log.ts";

export interface RunningGateway {
  url: string;
  server: Server;
  runtime: GatewayRuntime;
  close(): Promise<void>;
}

export interface StartOptions extends RuntimeOptions {
  log?: Logger;
  fixedIds?: AppOptions["fixedIds"];
  keepAliveMs?: number;
  onFinished?: AppOptions["onFinished"];
}

export async function startGateway(config: LoadedConfig, opts: StartOptions = {}): Promise<RunningGateway> {
  const runtime = buildRuntime(config, opts);
  const log = opts.log ?? createLogger(config.logging.level);
  const app = createApp({ getRuntime: () => runtime, log, fixedIds: opts.fixedIds, keepAliveMs: opts.keepAliveMs, onFinished: opts.onFinished });
  const server = createServer(app);
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
    runtime,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
