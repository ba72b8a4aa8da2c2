// Which godex.yaml a command reads: --config FILE when given, else ./godex.yaml, else (a directory
// without one, e.g. right after `npm i -g godex`) the godex.yaml shipped with GodeX, said on stderr.
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { projectPath } from "../util/paths.ts";
import type { CliIO } from "./progress.ts";

export const SHIPPED_CONFIG = projectPath("godex.yaml");

export function configFileFor(command: string, given: string | undefined, io: Pick<CliIO, "cwd" | "stderr">): string {
  if (given !== undefined) return resolve(io.cwd, given);
  const local = resolve(io.cwd, "godex.yaml");
  if (existsSync(local) || !existsSync(SHIPPED_CONFIG)) return local;
  io.stderr.write(`godex ${command}: no ./godex.yaml here, using the shipped one (${SHIPPED_CONFIG}); \`godex init\` writes a copy to edit\n`);
  return SHIPPED_CONFIG;
}
