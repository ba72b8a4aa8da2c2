// The checks `godex serve` runs before it starts and before it accepts a reloaded file: the same
// as `godex lint`, so a broken config or mapping never reaches a Codex session.
import { formatHuman, lintPaths } from "../lint/index.ts";

export class PreflightError extends Error {}

export async function preflight(config: string, mappingsDir?: string): Promise<void> {
  // Errors only: warnings are `godex lint`'s to print, and locating them would parse the files again.
  const result = await lintPaths({ config, mappingsDir, errorsOnly: true });
  if (result.errors > 0 || result.couldNotRun) {
    throw new PreflightError(`${config} or a mapping it uses has lint errors:\n${formatHuman(result)}`);
  }
}
