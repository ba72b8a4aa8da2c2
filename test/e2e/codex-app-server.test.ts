// The Codex desktop app's engine, `codex app-server` (JSON-RPC over stdio), through GodeX to the emulators,
// once per Codex build under test. CODEX_HOME is what `godex init --write-codex` writes for a GodeX started
// from the godex.yaml `godex init` writes (the shipped aliases, every provider on its emulator).
// What the app does: list models for its picker (GodeX's aliases with their reasoning levels), start a
// thread, start a turn that runs a shell command and then an apply_patch, see the turn complete; then a
// second turn with another model and effort picked from that list.
import { existsSync, readFileSync } from "node:fs";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { CatalogEntry } from "../../src/cli/codex-catalog.ts";
import { CATALOG_FILE } from "../../src/cli/init.ts";
import { loadAppServerProtocol, startAppServer, type AppServer } from "./app-server.ts";
import { CODEX_BUILDS, emulatorNotes, initCodexHome, initedStackPool } from "./helpers.ts";

const TEST_TIMEOUT = 120_000;
const TURN_TIMEOUT = 60_000;

/** The fields of the app-server's Model this test reads (v2 `Model`). */
interface AppModel {
  id: string;
  model: string;
  displayName: string;
  description: string;
  hidden: boolean;
  isDefault: boolean;
  defaultReasoningEffort: string;
  supportedReasoningEfforts: { reasoningEffort: string; description: string }[];
  inputModalities: string[];
}
interface Turn {
  id: string;
  status: string;
  error: unknown;
}
interface ThreadItem {
  type: string;
  id: string;
  [k: string]: unknown;
}
type ChatBody = { model: string; messages: { role: string; content?: unknown; tool_calls?: { function: { name: string } }[] }[]; thinking?: unknown; tools?: { function?: { name: string } }[] };

const pool = initedStackPool(2);
afterAll(() => pool.close());

/** Every model the picker shows, following nextCursor. */
async function listModels(app: AppServer): Promise<AppModel[]> {
  const out: AppModel[] = [];
  let cursor: string | null = null;
  do {
    const page: { data: AppModel[]; nextCursor: string | null } = await app.request("model/list", cursor ? { cursor } : {});
    out.push(...page.data);
    cursor = page.nextCursor;
  } while (cursor);
  return out;
}

/** Starts a turn and waits for its turn/completed; returns the turn and the items completed during it. */
async function runTurn(app: AppServer, params: Record<string, unknown>): Promise<{ turn: Turn; items: ThreadItem[] }> {
  const started = await app.request<{ turn: Turn }>("turn/start", params);
  const done = await app.waitFor("turn/completed", (p) => (p.turn as Turn).id === started.turn.id, TURN_TIMEOUT);
  const items = app.notifications
    .filter((n) => n.method === "item/completed" && n.params.turnId === started.turn.id)
    .map((n) => n.params.item as ThreadItem);
  return { turn: done.turn as Turn, items };
}

const text = (t: string) => [{ type: "text", text: t, text_elements: [] }];

