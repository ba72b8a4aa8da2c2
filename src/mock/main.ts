// Standalone runner: `node --import tsx src/mock/main.ts [--port N] [--host H]`.
import { parseArgs } from "node:util";
import { DIALECTS } from "./dialects.ts";
import { startMockUpstreams } from "./server.ts";

const { values } = parseArgs({ options: { port: { type: "string" }, host: { type: "string" } } });
const mock = await startMockUpstreams({
  port: values.port ? Number(values.port) : 0,
  host: values.host,
  chunkDelayMs: 15, // visible streaming in a terminal
});

console.log(`GodeX mock upstreams listening on ${mock.url}`);
for (const [name, spec] of Object.entries(DIALECTS)) console.log(`  ${name}: base_url ${mock.baseUrl(name)}  key ${spec.defaultKey}`);

const stop = (): void => {
  void mock.close().then(() => process.exit(0));
};
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
