// The fault-injection matrix (issue 5, docs/reliability.md): every fault × {stream, JSON} against
// every provider emulator registered in src/mock/dialects.ts (new providers join automatically).
// The same table is printed by `node --import tsx bench/faults.ts`.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PROVIDERS, clientAgent, formatTable, runMatrix, startRig, type Rig } from "./helpers.ts";

afterAll(async () => {
  await clientAgent.close();
});

describe("fault matrix: every fault × every provider emulator", () => {
  let rig: Rig;
  beforeAll(async () => {
    rig = await startRig();
  });
  afterAll(async () => {
    await rig.close();
  });

  it.concurrent.each(PROVIDERS)("%s: each fault ends as expected, stream and JSON", async (provider) => {
    const rows = await runMatrix(rig, provider);
    const bad = rows.filter((r) => !r.ok);
    expect(bad, `\n${formatTable(rows)}\n`).toEqual([]);
  }, 30_000);
});
