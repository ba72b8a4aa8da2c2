// The checks `godex serve` runs before it starts and before it accepts a reloaded file: the same
// as `godex lint`, so a broken config or mapping never reaches a Codex session.
import { formatHuman, lintPaths } from "../lint/index.ts";

export class PreflightError extends Error {}

export async function preflight(config: string, mappingsDir?: string): Promise<void> {
  // Errors only when all is well: locating warnings nobody prints would parse the files again.
  let result = await lintPaths({ config, mappingsDir, errorsOnly: true });
  if (result.errors > 0 || result.couldNotRun) {
    // Refusing to start: the full report, warnings included, as `godex lint` prints it.
    result = await lintPaths({ config, mappingsDir });
    throw new PreflightError(`${config} or a mapping it uses has lint errors:\n${formatHuman(result)}`);
  }
}
