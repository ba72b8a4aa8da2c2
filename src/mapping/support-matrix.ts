// The support matrix (docs/support-matrix.md): which Responses features each provider and model entry
// handles natively, degraded (and how) or not at all. Everything is read from the compiled mappings;
// the few behaviours that are the same for every provider (freeform tools, namespaces, code mode, hosted tools)
// are the engine's and written once here. `renderSupportMatrix` is pure and deterministic.
import { readdirSync } from "node:fs";
import { basename } from "node:path";
import type { CompiledMapping, ModelView } from "./compile.ts";
import { compileMapping } from "./compile.ts";
import type { EffortTable, FinishRule, PathSpec, RequestRules, ToolChoiceAction } from "./doc.ts";
import { DEFAULT_MAPPINGS_DIR, loadMappingDoc } from "./load.ts";

export const EFFORTS = ["none", "minimal", "low", "medium", "high", "xhigh"] as const;
const CHOICE_KINDS = ["auto", "none", "required", "function"] as const;
type ChoiceKind = (typeof CHOICE_KINDS)[number];

/** One table cell. `info` cells state a fact (an outcome, a path) rather than a support level. */
export interface Cell {
  kind: "native" | "degraded" | "unsupported" | "info";
  text: string;
}

const native = (text = ""): Cell => ({ kind: "native", text });
const degraded = (text: string): Cell => ({ kind: "degraded", text });
const unsupported = (text: string): Cell => ({ kind: "unsupported", text });
const info = (text: string): Cell => ({ kind: "info", text });

const SEVERITY: Record<Cell["kind"], number> = { info: 0, native: 1, degraded: 2, unsupported: 3 };

export function cellText(c: Cell): string {
  switch (c.kind) {
    case "native":
      return c.text ? `✓ native: ${c.text}` : "✓ native";
    case "degraded":
      return `~ degraded: ${c.text}`;
    case "unsupported":
      return `✗ unsupported: ${c.text}`;
    case "info":
      return c.text;
  }
}

// ---- formatting helpers ----

const code = (s: string) => `\`${s}\``;
const json = (v: unknown) => code(JSON.stringify(v));

/** A path or a fallback list of paths, as written in the mapping. */
function paths(spec: PathSpec | null | undefined): string {
  if (spec == null) return "—";
  const list = Array.isArray(spec) ? spec : [spec];
  return list.map(code).join(", else ");
}

/** Escapes what would break a GitHub table cell. */
function escapeCell(s: string): string {
  return s.replace(/\\/g, "\\\\").replace(/\|/g, "\\|").replace(/\r?\n/g, " ");
}

