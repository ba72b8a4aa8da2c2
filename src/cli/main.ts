// `godex` command line: dispatches to one file per subcommand.
import { VERSION } from "../version.ts";

const HELP = `GodeX ${VERSION}: the OpenAI Responses API (Codex) in front of Chat Completions providers.

Usage: godex <command> [options]

Commands:
  serve     run the gateway (godex serve --help)
  init      write a commented godex.yaml; --write-codex also points Codex at GodeX (godex init --help)
  doctor    check config, keys, port and Codex's config; --live also calls the providers
  models    the alias table and, per model, what each reasoning effort sends
  lint      check the config and mapping files (godex lint --help)
  usage     tokens, cache-hit rate, cost and latency from the usage ledger (godex usage --help)
  version   print the version (also --version, -v)
  help      this text; godex help <command> (or godex <command> --help) for a command's options
`;

// Each command is imported only when it runs (a separate chunk of the bundle): `godex models` must not
// pay for Express, the emulators or the lint rules. test/cli/startup-imports.test.ts holds this.
type Command = (argv: string[]) => Promise<number>;
const COMMANDS: Record<string, () => Promise<Command>> = {
  serve: async () => (await import("./serve.ts")).serve,
  init: async () => (await import("./init.ts")).init,
  doctor: async () => (await import("./doctor.ts")).doctor,
  models: async () => (await import("./models.ts")).models,
  lint: async () => (await import("./lint.ts")).lint,
  usage: async () => (await import("./usage.ts")).usage,
};

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command !== undefined && Object.hasOwn(COMMANDS, command)) return (await COMMANDS[command]!())(rest);
  switch (command) {
    case "version":
    case "--version":
    case "-v":
      if (rest.length > 0) return usage(`unexpected argument '${rest[0]}'`);
      process.stdout.write(`${VERSION}\n`);
      return 0;
    case undefined:
    case "help":
    case "--help":
    case "-h": {
      const topic = rest[0];
      if (rest.length > 1) return usage(`unexpected argument '${rest[1]}'`);
      if (topic === undefined) {
        process.stdout.write(HELP);
        return 0;
      }
      if (Object.hasOwn(COMMANDS, topic)) return (await COMMANDS[topic]!())(["--help"]);
      return usage(command === "help" ? `unknown command '${topic}'` : `unexpected argument '${topic}'`);
    }
    default:
      return usage(command.startsWith("-") ? `unknown option '${command}'` : `unknown command '${command}'`);
  }
}

/** One line saying what is wrong, then the usage, on stderr; exit status 2. */
function usage(message: string): number {
  process.stderr.write(`godex: ${message}\n\n${HELP}`);
  return 2;
}
