// Codex's model catalog (`model_catalog_json`) for what GodeX serves.
//
// Without metadata for a model name Codex falls back to weak defaults: no `reasoning` in the request,
// no apply_patch tool, a 272k window ("Model metadata for `x` not found"). A catalog entry fixes that.
// Checked against the real Codex 0.169 and 0.171 binaries (test/e2e, test/cli/codex-real.test.ts):
// - the catalog REPLACES Codex's built-in list (a catalog without gpt-5.5 makes gpt-5.5 "not found"),
//   so every alias gets an entry, gpt-5.5 included;
// - missing slug, display_name, supported_reasoning_levels, shell_type, visibility, supported_in_api,
//   priority, support_verbosity, truncation_policy, experimental_supported_tools, or both
//   base_instructions and model_messages.instructions_template, make Codex refuse the file; unknown
//   keys are ignored;
// - any shell_type gives the exec_command/write_stdin tools (unified exec is on by default in 0.169);
//   "unified_exec" names that explicitly;
// - with such an entry Codex sends reasoning {effort, summary:"auto"}, include
//   ["reasoning.encrypted_content"] and the freeform apply_patch custom tool;
// - `codex app-server` (the desktop app's engine) serves the catalog as its model picker (`model/list`):
//   slug → id/model, display_name → displayName, description, supported_reasoning_levels →
//   supportedReasoningEfforts {reasoningEffort, description}, default_reasoning_level, input_modalities
//   (the image button), visibility "list" → hidden false, priority → order; config.toml's model is isDefault.
import type { LoadedConfig } from "../config/types.ts";
import { EFFORTS, buildModelTable, describeSends, type ServedModel } from "./models.ts";

/**
 * GodeX's own short, generic coding-agent prompt. Codex's built-in prompts belong to OpenAI's models;
 * each tool's description (exec_command, apply_patch grammar, update_plan…) still comes with the tools.
 */
export const BASE_INSTRUCTIONS = `You are a coding agent working in the user's repository through the Codex CLI. You and the user share the same workspace.

Work style:
- Understand the request, then inspect the code before changing it (list files, read the relevant ones, search with rg).
- Make focused changes that fit the existing style. Edit files with the apply_patch tool; run commands with the shell tools.
- Keep going until the task is done: build, run the tests or otherwise check your change when you can, and fix what you broke.
- Do not revert changes you did not make. Ask before destructive actions (deleting data, force-pushing, rewriting history).
- If something blocks you (missing access, an ambiguous requirement), say what and why instead of guessing.
- Follow the instructions in AGENTS.md files that apply to the files you touch; the user's own instructions come first.
- For work with several steps, keep a short plan with the plan tool when it is available and update it as you go.

Final answer: brief and concrete. Say what you changed (files, behaviour), how you checked it, and anything left to do. Refer to files by path; do not paste whole files.`;

export interface CatalogLevel {
  effort: string;
  description: string;
}

export interface CatalogEntry {
  slug: string;
  display_name: string;
  description: string;
  default_reasoning_level: string;
  supported_reasoning_levels: CatalogLevel[];
  shell_type: "unified_exec";
  visibility: "list";
  supported_in_api: true;
  priority: number;
  base_instructions: string;
  supports_reasoning_summaries: true;
  support_verbosity: false;
  truncation_policy: { mode: "tokens"; limit: number };
  supports_parallel_tool_calls: true;
  experimental_supported_tools: never[];
  apply_patch_tool_type: "freeform";
  input_modalities: string[];
  context_window?: number;
}

export interface CodexCatalog {
  models: CatalogEntry[];
}

const DEFAULT_LEVEL = "medium";

function levels(m: ServedModel): CatalogLevel[] {
  if (!m.efforts) {
    // The mapping has no effort control for this model: GodeX ignores the effort (with a diagnostic).
    return [{ effort: DEFAULT_LEVEL, description: "no reasoning control for this model: nothing is sent" }];
  }
  return EFFORTS.map((e) => {
    const b = m.efforts![e];
    const what = describeSends(b.sends);
    const text = b.degraded ? `${b.note ?? "not exact"}` : `${b.thinking ? "thinking" : "no thinking"}; sends ${what}`;
    return { effort: e, description: text.length > 160 ? `${text.slice(0, 159)}…` : text };
  });
}

function entry(slug: string, m: ServedModel, priority: number, viaAlias: boolean): CatalogEntry {
  return {
    slug,
    display_name: slug,
    description: viaAlias ? `GodeX → ${m.id}` : `GodeX (${m.mapping} mapping)`,
    default_reasoning_level: DEFAULT_LEVEL,
    supported_reasoning_levels: levels(m),
    shell_type: "unified_exec",
    visibility: "list",
    supported_in_api: true,
    priority,
    base_instructions: BASE_INSTRUCTIONS,
    supports_reasoning_summaries: true,
    support_verbosity: false,
    truncation_policy: { mode: "tokens", limit: 10_000 },
    supports_parallel_tool_calls: true,
    experimental_supported_tools: [],
    apply_patch_tool_type: "freeform",
    input_modalities: m.images ? ["text", "image"] : ["text"],
    ...(m.contextWindow ? { context_window: m.contextWindow } : {}),
  };
}

/** One entry per alias (config order), then per provider/model; priorities follow that order. */
export function buildCodexCatalog(config: LoadedConfig, mappingsDir?: string): CodexCatalog {
  const table = buildModelTable(config, mappingsDir);
  const byId = new Map(table.models.map((m) => [m.id, m]));
  const out: CatalogEntry[] = [];
  const seen = new Set<string>();
  for (const a of table.aliases) {
    const m = byId.get(a.target);
    if (!m || seen.has(a.alias)) continue;
    seen.add(a.alias);
    out.push(entry(a.alias, m, out.length + 1, true));
  }
  for (const m of table.models) {
    if (seen.has(m.id)) continue;
    seen.add(m.id);
    out.push(entry(m.id, m, out.length + 1, false));
  }
  return { models: out };
}

export function renderCatalog(catalog: CodexCatalog): string {
  return JSON.stringify(catalog, null, 2) + "\n";
}

/** Slugs a catalog file lists, or an error message. */
export function catalogSlugs(text: string): { slugs: string[] } | { error: string } {
  try {
    const data = JSON.parse(text) as { models?: { slug?: unknown }[] };
    if (!data || !Array.isArray(data.models)) return { error: 'no "models" array' };
    return { slugs: data.models.map((m) => m?.slug).filter((s): s is string => typeof s === "string") };
  } catch (err) {
    return { error: `not JSON (${(err as Error).message})` };
  }
}
