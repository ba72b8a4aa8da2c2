// `godex lint`: proves a config and its mapping files before they run (see docs/lint.md).
import { formatHuman, formatJson, lintPaths } from "../lint/index.ts";
import { parseCommandArgs, usageError } from "./args.ts";

const HELP = `Usage: godex lint [--format text|json] [--strict] [--config FILE] [--mappings DIR] [FILES…]

  Without FILES: lints ./godex.yaml (or --config FILE) and every mapping file its providers use,
  with the files they extend. With FILES: lints those config or mapping files (a mapping file
  together with the files it extends).

  --format F      text (default): file:line:col: severity rule: message; json: {findings, errors, warnings}
  --strict        warnings count as errors
  --config FILE   configuration file (default ./godex.yaml)
  --mappings DIR  where provider specs and extends are looked up (default: GodeX's mappings/)

Exit status: 0 no findings (or warnings only), 1 findings, 2 could not run (missing file, unreadable YAML).
Rules: docs/lint.md
`;

export async function lint(argv: string[]): Promise<number> {
  const parsed = parseCommandArgs("lint", HELP, process, {
    args: argv,
    allowPositionals: true,
    options: {
      format: { type: "string", default: "text" },
      strict: { type: "boolean", default: false },
      config: { type: "string" },
      mappings: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (typeof parsed === "number") return parsed;
  const { values, positionals } = parsed;
  if (values.format !== "text" && values.format !== "json") return usageError("lint", "--format must be text or json", HELP, process);
  let result;
  try {
    result = await lintPaths({
      files: positionals,
      ...(values.config !== undefined ? { config: values.config } : {}),
      ...(values.mappings !== undefined ? { mappingsDir: values.mappings } : {}),
      strict: values.strict === true,
    });
  } catch (err) {
    process.stderr.write(`godex lint: could not run: ${(err as Error).stack ?? String(err)}\n`);
    return 2;
  }
  process.stdout.write(values.format === "json" ? formatJson(result) : formatHuman(result));
  if (result.couldNotRun) return 2;
  return result.errors > 0 ? 1 : 0;
}
