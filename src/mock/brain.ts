// Provider-neutral "model": decides a deterministic reply from a normalized chat request.
// Dialects translate their wire format into BrainInput and render BrainReply back out.
import { searxngResults } from "./search.ts";

export interface BrainToolCall {
  id: string;
  name: string;
  arguments: string;
}

export interface BrainMessage {
  role: string;
  /** Text content flattened to one string. */
  content: string;
  toolCalls: BrainToolCall[];
  toolCallId?: string;
}

export interface BrainTool {
  name: string;
  /** JSON Schema of the function parameters, if any. */
  parameters?: Record<string, unknown>;
  /** What the model reads about the tool (code mode's `exec` declares its nested tools here). */
  description?: string;
}

export interface BrainInput {
  messages: BrainMessage[];
  tools: BrainTool[];
  thinking: boolean;
  /** Output budget (reasoning included); the reply is cut with finish `length` past it. */
  maxTokens?: number;
  /** The request turned on the provider's own web search (its `web_search` tool, not a function). */
  providerSearch?: boolean;
}

export interface BrainReply {
  reasoning?: string;
  content: string;
  toolCalls: { name: string; arguments: string }[];
  finish: "stop" | "tool_calls" | "length";
  /** The provider's own search ran before this answer: what it found (the dialect reports it its way). */
  webSearch?: { query: string; results: ReturnType<typeof searxngResults> };
}

/**
 * Magic strings a user message can carry to steer the mock. Plain prompts steer it too:
 * `run <cmd>` (or a backticked command) calls `exec_command` (or `shell_command` / `shell`);
 * `create file X with Y` calls `apply_patch`; `search tools for X` calls `tool_search`. In Codex code
 * mode, where only the freeform `exec` tool is offered (`functions__exec`, nested tools declared in its
 * description), the same two prompts call `exec` with JavaScript instead:
 * `const result = await tools.exec_command({ cmd: "<cmd>" });\ntext(result.output);` and
 * `const result = await tools.apply_patch("*** Begin Patch\n*** Add File: X\n+Y\n*** End Patch\n");\ntext(…);`.
 * A tool result gets a final answer ("Done. The command printed: <last line>", "Done. The patch was applied.");
 * an exec output "Script running with cell ID <id>" gets a `wait` call (`functions__wait`) with that cell_id.
 */
export const MAGIC = {
  /**
   * `GODEX_MOCK_ERROR=429` → the dialect answers that HTTP status with its real error body.
   * `GODEX_MOCK_ERROR=503@deepseek` → only that emulator fails (the others answer normally): a routed
   * alias's first target fails and its fallback serves.
   */
  error: "GODEX_MOCK_ERROR",
  /** Two tool calls in one turn. */
  parallel: "GODEX_MOCK_PARALLEL",
  /** Partial text with finish `length`. */
  length: "GODEX_MOCK_LENGTH",
  /** `GODEX_MOCK_FINISH=<reason>` → that finish_reason verbatim (e.g. `sensitive`, `network_error`,
   *  `repetition_truncation`); tool calls are dropped unless the reason is `tool_calls`. Honoured by Zhipu, MiniMax, MiMo. */
  finish: "GODEX_MOCK_FINISH",
  /** MiniMax: a business error inside an HTTP 200 (`base_resp.status_code`); `GODEX_MOCK_BIZERR=<code>` picks the code. */
  bizError: "GODEX_MOCK_BIZERR",
  /** After each web search result, search again (until told the limit is reached). */
  searchAgain: "GODEX_MOCK_SEARCH_AGAIN",
} as const;

const COMMAND_TOOLS = ["exec_command", "shell_command", "shell"];

