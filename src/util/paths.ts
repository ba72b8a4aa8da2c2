// Where the project's own files (schemas/, mappings/, package.json) are, whether GodeX runs from
// its TypeScript sources or from the prebuilt bundle in dist/.
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

function findRoot(start: string): string {
  let dir = start;
  for (;;) {
    if (existsSync(join(dir, "package.json")) && existsSync(join(dir, "schemas"))) return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error(`GodeX cannot find its package root above ${start}`);
    dir = up;
  }
}

export const PROJECT_ROOT = findRoot(dirname(fileURLToPath(import.meta.url)));

export function projectPath(...parts: string[]): string {
  return join(PROJECT_ROOT, ...parts);
}