/** Free text from a mapping file: angle brackets would be read as HTML. */
function prose(s: string): string {
  return s.replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

function table(header: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.map(escapeCell).join(" | ")} |`;
  return [line(header), `|${header.map(() => "---").join("|")}|`, ...rows.map(line)].join("\n");
}

// ---- what a model can do with reasoning ----

interface Thinking {
  /** Some setting (or the default) makes the model think. */
  can: boolean;
  /** Some setting (or the default) makes it not think. */
  canNot: boolean;
}

function thinkingOf(table: EffortTable | null): Thinking {
  if (!table) return { can: false, canNot: true };
  const states = [table.default_thinking, ...EFFORTS.map((e) => table[e].thinking)];
  return { can: states.includes(true), canNot: states.includes(false) };
}

// ---- request side, per model ----

function choiceCell(kind: ChoiceKind, action: ToolChoiceAction): Cell {
  switch (action) {
    case "keep":
      return native(kind === "function" ? "sent as `{type: function, function: {name}}`" : `sent as ${code(kind)}`);
    case "omit":
      return kind === "auto" ? native("not sent (auto is the provider's default)") : degraded("not sent; the model decides (diagnostic)");
    case "auto":
      return kind === "auto" ? native("sent as `auto`") : degraded("sent as `auto` (diagnostic)");
    case "drop_tools":
      return degraded("the tools are not sent, so the model cannot call them (diagnostic)");
    case "reject":
      return unsupported("answered with HTTP 400");
  }
}

function toolChoice(kind: ChoiceKind, rules: RequestRules, thinking: Thinking): Cell {
  const normal = rules.tool_choice[kind] ?? "keep";
  const whileThinking = rules.tool_choice_when_thinking?.[kind] ?? normal;
  if (!thinking.can || whileThinking === normal) return choiceCell(kind, normal);
  const t = choiceCell(kind, whileThinking);
  if (!thinking.canNot) return { kind: t.kind, text: `${t.text || "sent as is"} (the model always thinks)` };
  const n = choiceCell(kind, normal);
  const worst = SEVERITY[t.kind] >= SEVERITY[n.kind] ? t.kind : n.kind;
  const label = (c: Cell) => `${c.kind === "native" ? "native, " : ""}${c.text}`;
  return { kind: worst, text: `while thinking: ${label(t)}; otherwise: ${label(n)}` };
}

function samplingCell(name: string, rules: RequestRules, thinking: Thinking): Cell {
  const range = rules.sampling[name];
  if (range === undefined || range === "omit") return unsupported("not sent (diagnostic)");
  const base = `range [${range.min}, ${range.max}], values outside are clamped (diagnostic)`;
  if (thinking.can && rules.sampling_ignored_when_thinking?.includes(name)) {
    return degraded(`${base}; the provider ignores it while thinking${thinking.canNot ? "" : " (the model always thinks)"} (diagnostic)`);
  }
  return native(base);
}

function effortCell(table: EffortTable | null, effort: (typeof EFFORTS)[number]): Cell {
  if (!table) return unsupported("the model has no reasoning control; nothing is sent (diagnostic)");
  const entry = table[effort];
  const set = entry.set && Object.keys(entry.set).length > 0 ? `sends ${json(entry.set)}` : "sends nothing";
  const text = `${set} (${entry.thinking ? "thinks" : "does not think"})`;
  return entry.note ? degraded(`${text}; ${entry.note}`) : native(text);
}

function formatCell(kind: "json_object" | "json_schema", rules: RequestRules): Cell {
  const action = rules.response_format[kind] ?? "omit";
  if (action === "omit") return unsupported("not sent (diagnostic)");
  if (action === "json_object" && kind === "json_schema") {
    return degraded("sent as `response_format: json_object`, with the schema added to the system prompt (diagnostic)");
  }
  return native(`sent as \`response_format: ${kind}\``);
}

interface Row {
  feature: string;
  cell(view: ModelView, thinking: Thinking): Cell;
}

