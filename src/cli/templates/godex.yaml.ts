// The godex.yaml that `godex init` writes: the shipped godex.yaml (same providers, env var names,
// base URLs and aliases; test/cli/init.test.ts checks they mean the same), with a few first-run hints.
// Keep the two in step when the shipped file changes.

export interface TemplateOptions {
  /** server.port (default 5678). */
  port?: number;
}

export function godexYamlTemplate(opts: TemplateOptions = {}): string {
  const port = String(opts.port ?? 5678);
  return `# Written by \`godex init\`. Next steps:
#   1. export the API key of each provider you use (DEEPSEEK_API_KEY, ZHIPU_API_KEY, MINIMAX_API_KEY, XIAOMI_API_KEY);
#      a provider without a key still loads (without any key at all, \`godex serve\` uses offline emulators);
#   2. godex doctor            checks this file, the keys, the port and Codex's config (--live: the provider URLs);
#   3. godex serve             then run codex as usual (godex init --write-codex points Codex here);
#   4. godex models            shows the aliases and what each reasoning effort sends to each model.
#
# GodeX: a local gateway that lets Codex (Responses API) use Chat Completions providers.
# Schema: schemas/config.schema.json. Any string may use \${VAR} or \${VAR:-default}.
# Unknown keys are errors, reported as file:line:col.

server:
  host: 127.0.0.1          # loopback only; GODEX_HOST overrides
  port: ${port.padEnd(19)}# GODEX_PORT overrides
  # body_limit: 64mb       # largest request body (Codex sends the whole history each turn)
  # expose_raw_reasoning: false   # also emit raw reasoning_text events
  # carrier_secret: \${GODEX_SECRET}   # HMAC key for reasoning carried in encrypted_content
  # auth:                  # needed before binding a non-loopback host
  #   tokens: ["\${GODEX_TOKEN}"]
  #   allow_unauthenticated_remote: false
  # allowed_hosts: [godex.example.com]   # Host names served besides localhost/127.x/[::1] (a reverse proxy's)
  # cors:                  # web pages allowed to call GodeX (others are refused)
  #   allowed_origins: ["http://localhost:3000"]

# Used for a bare model name that no alias matches: "foo" -> deepseek/foo.
# default_provider: deepseek

models:
  # Codex asks for OpenAI model names; map them to provider/model.
  # A name already written provider/model (e.g. zhipu/glm-5.2) needs no alias.
  aliases:
    gpt-5.5: deepseek/deepseek-v4-pro
    gpt-5.4: deepseek/deepseek-v4-pro
    gpt-5.3-codex: deepseek/deepseek-v4-pro
    gpt-5.4-mini: zhipu/glm-5.1
    gpt-5.3-codex-spark: zhipu/glm-5.1
    # "*": deepseek/deepseek-v4-pro   # catch-all for any other name

# One entry per upstream. spec = mapping file in mappings/ (defaults to the entry's name).
# A provider whose key variable is unset still loads; it is reported as having no key.
providers:
  deepseek:
    spec: deepseek
    credentials: { api_key: "\${DEEPSEEK_API_KEY}" }   # or api_key_file: path/to/key
    endpoint: { base_url: https://api.deepseek.com }  # requests go to base_url + /chat/completions
    models: [deepseek-v4-pro, deepseek-v4-flash]      # listed by GET /v1/models

  zhipu:
    spec: zhipu
    credentials: { api_key: "\${ZHIPU_API_KEY}" }
    endpoint: { base_url: https://open.bigmodel.cn/api/paas/v4 }
    models: [glm-5.1, glm-5.2, glm-5.3]

  minimax:
    spec: minimax
    credentials: { api_key: "\${MINIMAX_API_KEY}" }
    endpoint: { base_url: https://api.minimax.io/v1 }
    models: [MiniMax-M3, MiniMax-M2.7, MiniMax-M3.1-Flash-Preview]

  xiaomi:
    spec: xiaomi
    credentials: { api_key: "\${XIAOMI_API_KEY}" }
    endpoint: { base_url: https://api.xiaomimimo.com/v1 }
    models: [mimo-v2.5-pro, mimo-v2.5]

    # Optional per provider (defaults shown):
    # timeouts: { connect_ms: 10000, first_byte_ms: 300000, idle_ms: 300000, total_ms: 0 }  # 0 = no limit
    # retry: { max_attempts: 3, max_delay_ms: 8000 }   # only before the first response byte
    # endpoint: { base_url: ..., path: /chat/completions, headers: { X-Extra: value } }
    # prices: { "mimo-v2.5*": { input: 0.14, cached_input: 0.0028, output: 0.28, currency: USD } }  # per 1M tokens; over the mapping's

logging:
  level: info              # trace | debug | info | warn | error | silent
  payloads: false          # log request/response bodies (they contain your code)

# Usage ledger: one row per response (tokens, cost, latency), read by \`godex usage\` and the status page.
# ledger:
#   path: ~/.godex/usage.db          # SQLite (default)
#   url: postgres://user@host/godex  # or PostgreSQL, shared by several GodeX instances
#   retention_days: 90               # 0 = keep forever
# Spend limits (the ledger must be on): over a limit, HTTP 429 insufficient_quota and no provider call.
# budgets:
#   - { name: alice-daily, token: alice, period: daily, limit: 5 }        # token = a named server.auth.tokens entry
#   - { name: pro-monthly, alias: gpt-5.5, period: monthly, limit: 200, currency: USD }
`;
}
