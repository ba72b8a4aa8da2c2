// `godex init`: writes a commented godex.yaml, prints the Codex provider block and, with
// --write-codex, merges it into $CODEX_HOME/config.toml (backup first, idempotent, other settings
// untouched) and writes Codex's model catalog for what GodeX serves.
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { ConfigError, loadConfig } from "../config/load.ts";
import type { LoadedConfig } from "../config/types.ts";
import { parseCommandArgs, portArg } from "./args.ts";
import { buildCodexCatalog, renderCatalog } from "./codex-catalog.ts";
import { backupName, defaultCodexHome, mergeCodexConfig, mergeCodexProfile, renderCodexBlock, type CodexSetup } from "./codex-config.ts";
import { defaultIO, type CliIO } from "./progress.ts";
import { godexYamlTemplate } from "./templates/godex.yaml.ts";

const HELP = `Usage: godex init [--config FILE] [--force] [--write-codex] [--codex-home DIR] [--port N] [--mappings DIR]

Writes a commented godex.yaml (providers with their API key variables, the shipped aliases) and prints
the block that points Codex at GodeX.

  --config FILE      where to write the config (default ./godex.yaml); an existing file is kept
  --force            overwrite an existing config (a .bak copy is made first)
  --write-codex      merge the block into <codex home>/config.toml (a config.toml.bak-<time> copy is
                     made first; other providers and settings are kept; running it again changes
                     nothing) and write <codex home>/godex-models.json, Codex's model catalog for
                     GodeX's aliases and models, plus the profile <codex home>/godex.config.toml
                     (codex -p godex)
  --codex-home DIR   Codex's home (default $CODEX_HOME, else ~/.codex)
  --port N           GodeX's port (written into a new config; default 5678)
  --mappings DIR     mapping files for the catalog: DIR first, then the shipped mappings/ (as godex serve --mappings)
`;

export const CATALOG_FILE = "godex-models.json";
export const PROFILE_FILE = "godex.config.toml";

/** The base URL Codex should use for a GodeX listening on host:port. */
export function codexBaseUrl(host: string, port: number): string {
  const h = host === "0.0.0.0" || host === "" ? "127.0.0.1" : host === "::" || host === "[::]" ? "[::1]" : host.includes(":") && !host.startsWith("[") ? `[${host}]` : host;
  return `http://${h}:${port}/v1`;
}

/** The alias Codex starts with: gpt-5.5 when configured, else the first alias, else the first model. */
export function defaultCodexModel(config: LoadedConfig): string {
  const aliases = Object.keys(config.aliases).filter((a) => a !== "*");
  if (aliases.includes("gpt-5.5")) return "gpt-5.5";
  if (aliases.length > 0) return aliases[0]!;
  const p = Object.values(config.providers).find((x) => x.models.length > 0);
  return p ? `${p.name}/${p.models[0]}` : "gpt-5.5";
}

/** Writes via a temporary file and a rename, keeping the old file's permissions. */
function writeFileSafely(file: string, text: string): void {
  const tmp = `${file}.godex-tmp-${process.pid}`;
  writeFileSync(tmp, text);
  try {
    if (existsSync(file)) chmodSync(tmp, statSync(file).mode & 0o7777);
  } catch {
    /* best effort */
  }
  renameSync(tmp, file);
}

export interface WriteCodexResult {
  ok: boolean;
  lines: string[];
}

/** The --write-codex part, on its own for tests: config.toml, the catalog and the godex profile. */
export function writeCodex(config: LoadedConfig, setup: CodexSetup, codexHome: string, now: Date, mappingsDir?: string): WriteCodexResult {
  const lines: string[] = [];
  // First, so a mapping problem stops everything before any file is touched.
  const catalog = renderCatalog(buildCodexCatalog(config, mappingsDir));
  mkdirSync(codexHome, { recursive: true });
  const configFile = join(codexHome, "config.toml");
  const existed = existsSync(configFile);
  const before = existed ? readFileSync(configFile, "utf8") : "";
  const merged = mergeCodexConfig(before, setup);
  if (merged.errors.length > 0) {
    lines.push(`✗ ${configFile} is not TOML GodeX can read, so nothing was changed:`);
    for (const e of merged.errors.slice(0, 5)) lines.push(`    ${e}`);
    lines.push(`  Fix it (codex --strict-config shows the same problem), or add the block above by hand.`);
    return { ok: false, lines };
  }
  if (merged.changed) {
    if (existed) {
      const backup = backupName(configFile, now, existsSync);
      copyFileSync(configFile, backup);
      lines.push(`  backup: ${backup}`);
    }
    writeFileSafely(configFile, merged.text);
    lines.push(`✓ ${configFile}: ${merged.changes.join("; ")}`);
  } else {
    lines.push(`✓ ${configFile}: already up to date`);
  }
  for (const n of merged.notes) lines.push(`  note: ${n}`);

  const catalogFile = setup.catalogPath;
  const oldCatalog = existsSync(catalogFile) ? readFileSync(catalogFile, "utf8") : null;
  if (oldCatalog === catalog) lines.push(`✓ ${catalogFile}: already up to date`);
  else {
    writeFileSafely(catalogFile, catalog);
    const n = (JSON.parse(catalog) as { models: unknown[] }).models.length;
    lines.push(`✓ ${catalogFile}: ${oldCatalog === null ? "written" : "updated"} (${n} models: reasoning levels, apply_patch, context windows)`);
  }

  const profileFile = join(codexHome, PROFILE_FILE);
  const profileExisted = existsSync(profileFile);
  const oldProfile = profileExisted ? readFileSync(profileFile, "utf8") : "";
  const profile = mergeCodexProfile(oldProfile, setup);
  if (profile.errors.length > 0) {
    lines.push(`✗ ${profileFile} is not TOML GodeX can read (left alone): ${profile.errors[0]}`);
    return { ok: false, lines };
  }
  if (profile.changed) {
    if (profileExisted) {
      const backup = backupName(profileFile, now, existsSync);
      copyFileSync(profileFile, backup);
      lines.push(`  backup: ${backup}`);
    }
    writeFileSafely(profileFile, profile.text);
    lines.push(`✓ ${profileFile}: ${profileExisted ? "updated" : "written"} (codex -p godex)`);
  } else lines.push(`✓ ${profileFile}: already up to date (codex -p godex)`);
  if (merged.godexIsDefault) lines.push(`  GodeX is Codex's default provider: run \`godex serve\`, then \`codex\`.`);
  return { ok: true, lines };
}

