// The circuit breaker on its own clock: window, cooldown, single probe, doubling, Retry-After, release.
import { expect, it } from "vitest";
import { TargetHealth } from "../../src/engine/routing/health.ts";
import type { RoutingPolicy } from "../../src/config/types.ts";

const policy: RoutingPolicy = { failures: 3, windowMs: 10_000, cooldownMs: 1_000, maxCooldownMs: 5_000 };

it("opens after N failures within the window only", () => {
  let now = 0;
  const h = new TargetHealth(() => now);
  h.failure("a/x", policy, "busy");
  now = 11_000; // the first failure left the window
  h.failure("a/x", policy, "busy");
  h.failure("a/x", policy, "busy");
  expect(h.admit("a/x")).toBe("use");
  h.failure("a/x", policy, "busy");
  expect(h.stateOf("a/x")).toBe("open");
  expect(h.admit("a/x")).toBe("skip");
});

it("lets one probe through after the cooldown; a failed probe doubles the cooldown up to the cap", () => {
  let now = 0;
  const h = new TargetHealth(() => now);
  for (let i = 0; i < 3; i++) h.failure("a/x", policy, "busy");
  now = 1_000;
  expect(h.admit("a/x")).toBe("probe");
  expect(h.admit("a/x")).toBe("skip"); // only one probe at a time
  h.failure("a/x", policy, "still busy");
  expect(h.openUntil("a/x")).toBe(3_000);
  now = 3_000;
  expect(h.admit("a/x")).toBe("probe");
  h.failure("a/x", policy, "still busy");
  expect(h.openUntil("a/x")).toBe(7_000);
  now = 7_000;
  expect(h.admit("a/x")).toBe("probe");
  h.failure("a/x", policy, "still busy");
  expect(h.openUntil("a/x")).toBe(7_000 + 5_000); // capped at maxCooldownMs
  now = 12_000;
  expect(h.admit("a/x")).toBe("probe");
  h.success("a/x");
  expect(h.stateOf("a/x")).toBe("closed");
  expect(h.admit("a/x")).toBe("use");
});

it("a probe that was never used is released for the next request", () => {
  let now = 0;
  const h = new TargetHealth(() => now);
  for (let i = 0; i < 3; i++) h.failure("a/x", policy, "busy");
  now = 2_000;
  expect(h.admit("a/x")).toBe("probe");
  h.release("a/x");
  expect(h.admit("a/x")).toBe("probe");
});

it("Retry-After opens the circuit at once, for as long as asked (capped)", () => {
  let now = 0;
  const h = new TargetHealth(() => now);
  h.failure("a/x", policy, "rate limited", 4_000);
  expect(h.view("a/x")).toMatchObject({ state: "open", retry_after_ms: 4_000 });
  expect(h.openUntil("a/x")).toBe(4_000);
  h.success("a/x");
  h.failure("a/x", policy, "rate limited", 60_000);
  expect(h.openUntil("a/x")).toBe(5_000);
});
