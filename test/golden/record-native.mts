// Records the native-wire golden cases (test/golden/<provider>/native-*): writes request.json and
// case.json, lets the provider's native emulator answer once, stores that answer as upstream-reply.*,
// then writes upstream-request.json and expected.* from a real run (like GOLDEN_UPDATE=1).
// Multi-turn chains build each request from the previous turn's expected output, as Codex does.
//   node --import tsx test/golden/record-native.mts [provider…]
// Review every generated file before committing it (test/golden/README.md).
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { discoverCases, GOLDEN_ROOT, runCase, sseEvents, writeCase } from "./harness.ts";
import { startMockUpstreams } from "../../src/mock/server.ts";

const PROVIDERS: Record<string, string> = { deepseek: "deepseek-v4-pro", zhipu: "glm-5.3", minimax: "MiniMax-M3", xiaomi: "mimo-v2.5-pro" };
const NATIVE = { provider: { wire: "responses" } };

const EXEC = { type: "function", name: "exec_command", description: "Runs a command in a PTY.", strict: false, parameters: { type: "object", properties: { cmd: { type: "string", description: "Shell command to execute." } }, required: ["cmd"], additionalProperties: false } };
const APPLY_PATCH = { type: "custom", name: "apply_patch", description: "Use the `apply_patch` tool to edit files.", format: { type: "grammar", syntax: "lark", definition: 'start: begin_patch hunk+ end_patch\nbegin_patch: "*** Begin Patch" LF\nend_patch: "*** End Patch" LF?\nhunk: /(.|\\n)+/\n%import common.LF' } };
const MCP = { type: "namespace", name: "mcp__docs__", description: "Tools of the docs MCP server.", tools: [{ type: "function", name: "lookup", description: "Look a term up in the docs.", parameters: { type: "object", properties: { term: { type: "string" } }, required: ["term"] } }] };
const EXEC_CODE = { type: "custom", name: "exec", description: "Run JavaScript in the code-mode runtime; call tools from it.", format: { type: "text" } };
const WEB = { type: "web_search", external_web_access: true };

const user = (text: string) => ({ type: "message", role: "user", content: [{ type: "input_text", text }] });
const base = (model: string, stream: boolean, input: unknown[], tools: unknown[] = [EXEC, APPLY_PATCH], extra: Record<string, unknown> = {}) => ({
  model,
  instructions: "You are Codex, a coding agent.",
  input,
  tools,
  tool_choice: "auto",
  parallel_tool_calls: true,
  reasoning: { effort: "medium", summary: "auto" },
  store: false,
  stream,
  include: ["reasoning.encrypted_content"],
  prompt_cache_key: "0199a6c2-golden",
  ...extra,
});

interface Spec {
  name: string;
  description: string;
  request: (model: string, prev?: unknown[]) => Record<string, unknown>;
  options?: Record<string, unknown>;
  follows?: string;
  only?: string[];
  /** The turn before runs on the Chat wire (a conversation switching wires). */
  chat?: boolean;
}

const SPECS: Spec[] = [
  { name: "native-text-stream", description: "Native wire: reasoning_text comes back as summary events, then text; sealed in GodeX's carrier.", request: (m) => base(m, true, [user("hello there")]) },
  { name: "native-text-json", description: "Native wire, not streamed: the provider's Response object read into the same state machine.", request: (m) => base(m, false, [user("hello there")]) },
  { name: "native-tool-call-stream", description: "Native wire: a function call streamed as function_call_arguments events.", request: (m) => base(m, true, [user("run `ls -la`")]) },
  { name: "native-apply-patch-stream", description: "Native wire: apply_patch offered natively where the provider accepts it, else converted; given back as custom_tool_call.", request: (m) => base(m, true, [user("create file notes.txt with hello")]) },
  { name: "native-mcp-namespace-stream", description: "Native wire: an MCP namespace tool, offered natively or flattened, called back with its namespace.", request: (m) => base(m, true, [user("GODEX_MOCK_PARALLEL look it up")], [MCP]) },
  { name: "native-code-mode-exec-stream", description: "Native wire: code mode's freeform exec tool (converted where the provider takes no custom tools).", request: (m) => base(m, true, [user("GODEX_MOCK_PARALLEL compute it")], [EXEC_CODE]) },
  { name: "native-web-search-stream", description: "Native wire: web_search run server-side by the provider (a web_search_call item), or dropped with a diagnostic.", request: (m) => base(m, true, [user("search the web for GodeX gateway")], [EXEC, WEB]) },
  { name: "native-length-stream", description: "Native wire: response.incomplete (max_output_tokens) ends the turn incomplete.", request: (m) => base(m, true, [user("GODEX_MOCK_LENGTH write a lot")]) },
  { name: "native-error-401-json", description: "Native wire: a rejected key (Zhipu: HTTP 200 with {code,msg,success:false}) is a 401 authentication_error.", request: (m) => base(m, false, [user("GODEX_MOCK_ERROR=401")]) },
  { name: "native-error-401-stream", description: "Native wire: a rejected key on a streamed request ends in response.failed.", request: (m) => base(m, true, [user("GODEX_MOCK_ERROR=401")]) },
  { name: "native-error-429-stream", description: "Native wire: 429 becomes rate_limit_exceeded.", request: (m) => base(m, true, [user("GODEX_MOCK_ERROR=429")]) },
  { name: "native-context-length-json", description: "Native wire: over-long input, not streamed: 400 context_length_exceeded.", request: (m) => base(m, false, [user("GODEX_MOCK_TOO_LONG")]) },
  { name: "native-context-length-stream", description: "Native wire: over-long input, streamed (Zhipu: HTTP 200 + response.failed): response.failed context_length_exceeded.", request: (m) => base(m, true, [user("GODEX_MOCK_TOO_LONG")]) },
  { name: "native-error-event-stream", description: "Native wire: a bare `error` event mid-stream ends the response with response.failed, the partial message left out.", request: (m) => base(m, true, [user("GODEX_MOCK_STREAM_ERROR hello")]) },
  { name: "native-3turn-1", description: "Native wire, turn 1 of 3: reasoning + a shell call.", request: (m) => base(m, true, [user("run `echo hi`")]) },
  {
    name: "native-3turn-2",
    description: "Native wire, turn 2 of 3: the turn-1 reasoning restored byte-exact from the carrier onto the input (reasoning_text, or summary for MiniMax).",
    follows: "native-3turn-1",
    options: { responseId: "resp_golden_t2" },
    request: (m, prev) => base(m, true, [user("run `echo hi`"), ...prev!, { type: "function_call_output", call_id: callId(prev!), output: "Process exited with code 0\nOutput:\nhi\n" }]),
  },
  {
    name: "native-3turn-3",
    description: "Native wire, turn 3 of 3: a new question with the whole history; every earlier reasoning restored.",
    follows: "native-3turn-2",
    options: { responseId: "resp_golden_t3" },
    request: (m, prev) => base(m, true, [...(prevInput("native-3turn-2") as unknown[]), ...prev!, user("run `pwd`")]),
  },
  { name: "wire-switch-1", description: "Wire switch, turn 1 on the Chat wire: reasoning sealed in the carrier.", chat: true, request: (m) => base(m, true, [user("run `echo hi`")]) },
  {
    name: "wire-switch-2",
    description: "Wire switch, turn 2 on the native wire: the history GodeX produced on Chat is valid input here, its reasoning restored byte-exact.",
    follows: "wire-switch-1",
    options: { responseId: "resp_golden_t2" },
    request: (m, prev) => base(m, true, [user("run `echo hi`"), ...prev!, { type: "function_call_output", call_id: callId(prev!), output: "Process exited with code 0\nOutput:\nhi\n" }]),
  },
];

