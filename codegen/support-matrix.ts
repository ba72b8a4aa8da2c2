// Writes (or, with --check, verifies) docs/support-matrix.md from the shipped mapping files.
//   node --import tsx codegen/support-matrix.ts           rewrite the file
//   node --import tsx codegen/support-matrix.ts --check   exit 1 when the file is not current (CI)
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { relative, resolve } from "node:path";
import { parseArgs } from "node:util";
import { loadMatrixMappings, renderSupportMatrix } from "../src/mapping/support-matrix.ts";

export const MATRIX_FILE = resolve(import.meta.dirname, "../docs/support-matrix.md");

function main(argv: string[]): number {
  let values;
  try {
    ({ values } = parseArgs({ args: argv, options: { check: { type: "boolean", default: false }, help: { type: "boolean", short: "h" } } }));
  } catch (err) {
    process.stderr.write(`support-matrix: ${(err as Error).message}\nUsage: node --import tsx codegen/support-matrix.ts [--check]\n`);
    return 2;
  }
  if (values.help) {
    process.stdout.write("Usage: node --import tsx codegen/support-matrix.ts [--check]\n");
    return 0;
  }
  const markdown = renderSupportMatrix(loadMatrixMappings());
  const shown = relative(process.cwd(), MATRIX_FILE) || MATRIX_FILE;
  if (values.check) {
    const current = existsSync(MATRIX_FILE) ? readFileSync(MATRIX_FILE, "utf8") : null;
    if (current === markdown) {
      process.stdout.write(`${shown} is current\n`);
      return 0;
    }
    process.stderr.write(`${shown} is ${current === null ? "missing" : "stale"}: run \`npm run matrix\` and commit the result\n`);
    return 1;
  }
  writeFileSync(MATRIX_FILE, markdown);
  process.stdout.write(`wrote ${shown}\n`);
  return 0;
}

process.exitCode = main(process.argv.slice(2));
