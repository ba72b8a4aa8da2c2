// Makes Debian's Chromium available for the browser tests (the status page is checked in a real
// headless browser driven by playwright-core, which never downloads a browser of its own).
//
// Usable two ways:
//   - as a vitest globalSetup (`globalSetup: ["test/setup/chromium.ts"]`): the default export runs once
//     before any test file;
//   - from a test: `await ensureChromium()` in a beforeAll (idempotent, safe to call from several files).
//
// When /usr/bin/chromium is missing and we run as root on a Debian-like system, it runs
// `apt-get update` then `apt-get install -y --no-install-recommends chromium fonts-liberation`.
// Otherwise it throws with a message saying exactly what to do: the browser test must fail, not skip.
import { spawnSync } from "node:child_process";
import { accessSync, constants, existsSync } from "node:fs";

export const CHROMIUM_PATH = process.env.GODEX_CHROMIUM ?? "/usr/bin/chromium";

/** Debian packages installed when Chromium is missing (fonts so the page's text renders). */
export const CHROMIUM_PACKAGES = ["chromium", "fonts-liberation"];

/** Flags for a hermetic headless run: no sandbox (root in a container), no GPU, no network chatter. */
export const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--disable-dev-shm-usage",
  "--no-proxy-server",
];

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** `chromium --version`, or null when the binary does not run. */
export function chromiumVersion(path = CHROMIUM_PATH): string | null {
  if (!isExecutable(path)) return null;
  const r = spawnSync(path, ["--version"], { encoding: "utf8", timeout: 30_000 });
  if (r.status !== 0) return null;
  return r.stdout.trim() || null;
}

function run(cmd: string, args: string[], timeoutMs: number): { ok: boolean; output: string } {
  const r = spawnSync(cmd, args, {
    encoding: "utf8",
    timeout: timeoutMs,
    env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
    maxBuffer: 64 * 1024 * 1024,
  });
  const output = `${r.stdout ?? ""}${r.stderr ?? ""}${r.error ? `\n${r.error.message}` : ""}`;
  return { ok: r.status === 0, output };
}

const tail = (s: string) => s.trim().split("\n").slice(-15).join("\n");

let ensured: string | undefined;

/**
 * Returns the path of a working Chromium (default /usr/bin/chromium; GODEX_CHROMIUM overrides),
 * installing Debian's package first when it is missing. Throws a clear error when that is impossible.
 */
export function ensureChromium(): string {
  if (ensured) return ensured;
  const existing = chromiumVersion();
  if (existing) {
    ensured = CHROMIUM_PATH;
    return CHROMIUM_PATH;
  }
  const how = `install it with: sudo apt-get update && sudo apt-get install -y ${CHROMIUM_PACKAGES.join(" ")} (or set GODEX_CHROMIUM to a Chromium binary)`;
  if (CHROMIUM_PATH !== "/usr/bin/chromium") {
    throw new Error(`GODEX_CHROMIUM=${CHROMIUM_PATH} is not a working Chromium binary (\`${CHROMIUM_PATH} --version\` failed).`);
  }
  if (process.platform !== "linux" || !existsSync("/usr/bin/apt-get")) {
    throw new Error(`The status-page browser test needs Chromium at ${CHROMIUM_PATH}, and this is not a Debian-like system with apt-get: ${how}.`);
  }
  if (typeof process.getuid !== "function" || process.getuid() !== 0) {
    throw new Error(`The status-page browser test needs Chromium at ${CHROMIUM_PATH}; the test setup installs it only when running as root: ${how}.`);
  }
  // Wait for a concurrent apt/dpkg (e.g. unattended upgrades) instead of failing on the lock.
  const lock = ["-o", "DPkg::Lock::Timeout=300"];
  const update = run("apt-get", [...lock, "update"], 10 * 60_000);
  if (!update.ok) throw new Error(`Cannot install Chromium: \`apt-get update\` failed:\n${tail(update.output)}\n${how}.`);
  const install = run("apt-get", [...lock, "install", "-y", "--no-install-recommends", ...CHROMIUM_PACKAGES], 20 * 60_000);
  if (!install.ok) throw new Error(`Cannot install Chromium: \`apt-get install ${CHROMIUM_PACKAGES.join(" ")}\` failed:\n${tail(install.output)}\n${how}.`);
  const version = chromiumVersion();
  if (!version) throw new Error(`apt-get installed ${CHROMIUM_PACKAGES.join(" ")}, but \`${CHROMIUM_PATH} --version\` still fails.`);
  ensured = CHROMIUM_PATH;
  return CHROMIUM_PATH;
}

/** vitest globalSetup entry point. */
export default function setup(): void {
  const path = ensureChromium();
  process.env.GODEX_CHROMIUM_READY = path;
}
