// DeepSeek request validation, mirroring the live API's checks and wording (providers.md §1).
// Two phases like the real server: serde-style deserialization errors (first one in document
// order, with byte positions), then semantic checks. Wording marked "unverified" is a best guess.
import { isObj } from "./chat.ts";
import { positionAt, valueSpan, type JsonPath } from "./jsonpos.ts";

export interface ApiError {
  status: number;
  message: string;
  type: string;
}

export const DEEPSEEK_MODELS = ["deepseek-v4-pro", "deepseek-v4-flash", "deepseek-flash"];
export const DEEPSEEK_MAX_TOKENS = 393216;
const ROLES = ["system", "user", "assistant", "tool", "latest_reminder"];
const EFFORTS = ["minimal", "low", "medium", "high", "xhigh", "max"];
const TOOL_NAME = /^[A-Za-z0-9_-]{1,64}$/;
const USER_ID = /^[A-Za-z0-9_-]{1,512}$/;

const invalid = (message: string): ApiError => ({ status: 400, message, type: "invalid_request_error" });

/** Thinking is on unless explicitly disabled. */
export function thinkingEnabled(body: Record<string, unknown>): boolean {
  return !(isObj(body.thinking) && body.thinking.type === "disabled");
}

function pathText(path: JsonPath): string {
  return path.map((k, i) => (typeof k === "number" ? `[${k}]` : i === 0 ? k : `.${k}`)).join("");
}

/** serde's `Unexpected` wording for a JSON value. */
function unexpected(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "sequence";
  if (typeof v === "object") return "map";
  if (typeof v === "string") return `string ${JSON.stringify(v)}`;
  if (typeof v === "boolean") return `boolean \`${v}\``;
  if (typeof v === "number") return Number.isInteger(v) ? `integer \`${v}\`` : `floating point \`${v}\``;
  return "unit value";
}

/** serde's list of expected variants. */
function expectedVariants(vs: string[]): string {
  const q = vs.map((v) => `\`${v}\``);
  if (q.length === 1) return q[0]!;
  if (q.length === 2) return `${q[0]} or ${q[1]}`;
  return `one of ${q.join(", ")}`;
}

/** Collects deserialization failures; the real server reports the first one serde meets. */
class Deserializer {
  private readonly found: { at: number; text: string }[] = [];
  constructor(private readonly raw: string) {}

  /** serde stops after a scalar, but at the opening bracket of a mistyped map/sequence. */
  private at(path: JsonPath, where: "end" | "open"): number {
    const span = valueSpan(this.raw, path);
    if (!span) return this.raw.length;
    return where === "open" ? span.start + 1 : span.end;
  }

  private add(path: JsonPath, at: number, msg: string): void {
    const p = pathText(path);
    this.found.push({ at, text: p ? `${p}: ${msg}` : msg });
  }

  missing(objPath: JsonPath, field: string): void {
    this.add(objPath, this.at(objPath, "end"), `missing field \`${field}\``);
  }

  badType(path: JsonPath, v: unknown, expected: string): void {
    this.add(path, this.at(path, typeof v === "object" && v !== null ? "open" : "end"), `invalid type: ${unexpected(v)}, expected ${expected}`);
  }

  variant(path: JsonPath, v: unknown, variants: string[]): boolean {
    if (typeof v !== "string") {
      this.badType(path, v, "variant identifier");
      return false;
    }
    if (variants.includes(v)) return true;
    this.add(path, this.at(path, "end"), `unknown variant \`${v}\`, expected ${expectedVariants(variants)}`);
    return false;
  }

  first(): ApiError | undefined {
    if (this.found.length === 0) return undefined;
    const e = this.found.reduce((a, b) => (b.at < a.at ? b : a));
    const { line, column } = positionAt(this.raw, e.at);
    return invalid(`Failed to deserialize the JSON body into the target type: ${e.text} at line ${line} column ${column}`);
  }
}

const present = (v: unknown): boolean => v !== undefined && v !== null;