const MODEL_ROWS: Row[] = [
  {
    feature: "upstream wire (`wire`, overridable in godex.yaml)",
    cell: (v) => info(v.wire === "responses" ? "**responses** (the provider's own Responses API; see the native wire section)" : "chat (Chat Completions)"),
  },
  {
    feature: "developer messages",
    cell: (v) => {
      const role = v.request.roles.developer ?? "developer";
      return role === "developer" ? native("sent as role `developer`") : degraded(`sent as role ${code(role)}`);
    },
  },
  {
    feature: "system / developer message placement",
    cell: (v) =>
      v.request.system_messages === "merge_first"
        ? degraded("all system text is merged into one leading message (diagnostic when one was moved)")
        : native("kept where they are"),
  },
  {
    feature: "streaming request",
    cell: (v) => {
      const r = v.request;
      const extra = [r.stream_options ? `\`stream_options: ${JSON.stringify(r.stream_options)}\`` : null, r.set_when_streaming ? `${json(r.set_when_streaming)}` : null].filter(Boolean);
      return native(`\`stream: true\`${extra.length ? ` + ${extra.join(" + ")}` : ""}`);
    },
  },
  { feature: "images (`input_image`)", cell: (v) => (v.images ? native("sent as `image_url` parts") : unsupported("dropped (diagnostic)")) },
  {
    feature: "function tools",
    cell: (v) => native(`up to ${v.request.tools.max}; names must match ${code(v.request.tools.name_pattern)} (others are renamed and mapped back)`),
  },
  {
    feature: "`strict` function schemas",
    cell: (v) => (v.request.tools.strict === "keep" ? native("`strict` sent") : degraded("`strict` removed; the schema is sent as a hint (diagnostic)")),
  },
  {
    feature: "freeform / custom tools (`apply_patch`)",
    cell: () => degraded("offered as a function with one string argument `input`; calls come back as `custom_tool_call`"),
  },
  {
    feature: "namespace / MCP tools",
    cell: () => degraded("flattened to one function name (`namespace__name`); calls come back with `namespace` and `name`"),
  },
  {
    feature: "code mode (`additional_tools` input items, Codex responses-lite)",
    cell: () => degraded("offered like top-level `tools`, merged (the newest declaration of a name wins); freeform `exec` and namespaces as above"),
  },
  {
    feature: "`tool_search` (Codex's deferred-tool discovery)",
    cell: () => degraded("offered as a function `tool_search`; calls come back as `tool_search_call` (Codex runs the search) and the tools it finds are offered on the next turns"),
  },
  {
    feature: "Codex's `web_search` tool",
    cell: (v) =>
      v.request.web_search
        ? degraded(`the provider's own search (\`request.web_search\`, chosen with \`web_search.native\`; the mapping says \`use: ${v.request.web_search.use ?? "hosted"}\`), else GodeX's hosted search loop when \`web_search\` has a backend, else dropped (diagnostic)`)
        : degraded("GodeX's hosted search loop when `web_search` has a backend: searches as `web_search_call`, `url_citation` on the answer; else dropped (diagnostic)"),
  },
  {
    feature: "other hosted tools (`local_shell`, `image_generation`, …)",
    cell: () => unsupported("not offered to the model; dropped (diagnostic)"),
  },
  ...CHOICE_KINDS.map(
    (kind): Row => ({
      feature: kind === "function" ? "`tool_choice` function (named tool)" : `\`tool_choice: ${kind}\``,
      cell: (v, t) => toolChoice(kind, v.request, t),
    }),
  ),
  {
    feature: "`parallel_tool_calls`",
    cell: (v) => (v.request.parallel_tool_calls === "keep" ? native("sent") : degraded("not sent; `false` cannot be honoured (diagnostic)")),
  },
  { feature: "`max_output_tokens`", cell: (v) => native(`sent as ${code(v.request.max_tokens_field)}`) },
  { feature: "`temperature`", cell: (v, t) => samplingCell("temperature", v.request, t) },
  { feature: "`top_p`", cell: (v, t) => samplingCell("top_p", v.request, t) },
  { feature: "`text.format: json_object`", cell: (v) => formatCell("json_object", v.request) },
  { feature: "`text.format: json_schema`", cell: (v) => formatCell("json_schema", v.request) },
  {
    feature: "`user` / `safety_identifier`",
    cell: (v) => {
      const f = v.request.user_field;
      return f ? native(`sent as ${code(f.name)} when it matches ${code(f.pattern)}`) : unsupported("not sent (diagnostic)");
    },
  },
  {
    feature: "reasoning, no effort given",
    cell: (v) =>
      v.effortTable
        ? info(`nothing sent; the model ${v.effortTable.default_thinking ? "thinks" : "does not think"}`)
        : info("nothing sent; no reasoning control"),
  },
  ...EFFORTS.map((effort): Row => ({ feature: `\`reasoning.effort: ${effort}\``, cell: (v) => effortCell(v.effortTable, effort) })),
  {
    feature: "`reasoning.effort: max / ultra` (Codex's GPT-6 levels)",
    cell: (v) => (v.effortTable ? degraded("sent as `xhigh` above (diagnostic)") : unsupported("the model has no reasoning control; nothing is sent (diagnostic)")),
  },
  {
    feature: "`reasoning.summary: concise / detailed`",
    cell: () => degraded("the full reasoning text is returned as the summary (diagnostic)"),
  },
  {
    feature: "fields added to every request",
    cell: (v) => {
      const parts = [v.request.set && Object.keys(v.request.set).length > 0 ? json(v.request.set) : null, v.request.patch ? "the mapping's JSONata `request.patch`" : null].filter(Boolean);
      return info(parts.length > 0 ? parts.join(", then ") : "none");
    },
  },
];