/** Python-style JSON (`{"a": 1, "b": [2, 3]}`), the spacing real upstream models emit. */
export function spacedJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(spacedJson).join(", ")}]`;
  if (v && typeof v === "object")
    return `{${Object.entries(v).map(([k, x]) => `${JSON.stringify(k)}: ${spacedJson(x)}`).join(", ")}}`;
  return JSON.stringify(v) ?? "null";
}

export function lastUserText(input: BrainInput): string {
  for (let i = input.messages.length - 1; i >= 0; i--) {
    if (input.messages[i]!.role === "user") return input.messages[i]!.content;
  }
  return "";
}

/** HTTP status requested with `GODEX_MOCK_ERROR=<status>[@<emulator>]` in the last user message. */
export function requestedErrorStatus(input: BrainInput, self: string): number | undefined {
  const m = new RegExp(`${MAGIC.error}=(\\d{3})(?:@([A-Za-z0-9_-]+))?`).exec(lastUserText(input));
  if (!m || (m[2] !== undefined && m[2] !== self)) return undefined;
  return Number(m[1]);
}

/** finish_reason requested with `GODEX_MOCK_FINISH=<reason>` in the last user message. */
export function requestedFinish(input: BrainInput): string | undefined {
  const m = new RegExp(`${MAGIC.finish}=([A-Za-z_]+)`).exec(lastUserText(input));
  return m ? m[1] : undefined;
}

/** `GODEX_MOCK_BIZERR` in the last user message: the requested code, or 0 for the dialect's default. */
export function requestedBizError(input: BrainInput): number | undefined {
  const m = new RegExp(`${MAGIC.bizError}(?:=(\\d+))?`).exec(lastUserText(input));
  if (!m) return undefined;
  return m[1] ? Number(m[1]) : 0;
}

function stripQuotes(s: string): string {
  return s.trim().replace(/^(["'`])(.*)\1$/s, "$2");
}

function findTool(input: BrainInput, names: string[]): BrainTool | undefined {
  for (const n of names) {
    const t = input.tools.find((x) => x.name === n);
    if (t) return t;
  }
  return undefined;
}

function commandArgs(tool: string, cmd: string): string {
  if (tool === "exec_command") return spacedJson({ cmd });
  if (tool === "shell_command") return spacedJson({ command: cmd });
  return spacedJson({ command: ["bash", "-lc", cmd] });
}

/** Placeholder arguments that satisfy the tool's required properties (a place named in `text` for a location). */
function sampleArgs(tool: BrainTool, text = ""): string {
  const props = (tool.parameters?.properties ?? {}) as Record<string, { type?: string }>;
  const required = Array.isArray(tool.parameters?.required) ? (tool.parameters!.required as string[]) : [];
  const sample: Record<string, unknown> = {};
  const byType: Record<string, unknown> = { string: "mock", number: 1, integer: 1, boolean: false, array: [], object: {} };
  const place = /\b(?:in|at|for) ((?:[A-Z][\w.]*)(?:,? [A-Z][\w.]*)*)/.exec(text)?.[1];
  for (const key of required) {
    const type = props[key]?.type ?? "string";
    sample[key] = type === "string" && place && /location|city|place|address/i.test(key) ? place : (byType[type] ?? "mock");
  }
  return spacedJson(sample);
}

/** A getter function (`get_weather`, `fetch_stock_price` …) whose subject the user asks about. */
function askedGetter(input: BrainInput, text: string): BrainTool | undefined {
  const lower = text.toLowerCase();
  return input.tools.find((t) => {
    const m = /^(?:get|fetch|lookup|find|query)_(\w+)$/.exec(t.name);
    return m !== null && m[1]!.split("_").some((w) => w.length >= 4 && new RegExp(`\\b${w}\\b`).test(lower));
  });
}

