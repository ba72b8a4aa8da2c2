// `godex models`: the alias table as the server resolves it, and for every model it serves, what each
// Codex reasoning effort turns into on the wire (from the mapping's effort table) and which efforts
// are degraded. `godex init --write-codex` builds Codex's model catalog from the same data.
import { resolve } from "node:path";
import { loadConfig, ConfigError } from "../config/load.ts";
import { resolveModel, routeLabel, routeTargets } from "../config/resolve-model.ts";
import type { LoadedConfig } from "../config/types.ts";
import { compileMapping, modelRule, type CompiledMapping, type Wire } from "../mapping/compile.ts";
import { wireFor } from "../engine/provider-runtime.ts";
import type { EffortEntry } from "../mapping/doc.ts";
import { DEFAULT_MAPPINGS_DIR, loadMappingDoc } from "../mapping/load.ts";
import { defaultIO, type CliIO } from "./progress.ts";
import { parseCommandArgs, usageError } from "./args.ts";
import { configFileFor } from "./config-file.ts";

export const EFFORTS = ["none", "minimal", "low", "medium", "high", "xhigh"] as const;
export type Effort = (typeof EFFORTS)[number];

export interface EffortBridge {
  /** Fields merged into the Chat request. */
  sends: Record<string, unknown>;
  /** Whether the provider thinks with this setting. */
  thinking: boolean;
  /** The effort cannot be honoured exactly. */
  degraded: boolean;
  note?: string;
}

export interface ServedModel {
  /** provider/model */
  id: string;
  provider: string;
  model: string;
  /** Mapping file name (the provider's spec). */
  mapping: string;
  /** The upstream wire this model is served over (the mapping's choice, or godex.yaml's `wire`). */
  wire: Wire;
  /** null: the mapping gives this model no effort table (effort is ignored, with a diagnostic). */
  effortTable: string | null;
  /** What the provider does when no effort is sent. */
  defaultThinking: boolean | null;
  efforts: Record<Effort, EffortBridge> | null;
  images: boolean;
  /** Tokens; null when GodeX does not know it. */
  contextWindow: number | null;
  /** Listed in providers.<name>.models (else only reachable through an alias). */
  listed: boolean;
}

export interface AliasRow {
  alias: string;
  provider: string;
  model: string;
  /** provider/model, or the route's one-line label when it has several targets */
  target: string;
  /** The first target's mapping. */
  mapping: string;
  /** Every target in order: weighted ones (share = weight / sum), then fallbacks. */
  route: { target: string; role: "weighted" | "fallback"; weight: number }[];
}

export interface ModelTable {
  config: string;
  aliases: AliasRow[];
  /** "*" alias target, if any: any other name is served by it. */
  wildcard: string | null;
  /** default_provider, if any: a bare unknown name "x" goes to <provider>/x. */
  defaultProvider: string | null;
  models: ServedModel[];
}

function bridge(entry: EffortEntry): EffortBridge {
  return { sends: entry.set ?? {}, thinking: entry.thinking, degraded: entry.note !== undefined, ...(entry.note ? { note: entry.note } : {}) };
}

/** Every alias and every provider/model the config serves, with the mapping data the server uses. */
export function buildModelTable(config: LoadedConfig, mappingsDir = DEFAULT_MAPPINGS_DIR): ModelTable {
  const compiled = new Map<string, CompiledMapping>();
  const mappingFor = (spec: string) => {
    let m = compiled.get(spec);
    if (!m) compiled.set(spec, (m = compileMapping(loadMappingDoc(spec, mappingsDir))));
    return m;
  };
  const models = new Map<string, ServedModel>();
  const addModel = (provider: string, model: string, listed: boolean) => {
    const id = `${provider}/${model}`;
    const existing = models.get(id);
    if (existing) {
      existing.listed ||= listed;
      return;
    }
    const p = config.providers[provider];
    if (!p) return;
    const mapping = mappingFor(p.spec);
    const view = mapping.forModel(model);
    const wire = wireFor({ mapping, wireOverride: p.wire, responsesUrl: mapping.responses ? mapping.responses.rules.endpoint.path : null }, model);
    // On the native wire the effort goes through the mapping's responses effort table.
    const table = wire === "responses" ? view.responsesEffortTable : view.effortTable;
    const tableName = wire === "responses" ? `responses.${modelRule(mapping.doc, model).responses_effort_table ?? "?"}` : view.effortTableName;
    models.set(id, {
      id,
      provider,
      model,
      mapping: p.spec,
      wire,
      effortTable: table ? tableName : null,
      defaultThinking: table ? table.default_thinking : null,
      efforts: table ? (Object.fromEntries(EFFORTS.map((e) => [e, bridge(table[e])])) as Record<Effort, EffortBridge>) : null,
      images: view.images,
      contextWindow: view.contextWindow,
      listed,
    });
  };

  const aliases: AliasRow[] = [];
  for (const alias of Object.keys(config.aliases)) {
    if (alias === "*") continue;
    const r = resolveModel(config, alias);
    if (!r) continue;
    const p = config.providers[r.provider];
    const route = [...r.route.targets.map((t) => ({ target: t.id, role: "weighted" as const, weight: t.weight })), ...r.route.fallback.map((t) => ({ target: t.id, role: "fallback" as const, weight: t.weight }))];
    aliases.push({ alias, provider: r.provider, model: r.model, target: routeLabel(r.route), mapping: p?.spec ?? r.provider, route });
    for (const t of routeTargets(r.route).slice(1)) addModel(t.provider, t.model, false);
  }
  for (const p of Object.values(config.providers)) for (const m of p.models) addModel(p.name, m, true);
  for (const a of aliases) addModel(a.provider, a.model, false);
  const wildcard = Object.hasOwn(config.aliases, "*") ? config.aliases["*"]! : null;
  if (wildcard) for (const t of routeTargets(config.routes["*"]!)) addModel(t.provider, t.model, false);
  return { config: config.file, aliases, wildcard, defaultProvider: config.defaultProvider ?? null, models: [...models.values()] };
}