// ---- reply side, one provider ----

function finishCell(rule: FinishRule): string {
  if (rule.status === "completed") return "`response.completed`";
  if (rule.status === "incomplete") return `\`response.incomplete\`, reason ${code(rule.reason ?? "max_output_tokens")}`;
  return `\`response.failed\`, code ${code(rule.code ?? "server_error")}${rule.message ? ` — "${rule.message}"` : ""}`;
}

/** What `reasoning.context` does to the pass-back (only while the model thinks). */
function contextCell(pb: CompiledMapping["doc"]["reasoning"]["passback"], context: "all_turns" | "current_turn"): Cell {
  const rule = pb.context?.[context];
  if (pb.mode === "none" || !rule) return unsupported("not honoured; reasoning is passed back as above (diagnostic)");
  const parts: string[] = [];
  if (rule.when && rule.when !== pb.when) parts.push(`reasoning replayed on ${rule.when === "always" ? "every assistant message" : "assistant messages with tool calls"}`);
  if (rule.turns === "current") parts.push("only the turn in progress gets its reasoning back");
  if (rule.set) parts.push(`sends ${json(rule.set)}`);
  const text = parts.length > 0 ? parts.join("; ") : "as above";
  return rule.note ? degraded(`${text}; ${rule.note}`) : native(text);
}

