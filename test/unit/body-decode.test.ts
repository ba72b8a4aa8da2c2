// decodeUtf8 (request bodies): the same string as buf.toString("utf8") for any valid UTF-8.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { decodeUtf8 } from "../../src/server/body.ts";

describe("decodeUtf8", () => {
  it("equals toString('utf8') for large and small bodies, ASCII or not, BOM included", () => {
    const pad = "a".repeat(70_000);
    for (const text of ["", "{}", pad, "\uFEFF" + pad, pad + "\uFEFF", pad + "😀é—✓\u0000\u2028", "😀".repeat(40_000), "é".repeat(50_000), pad + "\u00ff", "\uD7FF\uE000\uFFFF" + pad]) {
      const buf = Buffer.from(text, "utf8");
      expect(decodeUtf8(buf)).toBe(buf.toString("utf8"));
    }
  });

  it("equals toString('utf8') for random text around the size where it switches decoders", () => {
    fc.assert(
      fc.property(fc.string({ unit: "grapheme", minLength: 1, maxLength: 30 }), fc.integer({ min: 2000, max: 9000 }), (s, n) => {
        const buf = Buffer.from(s.repeat(n).slice(0, 70_000 + n), "utf8");
        expect(decodeUtf8(buf)).toBe(buf.toString("utf8"));
      }),
      { numRuns: 60 },
    );
  });
});
