#!/usr/bin/env node
// Runs the prebuilt bundle dist/godex.mjs: what an installed package ships (npm pack builds it).
// In a git checkout (src/ present), an edited source tree is newer than the bundle: then the
// TypeScript sources run through tsx (a devDependency), so a checkout never needs a separate build
// step after `npm install`.
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const bundle = join(root, "dist", "godex.mjs");
const sources = join(root, "src");

function newestSource(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestSource(path) : statSync(path).mtimeMs);
  }
  return newest;
}

const checkout = existsSync(join(sources, "cli", "main.ts"));
const useSources = checkout && (process.env.GODEX_FROM_SOURCE === "1" || !existsSync(bundle) || statSync(bundle).mtimeMs < newestSource(sources));
let main;
if (useSources) {
  let register;
  try {
    ({ register } = await import("tsx/esm/api"));
  } catch {
    process.stderr.write("godex: this checkout's dist/godex.mjs is missing or older than src/, and tsx is not installed: run `npm install` (or `npm run build`)\n");
    process.exit(1);
  }
  register();
  ({ main } = await import("../src/cli/main.ts"));
} else if (existsSync(bundle)) {
  ({ main } = await import(bundle));
} else {
  process.stderr.write(`godex: ${bundle} is missing: this package was packed without its build; reinstall it, or from a checkout run \`npm run build\`\n`);
  process.exit(1);
}
process.exitCode = await main(process.argv.slice(2));