let currentProvider = "";

function callId(items: unknown[]): string {
  const call = items.find((i: any) => i.type === "function_call" || i.type === "custom_tool_call") as { call_id: string } | undefined;
  if (!call) throw new Error("previous turn made no call");
  return call.call_id;
}

function prevInput(name: string): unknown {
  return JSON.parse(readFileSync(join(GOLDEN_ROOT, currentProvider, name, "request.json"), "utf8")).input;
}

/** Output items of a recorded case, as Codex echoes them (status kept, ids kept). */
function outputOf(provider: string, name: string): unknown[] {
  const dir = join(GOLDEN_ROOT, provider, name);
  if (existsSync(join(dir, "expected.json"))) return JSON.parse(readFileSync(join(dir, "expected.json"), "utf8")).output;
  const events = sseEvents(readFileSync(join(dir, "expected.sse"), "utf8"));
  return events.at(-1).response.output;
}

async function recordReply(dir: string, path: string, rawBody: string, provider: string) {
  const mock = await startMockUpstreams();
  try {
    const res = await fetch(`${mock.url}${path}`, { method: "POST", headers: { "content-type": "application/json", authorization: `Bearer mock-${provider}-key` }, body: rawBody });
    const text = await res.text();
    for (const f of ["upstream-reply.json", "upstream-reply.sse", "upstream-status"]) if (existsSync(join(dir, f))) rmSync(join(dir, f));
    if ((res.headers.get("content-type") ?? "").includes("event-stream")) writeFileSync(join(dir, "upstream-reply.sse"), text);
    else writeFileSync(join(dir, "upstream-reply.json"), JSON.stringify(JSON.parse(text), null, 2) + "\n");
    if (res.status !== 200) writeFileSync(join(dir, "upstream-status"), `${res.status}\n`);
  } finally {
    await mock.close();
  }
}

async function record(provider: string, spec: Spec) {
  currentProvider = provider;
  const dir = join(GOLDEN_ROOT, provider, spec.name);
  mkdirSync(dir, { recursive: true });
  for (const f of ["upstream-reply.json", "upstream-reply.sse", "upstream-status", "upstream-request.json", "expected.sse", "expected.json"]) if (existsSync(join(dir, f))) rmSync(join(dir, f));
  const prev = spec.follows ? outputOf(provider, spec.follows) : undefined;
  const model = `${provider}/${PROVIDERS[provider]}`;
  writeFileSync(join(dir, "request.json"), JSON.stringify(spec.request(model, prev), null, 2) + "\n");
  const options = { description: spec.description, ...(spec.chat ? {} : NATIVE), ...(spec.follows ? { follows: spec.follows } : {}), ...spec.options };
  writeFileSync(join(dir, "case.json"), JSON.stringify(options, null, 2) + "\n");
  const find = () => discoverCases().find((c) => c.provider === provider && c.name === spec.name)!;
  const first = await runCase(find());
  if (first.upstream.length === 0) throw new Error(`${provider}/${spec.name}: GodeX did not call the provider (${first.status} ${first.body.slice(0, 300)})`);
  await recordReply(dir, first.upstream[0]!.path, first.upstream[0]!.rawBody, provider);
  const c = find();
  writeCase(c, await runCase(c));
  console.log(`recorded ${provider}/${spec.name}`);
}

const only = process.argv.slice(2);
for (const provider of Object.keys(PROVIDERS)) {
  if (only.length > 0 && !only.includes(provider)) continue;
  for (const spec of SPECS) if (!spec.only || spec.only.includes(provider)) await record(provider, spec);
}
