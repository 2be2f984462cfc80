// Command page (/command): the district's incidents on the map as they arrive, filtered by
// area, category, status and time; the counters; the open and overdue ones listed; one
// opened with its timeline and the transitions the user may make now. Data from /api/v1,
// changes live from /api/v1/stream; the map, the language and the session are shared
// with the other pages (map.js, language.js, session.js).
import { assessmentPanel } from "/static/assessment-panel.js";
import { categoryName, knowCategories, t, term } from "/static/command-text.js";
import { chosen, fillFilters, matches, query, readAddress, writeAddress } from "/static/incident-filters.js";
import { showList } from "/static/incident-list.js";
import { incidentPanel } from "/static/incident-panel.js";
import { incidentPins, legendKeys, PIN_LAYERS, PIN_SOURCES } from "/static/incident-pins.js";
import { followIncidents } from "/static/incident-stream.js";
import { applyLanguage, locale, onLanguageSwitch } from "/static/language.js";
import { districtMap } from "/static/map.js";
import { patrolLayer } from "/static/patrol-layer.js";
import { api, me, showUser } from "/static/session.js";
import { workerLayer } from "/static/worker-layer.js";

const PAGE_SIZE = 500;
const MAX_PINS = 2000;  // beyond this a wall shows nothing more useful
const FRESH_MS = 6000;  // as long as a new pin pulses
const STATS_EVERY_MS = 60_000;  // overdue and "today" move with the clock too

const $ = (id) => document.getElementById(id);
const incidents = new Map();  // code → the incident's summary, as shown
const fresh = new Set();  // codes that arrived in the last few seconds
let colourBy = localStorage.getItem("wangge-colour-by") === "urgency" ? "urgency" : "status";
let pending = null;  // stream events that arrived while the incidents were loading
let stopFollowing = () => {};
let statsTimer = null;
let workers = null;  // the grid workers' layer, once the map has loaded
let patrol = null;  // the grids nobody patrolled this week, once the map has loaded

const map = districtMap("map", { sources: PIN_SOURCES, overlays: PIN_LAYERS });
document.getElementById("map").map = map;  // for tests: the map's layers
const pins = incidentPins(map, (code) => openIncident(code, false));
const assessment = assessmentPanel($("assessment"), {
  area: () => chosen().area,
  onClose: () => $("assessment-toggle").setAttribute("aria-pressed", "false"),
});
const panel = incidentPanel($("incident"), {
  onChange: (incident) => { take(incident); draw(); refreshStats(); },
  onClose: () => { pins.select(null); draw(); },
});

// -- incidents: loading, the stream, drawing --------------------------------------------

function take(incident) {
  if (matches(incident, chosen())) incidents.set(incident.code, incident);
  else incidents.delete(incident.code);
}

async function loadIncidents(filter) {
  pending = [];
  const found = new Map();
  let cursor = null;
  do {
    const page = await api(`/api/v1/incidents?${query(filter, { limit: PAGE_SIZE, cursor })}`);
    page.items.forEach((incident) => found.set(incident.code, incident));
    cursor = page.next_cursor;
  } while (cursor && found.size < MAX_PINS);
  if (filter.window !== "any_time") {  // overdue ones need action however old they are
    const late = await api(`/api/v1/incidents?${query({ ...filter, window: "any_time" }, { overdue: true, limit: PAGE_SIZE })}`);
    late.items.forEach((incident) => found.set(incident.code, incident));
  }
  incidents.clear();
  found.forEach((incident, code) => incidents.set(code, incident));
  const missed = pending;
  pending = null;
  missed.forEach(([kind, incident]) => arrived(kind, incident));
  draw();
}

function arrived(kind, incident) {
  if (pending) { pending.push([kind, incident]); return; }
  take(incident);
  if (kind === "incident.created" && incidents.has(incident.code)) standOut(incident);
}

function standOut(incident) {
  fresh.add(incident.code);
  pins.standOut(incident.code);
  const ticker = $("ticker");
  ticker.textContent = `${t("new_incident")} · ${categoryName(incident.category, incident.category_name)} · ${incident.community_name ?? ""}`;
  ticker.hidden = false;
  setTimeout(() => {
    fresh.delete(incident.code);
    if (!fresh.size) ticker.hidden = true;
    draw();
  }, FRESH_MS);
}

// Draw at the next frame, once however many changes arrive before it (a burst of events).
let drawing = null;
function draw() {
  drawing ??= requestAnimationFrame(() => {
    drawing = null;
    drawNow();
  });
}

function drawNow() {
  const shown = [...incidents.values()];
  pins.show(shown);
  const count = showList($("incidents"), shown, { colourBy, fresh, selected: panel.code, onClick: (code) => openIncident(code, true) });
  $("list-count").textContent = count;
}

function follow(filter) {
  stopFollowing();
  stopFollowing = followIncidents({ area: filter.area, category: filter.category }, {
    onIncident(kind, incident) {
      arrived(kind, incident);
      if (pending) return;
      draw();
      refreshStats();
      panel.refresh(incident.code).catch((error) => console.warn(error.message));
    },
    onState(state) {
      $("live").dataset.state = state;
      showLive();
      if (state === "lost") setTimeout(() => start().catch(notice), 5000);
    },
  });
}