function replyRows(m: CompiledMapping): [string, Cell][] {
  const d = m.doc;
  const s = d.stream;
  const r = d.response;
  const pb = d.reasoning.passback;
  const rows: [string, Cell][] = [];
  rows.push(["endpoint", info(`\`POST ${d.endpoint.path}\`, header ${code(`${d.endpoint.auth.header}: ${d.endpoint.auth.prefix}<key>`)}`)]);
  rows.push(["text", native(`stream ${paths(s.text)}; JSON ${paths(r.text)}`)]);
  rows.push([
    "stream end",
    info(
      s.done_sentinel === "required"
        ? "`[DONE]` expected; a finish reason followed by end of stream still completes"
        : "`[DONE]` optional: a finish reason followed by end of stream completes",
    ),
  ]);
  if (s.think_tags) {
    rows.push(["reasoning out", native(`inline \`<think>…</think>\` at the start of the text (stream ${paths(s.text)}; JSON ${paths(r.text)}), split out, also across chunks; JSON also ${paths(r.reasoning)}`)]);
  } else if (s.reasoning != null) {
    rows.push(["reasoning out", native(`stream ${paths(s.reasoning)}; JSON ${paths(r.reasoning)}`)]);
  } else {
    rows.push(["reasoning out", unsupported("the mapping reads no reasoning")]);
  }
  const when = pb.when === "always" ? "every assistant message" : "assistant messages with tool calls";
  if (pb.mode === "field") {
    rows.push([
      "reasoning pass-back",
      native(`sealed in \`encrypted_content\`, replayed as ${code(pb.field ?? "?")} on ${when} (${json(pb.empty ?? "")} when none can be recovered)`),
    ]);
  } else if (pb.mode === "content_raw") {
    rows.push(["reasoning pass-back", native(`sealed in \`encrypted_content\`, replayed verbatim as the \`<think>…</think>\` block before the content of ${when}`)]);
  } else {
    rows.push(["reasoning pass-back", unsupported("reasoning is not sent back (`passback.mode: none`)")]);
  }
  for (const context of ["all_turns", "current_turn"] as const) rows.push([`\`reasoning.context: ${context}\``, contextCell(pb, context)]);
  rows.push(["function calls out", native(`stream ${paths(s.tool_calls)}; JSON ${paths(r.tool_calls)}`)]);
  const u = d.usage;
  rows.push(["usage object", info(`stream ${paths(s.usage)}; JSON ${paths(r.usage)}`)]);
  rows.push(["usage `input_tokens` / `output_tokens`", native(`${paths(u.input_tokens)} / ${paths(u.output_tokens)}`)]);
  rows.push(["usage `total_tokens`", native(`${paths(u.total_tokens)} (input + output when absent)`)]);
  rows.push(["usage `cached_tokens`", u.cached_tokens == null ? unsupported("always 0") : native(paths(u.cached_tokens))]);
  rows.push(["usage `reasoning_tokens`", u.reasoning_tokens == null ? unsupported("always 0") : native(paths(u.reasoning_tokens))]);
  for (const [reason, rule] of Object.entries(d.finish_reasons)) rows.push([`finish_reason ${code(reason)}`, info(finishCell(rule))]);
  rows.push(["any other finish_reason", info("`response.completed`, with a diagnostic")]);
  const inBody: string[] = [];
  if (s.error != null) inBody.push(`an error object at ${paths(s.error)}`);
  if (d.errors.in_body) inBody.push(`${paths(d.errors.in_body.status_code)} not in ${json(d.errors.in_body.ok)}`);
  rows.push([
    "errors inside a 200 body or stream chunk",
    inBody.length > 0 ? native(`${inBody.join("; ")} → classified by the error rules below`) : unsupported("not detected"),
  ]);
  rows.push(["error fields read", info(`message ${paths(d.errors.message)}; code ${paths(d.errors.code)}; type ${paths(d.errors.type)}; param ${paths(d.errors.param ?? null)}`)]);
  return rows;
}

function errorRows(m: CompiledMapping): string[][] {
  const rows: string[][] = [];
  const retry = (r?: boolean) => (r ? "yes" : "no");
  for (const rule of m.doc.errors.rules) rows.push([`rule ${code(rule.when)}`, code(rule.code), code(rule.type), String(rule.http), retry(rule.retryable)]);
  for (const [status, rule] of Object.entries(m.doc.errors.status)) rows.push([`HTTP ${status}`, code(rule.code), code(rule.type), String(rule.http), retry(rule.retryable)]);
  return rows;
}

// ---- the native Responses wire, one provider ----

const ACTION_TEXT: Record<string, (to?: string) => Cell> = {
  pass: () => native("passed"),
  rename: (to) => degraded(`sent as ${code(to ?? "?")}`),
  drop: () => unsupported("not sent (diagnostic unless the value is what GodeX does anyway)"),
  reject: () => unsupported("400 `unsupported_parameter`"),
  mapped: () => info("translated by a built-in step"),
};