function checkMessages(d: Deserializer, messages: unknown[]): void {
  messages.forEach((m, i) => {
    const p: JsonPath = ["messages", i];
    if (!isObj(m)) return d.badType(p, m, "internally tagged enum Message");
    if (!("role" in m)) return d.missing(p, "role");
    if (!d.variant([...p, "role"], m.role, ROLES)) return;
    if (m.role === "tool" && !present(m.tool_call_id)) d.missing(p, "tool_call_id");
    if (m.role === "assistant" && present(m.tool_calls)) {
      if (!Array.isArray(m.tool_calls)) return d.badType([...p, "tool_calls"], m.tool_calls, "a sequence");
      m.tool_calls.forEach((c, j) => {
        const cp: JsonPath = [...p, "tool_calls", j];
        if (!isObj(c)) return d.badType(cp, c, "struct ToolCall");
        if (!isObj(c.function)) return c.function === undefined ? d.missing(cp, "function") : d.badType([...cp, "function"], c.function, "struct Function");
        if (typeof c.function.name !== "string") d.missing([...cp, "function"], "name");
      });
    }
  });
}

function checkTools(d: Deserializer, tools: unknown[]): void {
  tools.forEach((t, i) => {
    const p: JsonPath = ["tools", i];
    if (!isObj(t)) return d.badType(p, t, "struct Tool");
    if (!("type" in t)) return d.missing(p, "type");
    if (!d.variant([...p, "type"], t.type, ["function"])) return;
    if (!("function" in t)) return d.missing(p, "function");
    if (!isObj(t.function)) return d.badType([...p, "function"], t.function, "struct Function");
    if (!("name" in t.function)) return d.missing([...p, "function"], "name");
    if (typeof t.function.name !== "string") d.badType([...p, "function", "name"], t.function.name, "a string");
  });
}

function deserialize(raw: string, body: unknown): ApiError | undefined {
  const d = new Deserializer(raw);
  if (!isObj(body)) {
    d.badType([], body, "struct ChatCompletionRequest");
    return d.first();
  }
  if (!("model" in body)) d.missing([], "model");
  else if (typeof body.model !== "string") d.badType(["model"], body.model, "a string");
  if (!("messages" in body)) d.missing([], "messages");
  else if (!Array.isArray(body.messages)) d.badType(["messages"], body.messages, "a sequence");
  else checkMessages(d, body.messages);
  if (present(body.tools)) {
    if (!Array.isArray(body.tools)) d.badType(["tools"], body.tools, "a sequence");
    else checkTools(d, body.tools);
  }
  if (present(body.thinking)) {
    if (!isObj(body.thinking)) d.badType(["thinking"], body.thinking, "struct Thinking");
    else if (!("type" in body.thinking)) d.missing(["thinking"], "type");
    else d.variant(["thinking", "type"], body.thinking.type, ["enabled", "disabled"]);
  }
  if (present(body.reasoning_effort)) d.variant(["reasoning_effort"], body.reasoning_effort, EFFORTS);
  if (present(body.max_tokens)) {
    const v = body.max_tokens;
    if (typeof v !== "number" || !Number.isInteger(v)) d.badType(["max_tokens"], v, "u32");
    else if (v < 0) d.badType(["max_tokens"], v, "u32"); // serde says "invalid value" here; close enough
  }
  if (present(body.stream) && typeof body.stream !== "boolean") d.badType(["stream"], body.stream, "a boolean");
  if (present(body.user_id) && typeof body.user_id !== "string") d.badType(["user_id"], body.user_id, "a string");
  return d.first();
}

/** Tool messages must directly answer the preceding assistant tool_calls, and answer all of them. */
function checkToolSequence(messages: Record<string, unknown>[]): ApiError | undefined {
  let open: Set<string> | undefined; // ids still awaiting an answer
  for (const m of messages) {
    if (m.role === "tool") {
      if (!open || !open.delete(String(m.tool_call_id)))
        return invalid("Messages with role 'tool' must be a response to a preceding message with 'tool_calls'");
      continue;
    }
    if (open && open.size > 0)
      return invalid(
        "An assistant message with 'tool_calls' must be followed by tool messages responding to each 'tool_call_id'. (insufficient tool messages following tool_calls message)",
      );
    const calls = m.role === "assistant" && Array.isArray(m.tool_calls) ? m.tool_calls : [];
    open = calls.length > 0 ? new Set(calls.map((c) => String(isObj(c) ? c.id : ""))) : undefined;
  }
  if (open && open.size > 0)
    return invalid(
      "An assistant message with 'tool_calls' must be followed by tool messages responding to each 'tool_call_id'. (insufficient tool messages following tool_calls message)",
    );
  return undefined;
}

