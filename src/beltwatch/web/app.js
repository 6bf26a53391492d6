// beltwatch dashboard: plain JS, no build step. Every data call goes to /api/v1 with the
// key kept in sessionStorage, so the page shows only what the key's partner may see.
"use strict";

const API = "/api/v1";
const KEY = "beltwatch.apiKey";
const state = { partner: null, objectsCursor: null, alertsCursor: null, feed: null, unseen: 0 };

// ---- helpers -------------------------------------------------------------------------
const $ = (sel) => document.querySelector(sel);
function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "class") node.className = v;
    else if (k === "text") node.textContent = v;
    else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v);
  }
  for (const c of children) node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return node;
}
const fmt = (x, d = 2) => (x === null || x === undefined || Number.isNaN(x) ? "—" : Number(x).toFixed(d));
const utc = (s) => (s ? String(s).replace("T", " ").replace(/\.\d+Z$|Z$/, "") : "—");
function markingTag(m) {
  if (!m) return el("span", { class: "tag", text: "unmarked" });
  return el("span", { class: `tag ${m.level}`, title: m.text, text: m.text });
}
function figuresText(f) {
  return Object.entries(f || {}).map(([k, v]) => `${k}=${v === null ? "—" : (typeof v === "number" ? +v.toPrecision(4) : v)}`).join("  ");
}
function emptyRow(tbody, cols, text) {
  tbody.append(el("tr", {}, el("td", { class: "empty", colspan: String(cols), text })));
}

class ApiError extends Error {
  constructor(status, problem) { super(problem.detail || problem.title || `HTTP ${status}`); this.status = status; }
}
async function api(path, opts = {}) {
  const key = sessionStorage.getItem(KEY);
  const headers = Object.assign({ "X-API-Key": key || "" }, opts.headers || {});
  const res = await fetch(API + path, Object.assign({}, opts, { headers }));
  if (res.status === 401) { logout("Your key is no longer accepted; sign in again."); throw new ApiError(401, {}); }
  if (!res.ok) {
    let problem = {};
    try { problem = await res.json(); } catch (e) { /* not JSON */ }
    throw new ApiError(res.status, problem);
  }
  return opts.raw ? res : res.json();
}

// ---- session -------------------------------------------------------------------------
async function login(key) {
  sessionStorage.setItem(KEY, key);
  try {
    const me = await api("/whoami");
    state.partner = me;
    $("#partner").textContent = `${me.partner} · ${me.clearance}`;
    $("#login").hidden = true;
    $("#nav").hidden = false;
    $("#session").hidden = false;
    startFeed();
    route();
  } catch (e) {
    sessionStorage.removeItem(KEY);
    $("#login-error").textContent = e.status === 401 || e.status === undefined ? "That key is not valid." : e.message;
  }
}
function logout(message) {
  sessionStorage.removeItem(KEY);
  if (state.feed) state.feed.abort();
  state.feed = null;
  document.querySelectorAll(".view").forEach((v) => (v.hidden = true));
  $("#nav").hidden = true;
  $("#session").hidden = true;
  $("#login").hidden = false;
  $("#login-error").textContent = message || "";
}

// ---- routing -------------------------------------------------------------------------
function show(id) {
  document.querySelectorAll(".view").forEach((v) => (v.hidden = v.id !== id));
  document.querySelectorAll("#nav a").forEach((a) => a.classList.toggle("active", id === `view-${a.dataset.view}` || (id === "view-object" && a.dataset.view === "objects")));
}
function route() {
  if (!sessionStorage.getItem(KEY)) return;
  const hash = location.hash.slice(1) || "belt";
  const [view, arg] = hash.split("/");
  const run = { belt: loadBelt, objects: loadObjects, alerts: loadAlerts, live: () => show("view-live"), object: () => loadObject(arg) }[view] || loadBelt;
  Promise.resolve().then(run).catch(report);
}
function report(e) { console.error(e); }

