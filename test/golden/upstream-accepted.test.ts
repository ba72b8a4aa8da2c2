// Every Chat body a golden case pins (upstream-request.json) must be one the provider accepts: it is run
// through the strict emulator's request validator (src/mock/*-validate.ts), so a translation that a real
// provider would answer with a 400 (unpaired tool messages, a missing reasoning_content, a developer role
// where it is refused …) cannot be blessed into a golden file.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { validateDeepSeek } from "../../src/mock/deepseek-validate.ts";
import { validateMiniMax } from "../../src/mock/minimax-validate.ts";
import { validateXiaomi } from "../../src/mock/xiaomi-validate.ts";
import { validateZhipu } from "../../src/mock/zhipu-validate.ts";
import { NativeResponses } from "../../src/mock/native.ts";
import { deepseekNative, minimaxNative, xiaomiNative, zhipuNative } from "../../src/mock/native-profiles.ts";

const ROOT = import.meta.dirname;
const VALIDATORS: Record<string, (raw: string, body: unknown) => unknown> = {
  deepseek: (raw, body) => validateDeepSeek(raw, body, false),
  zhipu: (_raw, body) => validateZhipu(body),
  minimax: (_raw, body) => validateMiniMax(body),
  xiaomi: (_raw, body) => validateXiaomi(body),
};

/** Bodies sent on the native Responses wire go through that endpoint's emulator checks instead. */
const NATIVE: Record<string, NativeResponses> = {
  deepseek: new NativeResponses(deepseekNative()),
  zhipu: new NativeResponses(zhipuNative()),
  minimax: new NativeResponses(minimaxNative()),
  xiaomi: new NativeResponses(xiaomiNative()),
};

function nativeWire(dir: string): boolean {
  const file = join(dir, "case.json");
  return existsSync(file) && JSON.parse(readFileSync(file, "utf8"))?.provider?.wire === "responses";
}

for (const provider of Object.keys(VALIDATORS)) {
  const dir = join(ROOT, provider);
  // Every pinned call: upstream-request.json, and upstream-request-N.json of a hosted tool loop (where
  // the later calls carry the reasoning pass-back DeepSeek and MiMo reject a request without).
  const cases = readdirSync(dir)
    .filter((name) => existsSync(join(dir, name, "upstream-request.json")))
    .flatMap((name) => readdirSync(join(dir, name)).filter((f) => /^upstream-request(-\d+)?\.json$/.test(f)).map((f) => (f === "upstream-request.json" ? name : `${name}/${f}`)))
    .sort();
  describe(`golden upstream bodies accepted: ${provider}`, () => {
    it.each(cases)("%s", (name) => {
      const path = name.includes("/") ? join(dir, name) : join(dir, name, "upstream-request.json");
      const body = JSON.parse(readFileSync(path, "utf8"));
      // GodeX sends JSON.stringify of the body (the golden harness checks those exact bytes).
      if (nativeWire(join(dir, name))) expect(NATIVE[provider]!.check(body)).toBeUndefined();
      else expect(VALIDATORS[provider]!(JSON.stringify(body), body)).toBeUndefined();
    });
  });
}
