// `godex` command line: dispatches to one file per subcommand.
import { VERSION } from "../version.ts";
import { serve } from "./serve.ts";
import { init } from "./init.ts";
import { doctor } from "./doctor.ts";
import { models } from "./models.ts";
import { lint } from "./lint.ts";
import { usage } from "./usage.ts";

const HELP = `GodeX ${VERSION}: the OpenAI Responses API (Codex) in front of Chat Completions providers.

Usage: godex <command> [options]

Commands:
  serve     run the gateway (godex serve --help)
  init      write a commented godex.yaml; --write-codex also points Codex at GodeX (godex init --help)
  doctor    check config, keys, port and Codex's config; --live also calls the providers
  models    the alias table and, per model, what each reasoning effort sends
  lint      check the config and mapping files (godex lint --help)
  usage     tokens, cache-hit rate, cost and latency from the usage ledger (godex usage --help)
  version   print the version
`;

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case "serve":
      return serve(rest);
    case "init":
      return init(rest);
    case "doctor":
      return doctor(rest);
    case "models":
      return models(rest);
    case "lint":
      return lint(rest);
    case "usage":
      return usage(rest);
    case "version":
    case "--version":
    case "-v":
      process.stdout.write(`${VERSION}\n`);
      return 0;
    case undefined:
    case "help":
    case "--help":
    case "-h":
      process.stdout.write(HELP);
      return 0;
    default:
      process.stderr.write(`godex: unknown command '${command}'\n\n${HELP}`);
      return 2;
  }
}
