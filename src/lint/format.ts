// Output of `godex lint`: one `file:line:col: severity rule: message` line per finding plus a
// summary, or JSON for tools.
import type { Finding } from "./types.ts";

export interface Counted {
  findings: Finding[];
  errors: number;
  warnings: number;
}

export function formatFinding(f: Finding): string {
  return `${f.file}:${f.line}:${f.col}: ${f.severity} ${f.rule}: ${f.message}`;
}

export function formatHuman(result: Counted & { files?: string[] }): string {
  const lines = result.findings.map(formatFinding);
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;
  const files = result.files ? ` in ${plural(result.files.length, "file")}` : "";
  lines.push(
    result.errors === 0 && result.warnings === 0
      ? `godex lint: no findings${files}`
      : `godex lint: ${plural(result.errors, "error")}, ${plural(result.warnings, "warning")}${files}`,
  );
  return `${lines.join("\n")}\n`;
}

export function formatJson(result: Counted): string {
  return `${JSON.stringify({ findings: result.findings, errors: result.errors, warnings: result.warnings }, null, 2)}\n`;
}
