import { it } from "vitest";
import request from "supertest";
import { createApp } from "../../src/server/app.ts";
import { createLogger } from "../../src/server/log.ts";
import { makeGateway } from "./helpers.ts";
it("scratch", async () => {
  const gw = await makeGateway();
  const app = createApp({ getRuntime: () => gw.runtime, log: createLogger("error", (l) => console.log(l.slice(0, 1500))) });
  const post = () => request(app).post("/v1/responses").set("content-type", "application/octet-stream");
  for (const depth of [100, 1000, 2000, 5000]) {
    const obj = (d: number) => '{"a":'.repeat(d) + "1" + "}".repeat(d);
    const arr = (d: number) => '['.repeat(d) + "1" + "]".repeat(d);
    for (const [name,b] of Object.entries({
      o: `{"model":"gpt-5.5","input":"hi","tools":[{"type":"function","name":"f","parameters":{"type":"object","properties":{"x":${obj(depth)}}}}]}`,
      a: `{"model":"gpt-5.5","input":"hi","tools":[{"type":"function","name":"f","parameters":{"type":"object","properties":{"x":{"enum":${arr(depth)}}}}}]}`,
      fmt: `{"model":"gpt-5.5","input":"hi","text":{"format":{"type":"json_schema","name":"x","schema":${obj(depth)}}}}`,
      })) {
    const r = await post().send(b);
    console.log(depth, name, r.status, JSON.stringify(r.body).slice(0, 200));
    }
  }
  await gw.close();
}, 120000);
