// Codex code mode in every emulator: with only the freeform `exec` tool offered (as GodeX sends it, a
// function `functions__exec` with one string `input`), "run …" and "create file …" become JavaScript
// that calls the nested tools, and the script's output gets a sensible final answer.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startMockUpstreams, type MockUpstreams } from "../../src/mock/server.ts";

const EXEC = {
  type: "function",
  function: {
    name: "functions__exec",
    description:
      "Run JavaScript code to orchestrate/compose tool calls\n### `apply_patch`\n```ts\ndeclare const tools: { apply_patch(input: string): Promise<unknown>; };\n```\n### `exec_command`\n```ts\ndeclare const tools: { exec_command(args: { cmd: string; }): Promise<{ output: string; exit_code?: number; }>; };\n```",
    parameters: { type: "object", properties: { input: { type: "string", description: "Raw input of the exec tool, passed verbatim." } }, required: ["input"], additionalProperties: false },
  },
};
const WAIT = { type: "function", function: { name: "functions__wait", description: "Waits on a yielded exec cell.", parameters: { type: "object", properties: { cell_id: { type: "string" } }, required: ["cell_id"] } } };

const PROVIDERS: Record<string, { model: string; extra?: Record<string, unknown> }> = {
  deepseek: { model: "deepseek-v4-pro" },
  zhipu: { model: "glm-5.1" },
  minimax: { model: "MiniMax-M3" },
  xiaomi: { model: "mimo-v2.5-pro" },
};

let mock: MockUpstreams;
beforeAll(async () => {
  mock = await startMockUpstreams();
});
afterAll(async () => {
  await mock.close();
});

async function complete(provider: string, messages: unknown[], tools: unknown[] = [EXEC, WAIT]) {
  const res = await fetch(`${mock.baseUrl(provider)}/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer mock-${provider}-key` },
    body: JSON.stringify({ model: PROVIDERS[provider]!.model, messages, tools }),
  });
  const json = (await res.json()) as any;
  expect(res.status, JSON.stringify(json)).toBe(200);
  return json.choices[0].message as { content: string; tool_calls?: { id: string; function: { name: string; arguments: string } }[]; reasoning_content?: string };
}

function scriptOf(message: Awaited<ReturnType<typeof complete>>): { id: string; source: string } {
  expect(message.tool_calls).toHaveLength(1);
  const call = message.tool_calls![0]!;
  expect(call.function.name).toBe("functions__exec");
  return { id: call.id, source: JSON.parse(call.function.arguments).input };
}

/** The assistant turn as GodeX replays it (reasoning_content / think block as each provider wants it). */
function replay(provider: string, message: Awaited<ReturnType<typeof complete>>) {
  const m: Record<string, unknown> = { role: "assistant", content: message.content ?? "", tool_calls: message.tool_calls };
  if (provider !== "minimax") m.reasoning_content = message.reasoning_content ?? "";
  return m;
}

describe.each(Object.keys(PROVIDERS))("%s", (provider) => {
  it("runs a command through exec: tools.exec_command, then reports what it printed", async () => {
    const first = await complete(provider, [{ role: "user", content: "run echo hi" }]);
    const { id, source } = scriptOf(first);
    expect(source).toBe('const result = await tools.exec_command({ cmd: "echo hi" });\ntext(result.output);\n');
    const output = "Script completed\nWall time 0.2 seconds\nOutput:\nhi\n";
    const second = await complete(provider, [{ role: "user", content: "run echo hi" }, replay(provider, first), { role: "tool", tool_call_id: id, content: output }]);
    expect(second.tool_calls ?? []).toHaveLength(0);
    expect(second.content).toContain("Done. The command printed: hi");
  });

  it("creates a file through exec: tools.apply_patch with an Add File patch, then text()", async () => {
    const first = await complete(provider, [{ role: "user", content: "create file notes/a.txt with hello there" }]);
    const { id, source } = scriptOf(first);
    expect(source).toContain('await tools.apply_patch("*** Begin Patch\\n*** Add File: notes/a.txt\\n+hello there\\n*** End Patch\\n")');
    expect(source).toContain("text(");
    const second = await complete(provider, [
      { role: "user", content: "create file notes/a.txt with hello there" },
      replay(provider, first),
      { role: "tool", tool_call_id: id, content: "Script completed\nWall time 0.1 seconds\nOutput:\napply_patch: {}" },
    ]);
    expect(second.content).toContain("Done. The patch was applied.");
  });

  it("waits on a script that is still running, then reports its output", async () => {
    const first = await complete(provider, [{ role: "user", content: "run sleep 5; echo late" }]);
    const { id } = scriptOf(first);
    const history = [{ role: "user", content: "run sleep 5; echo late" }, replay(provider, first), { role: "tool", tool_call_id: id, content: "Script running with cell ID 7f3a" }];
    const second = await complete(provider, history);
    expect(second.tool_calls).toHaveLength(1);
    const wait = second.tool_calls![0]!;
    expect(wait.function.name).toBe("functions__wait");
    expect(JSON.parse(wait.function.arguments)).toEqual({ cell_id: "7f3a" });
    const third = await complete(provider, [...history, replay(provider, second), { role: "tool", tool_call_id: wait.id, content: "Script completed\nWall time 5.1 seconds\nOutput:\nlate\n" }]);
    expect(third.content).toContain("Done. The command printed: late");
  });

  it("says so when Codex did not run the script", async () => {
    const first = await complete(provider, [{ role: "user", content: "run ls" }]);
    const { id } = scriptOf(first);
    const second = await complete(provider, [{ role: "user", content: "run ls" }, replay(provider, first), { role: "tool", tool_call_id: id, content: "unsupported custom tool call: bogusexec" }]);
    expect(second.content).toContain("The script did not complete: unsupported custom tool call: bogusexec");
  });

  it("does not use exec for a nested tool its description does not declare", async () => {
    const bare = { ...EXEC, function: { ...EXEC.function, description: "Run JavaScript code." } };
    const reply = await complete(provider, [{ role: "user", content: "run echo hi" }], [bare]);
    expect(reply.tool_calls ?? []).toHaveLength(0);
  });
});
