// Dependencies point one way: cli → server → engine → mapping/upstream → protocol/util (docs/
// architecture.md). Every import in src/ is read with TypeScript's own pre-processor and checked
// against the layers each folder may use; an upward import (the engine reaching into the HTTP
// layer, the mapping interpreter into the CLI…) fails here with the file and the import.
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";

const SRC = join(import.meta.dirname, "../../src");

/** For each top-level folder (or file) of src/, the others it may import. */
const MAY_IMPORT: Record<string, string[]> = {
  cli: ["server", "store", "ledger", "engine", "mapping", "upstream", "search", "protocol", "util", "config", "lint", "mock", "generated", "version"],
  server: ["store", "ledger", "engine", "mapping", "upstream", "protocol", "util", "config", "generated", "version"],
  lint: ["engine", "ledger", "mapping", "search", "protocol", "util", "config", "generated"],
  // Stored responses implement the engine's continuation interface (persistence below the HTTP layer).
  store: ["engine", "mapping", "upstream", "protocol", "util", "config", "generated"],
  // The usage ledger reads records and prices; nothing in the request path imports it.
  ledger: ["config", "mapping", "protocol", "util", "generated"],
  engine: ["config", "mapping", "upstream", "search", "protocol", "util", "generated"],
  // Outbound search backends (data-driven HTTP clients), used by the hosted web_search loop.
  search: ["protocol", "util", "generated"],
  config: ["protocol", "util", "generated"],
  mapping: ["protocol", "util", "generated"],
  upstream: ["protocol", "util", "generated"],
  protocol: ["util", "generated"],
  mock: ["protocol", "util", "generated"],
  util: [],
  generated: [],
  version: ["util"],
};

const layerOf = (file: string) => relative(SRC, file).split(/[\\/]/)[0]!.replace(/\.ts$/, "");

/** The imports of one file that break the layering, as `file: import ("a" may not import "b")`. */
function badImports(file: string, text: string): string[] {
  const from = layerOf(file);
  const allowed = MAY_IMPORT[from];
  const { importedFiles } = ts.preProcessFile(text, true, true);
  const out: string[] = [];
  for (const { fileName } of importedFiles) {
    if (!fileName.startsWith(".")) continue; // packages and node: built-ins
    const target = resolve(dirname(file), fileName);
    const to = relative(SRC, target).startsWith("..") ? "(outside src)" : layerOf(target);
    if (to === from) continue;
    if (!allowed) out.push(`${relative(SRC, file)}: src/${from} is not in the layer table of this test: add it`);
    else if (!allowed.includes(to)) out.push(`${relative(SRC, file)}: imports ${fileName} (src/${from} may not import src/${to})`);
  }
  return out;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sourceFiles(join(dir, e.name)) : e.name.endsWith(".ts") ? [join(dir, e.name)] : []));
}

describe("dependency direction", () => {
  it("no file in src/ imports from a layer above its own", () => {
    const files = sourceFiles(SRC);
    expect(files.length).toBeGreaterThan(50);
    expect(files.flatMap((f) => badImports(f, readFileSync(f, "utf8")))).toEqual([]);
  });

  it("the check sees static, type-only, re-exported and dynamic imports", () => {
    const engine = join(SRC, "engine", "x.ts");
    expect(badImports(engine, 'import { a } from "../server/app.ts";')).toEqual(["engine/x.ts: imports ../server/app.ts (src/engine may not import src/server)"]);
    expect(badImports(join(SRC, "mapping", "y.ts"), 'import type { B } from "../cli/init.ts";\nexport { c } from "../engine/run.ts";')).toHaveLength(2);
    expect(badImports(join(SRC, "util", "z.ts"), 'const m = await import("../server/start.ts");')).toHaveLength(1);
    expect(badImports(engine, 'import { parse } from "yaml";\nimport { b } from "./stream/response-builder.ts";\nimport { u } from "../util/ids.ts";')).toEqual([]);
    expect(badImports(join(SRC, "newlayer", "n.ts"), 'import { u } from "../util/ids.ts";')[0]).toMatch(/not in the layer table/);
  });
});
