// The argument prologue shared by the `godex` subcommands: parseArgs with the usual error and
// --help handling, and the --port check.
import { parseArgs, type ParseArgsConfig } from "node:util";
import type { CliIO } from "./progress.ts";

/**
 * `parseArgs(config)` for `godex <command>`. On a parse error writes `godex <command>: <message>`
 * and the help to stderr and returns 2; with --help (an option named `help`) writes the help to
 * stdout and returns 0. Otherwise returns the parsed arguments.
 */
export function parseCommandArgs<T extends ParseArgsConfig>(
  command: string,
  help: string,
  io: Pick<CliIO, "stdout" | "stderr">,
  config: T,
): ReturnType<typeof parseArgs<T>> | number {
  let parsed: ReturnType<typeof parseArgs<T>>;
  try {
    parsed = parseArgs(config);
  } catch (err) {
    return usageError(command, (err as Error).message, help, io);
  }
  if ((parsed.values as { help?: unknown }).help) {
    io.stdout.write(help);
    return 0;
  }
  return parsed;
}

/** A usage error: `godex <command>: <message>` (one line), a blank line and the help, on stderr; returns 2. */
export function usageError(command: string, message: string, help: string, io: Pick<CliIO, "stderr">): 2 {
  io.stderr.write(`godex ${command}: ${message.replace(/\s*\n\s*/g, " ")}\n\n${help}`);
  return 2;
}

/**
 * The --port value as a number: undefined when not given; null (after writing
 * `godex <command>: --port must be a number from <min> to 65535`) when it is not such a number.
 */
export function portArg(command: string, value: string | undefined, min: number, io: Pick<CliIO, "stderr">): number | undefined | null {
  if (value === undefined) return undefined;
  const port = Number(value);
  if (!/^\d+$/.test(value) || port < min || port > 65535) {
    io.stderr.write(`godex ${command}: --port must be a number from ${min} to 65535\n`);
    return null;
  }
  return port;
}