// ---- belt chart ----------------------------------------------------------------------
const STATUS_COLOURS = { "station-kept": "#3ccf91", active: "#3ccf91", drifting: "#f2b544", inclined: "#d68cff", maneuvering: "#ff8c42" };
async function loadBelt() {
  show("view-belt");
  const [belt, coverage] = await Promise.all([api("/belt"), api("/coverage")]);
  const traces = [];
  let points = 0;
  for (const obj of belt.objects) {
    if (!obj.points.length) continue;
    points += obj.points.length;
    traces.push({
      type: "scatter", mode: "lines+markers", name: `${obj.norad_id} ${obj.name || ""}`.trim(),
      x: obj.points.map((p) => p.longitude_deg), y: obj.points.map((p) => p.epoch_utc),
      marker: { size: 6, color: STATUS_COLOURS[obj.status] || "#3fa7ff", symbol: obj.points.map((p) => (p.from === "orbit" ? "circle" : "diamond")) },
      line: { width: 1.5, color: STATUS_COLOURS[obj.status] || "#3fa7ff" },
      hovertemplate: "%{fullData.name}<br>%{x:.3f}°E<br>%{y}<extra></extra>",
    });
  }
  const shapes = [];
  for (const s of coverage.sensors) {
    for (const b of s.belt_longitude_bins) {
      shapes.push({ type: "rect", xref: "x", yref: "paper", x0: b.from_deg, x1: b.to_deg, y0: 0, y1: 1,
        fillcolor: "rgba(63,167,255,0.08)", line: { width: 0 }, layer: "below" });
    }
  }
  const layout = {
    paper_bgcolor: "#121821", plot_bgcolor: "#0b0f14", font: { color: "#d7dee8", size: 12 },
    margin: { l: 150, r: 20, t: 20, b: 50 }, showlegend: traces.length <= 25,
    legend: { bgcolor: "rgba(0,0,0,0)", font: { size: 11 } }, shapes,
    xaxis: { title: "Longitude (deg east)", gridcolor: "#253041", zerolinecolor: "#253041" },
    yaxis: { title: "Epoch (UTC)", type: "date", gridcolor: "#253041", zerolinecolor: "#253041" },
  };
  Plotly.react("belt-chart", traces, layout, { displaylogo: false, responsive: true });
  $("#belt-summary").textContent = `${belt.objects.length} objects · ${points} released orbit/element-set epochs · shaded: belt longitudes the sensors observed`;
  const tbody = $("#coverage-table tbody");
  tbody.replaceChildren();
  if (!coverage.sensors.length) emptyRow(tbody, 7, "No released observations.");
  for (const s of coverage.sensors) {
    const bins = s.belt_longitude_bins;
    const span = bins.length ? `${bins[0].from_deg}° … ${bins[bins.length - 1].to_deg}°` : "—";
    tbody.append(el("tr", {}, el("td", { class: "mono", text: s.sensor_id }), el("td", { text: s.kind || "—" }),
      el("td", { class: "num", text: s.observations }), el("td", { class: "num", text: s.objects }),
      el("td", { class: "mono", text: span }), el("td", { class: "mono", text: utc(s.first_utc) }), el("td", { class: "mono", text: utc(s.last_utc) })));
  }
}

// ---- objects -------------------------------------------------------------------------
async function loadObjects(more = false) {
  show("view-objects");
  const tbody = $("#objects-table tbody");
  if (!more) { tbody.replaceChildren(); state.objectsCursor = null; }
  const status = $("#status-filter").value;
  const q = new URLSearchParams({ limit: "100" });
  if (status) q.set("status", status);
  if (more && state.objectsCursor) q.set("cursor", state.objectsCursor);
  const page = await api(`/objects?${q}`);
  for (const o of page.items) {
    const select = $("#status-filter");
    if (o.status && ![...select.options].some((x) => x.value === o.status)) select.append(el("option", { text: o.status }));
    tbody.append(el("tr", { class: "link", "data-norad": String(o.norad_id), onclick: () => (location.hash = `object/${o.norad_id}`) },
      el("td", { class: "num", text: o.norad_id }), el("td", { text: o.name || "—" }),
      el("td", {}, o.status ? el("span", { class: `status ${o.status}`, text: o.status }) : "—"),
      el("td", { class: "num", text: fmt(o.longitude_deg, 3) }), el("td", { class: "mono", text: utc(o.latest_epoch_utc) }),
      el("td", { class: "num", text: fmt(o.latest_orbit_rms_arcsec, 2) })));
  }
  if (!tbody.children.length) emptyRow(tbody, 6, "No objects are released to this partner.");
  state.objectsCursor = page.next_cursor;
  $("#objects-more").hidden = !page.next_cursor;
  $("#objects-count").textContent = `${tbody.querySelectorAll("tr.link").length} shown`;
}

