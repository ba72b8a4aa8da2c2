// The usage part of the status page: totals and charts drawn by uPlot (served from the package at
// assets/uplot.js, no CDN, no build) from status/usage.json, i.e. from the ledger.
export const USAGE_HEAD = `<link rel="stylesheet" href="assets/uplot.css">
<script src="assets/uplot.js"></script>
<style>
 .totals{display:flex;gap:.8rem;flex-wrap:wrap} .card{background:#fff;border:1px solid #dde1e6;border-radius:6px;padding:.5rem .8rem;min-width:15rem}
 .card b{display:block;font-size:.8rem;color:#6b7280;font-weight:600;text-transform:uppercase;letter-spacing:.03em}
 .card .big{font-size:1.35rem;font-weight:600} .charts{display:grid;grid-template-columns:repeat(auto-fill,minmax(600px,1fr));gap:.8rem;margin-top:.8rem}
 .chart{background:#fff;border:1px solid #dde1e6;border-radius:6px;padding:.4rem} .ranges button{font:inherit;margin-right:.3rem;padding:.15rem .6rem;border:1px solid #c6ccd4;background:#fff;border-radius:4px;cursor:pointer}
 .ranges button.on{background:#1d2330;color:#fff;border-color:#1d2330} .uplot .u-title{font-size:13px;font-weight:600}
</style>`;

export const USAGE_SECTION = `<h2>Usage <span class="ranges" id="ranges"><button data-range="today" class="on">24 hours</button><button data-range="7d">7 days</button><button data-range="30d">30 days</button></span></h2>
<div class="muted" id="ledger-meta"></div>
<div class="totals" id="totals"></div>
<div class="charts" id="charts"></div>`;

export const USAGE_SCRIPT = `
const PALETTE = ["#2563eb", "#dc2626", "#16a34a", "#9333ea", "#ea580c", "#0891b2", "#ca8a04", "#db2777"];
let usageRange = "today";
let plots = [];
const num = (n) => (n ?? 0).toLocaleString("en-US");
const pct = (r) => (r == null ? "–" : (r * 100).toFixed(1) + "%");
const money = (c) => Object.keys(c || {}).length ? Object.entries(c).map(([cur, v]) => v.toFixed(v >= 1 ? 2 : 4) + " " + cur).join(" + ") : "–";
function card(label, t) {
  return '<div class="card" data-period="' + esc(label) + '"><b>' + esc(label) + '</b><div class="big">' + money(t.cost) + "</div>" +
    num(t.requests) + " requests · " + pct(t.error_rate) + " errors<br>" + num(t.input_tokens) + " in (" + pct(t.cache_hit_rate) + " cached) · " + num(t.output_tokens) + " out</div>";
}
function plot(id, title, data, series, opts) {
  const el = document.createElement("div");
  el.className = "chart";
  el.id = id;
  document.getElementById("charts").appendChild(el);
  const width = Math.max(360, el.clientWidth - 10);
  const o = Object.assign({ title, width, height: 230, series: [{}].concat(series), scales: { x: { time: true } }, axes: [{}, { size: 56, values: (s, ticks) => ticks.map(short) }] }, opts || {});
  plots.push(new uPlot(o, data, el));
}
const short = (v) => (v == null ? "" : Math.abs(v) >= 1e6 ? +(v / 1e6).toFixed(2) + "M" : Math.abs(v) >= 1e4 ? +(v / 1e3).toFixed(1) + "k" : +v.toFixed(4) + "");
const line = (label, i, extra) => Object.assign({ label, stroke: PALETTE[i % PALETTE.length], width: 2, points: { show: false } }, extra || {});
async function refreshUsage() {
  let u;
  try { u = await (await fetch("status/usage.json?range=" + usageRange, { cache: "no-store" })).json(); } catch (e) { return; }
  const meta = document.getElementById("ledger-meta");
  if (!u.enabled) { meta.textContent = "The usage ledger is off (ledger.enabled)."; document.getElementById("totals").innerHTML = ""; return; }
  meta.textContent = "Ledger: " + u.ledger.kind + (u.currency ? " · costs in " + u.currency : "") + " · hours and days in UTC";
  document.getElementById("totals").innerHTML = card("today", u.totals.today) + card("7 days", u.totals["7d"]) + card("30 days", u.totals["30d"]);
  for (const p of plots) p.destroy();
  plots = [];
  document.getElementById("charts").innerHTML = "";
  const models = Object.keys(u.tokens);
  plot("chart-tokens", "Tokens (input + output) per model", [u.x].concat(models.map((m) => u.tokens[m])), models.map((m, i) => line(m, i)));
  const costModels = Object.keys(u.cost);
  plot("chart-cost", "Cost per model" + (u.currency ? " (" + u.currency + ")" : ""), [u.x].concat(costModels.map((m) => u.cost[m])), costModels.map((m, i) => line(m, models.indexOf(m), { value: (s, v) => (v == null ? "–" : v.toFixed(4)) })));
  plot("chart-cache", "Cache-hit rate (cached ÷ input)", [u.x, u.cacheHitRate.map((v) => (v == null ? null : v * 100))], [line("cache hit %", 2, { value: (s, v) => (v == null ? "–" : v.toFixed(1) + "%") })], { scales: { x: { time: true }, y: { range: [0, 100] } } });
  const conv = u.conversations;
  plot("chart-conversations", "Cache-hit rate per conversation (most input first)", [conv.map((c, i) => i), conv.map((c) => c.cache_hit_rate * 100)],
    [{ label: "cache hit %", fill: "#0891b2cc", stroke: "#0891b2", paths: uPlot.paths.bars({ size: [0.6, 60] }), points: { show: false }, value: (s, v) => (v == null ? "–" : v.toFixed(1) + "%") }],
    { scales: { x: { time: false, range: [-0.5, Math.max(0.5, conv.length - 0.5)] }, y: { range: [0, 100] } }, axes: [{ values: (s, ticks) => ticks.map((t) => (Number.isInteger(t) && conv[t] ? conv[t].key.slice(0, 14) : "")) }, { size: 56 }] });
  plot("chart-errors", "Requests, errors and fallbacks", [u.x, u.requests, u.errors, u.fallbacks], [line("requests", 0), line("errors", 1), line("fallbacks", 4)]);
  plot("chart-latency", "Latency percentiles (ms)", [u.x, u.latencyP50, u.latencyP95], [line("p50", 0), line("p95", 3)]);
}
document.getElementById("ranges").addEventListener("click", (e) => {
  const r = e.target && e.target.getAttribute && e.target.getAttribute("data-range");
  if (!r) return;
  usageRange = r;
  for (const b of document.querySelectorAll("#ranges button")) b.classList.toggle("on", b.getAttribute("data-range") === r);
  refreshUsage();
});
refreshUsage(); setInterval(refreshUsage, 10000);
`;
