// Reasoning pass-back across targets: a Codex-shaped thinking + tools conversation whose turn 2
// fails over from DeepSeek to MiMo and whose turn 3 returns to DeepSeek. Every upstream request is
// accepted by the strict emulators; a reasoning blob sealed for one mapping is never replayed to
// the other: each gets what its own pass-back rule demands, with a diagnostic.
import { afterAll, beforeAll, expect, it } from "vitest";
import { EXEC_TOOL, post, startRig, type Rig } from "../reliability/helpers.ts";

let rig: Rig;
beforeAll(async () => {
  rig = await startRig({ providers: ["deepseek", "xiaomi"], retry: { max_attempts: 1 }, aliases: { "gpt-5.5": ["deepseek/deepseek-v4-pro", "xiaomi/mimo-v2.5"] } });
});
afterAll(async () => {
  await rig?.close();
});

type Msg = { role: string; content?: unknown; tool_calls?: { id: string }[]; reasoning_content?: string };
const busy = { status: 503, json: { error: { message: "Server busy", type: "server_error" } } } as const;
const user = (text: string) => ({ type: "message", role: "user", content: [{ type: "input_text", text }] });

it("turn 2 on MiMo, turns 1 and 3 on DeepSeek: every upstream request accepted, no blob replayed to the wrong provider", async () => {
  const input: unknown[] = [{ type: "message", role: "developer", content: [{ type: "input_text", text: "You are a coding agent." }] }];
  const served: string[] = [];
  const responses: any[] = [];
  const call = async () => {
    const r = await post(rig.url, {
      model: "gpt-5.5",
      instructions: "Be brief.",
      input,
      tools: [EXEC_TOOL],
      reasoning: { effort: "high" },
      include: ["reasoning.encrypted_content"],
      store: false,
      stream: true,
      prompt_cache_key: "thread-passback",
    });
    expect(r.status).toBe(200);
    const events = r.text.split("\n").filter((l) => l.startsWith("data: ")).map((l) => JSON.parse(l.slice(6)));
    const done = events.at(-1);
    expect(done.type, JSON.stringify(done.response?.error)).toBe("response.completed");
    served.push(String(r.headers["x-godex-served-by"]));
    responses.push(done.response);
    input.push(...done.response.output);
    return done.response.output as any[];
  };
  const answerTools = (output: any[]) => {
    const calls = output.filter((i) => i.type === "function_call");
    expect(calls.length).toBeGreaterThan(0);
    for (const c of calls) input.push({ type: "function_call_output", call_id: c.call_id, output: "Process exited with code 0\nOutput:\nok" });
  };

  // Turn 1 on DeepSeek: a tool call, then the answer.
  input.push(user("run `ls`"));
  answerTools(await call());
  await call();
  // Turn 2: DeepSeek is busy (twice), MiMo serves both requests of the turn.
  rig.mocks.deepseek!.enqueue("deepseek", busy, busy);
  input.push(user("run `pwd`"));
  answerTools(await call());
  await call();
  // Turn 3: back on DeepSeek.
  input.push(user("run `echo hi`"));
  answerTools(await call());
  await call();

  expect(served).toEqual(["deepseek/deepseek-v4-pro", "deepseek/deepseek-v4-pro", "xiaomi/mimo-v2.5", "xiaomi/mimo-v2.5", "deepseek/deepseek-v4-pro", "deepseek/deepseek-v4-pro"]);
  // Every request an emulator answered was accepted (the two scripted 503s aside).
  const ds = rig.mocks.deepseek!.requests.filter((r) => r.method === "POST");
  const mimo = rig.mocks.xiaomi!.requests.filter((r) => r.method === "POST");
  expect(ds).toHaveLength(6);
  expect(mimo).toHaveLength(2);

  const toolTurns = (body: any) => (body.messages as Msg[]).filter((m) => m.role === "assistant" && m.tool_calls?.length);
  // MiMo gets DeepSeek's tool-call turn without DeepSeek's reasoning: "" as its rule demands.
  const mimoTurns = toolTurns(mimo[1]!.body);
  expect(mimoTurns).toHaveLength(2);
  expect(mimoTurns[0]!.reasoning_content).toBe("");
  expect(mimoTurns[1]!.reasoning_content).not.toBe("");
  // DeepSeek (turn 3) gets its own reasoning back for turn 1 and "" for MiMo's turn 2.
  const last = toolTurns(ds.at(-1)!.body);
  expect(last).toHaveLength(3);
  const turn1Reasoning = responses[0].output.find((i: any) => i.type === "reasoning").summary[0].text;
  expect(last[0]!.reasoning_content).toBe(turn1Reasoning);
  expect(last[1]!.reasoning_content).toBe("");
  expect(last[2]!.reasoning_content).not.toBe("");
  // Nothing of MiMo's reasoning text reached DeepSeek.
  const mimoReasoning = responses[2].output.find((i: any) => i.type === "reasoning")?.summary[0]?.text;
  if (mimoReasoning) expect(JSON.stringify(ds.at(-1)!.body)).not.toContain(mimoReasoning);

  // Each cross-target replay is told, and turn 2's first response says it was served by the fallback.
  const codes = (r: any) => r.godex.diagnostics.map((d: any) => d.code);
  expect(codes(responses[2])).toEqual(expect.arrayContaining(["served_by_fallback", "reasoning_from_other_target"]));
  expect(codes(responses[4])).toContain("reasoning_from_other_target");
  expect(codes(responses[4])).not.toContain("served_by_fallback");
  expect(responses.every((r) => r.model === "gpt-5.5")).toBe(true);
});