/** `{"thinking":{"type":"enabled"},"reasoning_effort":"high"}` → `thinking.type=enabled reasoning_effort=high`. */
export function describeSends(sends: Record<string, unknown>): string {
  const parts: string[] = [];
  const walk = (prefix: string, v: unknown) => {
    if (v !== null && typeof v === "object" && !Array.isArray(v) && Object.keys(v).length > 0) {
      for (const [k, x] of Object.entries(v)) walk(prefix ? `${prefix}.${k}` : k, x);
    } else parts.push(`${prefix}=${typeof v === "string" ? v : JSON.stringify(v)}`);
  };
  walk("", sends);
  return parts.length > 0 ? parts.join(" ") : "(nothing sent)";
}

/**
 * 128000 → "128,000", as toLocaleString("en-US") writes an integer, without loading ICU's locale
 * data (that first call was 8% of `godex models`, docs/performance.md).
 */
export function groupThousands(n: number): string {
  return Number.isSafeInteger(n) ? String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ",") : n.toLocaleString("en-US");
}

export function formatModelTable(t: ModelTable): string {
  const lines: string[] = [];
  lines.push(`Aliases (${t.config}): the model name Codex asks for → provider/model`);
  const w = Math.max("provider/model".length, ...t.aliases.map((a) => a.alias.length));
  const tw = Math.max(8, ...t.aliases.map((a) => a.target.length));
  for (const a of t.aliases) lines.push(`  ${a.alias.padEnd(w)}  → ${a.target.padEnd(tw)}  mapping ${a.mapping}`);
  if (t.aliases.length === 0) lines.push("  (none)");
  lines.push(`  ${"provider/model".padEnd(w)}  → itself, for every configured provider (e.g. -m ${t.models[0]?.id ?? "<provider>/<model>"})`);
  if (t.wildcard) lines.push(`  ${"*".padEnd(w)}  → ${t.wildcard} (any other name)`);
  else if (t.defaultProvider) lines.push(`  ${"(other)".padEnd(w)}  → ${t.defaultProvider}/<name> (default_provider)`);
  else lines.push(`  ${"(other)".padEnd(w)}  → rejected: unknown model`);
  lines.push("");
  lines.push("Effort bridge: what each Codex reasoning effort (-c model_reasoning_effort=…) sends upstream");
  for (const m of t.models) {
    const facts = [
      `mapping ${m.mapping}`,
      `wire ${m.wire}`,
      m.effortTable ? `effort table ${m.effortTable}` : "no effort table",
      `images ${m.images ? "yes" : "no"}`,
      `context ${m.contextWindow ? groupThousands(m.contextWindow) : "unknown"}`,
      ...(m.listed ? [] : ["not in providers." + m.provider + ".models"]),
    ];
    lines.push(`  ${m.id}  (${facts.join(", ")})`);
    if (!m.efforts) {
      lines.push("    every effort: ignored (reported as a diagnostic), nothing sent");
      continue;
    }
    lines.push(`    ${"(unset)".padEnd(8)} provider default: thinking ${m.defaultThinking ? "on" : "off"}`);
    const sw = Math.max(...EFFORTS.map((e) => describeSends(m.efforts![e].sends).length));
    for (const e of EFFORTS) {
      const b = m.efforts[e];
      const sends = describeSends(b.sends).padEnd(sw);
      lines.push(`    ${e.padEnd(8)} ${sends}  ${(b.thinking ? "thinking" : "no thinking").padEnd(11)}${b.degraded ? `  DEGRADED: ${b.note}` : ""}`.trimEnd());
    }
  }
  return lines.join("\n") + "\n";
}

