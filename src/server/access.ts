// Who may talk to GodeX over HTTP. GodeX holds the user's provider keys on a port that every web
// page the user visits can reach, so three checks run before anything else, on every route and
// transport (the Express app, the raw POST /v1/responses fast path, WebSocket upgrades):
// - Host: on a loopback bind, only loopback names and server.allowed_hosts (DNS rebinding);
// - Origin: a browser names the page that sent a request; only server.cors.allowed_origins (with
//   CORS answers) and GodeX's own pages are served. No-cors requests from other sites, which carry
//   no Origin, are recognised by their Sec-Fetch-Site header;
// - POST bodies must be declared application/json: a page may post text/plain or a form to any
//   site without a CORS preflight.
// Each check is a few string comparisons on headers Node has already parsed; the rules are
// compiled once per loaded config.
import type { IncomingMessage, ServerResponse } from "node:http";
import { STATUS_CODES } from "node:http";
import type { Duplex } from "node:stream";
import type { ServerConfig } from "../config/types.ts";
import { isLoopbackHost } from "../config/load.ts";
import { ClientError } from "../protocol/types.ts";
import { sendError } from "./errors.ts";

export interface AccessRules {
  /** Every Host is served: a non-loopback bind with no server.allowed_hosts. */
  anyHost: boolean;
  /** Exact host names (lowercase, no brackets, no port): the loopback ones, the bind address, allowed_hosts. */
  hosts: Set<string>;
  /** allowed_hosts entries written ".example.com": that name and every subdomain. */
  suffixes: string[];
  /** server.cors.allowed_origins, normalized as browsers send them. */
  origins: Set<string>;
  /** The last Host header that passed: clients send the same one every time, so most requests compare one string. */
  lastHost?: string;
}

