/// The live dashboard served at `/`: one self-contained page (no external script, style or font; operators'
/// relays rarely reach the internet). It follows `/events` and keeps the last `WINDOW` seconds of each call's
/// MOS, jitter and loss in the browser, drawn as inline SVG so the charts are also plain DOM (tests read them).
enum DashboardPage {
    static let html = #"""
<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>rtprelayd</title>
<style>
  :root { --bg:#0f1419; --panel:#182028; --line:#2a3640; --text:#d8e0e6; --dim:#8696a3; --good:#4cc38a; --mid:#e5b94a; --bad:#e5604a; }
  * { box-sizing: border-box; }
  body { margin:0; font:14px/1.4 system-ui, sans-serif; background:var(--bg); color:var(--text); }
  header { display:flex; align-items:center; gap:16px; padding:12px 20px; border-bottom:1px solid var(--line); }
  header h1 { font-size:18px; margin:0; font-weight:600; }
  #status { font-size:12px; color:var(--dim); }
  #status.live::before { content:"●"; color:var(--good); margin-right:4px; }
  #status.down::before { content:"●"; color:var(--bad); margin-right:4px; }
  #totals { display:grid; grid-template-columns:repeat(auto-fill, minmax(150px, 1fr)); gap:10px; padding:14px 20px; }
  .card { background:var(--panel); border:1px solid var(--line); border-radius:6px; padding:8px 12px; }
  .card .label { color:var(--dim); font-size:12px; }
  .card .value { font-size:22px; font-weight:600; font-variant-numeric:tabular-nums; }
  section { padding:0 20px 16px; }
  h2 { font-size:15px; font-weight:600; margin:10px 0; color:var(--dim); }
  table { width:100%; border-collapse:collapse; background:var(--panel); border:1px solid var(--line); border-radius:6px; }
  th, td { text-align:left; padding:6px 10px; border-bottom:1px solid var(--line); font-variant-numeric:tabular-nums; }
  th { color:var(--dim); font-weight:500; font-size:12px; }
  td.num { text-align:right; }
  .mos-good { color:var(--good); } .mos-mid { color:var(--mid); } .mos-bad { color:var(--bad); }
  #charts { display:grid; grid-template-columns:1fr; gap:12px; }
  .call { background:var(--panel); border:1px solid var(--line); border-radius:6px; padding:8px 12px; }
  .call h3 { margin:0 0 6px; font-size:13px; font-weight:600; }
  .call .row { display:grid; grid-template-columns:repeat(3, 1fr); gap:10px; }
  .chart-title { font-size:12px; color:var(--dim); }
  svg.chart { width:100%; height:130px; display:block; }
  svg.chart text { fill:var(--dim); font-size:10px; }
  .legend { font-size:11px; color:var(--dim); }
  .legend span { margin-right:12px; }
  .empty { color:var(--dim); padding:10px; }
</style>
</head>
<body>
<header><h1>rtprelayd</h1><span id="status" class="down">connecting…</span></header>
<div id="totals"></div>
<section>
  <h2>Live calls</h2>
  <table id="calls">
    <thead><tr><th>Call-ID</th><th>Legs</th><th>Codecs</th><th class="num">MOS</th><th class="num">Jitter ms</th>
      <th class="num">Loss %</th><th class="num">Packets in</th><th class="num">Age s</th></tr></thead>
    <tbody></tbody>
  </table>
</section>
<section>
  <h2>Quality over the last <span id="window"></span> s</h2>
  <div id="charts"></div>
</section>
<script>
"use strict";
const WINDOW = 120;                 // seconds of history kept per call
const COLORS = ["#4ca3e5", "#e58a4c", "#a47ce5", "#4cc38a", "#e54c8a", "#c3c34c"];
const METRICS = [
  { key: "mos", title: "MOS", min: 1, max: 5, fixed: true },
  { key: "jitter", title: "Jitter (ms)", min: 0, max: 20 },
  { key: "loss", title: "Loss (%)", min: 0, max: 4 },
];
const history = new Map();         // call-id -> Map(series name -> [{t, mos, jitter, loss}])
document.getElementById("window").textContent = WINDOW;

function el(tag, attrs, text) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
  if (text !== undefined) node.textContent = text;
  return node;
}
function svg(tag, attrs) {
  const node = document.createElementNS("http://www.w3.org/2000/svg", tag);
  for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
  return node;
}
function fmt(v, digits) { return v === null || v === undefined ? "–" : Number(v).toFixed(digits); }
function count(n) {
  if (n >= 1e9) return (n / 1e9).toFixed(2) + "G";
  if (n >= 1e6) return (n / 1e6).toFixed(2) + "M";
  if (n >= 1e4) return (n / 1e3).toFixed(1) + "k";
  return String(n);
}
function mosClass(m) { return m === null || m === undefined ? "" : m >= 4 ? "mos-good" : m >= 3.6 ? "mos-mid" : "mos-bad"; }

function renderTotals(t) {
  const tr = t.traffic;
  const dropped = tr.dropped_foreign_source + tr.dropped_malformed + tr.dropped_no_destination + tr.dropped_srtp_auth + tr.dropped_srtp_replay;
  const cards = [
    ["Calls now", t.sessions], ["Calls total", t.sessions_total], ["Transcoding", t.transcoded_sessions],
    ["Ports in use", t.ports_in_use], ["RTP packets in", count(tr.rtp_in.packets)], ["RTP packets out", count(tr.rtp_out.packets)],
    ["Dropped", count(dropped)], ["ng requests", count(t.ng_requests)], ["ng errors", count(t.ng_errors)],
    ["Uptime", Math.floor(t.uptime_seconds) + " s"],
  ];
  const box = document.getElementById("totals");
  box.replaceChildren(...cards.map(([label, value]) => {
    const card = el("div", { class: "card", "data-total": label });
    card.append(el("div", { class: "label" }, label), el("div", { class: "value" }, String(value)));
    return card;
  }));
}

// One series per direction the relay measures: what each party sends it ("from <tag>"), with the relay's own
// figures (loss of the last second, jitter, the newest relay-observed MOS).
function directions(call) {
  const out = [];
  for (const party of call.parties) for (const m of party.medias) {
    const q = m.quality || {};
    const observed = q.relay_observed_mos || q.mos || null;
    out.push({
      name: "from " + (party.tag || "(untagged)") + (party.medias.length > 1 ? " #" + m.index : ""),
      media: m,
      packets: m.rtp_in.packets,
      mos: observed ? (observed.latest ?? observed.average) : null,
      jitter: q.jitter_milliseconds ?? null,
      loss: q.loss_percent ?? null,
    });
  }
  return out;
}

function renderTable(calls) {
  const body = document.querySelector("#calls tbody");
  if (calls.length === 0) {
    const row = el("tr"); const cell = el("td", { colspan: 8, class: "empty" }, "No calls."); row.append(cell);
    body.replaceChildren(row); return;
  }
  body.replaceChildren(...calls.map(call => {
    const dirs = directions(call);
    const pick = (key, f) => { const v = dirs.map(x => x[key]).filter(x => x !== null && x !== undefined); return v.length ? f(...v) : null; };
    const codecs = [...new Set(call.parties.flatMap(p => p.medias.map(m => m.codec).filter(Boolean)))].join(" ⇄ ");
    const mos = pick("mos", Math.min);
    const row = el("tr", { class: "call-row", "data-call-id": call.call_id });
    row.append(
      el("td", {}, call.call_id),
      el("td", {}, call.parties.map(p => p.tag || "(untagged)").join(" ↔ ")),
      el("td", {}, codecs || "–"),
      el("td", { class: "num " + mosClass(mos) }, fmt(mos, 1)),
      el("td", { class: "num" }, fmt(pick("jitter", Math.max), 0)),
      el("td", { class: "num" }, fmt(pick("loss", Math.max), 0)),
      el("td", { class: "num" }, count(dirs.reduce((s, x) => s + x.packets, 0))),
      el("td", { class: "num" }, Math.floor(call.duration_seconds)),
    );
    return row;
  }));
}

function record(event) {
  const t = event.time / 1000;
  const live = new Set();
  for (const call of event.calls) {
    live.add(call.call_id);
    if (!history.has(call.call_id)) history.set(call.call_id, new Map());
    const perCall = history.get(call.call_id);
    for (const dir of directions(call)) {
      if (!perCall.has(dir.name)) perCall.set(dir.name, []);
      const points = perCall.get(dir.name);
      points.push({ t, mos: dir.mos, jitter: dir.jitter, loss: dir.loss });
      while (points.length && points[0].t < t - WINDOW) points.shift();
    }
  }
  for (const id of [...history.keys()]) if (!live.has(id)) history.delete(id);
  return t;
}

function chart(callID, metric, series, now) {
  const W = 360, H = 130, L = 34, R = 8, T = 8, B = 18;
  let max = metric.max, first = now;
  for (const points of series.values()) for (const p of points) {
    first = Math.min(first, p.t);
    if (!metric.fixed && p[metric.key] !== null) max = Math.max(max, Math.ceil(p[metric.key] * 1.2 / 4) * 4);
  }
  // The time axis grows with the call up to WINDOW, so a young call's points are not squeezed to the right edge.
  const span = Math.min(WINDOW, Math.max(30, Math.ceil((now - first) / 30) * 30));
  const x = t => L + (W - L - R) * (1 - (now - t) / span);
  const y = v => T + (H - T - B) * (1 - (Math.min(max, Math.max(metric.min, v)) - metric.min) / (max - metric.min));
  let total = 0;
  const root = svg("svg", { class: "chart", viewBox: `0 0 ${W} ${H}`, preserveAspectRatio: "none", "data-call-id": callID, "data-metric": metric.key });
  for (let i = 0; i <= 4; i++) {
    const v = metric.min + (max - metric.min) * i / 4;
    root.append(svg("line", { x1: L, x2: W - R, y1: y(v), y2: y(v), stroke: "#2a3640", "stroke-width": 1 }));
    const label = svg("text", { x: L - 4, y: y(v) + 3, "text-anchor": "end" }); label.textContent = Number.isInteger(v) ? String(v) : v.toFixed(1);
    root.append(label);
  }
  const axis = svg("text", { x: W - R, y: H - 4, "text-anchor": "end" }); axis.textContent = "now"; root.append(axis);
  const axis0 = svg("text", { x: L, y: H - 4 }); axis0.textContent = "-" + span + " s"; root.append(axis0);
  let i = 0;
  for (const [name, points] of series) {
    const coords = points.filter(p => p[metric.key] !== null).map(p => `${x(p.t).toFixed(1)},${y(p[metric.key]).toFixed(1)}`);
    total += coords.length;
    if (coords.length) {
      root.append(svg("polyline", { class: "series", "data-series": name, "data-points": coords.length, points: coords.join(" "),
        fill: "none", stroke: COLORS[i % COLORS.length], "stroke-width": 2, "stroke-linejoin": "round" }));
      const last = coords[coords.length - 1].split(",");
      root.append(svg("circle", { cx: last[0], cy: last[1], r: 2.5, fill: COLORS[i % COLORS.length] }));
    }
    i++;
  }
  root.setAttribute("data-points", total);
  return root;
}

function renderCharts(now) {
  const box = document.getElementById("charts");
  if (history.size === 0) { box.replaceChildren(el("div", { class: "empty" }, "No calls.")); return; }
  box.replaceChildren(...[...history.entries()].map(([callID, series]) => {
    const card = el("div", { class: "call", "data-call-id": callID });
    card.append(el("h3", {}, callID));
    const legend = el("div", { class: "legend" });
    [...series.keys()].forEach((name, i) => { const s = el("span", {}, "━ " + name); s.style.color = COLORS[i % COLORS.length]; legend.append(s); });
    const row = el("div", { class: "row" });
    for (const metric of METRICS) {
      const cell = el("div");
      cell.append(el("div", { class: "chart-title" }, metric.title), chart(callID, metric, series, now));
      row.append(cell);
    }
    card.append(legend, row);
    return card;
  }));
}

function update(event) {
  renderTotals(event.totals);
  renderTable(event.calls);
  renderCharts(record(event));
}

function connect() {
  const status = document.getElementById("status");
  const source = new EventSource("events");
  source.addEventListener("snapshot", e => {
    status.className = "live"; status.textContent = "live";
    update(JSON.parse(e.data));
  });
  source.onerror = () => { status.className = "down"; status.textContent = "reconnecting…"; };
}
connect();
</script>
</body>
</html>
"""#
}
