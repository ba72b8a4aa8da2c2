import { startMockUpstreams } from "../src/mock/server.ts";
import { loadConfigFromObject } from "../src/config/load.ts";
import { startGateway } from "../src/server/start.ts";
import { makeCodexDirs, runCodex, describeRun } from "../test/e2e/helpers.ts";
import { join } from "node:path";
const mock = await startMockUpstreams();
const config = loadConfigFromObject({ server: { host: "127.0.0.1", port: 0 }, models: { aliases: { "my-coder": "deepseek/deepseek-v4-pro", "*": "deepseek/deepseek-v4-pro" } },
  providers: { deepseek: { credentials: { api_key: "mock-deepseek-key" }, endpoint: { base_url: mock.baseUrl("deepseek") }, retry: { max_attempts: 1 } } }, logging: { level: "silent" } }, {});
const gw = await startGateway(config, { carrierKeyFile: "/tmp/probe-carrier.key" });
const [model, prompt, bin] = process.argv.slice(2);
const dirs = await makeCodexDirs(gw.url);
// rewrite config without model line when model === "-"
import { readFileSync, writeFileSync } from "node:fs";
const cfg = join(dirs.home, "config.toml");
if (model === "-") writeFileSync(cfg, readFileSync(cfg, "utf8").replace(/^model = .*\n/m, ""));
const r = await runCodex({ cwd: dirs.work, codexHome: dirs.home, prompt, args: model === "-" ? [] : ["-m", model], timeoutMs: 40000, ...(bin ? { bin } : {}) } as never);
console.log(describeRun(r).slice(0, 3000));
for (const q of mock.requests) { const b = q.body as any; console.log("REQ", q.path, JSON.stringify({ tools: b.tools?.map((t: any) => t.function?.name), thinking: b.thinking, eff: b.reasoning_effort, last: b.messages?.slice(-2) }).slice(0, 1500)); }
console.log("FILES", require("node:fs").readdirSync(dirs.work));
await gw.close(); await mock.close();
