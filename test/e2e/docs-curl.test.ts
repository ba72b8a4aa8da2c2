// The curl commands of the documentation, run for real with curl against a GodeX in front of the
// emulators: they must be accepted as written (GodeX refuses POST bodies not declared
// application/json, and `curl -d` declares application/x-www-form-urlencoded unless told otherwise).
import { execFile, spawnSync } from "node:child_process";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { join, relative } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPO_ROOT, startStack, type Stack } from "./helpers.ts";

/** curl must be there: installed with apt-get when missing and running as root (as test/setup/chromium.ts does for Chromium). */
function ensureCurl(): void {
  if (spawnSync("curl", ["--version"]).status === 0) return;
  if (process.getuid?.() === 0 && existsSync("/usr/bin/apt-get")) {
    spawnSync("apt-get", ["update"], { stdio: "ignore", timeout: 300_000 });
    spawnSync("apt-get", ["install", "-y", "--no-install-recommends", "curl"], { stdio: "ignore", timeout: 300_000, env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" } });
  }
  if (spawnSync("curl", ["--version"]).status !== 0) throw new Error("this test needs curl: apt-get install curl");
}

function markdownFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.name === "node_modules" || e.name.startsWith(".")) continue;
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...markdownFiles(p));
    else if (e.name.endsWith(".md")) out.push(p);
  }
  return out;
}

/** The lines of each fenced code block that is shell (or untagged). */
function shellBlocks(markdown: string): string[][] {
  const blocks: string[][] = [];
  let open: { lang: string; lines: string[] } | null = null;
  for (const line of markdown.split("\n")) {
    const fence = /^\s*```\s*(\S*)/.exec(line);
    if (fence && !open) open = { lang: fence[1]!, lines: [] };
    else if (fence && open) {
      if (["", "bash", "sh", "shell", "console"].includes(open.lang)) blocks.push(open.lines);
      open = null;
    } else open?.lines.push(line);
  }
  return blocks;
}

/** Every curl command in the shell code blocks of a markdown file, with its continuation lines. */
function curlCommands(markdown: string): string[] {
  const commands: string[] = [];
  for (const block of shellBlocks(markdown)) {
    let current: string[] | null = null;
    for (const line of block) {
      if (/^\s*(\$\s+)?curl\s/.test(line)) {
        if (current) commands.push(current.join("\n"));
        current = [line.replace(/^\s*\$\s+/, "")];
      } else if (current && (current.at(-1)!.endsWith("\\") || /^\s+\S/.test(line))) current.push(line);
      else if (current) {
        commands.push(current.join("\n"));
        current = null;
      }
    }
    if (current) commands.push(current.join("\n"));
  }
  return commands;
}

const DOCS = markdownFiles(REPO_ROOT).map((file) => ({ file: relative(REPO_ROOT, file), commands: curlCommands(readFileSync(file, "utf8")) }));
const README = DOCS.find((d) => d.file === "README.md")!;

let stack: Stack;
let port: string;

beforeAll(async () => {
  ensureCurl();
  stack = await startStack();
  port = new URL(stack.gatewayUrl).port;
}, 10 * 60_000);
afterAll(async () => {
  await stack?.close();
});

/** Runs a documented command as a user would paste it, pointed at the test gateway's port (async: GodeX runs in this process). */
function run(command: string): Promise<{ code: number; out: string }> {
  const pointed = command.replace(/localhost:5678|127\.0\.0\.1:5678/g, (m) => m.replace("5678", port));
  return new Promise((resolve) => {
    execFile("bash", ["-c", pointed], { encoding: "utf8", timeout: 30_000 }, (err, stdout) => {
      resolve({ code: err ? Number((err as { code?: unknown }).code ?? 1) || 1 : 0, out: stdout });
    });
  });
}

describe("curl commands in the docs", () => {
  it("the README has its curl examples (health, models, a JSON and a streamed response)", () => {
    expect(README.commands.length).toBeGreaterThanOrEqual(4);
  });

  it("every documented curl that sends a body declares it as JSON", () => {
    const posting = DOCS.flatMap((d) => d.commands.filter((c) => /\s(-d|--data(-raw|-binary)?|--json)\s/.test(c)).map((c) => ({ file: d.file, c })));
    expect(posting.length).toBeGreaterThanOrEqual(2);
    for (const { file, c } of posting) {
      expect(/--json\s|-H\s+['"]content-type:\s*application\/json['"]/i.test(c), `${file}: ${c}`).toBe(true);
    }
  });

  it("the README's commands work as written", async () => {
    for (const command of README.commands) {
      const { code, out } = await run(command);
      expect(code, command).toBe(0);
      if (/-sN\s/.test(command) || out.startsWith("event:")) {
        expect(out, command).toContain("event: response.completed");
      } else {
        const body = JSON.parse(out);
        expect(body.error ?? null, `${command}\n${out}`).toBeNull();
      }
    }
    expect(stack.mock.requests.length).toBeGreaterThanOrEqual(2);
  });

  it("the same POST without the content-type header is refused with 415 and reaches no provider", async () => {
    const posting = README.commands.find((c) => c.includes("/v1/responses") && !c.includes('"stream":true'))!;
    const before = stack.mock.requests.length;
    const bare = posting.replace(/-H\s+'content-type: application\/json'\s*/i, "");
    expect(bare).not.toContain("content-type");
    const { out } = await run(bare.replace(/^curl -s /, "curl -s -w '\\n%{http_code}' "));
    const [body, status] = [out.slice(0, out.lastIndexOf("\n")), out.slice(out.lastIndexOf("\n") + 1)];
    expect(status).toBe("415");
    expect(JSON.parse(body).error.code).toBe("unsupported_content_type");
    expect(JSON.parse(body).error.message).toContain("application/x-www-form-urlencoded");
    expect(stack.mock.requests.length).toBe(before);
  });
});
