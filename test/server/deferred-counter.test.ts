// Per-response counters are summed in GodeX and reach prom-client when scraped: /metrics reads the
// exact sums, and the pending map stays bounded however many label sets appear.
import { Counter, Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { DeferredCounter } from "../../src/server/deferred-counter.ts";

function counter() {
  const registry = new Registry();
  const sums = new DeferredCounter<"a" | "b">(["a", "b"]);
  sums.attach(new Counter({ name: "t_total", help: "t", labelNames: ["a", "b"], registers: [registry], collect: () => sums.flush() }));
  return { registry, sums };
}

const lines = async (r: Registry) => (await r.metrics()).split("\n").filter((l) => l.startsWith("t_total{"));

describe("DeferredCounter", () => {
  it("scrapes the exact sums per label set, and keeps counting after a scrape", async () => {
    const { registry, sums } = counter();
    for (let i = 0; i < 5; i++) sums.inc({ a: "x", b: "1" });
    sums.inc({ a: "x", b: "2" }, 2.5);
    sums.inc({ a: "y", b: "1" }, 7);
    expect(await lines(registry)).toEqual(['t_total{a="x",b="1"} 5', 't_total{a="x",b="2"} 2.5', 't_total{a="y",b="1"} 7']);
    sums.inc({ a: "x", b: "1" }, 10);
    expect(await lines(registry)).toContain('t_total{a="x",b="1"} 15');
  });

  it("label values that would join alike stay apart", async () => {
    const { registry, sums } = counter();
    sums.inc({ a: "p", b: "q r" });
    sums.inc({ a: "p q", b: "r" });
    expect(await lines(registry)).toHaveLength(2);
  });

  it("hands its sums over once it holds 1,000 label sets (bounded), losing nothing", async () => {
    const { registry, sums } = counter();
    for (let i = 0; i < 2_500; i++) sums.inc({ a: `k${i}`, b: "x" });
    expect((sums as unknown as { pending: Map<string, unknown> }).pending.size).toBeLessThanOrEqual(1_000);
    expect(await lines(registry)).toHaveLength(2_500);
  });
});
