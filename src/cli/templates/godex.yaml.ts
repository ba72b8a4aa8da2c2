// The godex.yaml that `godex init` writes: the shipped godex.yaml (one source for providers, key
// variables, base URLs and aliases), with first-run hints on top and the port set.
import { readFileSync } from "node:fs";
import { isScalar, parseDocument } from "yaml";
import { SHIPPED_CONFIG } from "../config-file.ts";

export interface TemplateOptions {
  /** server.port (default: the shipped file's). */
  port?: number;
}

export function godexYamlTemplate(opts: TemplateOptions = {}): string {
  let text = readFileSync(SHIPPED_CONFIG, "utf8");
  if (opts.port !== undefined) {
    // Only the port's own characters change: comments and layout stay as shipped.
    const node = parseDocument(text).getIn(["server", "port"], true);
    if (!isScalar(node) || !node.range) throw new Error(`${SHIPPED_CONFIG} has no server.port to set`);
    text = text.slice(0, node.range[0]) + String(opts.port) + text.slice(node.range[1]);
  }
  const keys = [...new Set([...text.matchAll(/\$\{([A-Z][A-Z0-9_]*_API_KEY)\b/g)].map((m) => m[1]!))];
  const hints = [
    "# Written by `godex init`. Next steps:",
    `#   1. export the API key of each provider you use (${keys.join(", ")});`,
    "#      a provider without a key still loads (without any key at all, `godex serve` uses offline emulators);",
    "#   2. godex doctor            checks this file, the keys, the port and Codex's config (--live: the provider URLs);",
    "#   3. godex serve             then run codex as usual (godex init --write-codex points Codex here);",
    "#   4. godex models            shows the aliases and what each reasoning effort sends to each model.",
    "#",
  ];
  return hints.join("\n") + "\n" + text;
}