export function modelTableJson(t: ModelTable): unknown {
  return {
    config: t.config,
    aliases: t.aliases,
    wildcard: t.wildcard,
    default_provider: t.defaultProvider,
    models: t.models.map((m) => ({
      id: m.id,
      provider: m.provider,
      model: m.model,
      mapping: m.mapping,
      wire: m.wire,
      listed: m.listed,
      effort_table: m.effortTable,
      default_thinking: m.defaultThinking,
      images: m.images,
      context_window: m.contextWindow,
      efforts: m.efforts
        ? Object.fromEntries(EFFORTS.map((e) => [e, { sends: m.efforts![e].sends, thinking: m.efforts![e].thinking, degraded: m.efforts![e].degraded, ...(m.efforts![e].note ? { note: m.efforts![e].note } : {}) }]))
        : null,
    })),
  };
}

const HELP = `Usage: godex models [--config FILE] [--format text|json] [--mappings DIR]

Shows the alias table as the server resolves it (alias → provider/model, mapping) and, per model,
what each Codex reasoning effort (none … xhigh) sends upstream and which efforts are degraded.

  --config FILE    configuration file (default ./godex.yaml, else the one shipped with GodeX)
  --format F       text (default) or json
  --mappings DIR   look for mapping files in DIR first (then in the shipped mappings/), as godex serve --mappings
  --live           also ask the running server (its /health) for each routed target's state:
                   circuit closed / open (skipped, cooling down) / half_open, failures, last error
  --url URL        the server for --live (default http://<server.host>:<server.port> of the config)
`;

interface LiveTargets {
  url: string;
  targets: { target: string; state: string; cooldown_until: string | null; requests: number; failures: number; skipped: number; last_error: string | null }[];
}

/** Where the configured server listens (a wildcard bind is reached on loopback). */
function serverUrl(config: LoadedConfig): string {
  const host = ["0.0.0.0", "::"].includes(config.server.host) ? "127.0.0.1" : config.server.host;
  return `http://${host.includes(":") ? `[${host}]` : host}:${config.server.port}`;
}

async function fetchLiveTargets(url: string, io: CliIO): Promise<LiveTargets | null> {
  try {
    const res = await fetch(`${url.replace(/\/+$/, "")}/health`, { signal: AbortSignal.timeout(5000) });
    const body = (await res.json()) as { targets?: LiveTargets["targets"] };
    return { url, targets: body.targets ?? [] };
  } catch (err) {
    io.stderr.write(`godex models: cannot reach the server at ${url} for --live (${(err as Error).message}); is 'godex serve' running?\n`);
    return null;
  }
}

export function formatLiveTargets(live: LiveTargets): string {
  const lines = ["", `Targets (live, ${live.url}): circuit state of every provider/model an alias routes to`];
  const w = Math.max(14, ...live.targets.map((t) => t.target.length));
  for (const t of live.targets) {
    const state = t.state + (t.cooldown_until ? ` until ${t.cooldown_until}` : "");
    lines.push(`  ${t.target.padEnd(w)}  ${state.padEnd(12)}  ${t.requests} requests, ${t.failures} failed, ${t.skipped} skipped${t.last_error ? `; last error: ${t.last_error}` : ""}`);
  }
  if (live.targets.length === 0) lines.push("  (none)");
  return lines.join("\n") + "\n";
}

export async function models(argv: string[], io: CliIO = defaultIO()): Promise<number> {
  const parsed = parseCommandArgs("models", HELP, io, {
    args: argv,
    options: { config: { type: "string" }, format: { type: "string", default: "text" }, mappings: { type: "string" }, live: { type: "boolean" }, url: { type: "string" }, help: { type: "boolean", short: "h" } },
  });
  if (typeof parsed === "number") return parsed;
  const { values } = parsed;
  if (values.format !== "text" && values.format !== "json") return usageError("models", "--format must be text or json", HELP, io);
  let table: ModelTable;
  let config: LoadedConfig;
  const file = configFileFor("models", values.config, io);
  try {
    config = loadConfig(file, io.env);
    table = { ...buildModelTable(config, values.mappings ? resolve(io.cwd, values.mappings) : DEFAULT_MAPPINGS_DIR), config: values.config ?? (file === resolve(io.cwd, "godex.yaml") ? "godex.yaml" : file) };
  } catch (err) {
    io.stderr.write(err instanceof ConfigError ? `godex: configuration error\n${err.message}\n` : `godex models: ${(err as Error).message}\n`);
    return 2;
  }
  let live: LiveTargets | null = null;
  if (values.live) {
    live = await fetchLiveTargets(values.url ?? serverUrl(config!), io);
    if (!live) return 1;
  }
  if (values.format === "json") io.stdout.write(JSON.stringify({ ...(modelTableJson(table) as object), ...(live ? { targets: live.targets } : {}) }, null, 2) + "\n");
  else io.stdout.write(formatModelTable(table) + (live ? formatLiveTargets(live) : ""));
  return 0;
}
