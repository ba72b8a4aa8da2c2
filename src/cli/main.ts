// `godex` command line: dispatches to one file per subcommand.
import { VERSION } from "../version.ts";
import { serve } from "./serve.ts";

const HELP = `GodeX ${VERSION}: the OpenAI Responses API (Codex) in front of Chat Completions providers.

Usage: godex <command> [options]

Commands:
  serve     run the gateway (godex serve --help)
  version   print the version
`;

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case "serve":
      return serve(rest);
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
