// `godex serve`: load and check the config, start the gateway (with the built-in emulators when
// asked, or when no provider has a key), reload on change, and stop cleanly on SIGINT/SIGTERM.
import { resolve } from "node:path";
import { loadConfig, ConfigError } from "../config/load.ts";
import type { LoadedConfig, LogLevel } from "../config/types.ts";
import { startGateway } from "../server/start.ts";
import { createLogger } from "../server/log.ts";
import type { MockUpstreams } from "../mock/server.ts";
import { DEFAULT_MAPPINGS_DIR } from "../mapping/load.ts";
import { anyProviderKey } from "./provider-keys.ts";
import { watchConfig } from "./watch.ts";
import { preflight, PreflightError } from "./preflight.ts";
import { parseCommandArgs, portArg } from "./args.ts";
import { configFileFor } from "./config-file.ts";
import { Ledger } from "../ledger/ledger.ts";
import { defaultLedgerPath } from "../ledger/store.ts";
import type { Logger } from "../server/log.ts";

/**
 * The config's ledger. Its database is opened with the first row, budget check or chart (Ledger.lazy),
 * not at start: a failure to open is logged then, and retried, like a database that goes away later.
 */
function configuredLedger(config: LoadedConfig, log: Logger, mock: boolean): Ledger | undefined {
  if (!config.ledger.enabled) return undefined;
  // Emulated responses never mix with real spend: mock mode keeps its own SQLite file.
  const settings = mock ? { ...config.ledger, url: undefined, path: defaultLedgerPath().replace(/usage\.db$/, "usage-mock.db") } : config.ledger;
  const ledger = Ledger.lazy(settings, { onError: (what, err) => log.warn({ msg: `ledger: ${what} failed`, error: String((err as Error)?.message ?? err) }) });
  process.stderr.write(`Usage ledger: ${ledger.store.kind} ${ledger.store.where} (godex usage)\n`);
  return ledger;
}

const HELP = `Usage: godex serve [--config FILE] [--host H] [--port N] [--mock | --no-mock] [--log-level LEVEL] [--no-watch]

  --config FILE   configuration file (default ./godex.yaml, else the one shipped with GodeX)
  --host H        listen address (default from config, 127.0.0.1; env GODEX_HOST)
  --port N        listen port (default from config, 5678; env GODEX_PORT)
  --mock          serve every provider from GodeX's built-in offline emulators (no API keys needed)
  --no-mock       never fall back to the emulators, even when no API key is set
  --log-level L   trace | debug | info | warn | error | silent
  --no-watch      do not reload when godex.yaml or a mapping file changes (SIGHUP still reloads)
  --mappings DIR  look for mapping files in DIR first (then in the shipped mappings/)
`;

export async function serve(argv: string[]): Promise<number> {
  const parsed = parseCommandArgs("serve", HELP, process, {
    args: argv,
    options: {
      config: { type: "string" },
      host: { type: "string" },
      port: { type: "string" },
      mock: { type: "boolean" },
      "no-mock": { type: "boolean" },
      "log-level": { type: "string" },
      "no-watch": { type: "boolean" },
      mappings: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (typeof parsed === "number") return parsed;
  const { values } = parsed;
  const port = portArg("serve", values.port, 0, process);
  if (port === null) return 2;
  const file = configFileFor("serve", values.config, { cwd: process.cwd(), stderr: process.stderr });
  const mappingsDir = values.mappings ? resolve(values.mappings) : DEFAULT_MAPPINGS_DIR;
  let mock: MockUpstreams | undefined;
  let useMock = false;

  /** The config as the server runs it: file + command-line overrides (+ emulators). */
  const effectiveConfig = async (): Promise<LoadedConfig> => {
    await preflight(file, mappingsDir);
    const config = loadConfig(file);
    if (values.host) config.server.host = values.host;
    if (port !== undefined) config.server.port = port;
    if (values["log-level"]) config.logging.level = values["log-level"] as LogLevel;
    if (!useMock) return config;
    // The emulators are loaded only when they serve (no key set, or --mock). The emulated accounts have
    // every paid search plugin, so web_search.native: always can be tried offline.
    mock ??= await (await import("../mock/server.ts")).startMockUpstreams({ chunkDelayMs: 15, searchPlugin: "all" });
    return (await import("./mock-config.ts")).withMockProviders(config, mock).config;
  };

  let config: LoadedConfig;
  try {
    const raw = loadConfig(file);
    for (const w of raw.warnings) process.stderr.write(`warning: ${w.file}:${w.line}:${w.col}: ${w.message}\n`);
    useMock = values.mock === true || (!values["no-mock"] && !anyProviderKey(raw));
    config = await effectiveConfig();
  } catch (err) {
    await mock?.close();
    if (err instanceof ConfigError || err instanceof PreflightError) {
      process.stderr.write(`godex: configuration error, not starting\n${err.message}\n`);
      return 2;
    }
    process.stderr.write(`godex: ${(err as Error).message}\n`);
    return 2;
  }
  if (useMock) {
    const names = Object.values(config.providers).filter((p) => p.baseUrl.startsWith(mock!.url)).map((p) => p.name);
    process.stderr.write(
      values.mock
        ? `GodeX mock mode: ${names.join(", ")} served by built-in offline emulators.\n`
        : `No provider API key is set: serving ${names.join(", ")} from built-in offline emulators (set ${keyHint(config)}, or pass --no-mock).\n`,
    );
  }
  const log = createLogger(config.logging.level);
  const ledger = configuredLedger(config, log, useMock);
  let gateway;
  try {
    gateway = await startGateway(config, { mock: useMock, log, mappingsDir, ledger });
  } catch (err) {
    process.stderr.write(`godex: cannot start: ${(err as Error).message}\n`);
    await ledger?.close();
    await mock?.close();
    return 1;
  }
  process.stderr.write(`GodeX listening on ${gateway.url} (POST /v1/responses, GET /v1/models, GET /health, status page at /)\n`);
  const reload = async () => gateway.reload(await effectiveConfig());
  const watcher = watchConfig({ configFile: file, mappingsDir, watchFiles: !values["no-watch"] }, reload, log);
  return await new Promise<number>((resolve) => {
    const stop = async () => {
      watcher.close();
      process.stderr.write("GodeX stopping: letting in-flight responses finish (up to 10 s)…\n");
      await gateway.close(10_000);
      await mock?.close();
      resolve(0);
    };
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
  });
}

/** "e.g. DEEPSEEK_API_KEY": the first key variable the config names. */
function keyHint(config: LoadedConfig): string {
  const env = Object.values(config.providers).find((p) => p.apiKeyEnv)?.apiKeyEnv;
  return env ? `e.g. ${env}` : "a provider's api_key";
}
