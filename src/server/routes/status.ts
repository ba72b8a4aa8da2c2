// GET / (a small self-refreshing status page, plain HTML, no build step) and GET /status.json.
import type { Request, Response } from "express";
import { providerSummaries, type GatewayRuntime } from "../../engine/runtime.ts";
import type { RecentRequests } from "../recent.ts";
import { VERSION } from "../../version.ts";
import { sendJson } from "../errors.ts";
import type { TargetHealth } from "../../engine/routing/health.ts";
import { targetStates } from "../../engine/routing/summary.ts";
import { USAGE_HEAD, USAGE_SCRIPT, USAGE_SECTION } from "./usage-page.ts";

export function statusJsonHandler(getRuntime: () => GatewayRuntime, recent: RecentRequests, health: TargetHealth) {
  return (_req: Request, res: Response) => {
    const rt = getRuntime();
    sendJson(res, 200, {
      version: VERSION,
      mock: rt.mock,
      providers: providerSummaries(rt),
      aliases: Object.entries(rt.config.aliases).map(([alias, target]) => ({ alias, target })),
      targets: targetStates(rt, health),
      recent: recent.list(),
    });
  };
}

export function statusPageHandler() {
  return (_req: Request, res: Response) => {
    res.type("html").send(PAGE);
  };
}

const PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>GodeX status</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
${USAGE_HEAD}
<style>
 body{font:14px/1.4 system-ui,sans-serif;margin:1.5rem;color:#1d2330;background:#fafbfc}
 h1{font-size:1.3rem;margin:0 0 .2rem} h2{font-size:1rem;margin:1.4rem 0 .4rem}
 table{border-collapse:collapse;width:100%;background:#fff} th,td{border:1px solid #dde1e6;padding:.3rem .5rem;text-align:left;vertical-align:top}
 th{background:#eef1f5} .ok{color:#137333} .bad{color:#b3261e} .muted{color:#6b7280} code{font-size:12px}
 .diag{font-size:12px;color:#8a4b00}
</style></head>
<body>
<h1>GodeX</h1><div class="muted" id="meta">loading…</div>
${USAGE_SECTION}
<h2>Providers</h2>
<table id="providers"><thead><tr><th>provider</th><th>mapping</th><th>endpoint</th><th>models (wire)</th><th>API key</th></tr></thead><tbody></tbody></table>
<h2>Models</h2>
<table id="aliases"><thead><tr><th>alias</th><th>provider/model</th></tr></thead><tbody></tbody></table>
<h2>Targets</h2>
<table id="targets"><thead><tr><th>provider/model</th><th>circuit</th><th>requests / failures / skipped</th><th>last error</th></tr></thead><tbody></tbody></table>
<h2>Last requests</h2>
<table id="recent"><thead><tr><th>time</th><th>model</th><th>status</th><th>latency</th><th>tokens in / out</th><th>diagnostics</th><th>web searches</th></tr></thead><tbody></tbody></table>
<script>
const esc = (s) => String(s ?? "").replace(/[&<>"]/g, (c) => ({"&":"&amp;","<":"&lt;",">":"&gt;",'"':"&quot;"}[c]));
function rows(id, html) { document.querySelector("#" + id + " tbody").innerHTML = html || '<tr><td colspan="6" class="muted">none yet</td></tr>'; }
async function refresh() {
  try {
    const s = await (await fetch("status.json", { cache: "no-store" })).json();
    document.getElementById("meta").textContent = "version " + s.version + (s.mock ? " · mock providers (offline emulators)" : "") + " · refreshed " + new Date().toLocaleTimeString();
    rows("providers", s.providers.map((p) => "<tr><td>" + esc(p.name) + "</td><td>" + esc(p.spec) + "</td><td><code>" + esc(p.endpoint) + "</code></td><td>" + Object.entries(p.wires || {}).map(([m, w]) => esc(m) + " (" + esc(w) + ")").join(", ") + "</td><td>" +
      (p.key_configured ? '<span class="ok">set</span>' : '<span class="bad">missing' + (p.key_env ? " (" + esc(p.key_env) + ")" : "") + "</span>") + "</td></tr>").join(""));
    rows("aliases", s.aliases.map((a) => "<tr><td>" + esc(a.alias) + "</td><td>" + esc(a.target) + "</td></tr>").join(""));
    rows("targets", s.targets.map((t) => "<tr><td>" + esc(t.target) + '</td><td class="' + (t.state === "closed" ? "ok" : "bad") + '">' + esc(t.state) +
      (t.cooldown_until ? " until " + esc(new Date(t.cooldown_until).toLocaleTimeString()) : "") + "</td><td>" + esc(t.requests) + " / " + esc(t.failures) + " / " + esc(t.skipped) +
      "</td><td>" + (t.last_error ? esc(new Date(t.last_error_at).toLocaleTimeString()) + " " + esc(t.last_error) : "") + "</td></tr>").join(""));
    rows("recent", s.recent.map((r) => {
      const ok = r.status < 400 && r.outcome === "completed";
      const outcome = r.outcome === "completed" ? "" : " " + esc(r.outcome) + (r.errorCode ? ":" + esc(r.errorCode) : "");
      const tokens = r.usage ? r.usage.input + " (" + r.usage.cached + " cached) / " + r.usage.output + " (" + r.usage.reasoning + " reasoning)" : "";
      const diags = (r.diagnostics || []).map((d) => '<div class="diag">' + esc(d.action) + " " + esc(d.code) + " @ " + esc(d.path) + ": " + esc(d.message) + "</div>").join("");
      return "<tr><td>" + esc(new Date(r.at).toLocaleTimeString()) + "</td><td>" + esc(r.alias) + (r.provider ? " → " + esc(r.provider) + "/" + esc(r.model) : "") + (r.fallback ? " (fallback)" : "") + (r.stream ? " (stream)" : "") +
        '</td><td class="' + (ok ? "ok" : "bad") + '">' + esc(r.status) + outcome + "</td><td>" + esc(r.latencyMs) + " ms</td><td>" + tokens + "</td><td>" + diags + "</td><td>" + (r.searches || []).map((q) => "<div>" + esc(q) + "</div>").join("") + "</td></tr>";
    }).join(""));
  } catch (e) { document.getElementById("meta").textContent = "cannot reach GodeX: " + e; }
}
refresh(); setInterval(refresh, 2000);
${USAGE_SCRIPT}
</script>
</body></html>
`;
