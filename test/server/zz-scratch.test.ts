import { it } from "vitest";
import request from "supertest";
import { makeGateway, simpleRequest, asText } from "./helpers.ts";
it("scratch", async () => {
  const gw = await makeGateway();
  const body = simpleRequest({ tools: [{type:"function",name:"exec_command",parameters:{type:"object",properties:{cmd:{type:"string"}}}},{type:"web_search"},{type:"tool_search"}], text:{verbosity:"low"}, prompt_cache_key:"abc", zzz_unknown: 1, reasoning:{effort:"minimal"}, store:false, include:["reasoning.encrypted_content"], tool_choice:"auto", parallel_tool_calls: true });
  const r = await request(gw.app).post("/v1/responses").send(body);
  console.log(r.status, r.headers["x-godex-diagnostics"], JSON.stringify(r.body.godex, null, 1));
  const s = await asText(request(gw.app).post("/v1/responses").send({...body, stream: true}));
  console.log(s.headers["x-godex-diagnostics"]);
  console.log(s.body.split("\n\n").filter((f: string)=>f.includes("response.completed")).join().slice(-1500));
  await gw.close();
}, 120000);