describe.concurrent.each(CODEX_BUILDS)("Codex $version app-server → GodeX → emulators", (build) => {
  it(
    "model/list shows GodeX's aliases with their reasoning levels; a turn runs a command and an apply_patch; a picked model and effort reach their provider",
    () =>
      pool.use(async (stack) => {
        const root = await mkdtemp(join(stack.root, "app-"));
        const home = join(root, "home");
        const work = join(root, "work");
        await mkdir(work, { recursive: true });
        const protocol = await loadAppServerProtocol(build, join(root, "schema"));
        // The validation is live: a malformed request is refused before it is sent.
        expect(() => protocol.checkParams("turn/start", { threadId: 1, input: "hi" })).toThrow(/TurnStartParams/);
        expect(protocol.methods).toEqual(expect.arrayContaining(["initialize", "model/list", "thread/start", "turn/start"]));
        await initCodexHome(stack, home);
        const catalog = (JSON.parse(readFileSync(join(home, CATALOG_FILE), "utf8")) as { models: CatalogEntry[] }).models;
        const app = startAppServer({ build, protocol, codexHome: home, cwd: work });
        try {
          const hello = await app.request<{ userAgent: string }>("initialize", {
            clientInfo: { name: "godex_e2e", title: "GodeX e2e", version: "1.0.0" },
            capabilities: { experimentalApi: false, requestAttestation: false },
          });
          expect(hello.userAgent).toContain(build.version);
          app.notify("initialized");

          // The picker: exactly the catalog godex init wrote, in its order, with its reasoning levels.
          const models = await listModels(app);
          expect(models.map((m) => m.id)).toEqual(catalog.map((c) => c.slug));
          for (const alias of Object.keys(stack.config.aliases).filter((a) => a !== "*")) expect(models.map((m) => m.id)).toContain(alias);
          for (const m of models) {
            const c = catalog.find((x) => x.slug === m.id)!;
            expect(m.model).toBe(c.slug);
            expect(m.displayName).toBe(c.display_name);
            expect(m.description).toBe(c.description);
            expect(m.hidden).toBe(false);
            expect(m.defaultReasoningEffort).toBe(c.default_reasoning_level);
            expect(m.supportedReasoningEfforts).toEqual(c.supported_reasoning_levels.map((l) => ({ reasoningEffort: l.effort, description: l.description })));
            expect(m.inputModalities).toEqual(c.input_modalities);
          }
          expect(models.filter((m) => m.isDefault).map((m) => m.id), "config.toml's model is the picker's default").toEqual(["gpt-5.5"]);
          const gpt55 = models.find((m) => m.id === "gpt-5.5")!;
          expect(gpt55.supportedReasoningEfforts.map((e) => e.reasoningEffort)).toEqual(["none", "minimal", "low", "medium", "high", "xhigh"]);

          const { thread } = await app.request<{ thread: { id: string }; model: string; modelProvider: string }>("thread/start", {
            cwd: work,
            approvalPolicy: "never",
            sandbox: "workspace-write",
          });

          // Turn 1 (gpt-5.5 → DeepSeek): a shell command, then an apply_patch, then the answer.
          const first = await runTurn(app, {
            threadId: thread.id,
            input: text("run echo from-the-app > ran.txt; then create file notes.txt with written by apply_patch"),
          });
          const dump = `${JSON.stringify(first.items, null, 1).slice(0, 4000)}\n${app.stderr().slice(-2000)}`;
          expect(first.turn.status, dump).toBe("completed");
          expect(first.turn.error, dump).toBeNull();
          expect(readFileSync(join(work, "ran.txt"), "utf8"), "the command ran in the thread's cwd").toBe("from-the-app\n");
          expect(existsSync(join(work, "notes.txt")), dump).toBe(true);
          expect(readFileSync(join(work, "notes.txt"), "utf8")).toBe("written by apply_patch\n");
          const cmd = first.items.find((i) => i.type === "commandExecution");
          expect(cmd, dump).toMatchObject({ status: "completed", exitCode: 0 });
          expect(String(cmd!.command)).toContain("echo from-the-app > ran.txt");
          expect(first.items.find((i) => i.type === "fileChange"), dump).toMatchObject({ status: "completed" });
          expect(first.items.filter((i) => i.type === "agentMessage").map((i) => i.text), dump).toEqual(["Done. The patch was applied."]);
          const turn1 = stack.mock.requests.filter((r) => r.method === "POST");
          expect(turn1.map((r) => `${r.provider} ${r.status}`), "three model turns, each accepted by the emulator").toEqual(["deepseek 200", "deepseek 200", "deepseek 200"]);
          const calls = (turn1[2]!.body as ChatBody).messages.flatMap((m) => m.tool_calls ?? []).map((c) => c.function.name);
          expect(calls).toEqual(["exec_command", "apply_patch"]);
          expect(app.serverRequests, "approvalPolicy never: no approval asked").toEqual([]);

          // Turn 2: the user picks another alias and one of its efforts in the app's picker.
          const picked = models.find((m) => m.id === "gpt-5.4-mini")!;
          expect(picked.description).toContain("zhipu/glm-5.1");
          expect(picked.supportedReasoningEfforts.map((e) => e.reasoningEffort)).toContain("none");
          stack.mock.clear();
          const second = await runTurn(app, { threadId: thread.id, input: text("say hi"), model: picked.id, effort: "none" });
          expect(second.turn.status).toBe("completed");
          expect(second.items.filter((i) => i.type === "agentMessage").map((i) => i.text)).toEqual(["You said: say hi"]);
          const [req, ...more] = stack.mock.requests.filter((r) => r.method === "POST");
          expect(more).toEqual([]);
          expect(`${req!.provider} ${req!.status}`).toBe("zhipu 200");
          const body = req!.body as ChatBody;
          expect(body.model).toBe("glm-5.1");
          expect(body.thinking).toEqual({ type: "disabled" });
          // The thread's history went along: turn 1's command and patch calls, replayed to the new provider.
          expect(body.messages.flatMap((m) => m.tool_calls ?? []).map((c) => c.function.name)).toEqual(["exec_command", "apply_patch"]);
          expect(emulatorNotes(req!)).toEqual([]);
        } finally {
          await app.close();
          await rm(root, { recursive: true, force: true });
        }
      }),
    TEST_TIMEOUT,
  );
});