function extractCommand(text: string): string | undefined {
  const tick = /`([^`]+)`/.exec(text);
  if (tick) return tick[1]!.trim();
  const run = /\brun\s+(.+)$/im.exec(text);
  return run ? stripQuotes(run[1]!) : undefined;
}

/**
 * Codex code mode: one freeform `exec` tool (offered as a function with one string `input`, flattened
 * as `functions__exec`) that runs JavaScript; the classic tools are nested in it as `tools.<name>(…)`,
 * declared in its description, which is how a model knows which ones it may call.
 */
function findExecTool(input: BrainInput, nested: string): BrainTool | undefined {
  return input.tools.find((t) => {
    if (t.name !== "exec" && !t.name.endsWith("__exec")) return false;
    const props = (t.parameters?.properties ?? {}) as Record<string, { type?: string }>;
    return props.input?.type === "string" && (t.description ?? "").includes(`${nested}(`);
  });
}

/** The JavaScript of an exec call, from its arguments `{"input": "<source>"}`. */
function execSource(call: BrainToolCall | undefined): string | undefined {
  if (!call || (call.name !== "exec" && !call.name.endsWith("__exec"))) return undefined;
  try {
    const source = (JSON.parse(call.arguments) as { input?: unknown }).input;
    return typeof source === "string" ? source : undefined;
  } catch {
    return undefined;
  }
}

/** Code mode's `wait` (flattened `functions__wait`): waits on a script still running. */
const isWait = (name: string): boolean => name === "wait" || name.endsWith("__wait");

/** The script a `wait` call waits on: the latest exec call before it. */
function waitedSource(input: BrainInput, wait: BrainToolCall): string | undefined {
  const calls = input.messages.flatMap((m) => m.toolCalls);
  const before = calls.slice(0, calls.findIndex((c) => c.id === wait.id));
  for (let i = before.length - 1; i >= 0; i--) {
    const source = execSource(before[i]);
    if (source !== undefined) return source;
  }
  return "";
}

function execCall(tool: BrainTool, source: string): BrainReply["toolCalls"][number] {
  return { name: tool.name, arguments: spacedJson({ input: source }) };
}

/**
 * After an exec call (or a `wait` on it): Codex sends "Script completed…" (or why it did not run) and the
 * script's text() output; a script still running ("Script running with cell ID …") is waited on.
 */
function answerExecResult(input: BrainInput, source: string, output: string, reasoning: string): BrainReply {
  const lines = output.split("\n").map((l) => l.trim()).filter(Boolean);
  const tail = lines.at(-1);
  const running = /Script running with cell ID (\S+)/.exec(output);
  const wait = input.tools.find((t) => isWait(t.name));
  if (running && wait) {
    return {
      reasoning: "The script is still running. I will wait for it.",
      content: "",
      toolCalls: [{ name: wait.name, arguments: spacedJson({ cell_id: running[1]!.replace(/[.,;]$/, "") }) }],
      finish: "tool_calls",
    };
  }
  if (!/^Script completed/m.test(output)) {
    return { reasoning, content: `The script did not complete: ${tail ?? "no output"}`, toolCalls: [], finish: "stop" };
  }
  if (source.includes("tools.apply_patch(")) return { reasoning, content: "Done. The patch was applied.", toolCalls: [], finish: "stop" };
  const printed = lines.filter((l) => !/^(Script completed|Wall time|Output:)/.test(l)).at(-1);
  return { reasoning, content: printed ? `Done. The command printed: ${printed}` : "Done. The command printed nothing.", toolCalls: [], finish: "stop" };
}

function answerToolResult(input: BrainInput, last: BrainMessage): BrainReply {
  const call = input.messages.flatMap((m) => m.toolCalls).find((c) => c.id === last.toolCallId);
  const reasoning = "The tool finished. I will report its output to the user.";
  const source = execSource(call) ?? (call && isWait(call.name) ? waitedSource(input, call) : undefined);
  if (source !== undefined) return answerExecResult(input, source, last.content, reasoning);
  const patched = call?.name === "apply_patch" || /^Success\. Updated the following files:/m.test(last.content);
  if (patched) return { reasoning, content: "Done. The patch was applied.", toolCalls: [], finish: "stop" };
  if (call?.name === "web_search") return answerWebSearch(input, last);
  if (call?.name === "tool_search") {
    const found = /^- ([^:]+):/m.exec(last.content)?.[1];
    return { reasoning, content: found ? `Done. The search found: ${found}` : "Done. The search found nothing.", toolCalls: [], finish: "stop" };
  }
  const lines = last.content.split("\n").map((l) => l.trim()).filter(Boolean);
  const tail = lines.at(-1);
  const content = tail ? `Done. The command printed: ${tail}` : "Done. The command printed nothing.";
  return { reasoning, content, toolCalls: [], finish: "stop" };
}

/** A user message can chain steps: "run X; then create file Y with Z" is done one step per model turn. */
const STEP_SEPARATOR = /;\s*then\s+/i;

/** Steps already taken: assistant tool-call turns since the last user message (waiting on a script is not a step). */
function stepsTaken(input: BrainInput): number {
  let n = 0;
  for (let i = input.messages.length - 1; i >= 0 && input.messages[i]!.role !== "user"; i--) {
    const m = input.messages[i]!;
    if (m.role === "assistant" && m.toolCalls.some((c) => !isWait(c.name))) n++;
  }
  return n;
}

/**
 * After a web search: answers citing the first result URL. With `GODEX_MOCK_SEARCH_AGAIN` in the user
 * message it searches again (each result asks for one more search), which exercises the search limit.
 */
function answerWebSearch(input: BrainInput, last: BrainMessage): BrainReply {
  const reasoning = "The search returned results. I will answer and cite the source.";
  if (lastUserText(input).includes(MAGIC.searchAgain) && !/Search limit reached/.test(last.content)) {
    const n = input.messages.filter((m) => m.role === "tool").length;
    return { reasoning: "I need more sources.", content: "", toolCalls: [{ name: "web_search", arguments: spacedJson({ query: `more sources ${n}` }) }], finish: "tool_calls" };
  }
  const url = /^URL: (\S+)/m.exec(last.content)?.[1];
  const title = /^\[1\] (.+)$/m.exec(last.content)?.[1];
  if (!url) return { reasoning, content: `I could not find anything on the web: ${last.content.split("\n")[0]}`, toolCalls: [], finish: "stop" };
  return { reasoning, content: `According to ${title ?? "the first result"} (${url}), here is what I found.`, toolCalls: [], finish: "stop" };
}

function decideRaw(input: BrainInput): BrainReply {
  const last = input.messages.at(-1);
  const steps = lastUserText(input).split(STEP_SEPARATOR);
  if (last?.role === "tool") {
    const answer = answerToolResult(input, last);
    // A step still going on (a script still running is waited on) is finished before the next one starts.
    if (answer.toolCalls.length > 0) return answer;
    const taken = stepsTaken(input);
    return taken < steps.length ? decideStep(input, steps[taken]!) : answer;
  }
  return decideStep(input, steps[0]!);
}

function decideStep(input: BrainInput, text: string): BrainReply {

  if (text.includes(MAGIC.length)) {
    return {
      reasoning: "The user asked for a long answer. I will write until the limit.",
      content: "Here is the beginning of a long answer that stops in the middle of a sen",
      toolCalls: [],
      finish: "length",
    };
  }

  const cmdTool = findTool(input, COMMAND_TOOLS);
  if (text.includes(MAGIC.parallel) && input.tools.length > 0) {
    const calls = cmdTool
      ? ["echo one", "echo two"].map((c) => ({ name: cmdTool.name, arguments: commandArgs(cmdTool.name, c) }))
      : [0, 1].map(() => ({ name: input.tools[0]!.name, arguments: sampleArgs(input.tools[0]!) }));
    return { reasoning: "The user wants two tool calls at once. I will make them in parallel.", content: "", toolCalls: calls, finish: "tool_calls" };
  }

  // "search the web for X" / "look up X": GodeX's hosted web_search, when it is offered.
  const web = /(?:search the web for|web search(?: for)?|look up)\s+(.+)/i.exec(text);
  if (web && findTool(input, ["web_search"])) {
    const query = stripQuotes(web[1]!).replace(/[.?!]$/, "");
    return {
      reasoning: `The user wants current information about ${query}. I will search the web.`,
      content: "",
      toolCalls: [{ name: "web_search", arguments: spacedJson({ query }) }],
      finish: "tool_calls",
    };
  }

  // The same prompt with the provider's own search on: the provider searches, the model answers citing it.
  if (web && input.providerSearch) {
    const query = stripQuotes(web[1]!).replace(/[.?!]$/, "");
    const results = searxngResults(query);
    return {
      reasoning: `The search results cover ${query}. I will answer and cite the source.`,
      content: `According to ${results[0]!.title} (${results[0]!.url}), here is what I found.`,
      toolCalls: [],
      finish: "stop",
      webSearch: { query, results },
    };
  }

  // "search tools for X" / "find a tool to X": Codex's deferred-tool search, when it is offered.
  const search = /(?:search (?:the )?tools? for|find (?:a |the )?tools? (?:to|for)) (.+)/i.exec(text);
  const searchTool = findTool(input, ["tool_search"]);
  if (search && searchTool) {
    const query = stripQuotes(search[1]!);
    return {
      reasoning: `The user wants a tool for ${query}. I will search the deferred tools.`,
      content: "",
      toolCalls: [{ name: "tool_search", arguments: spacedJson({ query, limit: 3 }) }],
      finish: "tool_calls",
    };
  }

  // Before the command rule: backticked file content must not be mistaken for a command.
  const file = /create (?:a )?file (\S+) (?:with|containing) (.+)/i.exec(text);
  const patchTool = findTool(input, ["apply_patch"]);
  const patchExec = patchTool ? undefined : findExecTool(input, "apply_patch");
  if (file && patchExec) {
    const path = stripQuotes(file[1]!);
    const patch = `*** Begin Patch\n*** Add File: ${path}\n+${stripQuotes(file[2]!)}\n*** End Patch\n`;
    const source = `const result = await tools.apply_patch(${JSON.stringify(patch)});\ntext(\`apply_patch: \${JSON.stringify(result)}\`);\n`;
    return {
      reasoning: `The user wants a file ${path}. Only exec is available, so I will call apply_patch from a script.`,
      content: "",
      toolCalls: [execCall(patchExec, source)],
      finish: "tool_calls",
    };
  }
  if (file && patchTool) {
    const path = stripQuotes(file[1]!);
    const body = stripQuotes(file[2]!);
    const patch = `*** Begin Patch\n*** Add File: ${path}\n+${body}\n*** End Patch\n`;
    return {
      reasoning: `The user wants a file ${path} containing ${body}. I will call apply_patch.`,
      content: "",
      toolCalls: [{ name: "apply_patch", arguments: spacedJson({ input: patch }) }],
      finish: "tool_calls",
    };
  }

  const cmd = extractCommand(text);
  const cmdExec = cmdTool ? undefined : findExecTool(input, "exec_command");
  if (cmd && cmdExec) {
    const source = `const result = await tools.exec_command({ cmd: ${JSON.stringify(cmd)} });\ntext(result.output);\n`;
    return {
      reasoning: `The user wants me to run ${cmd}. Only exec is available, so I will run it from a script.`,
      content: "",
      toolCalls: [execCall(cmdExec, source)],
      finish: "tool_calls",
    };
  }
  if (cmd && cmdTool) {
    return {
      reasoning: `The user wants me to run ${cmd}. I will call ${cmdTool.name}.`,
      content: "",
      toolCalls: [{ name: cmdTool.name, arguments: commandArgs(cmdTool.name, cmd) }],
      finish: "tool_calls",
    };
  }

  const getter = askedGetter(input, text);
  if (getter) {
    return {
      reasoning: `The user asks something ${getter.name} can tell. I will call it.`,
      content: "",
      toolCalls: [{ name: getter.name, arguments: sampleArgs(getter, text) }],
      finish: "tool_calls",
    };
  }

  const said = text.slice(0, 200);
  return { reasoning: `The user said "${said.slice(0, 60)}". I will answer directly.`, content: `You said: ${said}`, toolCalls: [], finish: "stop" };
}

/** Cuts reasoning, then text, then tool arguments once the character budget (4 per token) is spent. */
function fitBudget(reply: BrainReply, maxTokens: number): BrainReply {
  let budget = maxTokens * 4;
  let cut = false;
  const take = (s: string): string => {
    if (s.length <= budget) {
      budget -= s.length;
      return s;
    }
    cut = true;
    const kept = s.slice(0, Math.max(0, budget));
    budget = 0;
    return kept;
  };
  const reasoning = reply.reasoning === undefined ? undefined : take(reply.reasoning);
  const content = take(reply.content);
  const toolCalls: BrainReply["toolCalls"] = [];
  for (const c of reply.toolCalls) {
    if (budget <= 0) {
      cut = true;
      break;
    }
    toolCalls.push({ name: c.name, arguments: take(c.arguments) }); // may leave truncated JSON, as real models do
  }
  return cut ? { reasoning, content, toolCalls, finish: "length" } : reply;
}

/** The reply for this request; reasoning only when thinking is on. */
export function decide(input: BrainInput): BrainReply {
  let reply = decideRaw(input);
  if (!input.thinking) reply = { ...reply, reasoning: undefined };
  if (input.maxTokens !== undefined) reply = fitBudget(reply, input.maxTokens);
  return reply;
}
