// The "does it compile" check every data file with JSONata expressions runs at lint and load time
// (mappings, search backends), so each reports a broken expression the same way.
import jsonata from "jsonata";

export type ExpressionAt = [path: (string | number)[], source: string | undefined];

/** A problem for each expression that does not compile; undefined sources are skipped. */
export function jsonataCompileProblems(expressions: ExpressionAt[]): { path: (string | number)[]; message: string; rule: "jsonata" }[] {
  const problems: { path: (string | number)[]; message: string; rule: "jsonata" }[] = [];
  for (const [path, source] of expressions) {
    if (source === undefined) continue;
    try {
      jsonata(source);
    } catch (err) {
      const e = err as { message: string; position?: number };
      problems.push({ path, message: `JSONata does not compile${e.position != null ? ` at character ${e.position}` : ""}: ${e.message}`, rule: "jsonata" });
    }
  }
  return problems;
}
