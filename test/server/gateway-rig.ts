// A running gateway in front of the offline emulators, for tests that talk to it over the network
// (WebSocket mode, soaks): the emulators, a config built from their URLs, the carrier key in a
// temporary directory, and one close() for all three.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfigFromObject } from "../../src/config/load.ts";
import { startMockUpstreams, type MockUpstreams } from "../../src/mock/server.ts";
import { startGateway, type RunningGateway } from "../../src/server/start.ts";

export interface GatewayRig {
  mock: MockUpstreams;
  gateway: RunningGateway;
  close(): Promise<void>;
}

/** `config` gets the emulators; server (127.0.0.1, port 0) and logging (silent) are filled in unless it sets them. */
export async function startEmulatedGateway(config: (mock: MockUpstreams) => Record<string, unknown>): Promise<GatewayRig> {
  const mock = await startMockUpstreams();
  const dir = mkdtempSync(join(tmpdir(), "godex-rig-"));
  const raw = config(mock);
  const loaded = loadConfigFromObject({ ...raw, server: { host: "127.0.0.1", port: 0, ...(raw.server as object) }, logging: raw.logging ?? { level: "silent" } }, {});
  const gateway = await startGateway(loaded, { carrierKeyFile: join(dir, "carrier.key") });
  return {
    mock,
    gateway,
    async close() {
      await gateway.close();
      await mock.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