function nativeRows(m: CompiledMapping): [string, Cell][] {
  const r = m.responses!.rules;
  const rows: [string, Cell][] = [];
  rows.push(["endpoint", info(`\`POST <base_url>${r.endpoint.path.startsWith("/") ? "" : "/"}${r.endpoint.path}\` (a leading \`../\` climbs one base-path segment)`)]);
  for (const [field, rule] of Object.entries(r.fields)) if (rule) rows.push([`field ${code(field)}`, ACTION_TEXT[rule.action]!(rule.to)]);
  const custom = r.tools.custom === "native" ? (r.tools.custom_native_names ? native(`only ${r.tools.custom_native_names.map(code).join(", ")}; others converted to a function with one string argument \`input\``) : native()) : r.tools.custom === "convert" ? degraded("converted to a function with one string argument `input`; calls come back as `custom_tool_call`") : unsupported("dropped (diagnostic)");
  rows.push(["freeform / custom tools", custom]);
  rows.push(["namespace / MCP tools", r.tools.namespace === "native" ? native("sent as `namespace` tools; calls carry `namespace`") : degraded("flattened to `namespace__name` functions and mapped back")]);
  rows.push(["`web_search`", r.tools.web_search === "native" ? native("run server-side by the provider; passed on as `web_search_call` items") : r.tools.web_search === "hosted" ? degraded("GodeX's hosted search loop when `web_search` is on in godex.yaml (a `web_search` function, `web_search_call` items); otherwise not offered (diagnostic)") : unsupported("not offered (diagnostic)")]);
  rows.push(["`tool_search`", degraded("offered as a function `tool_search`; calls come back as `tool_search_call`")]);
  for (const kind of CHOICE_KINDS) rows.push([kind === "function" ? "`tool_choice` function (named tool)" : `\`tool_choice: ${kind}\``, choiceCell(kind, r.tool_choice?.[kind] ?? "keep")]);
  rows.push(["`text.format: json_object`", r.text_format.json_object === "keep" ? native() : unsupported("not sent (diagnostic)")]);
  rows.push(["`text.format: json_schema`", r.text_format.json_schema === "keep" ? native() : r.text_format.json_schema === "json_object" ? degraded("sent as `json_object` (diagnostic)") : unsupported("not sent (diagnostic)")]);
  rows.push(["`reasoning.summary`", r.reasoning.summary === "pass" ? native("passed") : info("not sent; the reasoning text is shown as the summary")]);
  rows.push(["reasoning out", native("`reasoning_text` (or summary) events → summary events for Codex, sealed in GodeX's carrier (`encrypted_content`)")]);
  rows.push(["reasoning pass-back", r.reasoning.input === "drop" ? unsupported("not sent back") : native(`restored byte-exact from the carrier as ${r.reasoning.input === "summary" ? "`summary_text`" : "`reasoning_text` content"}${r.reasoning.passback === "required" ? "; every tool-calling turn carries one (empty when unknown, diagnostic)" : ""}`)]);
  for (const [type, action] of Object.entries(r.input_items)) rows.push([`input item ${code(type)}`, action === "pass" ? native("sent as is") : action === "convert" ? degraded("converted to function items") : unsupported("dropped (diagnostic)")]);
  rows.push(["usage", info(`input ${paths(r.usage.input_tokens)}; cached ${paths(r.usage.cached_tokens)}; output ${paths(r.usage.output_tokens)}; reasoning ${paths(r.usage.reasoning_tokens)}`)]);
  rows.push(["errors", info(`message ${paths(r.errors.message ?? m.doc.errors.message)}; code ${paths(r.errors.code ?? m.doc.errors.code)}${r.errors.in_body ? `; error in a 200 body when ${paths(r.errors.in_body.status_code)} is not ${json(r.errors.in_body.ok)}` : ""}; a bare \`error\` event or \`response.failed\` ends the stream as \`response.failed\``)]);
  for (const rule of r.errors.rules ?? []) rows.push([`error rule ${code(rule.when)}`, info(`${code(rule.code)}, HTTP ${rule.http}`)]);
  for (const [reason, rule] of Object.entries(r.incomplete_reasons)) if (rule) rows.push([`incomplete ${code(reason)}`, info(finishCell(rule))]);
  return rows;
}

function nativeEffortRows(m: CompiledMapping, models: string[]): string[][] {
  const views = models.map((k) => m.forModel(k));
  return EFFORTS.map((effort) => [`\`reasoning.effort: ${effort}\``, ...views.map((v) => cellText(effortCell(v.responsesEffortTable, effort)))]);
}

// ---- the document ----

