// A running gateway in front of the offline emulators, for tests that talk to it over the network
// (WebSocket mode, soaks, ledger rows): the emulators, a config built from their URLs, the carrier
// key (and, when asked, a SQLite ledger) in a temporary directory, and one close() for all of it.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfigFromObject } from "../../src/config/load.ts";
import { Ledger } from "../../src/ledger/ledger.ts";
import { startMockUpstreams, type MockUpstreams, type MockUpstreamsOptions } from "../../src/mock/server.ts";
import { startGateway, type RunningGateway } from "../../src/server/start.ts";

export interface GatewayRig {
  mock: MockUpstreams;
  gateway: RunningGateway;
  /** Present when the rig was started with `ledger: true`. */
  ledger?: Ledger;
  close(): Promise<void>;
}

export interface RigOptions {
  mock?: MockUpstreamsOptions;
  /** Record every response in a SQLite ledger in the rig's directory (flushed every 20 ms). */
  ledger?: boolean;
}

/** `config` gets the emulators; server (127.0.0.1, port 0) and logging (silent) are filled in unless it sets them. */
export async function startEmulatedGateway(config: (mock: MockUpstreams) => Record<string, unknown>, opts: RigOptions = {}): Promise<GatewayRig> {
  const mock = await startMockUpstreams(opts.mock);
  const dir = mkdtempSync(join(tmpdir(), "godex-rig-"));
  const raw = config(mock);
  const loaded = loadConfigFromObject(
    {
      ...raw,
      server: { host: "127.0.0.1", port: 0, ...(raw.server as object) },
      logging: raw.logging ?? { level: "silent" },
      ...(opts.ledger ? { ledger: { path: join(dir, "usage.db") } } : {}),
    },
    {},
  );
  const ledger = opts.ledger ? await Ledger.open(loaded.ledger, { flushMs: 20 }) : undefined;
  const gateway = await startGateway(loaded, { carrierKeyFile: join(dir, "carrier.key"), ledger });
  return {
    mock,
    gateway,
    ledger,
    async close() {
      await gateway.close();
      await mock.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