export async function init(argv: string[], io: CliIO = defaultIO()): Promise<number> {
  const parsed = parseCommandArgs("init", HELP, io, {
    args: argv,
    options: {
      config: { type: "string", default: "godex.yaml" },
      force: { type: "boolean" },
      "write-codex": { type: "boolean" },
      "codex-home": { type: "string" },
      port: { type: "string" },
      mappings: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (typeof parsed === "number") return parsed;
  const { values } = parsed;
  const port = portArg("init", values.port, 1, io);
  if (port === null) return 2;
  const out = (s = "") => io.stdout.write(s + "\n");
  const configFile = resolve(io.cwd, values.config!);
  const shown = values.config!;

  // 1. godex.yaml
  const template = godexYamlTemplate(port !== undefined ? { port } : {});
  if (existsSync(configFile) && !values.force) {
    out(`✓ ${shown} exists: kept as it is (godex init --force replaces it, after a .bak copy)`);
  } else if (existsSync(configFile)) {
    const old = readFileSync(configFile, "utf8");
    if (old === template) out(`✓ ${shown}: already the template, unchanged`);
    else {
      const bak = existsSync(`${configFile}.bak`) ? backupName(configFile, io.now(), existsSync) : `${configFile}.bak`;
      copyFileSync(configFile, bak);
      writeFileSafely(configFile, template);
      out(`✓ ${shown}: replaced by the template (previous copy: ${bak})`);
    }
  } else {
    mkdirSync(dirname(configFile), { recursive: true });
    writeFileSafely(configFile, template);
    out(`✓ ${shown}: written`);
  }

  // 2. The config as the server will read it (ports, aliases, models for the catalog).
  let config: LoadedConfig;
  try {
    config = loadConfig(configFile, io.env);
  } catch (err) {
    const msg = err instanceof ConfigError ? err.message : (err as Error).message;
    io.stderr.write(`godex init: ${shown} does not load, so Codex was not configured:\n${msg}\n(godex lint ${shown} lists every problem; godex init --force rewrites it from the template)\n`);
    return 1;
  }
  const providers = Object.values(config.providers).map((p) => `${p.name} (${p.apiKeyEnv ? `${p.apiKeyEnv} ${p.apiKey ? "set" : "not set"}` : p.apiKey ? "key set" : "no key"})`);
  out(`  providers: ${providers.join(", ")}`);
  out(`  aliases:   ${Object.entries(config.aliases).map(([a, t]) => `${a} → ${t}`).join(", ") || "(none)"}`);
  const effectivePort = port ?? config.server.port;
  if (port !== undefined && port !== config.server.port) {
    out(`  note: ${shown} says server.port ${config.server.port}; Codex is pointed at ${port}: run \`godex serve --port ${port}\` or edit server.port`);
  }
  const codexHome = resolve(io.cwd, values["codex-home"] ?? defaultCodexHome(io.env));
  const setup: CodexSetup = {
    baseUrl: codexBaseUrl(config.server.host, effectivePort),
    model: defaultCodexModel(config),
    catalogPath: join(codexHome, CATALOG_FILE),
    websocket: config.server.websocket.enabled,
  };

  // 3. The Codex block.
  out("");
  out(`Codex configuration (${join(codexHome, "config.toml")}):`);
  out("");
  for (const line of renderCodexBlock(setup).trimEnd().split("\n")) out(`  ${line}`);
  out("");

  if (!values["write-codex"]) {
    out(`godex init --write-codex merges this into ${join(codexHome, "config.toml")} (backup first; other settings kept)`);
    out(`and writes ${setup.catalogPath}, so Codex knows GodeX's models (reasoning levels, apply_patch, context windows).`);
    printNext(out, config, false);
    return 0;
  }
  let result: WriteCodexResult;
  try {
    result = writeCodex(config, setup, codexHome, io.now(), values.mappings ? resolve(io.cwd, values.mappings) : undefined);
  } catch (err) {
    io.stderr.write(`godex init: Codex was not configured: ${(err as Error).message}\n`);
    return 1;
  }
  for (const l of result.lines) out(l);
  if (!result.ok) return 1;
  printNext(out, config, true);
  return 0;
}

function printNext(out: (s?: string) => void, config: LoadedConfig, wrote: boolean): void {
  const missing = Object.values(config.providers).filter((p) => !p.apiKey);
  out("");
  out("Next:");
  if (missing.length > 0) {
    const vars = missing.map((p) => p.apiKeyEnv ?? `providers.${p.name}.credentials`).join(", ");
    out(`  export the keys you have (${vars}); with none set, godex serve uses its offline emulators`);
  }
  out("  godex doctor        check everything (add --live to call the providers)");
  out("  godex serve");
  out(wrote ? "  codex               (or codex -p godex when another provider stays your default)" : "  godex init --write-codex");
}
