// Inbound auth: when server.auth.tokens is set, every API request must carry one of them as a
// Bearer token (compared in constant time). /health stays open for probes.
import { createHash, timingSafeEqual } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { ClientError } from "../protocol/types.ts";
import { sendError } from "./errors.ts";

const digest = (s: string) => createHash("sha256").update(s).digest();

/** The name of the token a request authenticated with (never the token itself). */
const tokenNames = new WeakMap<IncomingMessage, string>();
export function tokenNameOf(req: IncomingMessage): string | null {
  return tokenNames.get(req) ?? null;
}

/**
 * Whether a request's Authorization header carries an accepted token (true when no tokens are
 * configured); the matched token's name is remembered for the ledger.
 */
export function tokenChecker(currentTokens: () => string[], currentNames: () => string[] = () => []) {
  let cachedFor: string[] | null = null;
  let expected: Buffer[] = [];
  return (req: IncomingMessage): boolean => {
    const tokens = currentTokens();
    if (tokens.length === 0) return true;
    if (tokens !== cachedFor) {
      cachedFor = tokens;
      expected = tokens.map(digest);
    }
    const header = req.headers.authorization ?? "";
    const m = /^Bearer\s+(.+)$/i.exec(header);
    const given = m ? digest(m[1].trim()) : null;
    // Hashing first makes every comparison the same length, so timingSafeEqual applies; every
    // configured token is compared (no early exit), so timing does not tell which one matched.
    let matched = -1;
    if (given !== null) {
      for (let i = 0; i < expected.length; i++) if (timingSafeEqual(expected[i], given) && matched < 0) matched = i;
    }
    if (matched < 0) return false;
    tokenNames.set(req, currentNames()[matched] ?? `token-${matched + 1}`);
    return true;
  };
}

export const missingToken = () => new ClientError(401, "authentication_error", "invalid_api_key", "GodeX requires a bearer token (server.auth.tokens); set env_key in the Codex provider config.");

export function requireToken(currentTokens: () => string[], currentNames: () => string[] = () => []) {
  const check = tokenChecker(currentTokens, currentNames);
  return (req: IncomingMessage, res: ServerResponse, next: (err?: unknown) => void) => {
    if (check(req)) return next();
    sendError(res, missingToken());
  };
}

/** Listening beyond loopback without tokens needs an explicit opt-out. */
export function remoteBindProblem(host: string, tokens: string[], allowUnauthenticatedRemote: boolean, isLoopback: (h: string) => boolean): string | null {
  if (isLoopback(host) || tokens.length > 0 || allowUnauthenticatedRemote) return null;
  return `refusing to listen on ${host} without server.auth.tokens: anyone on the network could spend your provider credits. Add tokens, bind to 127.0.0.1, or set server.auth.allow_unauthenticated_remote: true.`;
}
