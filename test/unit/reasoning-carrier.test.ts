// ReasoningCarrier: provider reasoning sealed into encrypted_content and opened on the next turn.
import { createHmac } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { deflateRawSync } from "node:zlib";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { OPENED_CACHE_LIMITS, ReasoningCarrier, carrierSecret, type CarriedReasoning } from "../../src/engine/reasoning-carrier.ts";

const SECRET = Buffer.from("0123456789abcdef0123456789abcdef", "utf8");
const carrier = new ReasoningCarrier(SECRET);

/** The format documented in reasoning-carrier.ts: gdx1.<base64url(payload)>.<base64url(hmac)[0..22]>. */
function forge(body: Buffer, secret = SECRET): string {
  const payload = body.toString("base64url");
  const mac = createHmac("sha256", secret).update(payload).digest("base64url").slice(0, 22);
  return `gdx1.${payload}.${mac}`;
}

function payloadBytes(blob: string): Buffer {
  const parts = blob.split(".");
  expect(parts).toHaveLength(3);
  return Buffer.from(parts[1]!, "base64url");
}

function roundTrip(value: CarriedReasoning) {
  const blob = carrier.seal(value);
  expect(blob.startsWith("gdx1.")).toBe(true);
  expect(blob).toMatch(/^gdx1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{22}$/);
  const opened = carrier.open(blob, value.provider);
  expect(opened).toEqual({ ok: true, value: { provider: value.provider, reasoning: value.reasoning, rawPrefix: value.rawPrefix } });
  return blob;
}

describe("ReasoningCarrier seal/open", () => {
  it("round-trips short reasoning, with and without a raw prefix", () => {
    roundTrip({ provider: "deepseek", reasoning: "Let me think about this." });
    roundTrip({ provider: "minimax", reasoning: "abc", rawPrefix: "<think>\nabc\n</think>\n\n" });
    roundTrip({ provider: "deepseek", reasoning: "" });
    roundTrip({ provider: "deepseek", reasoning: "", rawPrefix: "" });
  });

  it("round-trips unicode: CJK, emoji, combining marks, control characters, lone surrogates", () => {
    roundTrip({ provider: "zhipu", reasoning: "思考一下：用户想要 😀👩‍💻 e\u0301 \u0000\u001f\u2028\u2029 \"quoted\" \\ back" });
    roundTrip({ provider: "deepseek", reasoning: "lone \ud800 high and \udfff low" });
    roundTrip({ provider: "prov-ü", reasoning: "ok" });
  });

  it("deflates large payloads and still round-trips them", () => {
    const big = "The user wants a refactor of module X. ".repeat(5000) + "终わり 😀";
    const blob = roundTrip({ provider: "deepseek", reasoning: big, rawPrefix: `<think>${big}</think>\n\n` });
    const body = payloadBytes(blob);
    expect(String.fromCharCode(body[0]!)).toBe("z");
    expect(blob.length).toBeLessThan(big.length / 10);
  });

  it("round-trips payloads right around the deflate threshold", () => {
    for (let n = 980; n <= 1080; n++) roundTrip({ provider: "deepseek", reasoning: "é".repeat(Math.floor(n / 2)) + "x".repeat(n % 2) });
    const small = payloadBytes(carrier.seal({ provider: "deepseek", reasoning: "hi" }));
    expect(String.fromCharCode(small[0]!)).toBe("j");
  });

  it("round-trips random text (property)", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 3000 }), fc.option(fc.string({ maxLength: 200 }), { nil: undefined }), (reasoning, rawPrefix) => {
        const blob = carrier.seal({ provider: "deepseek", reasoning, rawPrefix });
        expect(carrier.open(blob, "deepseek")).toEqual({ ok: true, value: { provider: "deepseek", reasoning, rawPrefix } });
      }),
      { numRuns: 200 },
    );
  });

  it("sealing is deterministic (the same request gives the same bytes)", () => {
    const v = { provider: "deepseek", reasoning: "same".repeat(400) };
    expect(carrier.seal(v)).toBe(carrier.seal(v));
  });
});