async function loadObject(noradId) {
  show("view-object");
  const id = encodeURIComponent(noradId);
  const cards = $("#object-cards");
  cards.replaceChildren();
  let obj;
  try { obj = await api(`/objects/${id}`); } catch (e) {
    $("#object-title").textContent = `Object ${noradId}: ${e.message}`;
    return;
  }
  $("#object-title").textContent = `${obj.norad_id} ${obj.name || ""}`;
  const orbit = obj.latest_orbit;
  const card = (k, v) => cards.append(el("div", { class: "card" }, el("div", { class: "k", text: k }), el("div", { class: "v", text: v })));
  card("Status", obj.status || "—");
  card("Longitude", `${fmt(obj.longitude_deg, 3)} °E`);
  card("Latest epoch (UTC)", utc(obj.latest_epoch_utc));
  card("Residual RMS", orbit ? `${fmt(orbit.rms_arcsec, 2)} ″` : "—");
  card("σ position", orbit && orbit.position_sigma_km !== null ? `${fmt(orbit.position_sigma_km, 3)} km` : "—");
  card("Marking", orbit ? orbit.markings.text : (obj.latest_element_set ? obj.latest_element_set.markings.text : "—"));
  const [orbits, sets, events] = await Promise.all([
    api(`/objects/${id}/orbits`), api(`/objects/${id}/element-sets?limit=1000`), api(`/events?norad_id=${id}&limit=200`),
  ]);
  const ob = $("#orbits-table tbody"); ob.replaceChildren();
  for (const o of orbits.items.slice().reverse()) {
    ob.append(el("tr", {}, el("td", { class: "mono", text: utc(o.epoch_utc) }), el("td", { class: "num", text: fmt(o.longitude_deg, 3) }),
      el("td", { class: "num", text: fmt(o.position_sigma_km, 3) }), el("td", { class: "num", text: fmt(o.rms_arcsec, 2) }),
      el("td", { class: "num", text: o.observations_used ?? "—" }), el("td", { text: o.source || "—" }), el("td", {}, markingTag(o.markings))));
  }
  if (!orbits.items.length) emptyRow(ob, 7, "No orbits released.");
  const sb = $("#sets-table tbody"); sb.replaceChildren();
  for (const s of sets.items.slice().reverse()) {
    sb.append(el("tr", {}, el("td", { class: "mono", text: utc(s.epoch_utc) }), el("td", { class: "num", text: fmt(s.longitude_deg, 3) }),
      el("td", { class: "num", text: fmt(s.mean_motion_rev_per_day, 8) }), el("td", { class: "num", text: fmt(s.eccentricity, 7) }),
      el("td", { class: "num", text: fmt(s.inclination_deg, 4) }), el("td", {}, markingTag(s.markings))));
  }
  if (!sets.items.length) emptyRow(sb, 6, "No element sets released.");
  const eb = $("#object-events tbody"); eb.replaceChildren();
  for (const e of events.items) {
    eb.append(el("tr", {}, el("td", { class: "mono", text: utc(e.time_utc) }), el("td", {}, el("span", { class: `kind ${e.kind}`, text: e.kind })),
      el("td", { text: e.summary }), el("td", { class: "mono", text: figuresText(e.figures) }), el("td", {}, markingTag(e.markings))));
  }
  if (!events.items.length) emptyRow(eb, 5, "No events released.");
  const series = [
    { name: "orbits", pts: orbits.items, symbol: "circle" },
    { name: "element sets", pts: sets.items, symbol: "diamond" },
  ].map((s) => ({ type: "scatter", mode: "lines+markers", name: s.name, x: s.pts.map((p) => p.epoch_utc),
    y: s.pts.map((p) => p.longitude_deg), marker: { symbol: s.symbol, size: 7 } }));
  Plotly.react("object-chart", series, {
    paper_bgcolor: "#121821", plot_bgcolor: "#0b0f14", font: { color: "#d7dee8", size: 12 },
    margin: { l: 70, r: 20, t: 10, b: 40 }, xaxis: { type: "date", gridcolor: "#253041" },
    yaxis: { title: "Longitude (deg east)", gridcolor: "#253041" }, legend: { orientation: "h" },
  }, { displaylogo: false, responsive: true });
}

async function download(fmtName) {
  const id = location.hash.split("/")[1];
  try {
    const res = await api(`/objects/${encodeURIComponent(id)}/orbits?format=${fmtName}`, { raw: true });
    const blob = await res.blob();
    const a = el("a", { href: URL.createObjectURL(blob), download: `${id}.${fmtName}` });
    document.body.append(a); a.click(); a.remove();
  } catch (e) { alert(`No ${fmtName.toUpperCase()} product: ${e.message}`); }
}