/** Model entries in file order with `*` last; `*` alone when the mapping lists none. */
export function modelEntries(m: CompiledMapping): string[] {
  const keys = Object.keys(m.doc.models ?? {});
  return [...keys.filter((k) => k !== "*"), "*"];
}

/** The per-model cells of one provider: feature → one cell per model entry. */
export function modelMatrix(m: CompiledMapping): { models: string[]; rows: { feature: string; cells: Cell[] }[] } {
  const models = modelEntries(m);
  const views = models.map((k) => m.forModel(k));
  const thinking = views.map((v) => thinkingOf(v.effortTable));
  return { models, rows: MODEL_ROWS.map((row) => ({ feature: row.feature, cells: views.map((v, i) => row.cell(v, thinking[i])) })) };
}

export { replyRows };

const LEGEND = `Legend: **✓ native** — passed on as the client asked; **~ degraded** — passed on differently (how is said,
and a diagnostic is returned in \`response.godex.diagnostics\` / \`x-godex-diagnostics\`); **✗ unsupported** — not
passed on (diagnostic) or refused. Model columns are the mapping's \`models:\` entries in lookup order (exact names and
globs first, \`*\` = any other model).`;

export function renderSupportMatrix(mappings: readonly CompiledMapping[]): string {
  const sorted = [...mappings].filter((m) => !m.doc.abstract).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const out: string[] = [];
  out.push("# Support matrix");
  out.push("");
  out.push("<!-- Generated from mappings/*.yaml by `npm run matrix` (codegen/support-matrix.ts). Do not edit by hand: CI fails when it is stale. -->");
  out.push("");
  out.push(LEGEND);
  out.push("");
  out.push(
    table(
      ["provider", "extends", "model entries", "description"],
      sorted.map((m) => [`[${m.name}](#${m.name})`, m.doc.extends ?? "—", modelEntries(m).map(code).join(", "), prose(m.doc.description ?? "")]),
    ),
  );
  for (const m of sorted) {
    const { models, rows } = modelMatrix(m);
    out.push("");
    out.push(`## ${m.name}`);
    out.push("");
    if (m.doc.description) {
      out.push(prose(m.doc.description));
      out.push("");
    }
    out.push(`Mapping file: \`${m.name}.yaml\`${m.doc.extends ? ` (extends \`${m.doc.extends}\`)` : ""}.`);
    out.push("");
    out.push("### Requests, per model");
    out.push("");
    out.push(table(["feature", ...models.map((k) => (k === "*" ? "`*` (any other model)" : code(k)))], rows.map((r) => [r.feature, ...r.cells.map(cellText)])));
    out.push("");
    out.push("### Replies (every model)");
    out.push("");
    out.push(table(["feature", "handling"], replyRows(m).map(([f, c]) => [f, cellText(c)])));
    out.push("");
    out.push("### Upstream errors (first matching rule, then the HTTP status table)");
    out.push("");
    out.push(table(["match", "client `error.code`", "`error.type`", "HTTP to the client", "retried"], errorRows(m)));
    if (m.responses) {
      out.push("");
      out.push("### Native Responses wire (`wire: responses`)");
      out.push("");
      out.push(table(["feature", "handling"], nativeRows(m).map(([f, c]) => [f, cellText(c)])));
      out.push("");
      out.push(table(["effort on the native wire", ...models.map((k) => (k === "*" ? "`*` (any other model)" : code(k)))], nativeEffortRows(m, models)));
    }
  }
  out.push("");
  return out.join("\n");
}

/** Every concrete (non-abstract) mapping in `dir`, compiled, sorted by name. */
export function loadMatrixMappings(dir = DEFAULT_MAPPINGS_DIR): CompiledMapping[] {
  const names = readdirSync(dir)
    .filter((f) => f.endsWith(".yaml"))
    .map((f) => basename(f, ".yaml"))
    .sort();
  return names.map((n) => compileMapping(loadMappingDoc(n, dir))).filter((m) => !m.doc.abstract);
}