function checkToolRules(body: Record<string, unknown>, beta: boolean, thinking: boolean): ApiError | undefined {
  const tools = Array.isArray(body.tools) ? (body.tools as Record<string, Record<string, unknown>>[]) : [];
  if (tools.length > 128) return invalid(`Invalid tools: at most 128 tools are supported, but ${tools.length} were given`); // unverified
  for (const t of tools) {
    const name = String(t.function!.name);
    if (!TOOL_NAME.test(name)) return invalid(`Invalid function name '${name}': must match ^[a-zA-Z0-9_-]{1,64}$`); // unverified
  }
  const strict = tools.filter((t) => t.function!.strict === true);
  if (strict.length > 0 && !beta)
    return invalid("The `strict` parameter of function calling is only supported on the beta endpoint (https://api.deepseek.com/beta)"); // unverified
  if (strict.length > 0 && strict.length < tools.length)
    return invalid("In strict mode, all functions must set `strict: true`"); // unverified
  const choice = body.tool_choice;
  if (present(choice)) {
    const named = isObj(choice) && isObj(choice.function) ? String(choice.function.name) : undefined;
    const ok = choice === "none" || choice === "auto" || choice === "required" || named !== undefined;
    if (!ok) return invalid("Invalid tool_choice"); // unverified
    if (thinking && (choice === "required" || named !== undefined)) return invalid("Thinking mode does not support this tool_choice");
    if (named !== undefined && !tools.some((t) => t.function!.name === named))
      return invalid(`Invalid tool_choice: function '${named}' is not in tools`); // unverified
  }
  return undefined;
}

/** undefined when the request is acceptable. `beta` = called under /beta. */
export function validateDeepSeek(raw: string, body: unknown, beta: boolean): ApiError | undefined {
  const shapeError = deserialize(raw, body);
  if (shapeError) return shapeError;
  const b = body as Record<string, unknown>;
  const messages = b.messages as Record<string, unknown>[];
  const thinking = thinkingEnabled(b);

  if (!DEEPSEEK_MODELS.includes(b.model as string))
    return invalid(`The supported API model names are deepseek-v4-pro or deepseek-v4-flash, but you passed ${b.model}.`);
  if (messages.length === 0) return invalid("Empty input messages");
  if (present(b.max_tokens) && ((b.max_tokens as number) < 1 || (b.max_tokens as number) > DEEPSEEK_MAX_TOKENS))
    return invalid(`Invalid max_tokens value, the valid range of max_tokens is [1, ${DEEPSEEK_MAX_TOKENS}]`);
  if (present(b.stop)) {
    const s = b.stop;
    const ok = typeof s === "string" || (Array.isArray(s) && s.length <= 16 && s.every((x) => typeof x === "string"));
    if (!ok) return invalid("Invalid stop value: stop must be a string or a list of at most 16 strings"); // unverified
  }
  if (present(b.user_id) && !USER_ID.test(b.user_id as string))
    return invalid("Invalid user_id: must match ^[a-zA-Z0-9_-]{1,512}$"); // unverified
  const toolError = checkToolRules(b, beta, thinking);
  if (toolError) return toolError;
  const seqError = checkToolSequence(messages);
  if (seqError) return seqError;
  if (thinking) {
    const missing = messages.some(
      (m) => m.role === "assistant" && Array.isArray(m.tool_calls) && m.tool_calls.length > 0 && typeof m.reasoning_content !== "string",
    );
    if (missing) return invalid("The `reasoning_content` in the thinking mode must be passed back to the API.");
  }
  return undefined;
}
