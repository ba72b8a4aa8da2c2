import { startStack, makeCodexDirs, runCodex, describeRun } from "../test/e2e/helpers.ts";
import { readdirSync } from "node:fs";
const p = (process.argv[2] ?? "deepseek") as any;
const models: any = { deepseek: "deepseek-v4-pro", zhipu: "glm-5.1", minimax: "MiniMax-M3", xiaomi: "mimo-v2.5-pro" };
const stack = await startStack({ providers: [p], aliases: { "*": `${p}/${models[p]}` } });
const dirs = await makeCodexDirs(stack.gatewayUrl, "", "", null);
const r = await runCodex({ cwd: dirs.work, codexHome: dirs.home, prompt: process.argv[3] ?? "run echo ran-c > ran.txt", timeoutMs: 60000 });
console.log(describeRun(r).slice(0, 5000));
for (const q of stack.mock.requests) { const b = q.body as any; console.log("REQ", q.status, q.path, JSON.stringify({ model: b.model, tools: b.tools?.map((t: any) => t.function?.name), last: b.messages?.slice(-2) }).slice(0, 2500)); }
console.log("FILES", readdirSync(dirs.work));
await stack.close();