// ---- alerts --------------------------------------------------------------------------
function alertRow(e, fresh = false) {
  return el("tr", { class: fresh ? "fresh" : "" }, el("td", { class: "mono", text: utc(e.time_utc) }),
    el("td", {}, el("span", { class: `kind ${e.kind}`, text: e.kind })),
    el("td", { class: "mono" }, ...e.norad_ids.flatMap((n, i) => [i ? ", " : "", el("a", { href: `#object/${n}`, text: n })])),
    el("td", { text: e.summary }), el("td", { class: "mono", text: figuresText(e.figures) }), el("td", {}, markingTag(e.markings)));
}
async function loadAlerts(more = false) {
  show("view-alerts");
  state.unseen = 0; $("#alert-badge").hidden = true;
  const tbody = $("#alerts-table tbody");
  if (!more) { tbody.replaceChildren(); state.alertsCursor = null; }
  const q = new URLSearchParams({ limit: "200" });
  const kind = $("#kind-filter").value;
  if (kind) q.set("kind", kind);
  if (more && state.alertsCursor) q.set("cursor", state.alertsCursor);
  const page = await api(`/events?${q}`);
  for (const e of page.items.slice().reverse()) tbody.append(alertRow(e));
  if (!tbody.children.length) emptyRow(tbody, 6, "No alerts released to this partner.");
  state.alertsCursor = page.next_cursor;
  $("#alerts-more").hidden = !page.next_cursor;
}

// ---- live feed (server-sent events read with fetch, so the key stays in a header) ----
async function startFeed() {
  if (state.feed) state.feed.abort();
  const ctrl = new AbortController();
  state.feed = ctrl;
  const setLive = (on, text) => { $("#live-dot").className = `dot ${on ? "on" : "off"}`; $("#live-status").textContent = text; };
  try {
    const res = await fetch(`${API}/stream`, { headers: { "X-API-Key": sessionStorage.getItem(KEY) || "" }, signal: ctrl.signal });
    if (!res.ok) { setLive(false, res.status === 503 ? "no live feed on this service" : `feed refused (${res.status})`); return; }
    setLive(true, "connected");
    const reader = res.body.getReader();
    const decoder = new TextDecoder();
    let buffer = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, { stream: true });
      let cut;
      while ((cut = buffer.indexOf("\n\n")) >= 0) {
        const block = buffer.slice(0, cut); buffer = buffer.slice(cut + 2);
        let kind = "message", data = "";
        for (const line of block.split("\n")) {
          if (line.startsWith("event:")) kind = line.slice(6).trim();
          else if (line.startsWith("data:")) data += line.slice(5).trim();
        }
        if (data) onRecord(kind, JSON.parse(data));
      }
    }
    setLive(false, "feed closed");
  } catch (e) {
    if (e.name !== "AbortError") { setLive(false, "feed lost; retrying"); setTimeout(() => { if (state.feed === ctrl) startFeed(); }, 5000); }
  }
}
function onRecord(kind, record) {
  const tbody = $("#live-table tbody");
  const what = kind === "observations" ? `${record.obs_id} · NORAD ${record.norad_id ?? "UCT"} · ${record.sensor_id} · RA ${fmt(record.ra_deg, 4)}° Dec ${fmt(record.dec_deg, 4)}°`
    : kind === "events" ? `${record.kind} · ${record.summary}`
    : kind === "orbits" ? `orbit NORAD ${record.norad_id} @ ${utc(record.epoch_utc)}` : JSON.stringify(record).slice(0, 160);
  tbody.prepend(el("tr", { class: "fresh", "data-kind": kind }, el("td", { class: "mono", text: new Date().toISOString().slice(11, 19) }),
    el("td", {}, el("span", { class: `kind ${record.kind || ""}`, text: kind })), el("td", { class: "mono", text: what }), el("td", {}, markingTag(record.markings))));
  while (tbody.children.length > 500) tbody.lastChild.remove();
  if (kind === "events") {
    $("#alerts-table tbody").prepend(alertRow(record, true));
    if ($("#view-alerts").hidden) { state.unseen += 1; $("#alert-badge").textContent = state.unseen; $("#alert-badge").hidden = false; }
  }
}

// ---- wiring --------------------------------------------------------------------------
$("#login-form").addEventListener("submit", (ev) => { ev.preventDefault(); login($("#api-key").value.trim()); });
$("#logout").addEventListener("click", () => logout(""));
$("#objects-more").addEventListener("click", () => loadObjects(true).catch(report));
$("#alerts-more").addEventListener("click", () => loadAlerts(true).catch(report));
$("#status-filter").addEventListener("change", () => loadObjects().catch(report));
$("#kind-filter").addEventListener("change", () => loadAlerts().catch(report));
document.querySelectorAll("[data-product]").forEach((b) => b.addEventListener("click", () => download(b.dataset.product)));
window.addEventListener("hashchange", route);
if (sessionStorage.getItem(KEY)) login(sessionStorage.getItem(KEY));