describe("ReasoningCarrier rejects", () => {
  const blob = carrier.seal({ provider: "deepseek", reasoning: "secret thoughts ".repeat(10) });
  const [, payload, mac] = blob.split(".") as [string, string, string];

  it("a tampered payload, MAC or truncated blob → tampered", () => {
    const flip = (s: string, i: number) => s.slice(0, i) + (s[i] === "A" ? "B" : "A") + s.slice(i + 1);
    for (let i = 0; i < payload.length; i += 7) {
      expect(carrier.open(`gdx1.${flip(payload, i)}.${mac}`, "deepseek")).toEqual({ ok: false, reason: "tampered" });
    }
    for (let i = 0; i < mac.length; i++) {
      expect(carrier.open(`gdx1.${payload}.${flip(mac, i)}`, "deepseek")).toEqual({ ok: false, reason: "tampered" });
    }
    expect(carrier.open(blob.slice(0, -1), "deepseek")).toMatchObject({ ok: false, reason: "tampered" });
    expect(carrier.open(`${blob}A`, "deepseek")).toMatchObject({ ok: false, reason: "tampered" });
    expect(carrier.open(`gdx1.${payload}`, "deepseek")).toMatchObject({ ok: false, reason: "tampered" });
    expect(carrier.open(`gdx1.${payload}.`, "deepseek")).toMatchObject({ ok: false, reason: "tampered" });
    expect(carrier.open("gdx1.", "deepseek")).toMatchObject({ ok: false, reason: "tampered" });
    expect(carrier.open("gdx1..", "deepseek")).toMatchObject({ ok: false, reason: "tampered" });
  });

  it("a blob sealed with a different secret → tampered", () => {
    const other = new ReasoningCarrier(Buffer.from("another-secret-another-secret-xx", "utf8"));
    expect(other.open(blob, "deepseek")).toEqual({ ok: false, reason: "tampered" });
    expect(carrier.open(other.seal({ provider: "deepseek", reasoning: "x" }), "deepseek")).toEqual({ ok: false, reason: "tampered" });
  });

  it("another provider's reasoning → other_provider, naming it", () => {
    expect(carrier.open(blob, "zhipu")).toEqual({ ok: false, reason: "other_provider", provider: "deepseek" });
    const big = carrier.seal({ provider: "minimax", reasoning: "x".repeat(5000) });
    expect(carrier.open(big, "deepseek")).toEqual({ ok: false, reason: "other_provider", provider: "minimax" });
  });

  it("a foreign string (OpenAI's own encrypted_content, junk, non-strings) → foreign", () => {
    for (const foreign of ["gAAAA-fake", "gAAAAABoX1y2Zk9fakefakefake==", "", "GDX1.abc.def", " gdx1.abc.def", "gdx2.abc.def"]) {
      expect(carrier.open(foreign, "deepseek")).toEqual({ ok: false, reason: "foreign" });
    }
    for (const v of [null, undefined, 42, {}, ["gdx1."]]) {
      expect(carrier.open(v, "deepseek")).toEqual({ ok: false, reason: "foreign" });
    }
  });

  it("an authentic MAC over a broken payload → malformed, never a throw", () => {
    const cases = [
      Buffer.from("jnot json"),
      Buffer.from('j{"r":"no provider"}'),
      Buffer.from('j{"p":1,"r":"x"}'),
      Buffer.from('j{"p":"deepseek","r":5}'),
      Buffer.from("jnull"),
      Buffer.concat([Buffer.from("z"), Buffer.from("definitely not deflate")]),
      Buffer.concat([Buffer.from("z"), deflateRawSync(Buffer.from("not json"))]),
      Buffer.from(""),
    ];
    for (const body of cases) {
      expect(carrier.open(forge(body), "deepseek"), body.toString("latin1")).toMatchObject({ ok: false, reason: "malformed" });
    }
  });

  it("an authentic payload with a non-string raw prefix opens without one", () => {
    const r = carrier.open(forge(Buffer.from('j{"p":"deepseek","r":"x","c":7}')), "deepseek");
    expect(r).toEqual({ ok: true, value: { provider: "deepseek", reasoning: "x", rawPrefix: undefined } });
  });
});

