// Codex 0.171 in each request shape it sends, through GodeX to every provider's emulator:
//   (a) the catalog shape: `model = "gpt-5.5"` with the model catalog `godex init --write-codex` writes, so
//       Codex knows the model: classic tools (exec_command, the freeform apply_patch) and a reasoning effort;
//   (b) generic metadata: an alias Codex does not know and no catalog, so Codex falls back to its default
//       metadata ("Model metadata for `…` not found");
//   (c) code mode: no model set, so Codex asks for its default GPT-6 model name (gpt-6.2-sol), routed by
//       the "*" alias: the tools arrive in an `additional_tools` input item, the provider is offered the
//       freeform `exec` tool, and the command and the patch run inside exec's JavaScript.
// Each run checks on disk that the command ran (and the file exists), and that every follow-up request
// (the one carrying a tool result) was accepted by the emulator (HTTP 200, no silent-acceptance notes).
import { readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { buildCodexCatalog, renderCatalog } from "../../src/cli/codex-catalog.ts";
import type { RecordedRequest } from "../../src/mock/types.ts";
import {
  CODEX_LATEST,
  describeRun,
  emulatorNotes,
  makeCodexDirs,
  PROVIDER_MODELS,
  PROVIDERS,
  runCodex,
  stackPool,
  type CodexEvent,
  type CodexRun,
  type GatewayRecord,
  type Pool,
  type ProviderName,
  type Stack,
} from "./helpers.ts";

const TEST_TIMEOUT = 120_000;
const RUN_TIMEOUT = 60_000;
/** An alias no Codex build has metadata for. */
const GENERIC = "team-coder";

type ToolCall = { id: string; function: { name: string; arguments: string } };
type ChatBody = { model: string; messages: { role: string; content?: unknown; tool_call_id?: string; tool_calls?: ToolCall[] }[]; tools?: { function?: { name: string } }[] };

const catalogOf = (s: Stack): string => join(s.tmp, "godex-models.json");

/** Per provider: stacks whose gpt-5.5, GENERIC and "*" aliases all lead to that provider's model. */
const pools = Object.fromEntries(
  PROVIDERS.map((p) => {
    const target = `${p}/${PROVIDER_MODELS[p]}`;
    const pool = stackPool(2, { providers: [p], aliases: { "gpt-5.5": target, [GENERIC]: target, "*": target } }, (s) =>
      writeFile(catalogOf(s), renderCatalog(buildCodexCatalog(s.config))),
    );
    return [p, pool];
  }),
) as Record<ProviderName, Pool<Stack>>;
afterAll(() => Promise.all(Object.values(pools).map((pool) => pool.close())));

interface Mode {
  /** config.toml's `model` (null: left out, Codex picks its default). */
  model: string | null;
  /** Point model_catalog_json at GodeX's catalog. */
  catalog: boolean;
}

interface Session {
  run: CodexRun;
  /** The files the run left in its cwd (top level), read before the scratch tree is removed. */
  files: Record<string, string>;
  /** The chat requests the emulator received during the run. */
  posts: RecordedRequest[];
  /** GodeX's records of the run's /v1/responses requests. */
  records: GatewayRecord[];
}

/** One Codex run on a pooled stack of provider `p`, in a fresh CODEX_HOME and cwd. */
async function session(p: ProviderName, mode: Mode, prompt: string): Promise<Session> {
  return pools[p].use(async (stack) => {
    const topLevel = mode.catalog ? `model_catalog_json = ${JSON.stringify(catalogOf(stack))}` : "";
    const dirs = await makeCodexDirs(stack.gatewayUrl, "", topLevel, mode.model);
    try {
      const run = await runCodex({ cwd: dirs.work, codexHome: dirs.home, prompt, timeoutMs: RUN_TIMEOUT, build: CODEX_LATEST });
      const files: Record<string, string> = {};
      for (const e of await readdir(dirs.work, { withFileTypes: true })) if (e.isFile()) files[e.name] = await readFile(join(dirs.work, e.name), "utf8");
      return { run, files, posts: stack.mock.requests.filter((r) => r.method === "POST"), records: [...stack.records] };
    } finally {
      await dirs.cleanup();
    }
  });
}

function items(r: CodexRun, type: string): NonNullable<CodexEvent["item"]>[] {
  return r.events.flatMap((e) => (e.type === "item.completed" && e.item?.type === type ? [e.item] : []));
}

function toolNames(req: RecordedRequest): string[] {
  return ((req.body as ChatBody).tools ?? []).map((t) => t.function?.name ?? "");
}

/** Every request went to `p` and was accepted; each after the first carries the previous tool result. */
function expectAccepted(p: ProviderName, s: Session, count: number, dump: string): void {
  expect(s.posts.map((r) => `${r.provider} ${r.status}`), dump).toEqual(Array.from({ length: count }, () => `${p} 200`));
  for (const req of s.posts) {
    expect((req.body as ChatBody).model).toBe(PROVIDER_MODELS[p]);
    expect(emulatorNotes(req), `${p} would silently drop or misread part of request ${s.posts.indexOf(req) + 1}`).toEqual([]);
  }
  for (const req of s.posts.slice(1)) expect((req.body as ChatBody).messages.at(-1)?.role, "a follow-up carries the tool result").toBe("tool");
}

/** GodeX answered every request for the name Codex asked, and dropped nothing from the conversation. */
function expectRecords(s: Session, model: string, count: number): void {
  expect(s.records.map((r) => `${r.alias} ${r.status}`)).toEqual(Array.from({ length: count }, () => `${model} 200`));
  const dropped = s.records.flatMap((r) => r.diagnostics.filter((d) => d.code === "input_item_dropped"));
  expect(dropped, "no input item dropped").toEqual([]);
}

describe.concurrent.each(PROVIDERS.map((p) => ({ p })))(`Codex ${CODEX_LATEST.version} modes → GodeX → $p emulator`, ({ p }) => {
  it(
    "(a) catalog shape (gpt-5.5 from godex's catalog): exec_command runs a command, apply_patch creates a file",
    async () => {
      const s = await session(p, { model: "gpt-5.5", catalog: true }, "run echo ran-a > ran.txt; then create file made.txt with made by apply_patch");
      const dump = describeRun(s.run);
      expect(s.run.code, dump).toBe(0);
      expect(s.run.stdout + s.run.stderr, dump).not.toMatch(/Model metadata for .* not found/);
      expect(s.files["ran.txt"], `the command ran\n${dump}`).toBe("ran-a\n");
      expect(s.files["made.txt"], `apply_patch created the file\n${dump}`).toBe("made by apply_patch\n");
      expect(items(s.run, "command_execution").map((c) => c.exit_code), dump).toEqual([0]);
      expect(items(s.run, "file_change").map((c) => c.status), dump).toEqual(["completed"]);
      expect(items(s.run, "agent_message").map((m) => m.text), dump).toEqual(["Done. The patch was applied."]);
      expect(toolNames(s.posts[0]!)).toEqual(expect.arrayContaining(["exec_command", "apply_patch"]));
      expectAccepted(p, s, 3, dump);
      expectRecords(s, "gpt-5.5", 3);
    },
    TEST_TIMEOUT,
  );

  it(
    `(b) generic metadata (model ${GENERIC}, unknown to Codex, no catalog): exec_command runs a command`,
    async () => {
      const s = await session(p, { model: GENERIC, catalog: false }, "run echo ran-b > ran.txt");
      const dump = describeRun(s.run);
      expect(s.run.code, dump).toBe(0);
      expect(s.run.stdout, "Codex used its fallback metadata").toMatch(new RegExp(`Model metadata for \`${GENERIC}\` not found`));
      expect(s.files["ran.txt"], `the command ran\n${dump}`).toBe("ran-b\n");
      expect(items(s.run, "command_execution").map((c) => c.exit_code), dump).toEqual([0]);
      expect(items(s.run, "agent_message"), dump).toHaveLength(1);
      expect(toolNames(s.posts[0]!)).toContain("exec_command");
      expectAccepted(p, s, 2, dump);
      expectRecords(s, GENERIC, 2);
    },
    TEST_TIMEOUT,
  );

  it(
    '(c) code mode (no model set: Codex\'s default gpt-6.2-sol through "*"): a command through exec, then apply_patch inside exec',
    async () => {
      const s = await session(p, { model: null, catalog: false }, "run echo ran-c > ran.txt; then create file made.txt with made by apply_patch in exec");
      const dump = describeRun(s.run);
      expect(s.run.code, dump).toBe(0);
      expect(s.files["ran.txt"], `the command ran inside exec\n${dump}`).toBe("ran-c\n");
      expect(s.files["made.txt"], `apply_patch inside exec created the file\n${dump}`).toBe("made by apply_patch in exec\n");
      expect(items(s.run, "command_execution").map((c) => c.exit_code), dump).toEqual([0]);
      expect(items(s.run, "file_change").map((c) => c.status), dump).toEqual(["completed"]);
      expect(items(s.run, "agent_message").map((m) => m.text), dump).toEqual(["Done. The patch was applied."]);
      // Code mode: the tools came in an additional_tools item; the provider is offered exec, not the nested tools.
      const offered = toolNames(s.posts[0]!);
      const exec = offered.find((n) => n === "exec" || n.endsWith("__exec"));
      expect(exec, `exec offered upstream: ${offered.join(", ")}`).toBeDefined();
      expect(offered).not.toContain("exec_command");
      expect(offered).not.toContain("apply_patch");
      // The last request replays the turn: the two exec calls (JavaScript calling the nested tools), each
      // followed by its output as a string; a `wait` on a script that was still running may sit in between.
      const history = (s.posts.at(-1)!.body as ChatBody).messages;
      const calls = history.flatMap((m) => m.tool_calls ?? []);
      const execs = calls.filter((c) => c.function.name === exec);
      expect(calls.filter((c) => !c.function.name.endsWith("wait")).map((c) => c.function.name), dump).toEqual([exec, exec]);
      expect(execs.map((c) => (JSON.parse(c.function.arguments) as { input: string }).input)).toEqual([
        expect.stringContaining("tools.exec_command("),
        expect.stringContaining("tools.apply_patch("),
      ]);
      for (const c of calls) {
        const output = history.find((m) => m.role === "tool" && m.tool_call_id === c.id);
        expect(typeof output?.content, `the output of ${c.function.name} goes upstream as a string`).toBe("string");
      }
      expect(history.at(-1)!.content).toEqual(expect.stringMatching(/^Script completed/));
      expect(s.posts.length, dump).toBeGreaterThanOrEqual(3);
      expectAccepted(p, s, s.posts.length, dump);
      expectRecords(s, "gpt-6.2-sol", s.posts.length);
    },
    TEST_TIMEOUT,
  );
});
