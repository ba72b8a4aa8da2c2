// The public Open Responses compliance suite (vendored in openresponses/, run with bun) against GodeX
// with each provider's emulator behind it. Which tests must pass is decided in suite.ts.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PROVIDER_ALIASES, PROVIDERS, startStack, type Stack } from "../e2e/helpers.ts";
import { runSuite, suiteTestIds } from "./run-suite.ts";
import { ENABLED_TESTS, SUITE_TESTS } from "./suite.ts";

let stack: Stack;

beforeAll(async () => {
  stack = await startStack({ providers: PROVIDERS });
});

afterAll(async () => {
  await stack?.close();
});

describe("Open Responses compliance suite", () => {
  it("suite.ts decides about every test the vendored suite defines", async () => {
    const ids = await suiteTestIds();
    expect(ids.length).toBeGreaterThanOrEqual(17);
    expect([...ids].sort()).toEqual(Object.keys(SUITE_TESTS).sort());
  });

  it.each(PROVIDERS.map((p) => [p]))("%s: every enabled test passes", async (provider) => {
    const report = await runSuite({ baseUrl: `${stack.gatewayUrl}/v1`, model: PROVIDER_ALIASES[provider], ids: ENABLED_TESTS });
    const failed = report.results.filter((r) => r.status !== "passed").map((r) => ({ id: r.id, status: r.status, errors: r.errors }));
    expect(failed).toEqual([]);
    expect(report.results.map((r) => r.id).sort()).toEqual([...ENABLED_TESTS].sort());
    expect(report.summary.passed).toBe(ENABLED_TESTS.length);
    // The requests really went through GodeX to this provider's emulator.
    expect(stack.mock.requests.some((r) => r.path.startsWith(`/${provider}/`))).toBe(true);
  });
});
