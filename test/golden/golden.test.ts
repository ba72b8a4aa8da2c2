// Runs every golden case folder test/golden/<provider>/<case>/ (see README.md in this folder).
//   npx vitest run test/golden                     compare
//   GOLDEN_UPDATE=1 npx vitest run test/golden     rewrite upstream-request.json + expected.* (then review them!)
//   GOLDEN_KNOWN_BUGS=1 npx vitest run test/golden also run the KNOWN_BUG.md cases (they fail until fixed)
import { describe, it } from "vitest";
import { RUN_KNOWN_BUGS, UPDATE, checkCase, checkExpectedFiles, checkInvariants, discoverCases, runCase, writeCase, type GoldenCase } from "./harness.ts";

const cases = discoverCases();
const byProvider = new Map<string, GoldenCase[]>();
for (const c of cases) byProvider.set(c.provider, [...(byProvider.get(c.provider) ?? []), c]);

if (cases.length === 0) {
  it.todo("no golden cases found under test/golden/<provider>/<case>/");
}

for (const [provider, list] of byProvider) {
  describe(`golden: ${provider}`, () => {
    for (const c of list) {
      if (c.knownBug && !RUN_KNOWN_BUGS) {
        // Hand-written expected files describe the correct output; GodeX does not produce it yet.
        it.todo(`${c.name} — KNOWN BUG: ${c.knownBug}`);
        it(`${c.name} — known bug: the hand-written expected files are well-formed`, () => checkExpectedFiles(c));
        continue;
      }
      it(c.name, async () => {
        const result = await runCase(c);
        if (!c.knownBug) checkInvariants(c, result);
        if (UPDATE && !c.knownBug) writeCase(c, result);
        else checkCase(c, result);
      }, 20_000);
    }
  });
}
