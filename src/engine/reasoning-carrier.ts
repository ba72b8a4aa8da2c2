// Carries a provider's reasoning text through the client inside a reasoning item's
// `encrypted_content`, so GodeX stays stateless (Codex sends store:false and echoes the item back).
// Format: `gdx1.<base64url(payload)>.<base64url(hmac-sha256)[0..22]>`, payload = JSON, deflated when large.
// The HMAC proves GodeX wrote it; the payload names the provider, so one provider's reasoning is
// never replayed into another provider's request.
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { deflateRawSync, inflateRawSync } from "node:zlib";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { StringLru } from "../util/string-lru.ts";

const PREFIX = "gdx1.";
const DEFLATE_ABOVE = 1024;

export interface CarriedReasoning {
  /** Provider (mapping) name that produced the reasoning. */
  provider: string;
  /** Reasoning text as the provider sent it. */
  reasoning: string;
  /** Raw assistant content prefix (e.g. MiniMax `<think>…</think>\n\n`) to replay verbatim. */
  rawPrefix?: string;
}

export type CarrierResult =
  | { ok: true; value: CarriedReasoning }
  | { ok: false; reason: "foreign" | "tampered" | "malformed" | "other_provider"; provider?: string };

/**
 * Opened carriers, by their exact sealed text: Codex resends every earlier reasoning item on every
 * turn, and opening one (HMAC + inflate + JSON.parse) was ~7% of a 1 MB history's CPU. Only texts
 * whose HMAC checked out under this carrier's secret are kept, so a hit is what opening would give.
 */
export const OPENED_CACHE_LIMITS = { entries: 2048, chars: 8 * 1024 * 1024 };

interface Opened {
  p: string;
  r: string;
  c: string | undefined;
}

export class ReasoningCarrier {
  private readonly opened = new StringLru<Opened>(OPENED_CACHE_LIMITS.entries, OPENED_CACHE_LIMITS.chars);

  constructor(private readonly secret: Buffer) {}

  /** Entries and characters the opened cache holds (tests). */
  get cacheUse(): { entries: number; chars: number } {
    return { entries: this.opened.size, chars: this.opened.weight };
  }

  seal(value: CarriedReasoning): string {
    const json = JSON.stringify({ p: value.provider, r: value.reasoning, c: value.rawPrefix });
    const raw = Buffer.from(json, "utf8");
    const body = raw.length > DEFLATE_ABOVE ? Buffer.concat([Buffer.from("z"), deflateRawSync(raw)]) : Buffer.concat([Buffer.from("j"), raw]);
    const payload = body.toString("base64url");
    return `${PREFIX}${payload}.${this.mac(payload)}`;
  }

  open(blob: unknown, expectedProvider: string): CarrierResult {
    if (typeof blob !== "string" || !blob.startsWith(PREFIX)) return { ok: false, reason: "foreign" };
    const hit = this.opened.get(blob);
    if (hit) return opened(hit, expectedProvider);
    const dot = blob.lastIndexOf(".");
    const payload = blob.slice(PREFIX.length, dot);
    const mac = blob.slice(dot + 1);
    const expected = this.mac(payload);
    if (mac.length !== expected.length || !timingSafeEqual(Buffer.from(mac), Buffer.from(expected))) {
      return { ok: false, reason: "tampered" };
    }
    try {
      const body = Buffer.from(payload, "base64url");
      const raw = body[0] === 0x7a /* z */ ? inflateRawSync(body.subarray(1)) : body.subarray(1);
      const parsed = JSON.parse(raw.toString("utf8"));
      if (typeof parsed.p !== "string" || typeof parsed.r !== "string") return { ok: false, reason: "malformed" };
      const value: Opened = { p: parsed.p, r: parsed.r, c: typeof parsed.c === "string" ? parsed.c : undefined };
      this.opened.set(blob, value, blob.length + value.p.length + value.r.length + (value.c?.length ?? 0));
      return opened(value, expectedProvider);
    } catch {
      return { ok: false, reason: "malformed" };
    }
  }

  private mac(payload: string): string {
    return createHmac("sha256", this.secret).update(payload).digest("base64url").slice(0, 22);
  }
}

function opened(v: Opened, expectedProvider: string): CarrierResult {
  if (v.p !== expectedProvider) return { ok: false, reason: "other_provider", provider: v.p };
  return { ok: true, value: { provider: v.p, reasoning: v.r, rawPrefix: v.c } };
}

/**
 * The carrier key must survive restarts, or Codex sessions lose their reasoning after one:
 * it comes from config, else from a key file created once (mode 0600).
 */
export function carrierSecret(configured: string | undefined, keyFile: string): Buffer {
  if (configured) return Buffer.from(configured, "utf8");
  try {
    if (existsSync(keyFile)) {
      const existing = readFileSync(keyFile, "utf8").trim();
      if (existing.length >= 32) return Buffer.from(existing, "utf8");
    }
    const fresh = randomBytes(32).toString("hex");
    mkdirSync(dirname(keyFile), { recursive: true });
    writeFileSync(keyFile, fresh + "\n", { mode: 0o600 });
    return Buffer.from(fresh, "utf8");
  } catch {
    // Read-only home: fall back to a per-process key (reasoning survives only until restart).
    return randomBytes(32);
  }
}