async function openIncident(code, fly) {
  pins.select(code);
  const incident = incidents.get(code);
  if (fly && incident && !map.getBounds().contains([incident.lon, incident.lat])) {
    fitted = null;
    map.easeTo({ center: [incident.lon, incident.lat], zoom: Math.max(map.getZoom(), 14) });
  }
  await panel.open(code);
}

// -- counters, legend, clock ------------------------------------------------------------

function showCounters(stats) {
  const number = (n) => Number(n).toLocaleString(locale());
  const rate = stats.closure_rate_week;
  const values = {
    new_today: number(stats.new_today), open: number(stats.open), overdue: number(stats.overdue),
    closure_rate_week: rate === null ? "–" : `${Math.round(rate * 100)}%`,
  };
  for (const [key, value] of Object.entries(values)) {
    $("counters").querySelector(`[data-key=${key}] .n`).textContent = value;
  }
}

async function loadStats(filter) {
  const stats = await api(`/api/v1/incidents/stats?${new URLSearchParams(filter.area ? { area: filter.area } : {})}`);
  showCounters(stats);
}

// Counters again shortly after a change (one fetch for a burst of events).
function refreshStats() {
  clearTimeout(statsTimer);
  statsTimer = setTimeout(() => loadStats(chosen()).catch(notice), 300);
}

function showLegend() {
  document.querySelectorAll("#legend [data-colour]").forEach((b) => b.setAttribute("aria-pressed", String(b.dataset.colour === colourBy)));
  $("legend").querySelector(".keys").replaceChildren(...legendKeys(colourBy, term, t("overdue_ring")).map(([label, colour, ring]) => {
    const li = document.createElement("li");
    const swatch = Object.assign(document.createElement("span"), { className: ring ? "swatch ring" : "swatch" });
    swatch.style.setProperty("--colour", colour);
    li.append(swatch, label);
    return li;
  }));
}

function showLive() {
  const state = $("live").dataset.state;
  $("live").querySelector(".label").textContent = t(state === "live" ? "live" : "reconnecting");
}

function tick() {
  $("clock").textContent = new Date().toLocaleString(locale(), { hour12: false });
}

// -- the page -----------------------------------------------------------------------------

// The assessment's toggle (考核), for those who may read it: the panel covers the map.
function showAssessment(user) {
  const toggle = $("assessment-toggle");
  toggle.hidden = !user.permissions.includes("assessment:read");
  toggle.addEventListener("click", () => {
    assessment.toggle()?.catch(notice);
    toggle.setAttribute("aria-pressed", String(assessment.open));
  });
}

function notice(error) {
  $("notice").textContent = error.message ?? String(error);
  $("notice").hidden = false;
}

// The area's box, while the map shows it as fitted: a wall screen put into full screen
// after loading fits it again; once someone pans or zooms, the map stays where they left it.
let fitted = null;

async function fitArea(filter, roots) {
  const code = filter.area || roots[0]?.code;
  if (!code) return;
  const area = await api(`/api/v1/areas/${code}`);
  fitted = area.bbox;
  map.fitBounds(fitted, { padding: 30, duration: 0 });
}
map.on("movestart", (e) => { if (e.originalEvent) fitted = null; });
map.on("resize", () => { if (fitted) map.fitBounds(fitted, { padding: 30, duration: 0 }); });

// Follow the stream first, then load: what changes meanwhile is queued, not lost.
async function start() {
  const filter = chosen();
  writeAddress(filter);
  follow(filter);
  await Promise.all([loadIncidents(filter), loadStats(filter), workers?.start(filter.area),
    patrol?.start(filter.area)]);
}

function showLanguage() {
  applyLanguage(t);
  showUser().catch((error) => console.warn(error.message));
  showLegend();
  showLive();
  tick();
}

async function begin() {
  showLanguage();
  const user = await me();
  if (!user.permissions.includes("incidents:read")) {
    notice(new Error(t("no_permission")));
    return;
  }
  const roots = await api("/api/v1/areas");
  const categories = await api("/api/v1/incident-categories");
  knowCategories(categories);
  fillFilters(roots, categories);
  readAddress();
  onLanguageSwitch(() => {
    showLanguage();
    fillFilters(roots, categories);
    draw();
    panel.refresh(panel.code).catch(notice);
    assessment.language();
    workers?.language();
    patrol?.language();
  });
  $("filters").addEventListener("submit", (e) => e.preventDefault());
  $("filters").addEventListener("change", (e) => {
    $("notice").hidden = true;
    panel.close();
    start().catch(notice);
    if (e.target.name === "area") fitArea(chosen(), roots).catch(notice);
    if (e.target.name === "area") assessment.refresh()?.catch(notice);
  });
  document.querySelectorAll("#legend [data-colour]").forEach((b) => b.addEventListener("click", () => {
    colourBy = b.dataset.colour;
    localStorage.setItem("wangge-colour-by", colourBy);
    pins.colourBy(colourBy);
    showLegend();
    draw();
  }));
  pins.colourBy(colourBy);
  workers = workerLayer(map, $("worker-line"));  // grid workers, live (worker-layer.js)
  patrol = patrolLayer(map, $("patrol-line"));  // grids unvisited this week (patrol-layer.js)
  showAssessment(user);
  await fitArea(chosen(), roots);
  await start();
  setInterval(tick, 1000);
  setInterval(() => loadStats(chosen()).catch(notice), STATS_EVERY_MS);
}

document.body.dataset.loading = "true";
map.on("load", () => begin().catch(notice).finally(() => { document.body.dataset.loading = "false"; }));
