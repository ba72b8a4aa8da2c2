// Runs the vendored Open Responses compliance suite (openresponses/bin/compliance-test.ts) with the
// `bun` binary from node_modules, against any Responses base URL, and returns its JSON report.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
export const SUITE_CLI = join(ROOT, "test", "compliance", "openresponses", "bin", "compliance-test.ts");
export const BUN = join(ROOT, "node_modules", "bun", "bin", "bun.exe");

export interface SuiteResult {
  id: string;
  name: string;
  status: "passed" | "failed" | "skipped";
  errors?: string[];
  duration?: number;
  response?: unknown;
}

export interface SuiteReport {
  summary: { passed: number; failed: number; skipped: number; total: number };
  results: SuiteResult[];
}

function bunPath(): string {
  if (!existsSync(BUN)) {
    throw new Error(`${BUN} is missing: run 'npm ci' (bun's install script must be allowed: package.json allowScripts)`);
  }
  return BUN;
}

function run(args: string[], timeoutMs: number): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(bunPath(), ["run", SUITE_CLI, ...args], {
      cwd: ROOT,
      env: { ...process.env, NO_COLOR: "1", BUN_RUNTIME_TRANSPILER_CACHE_PATH: "0" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("error", (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      resolvePromise({ code, stdout, stderr });
    });
  });
}

/** Runs the selected tests (all of them when `ids` is empty) against `baseUrl` (…/v1). */
export async function runSuite(o: { baseUrl: string; model: string; apiKey?: string; ids: readonly string[]; timeoutMs?: number }): Promise<SuiteReport> {
  const args = ["--base-url", o.baseUrl, "--api-key", o.apiKey ?? "sk-compliance", "--model", o.model, "--json"];
  if (o.ids.length > 0) args.push("--filter", o.ids.join(","));
  const r = await run(args, o.timeoutMs ?? 120_000);
  try {
    return JSON.parse(r.stdout) as SuiteReport;
  } catch {
    throw new Error(`the compliance suite did not print a JSON report (exit ${r.code}):\n${r.stdout.slice(0, 2000)}\n${r.stderr.slice(0, 2000)}`);
  }
}

/** The test ids the suite defines (it lists them when asked for an unknown one). */
export async function suiteTestIds(): Promise<string[]> {
  const r = await run(["--base-url", "http://127.0.0.1:9/v1", "--api-key", "x", "--filter", "__list__"], 60_000);
  const line = r.stderr.split("\n").find((l) => l.includes("Available test IDs:"));
  if (!line) throw new Error(`cannot list the suite's tests (exit ${r.code}): ${r.stderr.slice(0, 2000)}`);
  return line.slice(line.indexOf(":") + 1).split(",").map((s) => s.trim()).filter(Boolean);
}
