// Circuit breaking: after `failures` failures the first target is skipped (its emulator sees no
// request) until the cooldown ends; then one probe request goes to it. Retry-After opens the circuit
// for as long as the provider asks. State shows on /health and the status page data.
import { afterAll, beforeAll, beforeEach, expect, it } from "vitest";
import { diagnosticsOf, get, outcomeOf, post, requestBody, startRig, type Rig } from "../reliability/helpers.ts";

// Long enough that a loaded machine finishes the skipped requests before it ends.
const COOLDOWN_MS = 3000;
const FIRST = "deepseek/deepseek-v4-pro";
let rig: Rig;

beforeAll(async () => {
  rig = await startRig({
    providers: ["deepseek", "xiaomi"],
    retry: { max_attempts: 1 },
    variants: { b: {} },
    aliases: { routed: [FIRST, "xiaomi/mimo-v2.5"], "routed-b": ["deepseek-b/deepseek-v4-pro", "xiaomi/mimo-v2.5"], "retry-after": ["deepseek/deepseek-v4-flash", "xiaomi/mimo-v2.5"] },
    routing: { failures: 2, window_ms: 60_000, cooldown_ms: COOLDOWN_MS },
  });
});
afterAll(async () => {
  await rig?.close();
});
beforeEach(() => {
  for (const m of Object.values(rig.mocks)) m.clear();
});

const busy = { status: 503, json: { error: { message: "Server busy", type: "server_error" } } } as const;
const send = async (model: string) => {
  const r = await post(rig.url, requestBody(model, true));
  return { ...outcomeOf(r), served: r.headers["x-godex-served-by"] };
};
const target = async (id: string) => (JSON.parse((await get(rig.url, "/health")).text).targets as any[]).find((t) => t.target === id);

it("skips a target after N failures until the cooldown ends, then sends one probe", async () => {
  rig.mocks.deepseek!.enqueue("deepseek", busy, busy);
  for (let i = 0; i < 2; i++) expect((await send("routed")).served).toBe("xiaomi/mimo-v2.5");
  expect(rig.upstreamCount("deepseek")).toBe(2);
  expect(await target(FIRST)).toMatchObject({ state: "open", failures: 2, circuit_opened: 1, last_error: expect.stringContaining("Server busy") });

  // Open: the first target's emulator sees nothing; the fallback serves, and says why.
  for (let i = 0; i < 3; i++) {
    const o = await send("routed");
    expect(o.summary).toBe("SSE completed");
    expect(o.served).toBe("xiaomi/mimo-v2.5");
    expect(diagnosticsOf(o)).toContain("served_by_fallback");
    expect(o.response.godex.diagnostics.find((d: any) => d.code === "served_by_fallback").message).toMatch(/skipped: cooling down/);
  }
  expect(rig.upstreamCount("deepseek")).toBe(2);
  expect(await target(FIRST)).toMatchObject({ state: "open", skipped: 3 });

  // Cooldown over: one probe reaches the first target; it answers, the circuit closes.
  await new Promise((r) => setTimeout(r, COOLDOWN_MS + 100));
  expect((await target(FIRST)).state).toBe("half_open");
  const probe = await send("routed");
  expect(probe.served).toBe(FIRST);
  expect(diagnosticsOf(probe)).not.toContain("served_by_fallback");
  expect(rig.upstreamCount("deepseek")).toBe(3);
  expect(await target(FIRST)).toMatchObject({ state: "closed", recent_failures: 0 });
  expect((await send("routed")).served).toBe(FIRST);
}, 20_000);

it("a failed probe opens the circuit again for twice as long", async () => {
  rig.mocks.deepseek!.enqueue("deepseek", busy, busy, busy);
  await send("routed-b");
  await send("routed-b");
  await new Promise((r) => setTimeout(r, COOLDOWN_MS + 100));
  const before = Date.now();
  expect((await send("routed-b")).served).toBe("xiaomi/mimo-v2.5"); // the probe failed over
  const t = await target("deepseek-b/deepseek-v4-pro");
  expect(t.state).toBe("open");
  const left = Date.parse(t.cooldown_until) - before;
  expect(left).toBeGreaterThan(COOLDOWN_MS * 1.5);
  expect(left).toBeLessThanOrEqual(COOLDOWN_MS * 2 + 1000);
  expect(rig.upstreamCount("deepseek")).toBe(3);
}, 20_000);

it("honours Retry-After: one 429 asking for 5 s opens the circuit for 5 s", async () => {
  rig.mocks.deepseek!.enqueue("deepseek", { status: 429, json: { error: { message: "Rate limit reached", type: "rate_limit_error" } }, headers: { "retry-after": "5" } });
  expect((await send("retry-after")).served).toBe("xiaomi/mimo-v2.5");
  const t = await target("deepseek/deepseek-v4-flash");
  expect(t).toMatchObject({ state: "open", retry_after_ms: 5000 });
  expect(Date.parse(t.cooldown_until) - Date.now()).toBeGreaterThan(3500);
  expect((await send("retry-after")).served).toBe("xiaomi/mimo-v2.5");
  expect(rig.upstreamCount("deepseek")).toBe(1);
  // The status page's data carries the same per-target state.
  const status = JSON.parse((await get(rig.url, "/status.json")).text);
  expect(status.targets.find((x: any) => x.target === "deepseek/deepseek-v4-flash")).toMatchObject({ state: "open" });
}, 20_000);

it("godex models --live shows each routed target's circuit state", async () => {
  const { models } = await import("../../src/cli/models.ts");
  const { memoryIO } = await import("../fixtures/cli/io.ts");
  const { mkdtempSync, writeFileSync, rmSync } = await import("node:fs");
  const { join } = await import("node:path");
  const { tmpdir } = await import("node:os");
  const dir = mkdtempSync(join(tmpdir(), "godex-models-live-"));
  try {
    writeFileSync(
      join(dir, "godex.yaml"),
      "models:\n  aliases:\n    routed: [deepseek/deepseek-v4-pro, xiaomi/mimo-v2.5]\nproviders:\n  deepseek: { endpoint: { base_url: http://127.0.0.1:9 } }\n  xiaomi: { endpoint: { base_url: http://127.0.0.1:9 } }\n",
    );
    const m = memoryIO({ cwd: dir });
    expect(await models(["--live", "--url", rig.url], m.io)).toBe(0);
    expect(m.stdout()).toMatch(/routed\s+→ deepseek\/deepseek-v4-pro → xiaomi\/mimo-v2.5/);
    expect(m.stdout()).toMatch(/Targets \(live, .*\)/);
    expect(m.stdout()).toMatch(/deepseek\/deepseek-v4-flash\s+open until /);
    const bad = memoryIO({ cwd: dir });
    expect(await models(["--live", "--url", "http://127.0.0.1:9"], bad.io)).toBe(1);
    expect(bad.stderr()).toMatch(/cannot reach the server/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
