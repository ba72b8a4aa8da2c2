#!/usr/bin/env node
// Runs the prebuilt bundle (dist/godex.mjs, made by `npm run build` on install) when it is newer
// than every source file; otherwise runs the TypeScript sources through tsx, so a fresh clone or
// an edited source tree never needs a separate build step.
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const bundle = join(root, "dist", "godex.mjs");

function newestSource(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestSource(path) : statSync(path).mtimeMs);
  }
  return newest;
}

const fresh = process.env.GODEX_FROM_SOURCE !== "1" && existsSync(bundle) && statSync(bundle).mtimeMs >= newestSource(join(root, "src"));
let main;
if (fresh) {
  ({ main } = await import(bundle));
} else {
  const { register } = await import("tsx/esm/api");
  register();
  ({ main } = await import("../src/cli/main.ts"));
}
process.exitCode = await main(process.argv.slice(2));