/** Methods and headers a listed origin may use (answered to preflights). */
const ALLOW_METHODS = "GET, POST, OPTIONS";
/** Reply headers a browser client may read besides the CORS-safelisted ones. */
const EXPOSE_HEADERS = "x-request-id, x-godex-diagnostics, retry-after";
/** A header list as browsers send it in Access-Control-Request-Headers (tokens and commas). */
const HEADER_LIST = /^[A-Za-z0-9!#$%&'*+.^_`|~-]+(\s*,\s*[A-Za-z0-9!#$%&'*+.^_`|~-]+)*$/;
const LOOPBACK_NAMES = ["localhost", "127.0.0.1", "::1"];

const compiled = new WeakMap<ServerConfig, AccessRules>();

/** The rules a server config implies; compiled once per config object (a reload brings a new one). */
export function accessRules(server: ServerConfig): AccessRules {
  let rules = compiled.get(server);
  if (rules) return rules;
  const bind = server.host.toLowerCase().replace(/^\[|\]$/g, "");
  const wildcard = bind === "0.0.0.0" || bind === "::" || bind === "";
  const hosts = new Set(LOOPBACK_NAMES);
  if (!wildcard) hosts.add(bind);
  const suffixes: string[] = [];
  for (const h of server.allowedHosts) {
    if (h.startsWith(".")) suffixes.push(h);
    else hosts.add(h);
  }
  rules = {
    anyHost: !isLoopbackHost(server.host) && server.allowedHosts.length === 0,
    hosts,
    suffixes,
    origins: new Set(server.cors.allowedOrigins),
  };
  compiled.set(server, rules);
  return rules;
}

/** The name part of a Host header: "LocalHost:5678" → "localhost", "[::1]:5678" → "::1". */
export function hostName(header: string): string {
  if (header.charCodeAt(0) === 91 /* [ */) {
    const end = header.indexOf("]");
    return (end > 0 ? header.slice(1, end) : header).toLowerCase();
  }
  const colon = header.indexOf(":");
  // An unbracketed IPv6 address (not a valid Host, never sent by browsers) is kept whole.
  let name = colon >= 0 && header.indexOf(":", colon + 1) < 0 ? header.slice(0, colon) : header;
  name = name.toLowerCase();
  return name.endsWith(".") ? name.slice(0, -1) : name;
}

export function hostAllowed(rules: AccessRules, header: string | undefined): boolean {
  // No Host at all: HTTP/1.0 from a non-browser (Node answers an HTTP/1.1 request without one with 400).
  if (rules.anyHost || header === undefined) return true;
  const name = hostName(header);
  if (rules.hosts.has(name) || isLoopbackHost(name)) return true;
  for (const s of rules.suffixes) if (name.endsWith(s) || name === s.slice(1)) return true;
  return false;
}

/** Whether `origin` is the page GodeX itself served under this Host (its status page). */
function sameOrigin(origin: string, host: string | undefined): boolean {
  if (host === undefined) return false;
  const sep = origin.indexOf("://");
  return sep > 0 && origin.length - sep - 3 === host.length && origin.endsWith(host.toLowerCase());
}

/** The Host and Origin checks, shared by HTTP requests and WebSocket handshakes. Null when allowed. */
export function accessRefusal(req: IncomingMessage, rules: AccessRules): ClientError | null {
  const h = req.headers;
  if (!hostAllowed(rules, h.host)) {
    return new ClientError(
      403,
      "invalid_request_error",
      "host_not_allowed",
      `GodeX does not serve the host name '${clip(h.host!)}': it answers only to localhost, 127.x, [::1]` +
        ` and the names in server.allowed_hosts (a web page can point any name at this machine: DNS rebinding).` +
        ` To reach GodeX through a reverse proxy or under another name, add that name to server.allowed_hosts.`,
    );
  }
  const origin = h.origin;
  if (origin === undefined) {
    // Browsers send no Origin on no-cors GETs (<img>, <script>) but do say where they come from.
    const site = h["sec-fetch-site"];
    if ((site === "cross-site" || site === "same-site") && h["sec-fetch-mode"] !== "navigate") {
      return new ClientError(
        403,
        "invalid_request_error",
        "origin_not_allowed",
        `GodeX refused a ${site} request from a web page: pages may call GodeX only from the origins listed in server.cors.allowed_origins.`,
      );
    }
    return null;
  }
  const o = origin.toLowerCase();
  if (rules.origins.has(o) || sameOrigin(o, h.host)) return null;
  return new ClientError(
    403,
    "invalid_request_error",
    "origin_not_allowed",
    `GodeX refused a request from the web page at '${clip(origin)}': browser pages may call GodeX only from the origins listed in server.cors.allowed_origins.` +
      ` Clients that are not browsers (Codex, the openai SDK, curl) send no Origin header.`,
  );
}

/** Media type application/json, with or without parameters (charset is checked by the body reader). */
export function isJsonContentType(ct: string | undefined): boolean {
  if (ct === undefined) return false;
  if (ct === "application/json") return true;
  const semi = ct.indexOf(";");
  return (semi < 0 ? ct : ct.slice(0, semi)).trim().toLowerCase() === "application/json";
}

function contentTypeRefusal(ct: string | undefined): ClientError {
  return new ClientError(
    415,
    "invalid_request_error",
    "unsupported_content_type",
    `GodeX accepts POST bodies only as JSON: send Content-Type: application/json (this request had ${ct === undefined ? "none" : `'${clip(ct)}'`}).` +
      ` Other types are refused because web pages can send them to any site without asking first.`,
  );
}

export type Next = (err?: unknown) => void;

/**
 * The checks as middleware, for Express and the fast path alike: refuses with an OpenAI-shaped
 * error, answers CORS preflights for allowed origins, adds the CORS headers to their replies.
 * `onRefused` sees every refusal (log line, metrics).
 */
export function accessGuard(getServer: () => ServerConfig, onRefused?: (err: ClientError, req: IncomingMessage) => void) {
  const refuse = (req: IncomingMessage, res: ServerResponse, err: ClientError) => {
    onRefused?.(err, req);
    sendError(res, err);
  };
  let server: ServerConfig | undefined;
  let rules: AccessRules;
  return (req: IncomingMessage, res: ServerResponse, next: Next) => {
    const current = getServer();
    if (current !== server) rules = accessRules((server = current));
    const h = req.headers;
    if (h.host !== rules.lastHost || h.origin !== undefined || h["sec-fetch-site"] !== undefined) {
      const refused = accessRefusal(req, rules);
      if (refused) return refuse(req, res, refused);
      rules.lastHost = h.host;
      const origin = h.origin;
      if (origin !== undefined && rules.origins.has(origin.toLowerCase())) {
        res.setHeader("access-control-allow-origin", origin);
        res.setHeader("vary", "Origin");
        if (req.method === "OPTIONS" && h["access-control-request-method"] !== undefined) return preflight(req, res);
        res.setHeader("access-control-expose-headers", EXPOSE_HEADERS);
      }
    }
    if (req.method === "POST" && !isJsonContentType(h["content-type"])) return refuse(req, res, contentTypeRefusal(h["content-type"]));
    next();
  };
}

/** 204 for a listed origin's preflight: the methods GodeX serves and the headers the page asked for. */
function preflight(req: IncomingMessage, res: ServerResponse) {
  const asked = req.headers["access-control-request-headers"];
  res.setHeader("vary", "Origin, Access-Control-Request-Method, Access-Control-Request-Headers");
  res.setHeader("access-control-allow-methods", ALLOW_METHODS);
  if (asked !== undefined && HEADER_LIST.test(asked)) res.setHeader("access-control-allow-headers", asked);
  // Chrome's Private Network Access: a public page calling a loopback address asks first.
  if (req.headers["access-control-request-private-network"] === "true") res.setHeader("access-control-allow-private-network", "true");
  res.setHeader("access-control-max-age", "600");
  res.statusCode = 204;
  res.end();
}

/** For an `upgrade` listener (WebSocket): the same Host and Origin checks as HTTP requests. Null when allowed. */
export function upgradeRefusal(req: IncomingMessage, server: ServerConfig): ClientError | null {
  return accessRefusal(req, accessRules(server));
}

/** Answers a refused WebSocket handshake on its raw socket (OpenAI error shape) and closes it. */
export function refuseUpgrade(socket: Duplex, err: ClientError): void {
  const body = JSON.stringify(err.toBody());
  socket.end(
    `HTTP/1.1 ${err.status} ${STATUS_CODES[err.status] ?? ""}\r\n` +
      `content-type: application/json; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
  );
}

/** What the rules allow, in words (godex doctor). */
export function describeAccess(server: ServerConfig): { hosts: string; origins: string; bodies: string } {
  const rules = accessRules(server);
  const extra = [...rules.hosts].filter((h) => !LOOPBACK_NAMES.includes(h)).map((h) => (h.includes(":") ? `[${h}]` : h));
  const listed = [...extra, ...rules.suffixes.map((s) => `*${s}`)];
  const hosts = rules.anyHost
    ? `any host name (${server.host} is not a loopback bind and server.allowed_hosts is empty)`
    : `localhost, 127.x, [::1]${listed.length > 0 ? `, ${listed.join(", ")}` : ""}`;
  const origins =
    rules.origins.size > 0
      ? `web pages from ${[...rules.origins].join(", ")} (with CORS) and GodeX's own pages; other pages refused`
      : "no web pages but GodeX's own (server.cors.allowed_origins is empty); Codex, SDKs and curl send no Origin";
  return { hosts, origins, bodies: "POST only with Content-Type: application/json" };
}

/** Logs each distinct refusal once (a hostile page may retry in a loop), up to a bound. */
export function refusalLogger(warn: (fields: Record<string, unknown>) => void, bound = 100) {
  const seen = new Set<string>();
  return (err: ClientError, req: IncomingMessage) => {
    const key = `${err.code} ${req.headers.host ?? ""} ${req.headers.origin ?? req.headers["sec-fetch-site"] ?? ""} ${err.code === "unsupported_content_type" ? (req.headers["content-type"] ?? "") : ""}`;
    if (seen.has(key) || seen.size >= bound) return;
    seen.add(key);
    warn({ msg: "request refused", code: err.code, method: req.method, path: (req.url ?? "").split("?", 1)[0], host: req.headers.host, origin: req.headers.origin, reason: err.message });
  };
}

function clip(s: string): string {
  return s.length > 100 ? `${s.slice(0, 100)}…` : s;
}