describe("carrierSecret", () => {
  const dir = mkdtempSync(join(tmpdir(), "godex-carrier-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("uses the configured secret verbatim and touches no file", () => {
    const file = join(dir, "unused", "carrier.key");
    expect(carrierSecret("configured-secret-value", file).toString("utf8")).toBe("configured-secret-value");
    expect(existsSync(file)).toBe(false);
  });

  it("creates a key file with mode 0600 (and its directory) and reuses it", () => {
    const file = join(dir, "nested", "deeper", "carrier.key");
    const first = carrierSecret(undefined, file);
    expect(existsSync(file)).toBe(true);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, "utf8").trim()).toBe(first.toString("utf8"));
    expect(first.length).toBeGreaterThanOrEqual(32);
    const second = carrierSecret(undefined, file);
    expect(second.equals(first)).toBe(true);
    // A blob sealed before a "restart" opens after it.
    const sealed = new ReasoningCarrier(first).seal({ provider: "deepseek", reasoning: "persisted" });
    expect(new ReasoningCarrier(second).open(sealed, "deepseek")).toMatchObject({ ok: true });
  });

  it("reuses an existing key file written by someone else", () => {
    const file = join(dir, "existing.key");
    const key = "k".repeat(40);
    writeFileSync(file, `${key}\n`, { mode: 0o600 });
    expect(carrierSecret(undefined, file).toString("utf8")).toBe(key);
    expect(readFileSync(file, "utf8")).toBe(`${key}\n`);
  });

  it("replaces a key file that is too short to be a real key", () => {
    const file = join(dir, "short.key");
    writeFileSync(file, "short\n", { mode: 0o600 });
    const secret = carrierSecret(undefined, file).toString("utf8");
    expect(secret).not.toBe("short");
    expect(secret.length).toBeGreaterThanOrEqual(32);
    expect(readFileSync(file, "utf8").trim()).toBe(secret);
  });

  it("falls back to a per-process key when the file cannot be written", () => {
    const blocker = join(dir, "a-file");
    writeFileSync(blocker, "x");
    const file = join(blocker, "sub", "carrier.key"); // parent is a regular file
    const a = carrierSecret(undefined, file);
    const b = carrierSecret(undefined, file);
    expect(a.length).toBeGreaterThanOrEqual(32);
    expect(a.equals(b)).toBe(false);
  });
});

describe("ReasoningCarrier opened cache", () => {
  it("answers a text opened before exactly as opening it again would, for every provider asked", () => {
    const c = new ReasoningCarrier(SECRET);
    const blob = c.seal({ provider: "deepseek", reasoning: "r".repeat(3000), rawPrefix: "<think>" });
    const fresh = () => new ReasoningCarrier(SECRET);
    for (const provider of ["deepseek", "minimax"]) {
      const first = c.open(blob, provider);
      expect(c.open(blob, provider)).toEqual(first);
      expect(fresh().open(blob, provider)).toEqual(first);
    }
    expect(c.cacheUse.entries).toBe(1);
  });

  it("keeps nothing that failed its HMAC, and a tampered copy of a cached text still fails", () => {
    const c = new ReasoningCarrier(SECRET);
    const blob = c.seal({ provider: "deepseek", reasoning: "secret thoughts" });
    expect(c.open(blob, "deepseek").ok).toBe(true);
    const tampered = blob.slice(0, -2) + (blob.endsWith("AA") ? "BB" : "AA");
    expect(c.open(tampered, "deepseek")).toEqual({ ok: false, reason: "tampered" });
    expect(c.open(tampered, "deepseek")).toEqual({ ok: false, reason: "tampered" });
    expect(c.cacheUse.entries).toBe(1);
    // Another secret's carrier has its own cache: the text is not its own.
    expect(new ReasoningCarrier(Buffer.from("another-secret-another-secret-xx", "utf8")).open(blob, "deepseek")).toEqual({ ok: false, reason: "tampered" });
  });

  it("is bounded by entries and characters", () => {
    const c = new ReasoningCarrier(SECRET);
    const n = OPENED_CACHE_LIMITS.entries + 50;
    for (let i = 0; i < n; i++) expect(c.open(c.seal({ provider: "p", reasoning: `step ${i}` }), "p").ok).toBe(true);
    expect(c.cacheUse.entries).toBe(OPENED_CACHE_LIMITS.entries);
    const big = "z".repeat(200_000);
    for (let i = 0; i < 60; i++) c.open(c.seal({ provider: "p", reasoning: `${i}${big}` }), "p");
    expect(c.cacheUse.chars).toBeLessThanOrEqual(OPENED_CACHE_LIMITS.chars);
  });
});
