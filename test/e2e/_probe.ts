import { startStack, makeCodexDirs, runCodex, describeRun } from "./helpers.ts";
const s = await startStack();
const d = await makeCodexDirs(s.gatewayUrl);
const r = await runCodex({ cwd: d.work, codexHome: d.home, prompt: process.argv[2]!, timeoutMs: 30000, args: process.argv.slice(3) });
console.log(describeRun(r));
for (const q of s.mock.requests) { const b = q.body as any; console.log(JSON.stringify({thinking: b.thinking, eff: b.reasoning_effort, tail: b.messages.slice(-4).filter((m:any)=>m.role!=="system")}, null, 1).slice(0, 3000)); }
await s.close(); await d.cleanup();
