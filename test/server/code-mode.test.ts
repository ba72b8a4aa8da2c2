// Codex code mode through GodeX to every provider emulator, the way Codex 0.171 drives it: the captured
// lite body (tools only in an additional_tools item) → the emulated model calls exec with JavaScript →
// GodeX returns custom_tool_call {name: "exec", namespace: "functions"} → Codex's replay of that call
// plus its outputs is accepted by the (strict) emulator and answered.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PROVIDERS, clientAgent, post, startRig, type Rig } from "../reliability/helpers.ts";

const LITE = JSON.parse(readFileSync(join(import.meta.dirname, "..", "golden", "deepseek", "code-mode-1", "request.json"), "utf8"));

let rig: Rig;
beforeAll(async () => {
  rig = await startRig({ providers: PROVIDERS });
});
afterAll(async () => {
  await rig.close();
  await clientAgent.close();
});

function liteBody(model: string, prompt: string, extra: unknown[] = []) {
  const input = structuredClone(LITE.input);
  input[input.length - 1].content[0].text = prompt;
  return { ...structuredClone(LITE), model, stream: false, input: [...input, ...extra] };
}

async function turn(body: unknown) {
  const r = await post(rig.url, body);
  expect(r.status, r.text.slice(0, 500)).toBe(200);
  const res = JSON.parse(r.text);
  expect(res.status).toBe("completed");
  return res as { output: any[] };
}

/** The output items as Codex echoes them on the next turn. */
function echo(output: any[]) {
  return output.map((i) =>
    i.type === "reasoning"
      ? { type: "reasoning", id: i.id, summary: i.summary, content: null, encrypted_content: i.encrypted_content }
      : { type: i.type, id: i.id, status: i.status, call_id: i.call_id, name: i.name, namespace: i.namespace, input: i.input },
  );
}

describe.each(PROVIDERS)("%s", (provider) => {
  const model = () => rig.model(provider);

  it("runs a shell command through exec and answers with what it printed", async () => {
    const first = await turn(liteBody(model(), "run echo hi"));
    const call = first.output.find((i) => i.type === "custom_tool_call");
    expect(call).toMatchObject({ name: "exec", namespace: "functions", status: "completed" });
    expect(call.input).toContain('await tools.exec_command({ cmd: "echo hi" })');
    const outputs = [
      { type: "custom_tool_call_output", id: "ctco_1", call_id: call.call_id, output: "progress: started" },
      {
        type: "custom_tool_call_output",
        id: "ctco_2",
        call_id: call.call_id,
        output: [
          { type: "input_text", text: "Script completed\nWall time 0.2 seconds\nOutput:\n" },
          { type: "input_text", text: "hi\n" },
        ],
      },
    ];
    const second = await turn(liteBody(model(), "run echo hi", [...echo(first.output), ...outputs]));
    const message = second.output.find((i) => i.type === "message");
    expect(message.content[0].text).toContain("Done. The command printed: hi");
  });

  it("creates a file through apply_patch inside exec", async () => {
    const first = await turn(liteBody(model(), "create file notes.txt with hello"));
    const call = first.output.find((i) => i.type === "custom_tool_call");
    expect(call).toMatchObject({ name: "exec", namespace: "functions" });
    expect(call.input).toContain('tools.apply_patch("*** Begin Patch\\n*** Add File: notes.txt\\n+hello\\n*** End Patch\\n")');
    const out = { type: "custom_tool_call_output", id: "ctco_3", call_id: call.call_id, output: [{ type: "input_text", text: "Script completed\nWall time 0.1 seconds\nOutput:\n" }, { type: "input_text", text: "apply_patch: {}" }] };
    const second = await turn(liteBody(model(), "create file notes.txt with hello", [...echo(first.output), out]));
    expect(second.output.find((i) => i.type === "message").content[0].text).toContain("Done. The patch was applied.");
  });
});
