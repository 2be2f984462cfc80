// The planner page: choose an area and a plan (or generate a draft, or import one), see
// its grids with their households against the bounds and the rules they break, edit it by
// hand (paint buildings into a neighbouring grid, split, merge, lock a grid, rebalance a
// community around the locked ones, undo, redo) with If-Match, compare it with another
// plan and publish it. See docs/pages.md, "The planner page".
import { applyLanguage, onLanguageSwitch } from "/static/language.js";
import { districtMap, clickable } from "/static/map.js";
import { api, me, showUser } from "/static/session.js";
import t, { fill } from "/static/planner-text.js";
import * as layers from "/static/plan-layers.js";
import { History, inverse, send } from "/static/plan-edits.js";
import { drawing } from "/static/plan-draw.js";
import { compare, confirmPublish } from "/static/plan-compare.js";
import { listGrids, listIssues } from "/static/plan-lists.js";
import { exportAssignment, exportGrids } from "/static/plan-export.js";

const form = document.getElementById("choose");
const tools = document.getElementById("tools");
const notice = document.getElementById("notice");
const map = districtMap("map", { fills: layers.fills, marks: layers.marks, sources: layers.sources });
document.getElementById("map").map = map;  // for tests: where a building is on screen
const state = { plan: null, report: null, grids: null, buildings: null, assign: new Map(),
  selected: new Set(), chosen: [], labels: [], history: new History(), plans: [] };

function say(text, stale = false) {
  notice.textContent = text;
  notice.className = stale ? "stale" : "";
  notice.hidden = !text;
}

function bounds() {
  const p = state.plan.parameters;
  return { min: p.min_households ?? 0, max: p.max_households ?? Infinity };
}

// -- choosing an area and a plan ---------------------------------------------------------

async function loadAreas() {
  const tree = await api("/api/v1/areas");
  const options = [];
  const walk = (nodes, depth) => nodes.forEach((n) => {
    options.push(new Option(`${"\u3000".repeat(depth)}${n.name} ${n.code}`, n.code));
    walk(n.children, depth + 1);
  });
  walk(tree, 0);
  form.area.replaceChildren(...options);
}

async function loadPlans(pick) {
  state.plans = await api(`/api/v1/plans?area=${form.area.value}`);
  const label = (p) => `#${p.id} ${p.name} · ${t(p.status)} · ${p.grids}`;
  form.plan.replaceChildren(new Option(t("none"), ""), ...state.plans.map((p) => new Option(label(p), p.id)));
  tools.against.replaceChildren(...state.plans.map((p) => new Option(label(p), p.id)));
  const published = state.plans.find((p) => p.status === "published");
  if (published) tools.against.value = published.id;
  form.plan.value = pick ?? state.plans.find((p) => p.status === "draft")?.id ?? published?.id ?? "";
  if (form.plan.value) await openPlan(Number(form.plan.value), true);
}

async function searchAreas() {
  const q = form.q.value.trim();
  if (q.length < 2) return;
  const found = (await api(`/api/v1/search?${new URLSearchParams({ q, limit: 12 })}`))
    .filter((r) => r.type === "area");
  document.getElementById("found").replaceChildren(...found.map((r) => new Option(r.label, r.code)));
  const exact = found.find((r) => r.code === q || r.label === q);
  if (exact) { form.area.value = exact.code; await loadPlans(); }
}

// -- the plan on the map -------------------------------------------------------------------

async function fetchPlan(id) {
  const [plan, report, buildings] = await Promise.all([api(`/api/v1/plans/${id}`),
    api(`/api/v1/plans/${id}/report`), api(`/api/v1/plans/${id}/buildings`)]);
  return { plan, report, buildings };
}

async function openPlan(id, fit = false) {
  const { plan, report, buildings } = await fetchPlan(id);
  if (state.plan?.id !== id) { state.history.clear(); state.selected.clear(); state.chosen = []; }
  show(plan, report, buildings);
  // a new draft starts from the bounds of the plan open
  form.min.value = plan.parameters.min_households ?? form.min.value;
  form.max.value = plan.parameters.max_households ?? form.max.value;
  if (fit && plan.grids.features.length) map.fitBounds(layers.boxOf(plan.grids.features), { padding: 30, duration: 0 });
}

function show(plan, report, buildings) {
  state.plan = plan; state.report = report; state.grids = plan.grids; state.buildings = buildings;
  state.assign = new Map(buildings.features.map((f) => [f.properties.code, f.properties.grid]));
  const broken = new Set(report.issues.filter((i) => i.severity === "violation" && i.grid).map((i) => i.grid));
  layers.drawGrids(map, plan.grids, bounds(), broken, state.labels);
  layers.drawBuildings(map, buildings);
  state.selected.forEach((c) => { if (!state.assign.has(c)) state.selected.delete(c); });
  layers.select(map, state.selected, true);
  state.chosen.forEach((c) => layers.choose(map, c, true));
  listGrids(state.grids, bounds(), broken, state.chosen, (code) => chooseGrid(code, true), lockGrid);
  listIssues(state.report.issues, (code) => chooseGrid(code, true));
  document.getElementById("version").textContent = `v${plan.version} · ${t(plan.status)}`;
  document.body.dataset.plan = plan.id;
  document.body.dataset.version = plan.version;
  showSelection();
}

// A grid chosen (list, map): the last two are kept, for a merge; `fly` shows it.
function chooseGrid(code, fly = false) {
  const feature = state.grids.features.find((f) => f.properties.code === code);
  if (!feature) return;
  state.chosen.forEach((c) => layers.choose(map, c, false));
  state.chosen = [...state.chosen.filter((c) => c !== code), code].slice(-2);
  state.chosen.forEach((c) => layers.choose(map, c, true));
  document.querySelectorAll("#grid-list li").forEach((li) => li.classList.toggle("chosen", state.chosen.includes(li.dataset.code)));
  if (fly) map.fitBounds(layers.boxOf([feature]), { padding: 60, maxZoom: 17 });
  showSelection();
}

// -- selecting buildings -----------------------------------------------------------------

function toggle(codes, on) {
  codes.forEach((c) => (on ? state.selected.add(c) : state.selected.delete(c)));
  layers.select(map, codes, on);
  showSelection();
}

function showSelection() {
  const chosen = state.buildings?.features.filter((f) => state.selected.has(f.properties.code)) ?? [];
  const households = chosen.reduce((s, f) => s + f.properties.households, 0);
  document.getElementById("selection").textContent = fill("selected", { n: chosen.length, h: households });
  // The grids buildings may move into: those of the community of the selected (or chosen) grid.
  const from = state.assign.get(chosen[0]?.properties.code) ?? state.chosen.at(-1);
  const community = state.grids?.features.find((f) => f.properties.code === from)?.properties.community_code;
  const into = (state.grids?.features ?? []).filter((f) => f.properties.community_code === community
    && !chosen.every((b) => b.properties.grid === f.properties.code));
  const keep = tools.to.value;
  tools.to.replaceChildren(...into.map((f) => new Option(`${f.properties.code} (${f.properties.households})`, f.properties.code)));
  if ([...tools.to.options].some((o) => o.value === keep)) tools.to.value = keep;
}

function drawn(mode, geometry) {
  if (mode === "linestring") return splitBy(geometry);
  const hit = state.buildings.features.filter((f) => layers.inside([f.properties.lon, f.properties.lat], geometry))
    .map((f) => f.properties.code);
  toggle(hit, true);
}

// -- editing -----------------------------------------------------------------------------

// Send an edit (or the edits undoing one); on success the plan is redrawn from the
// answer and the new grids, on a 412 the page says who changed what and keeps the selection.
async function edit(edits, remember) {
  const before = new Map(state.assign);
  let answer, made;
  try {
    for (const e of edits) {
      if (e.kind === "restore") { answer = await restore(e, made) ?? answer; continue; }
      answer = await send(state.plan, e);
      if (e.kind === "split") made = answer.grids_now.map((g) => g.code).find((c) => !state.grids.features.some((f) => f.properties.code === c));
      if (e.kind === "split") e.made = made;
      state.plan.version = answer.version;
      if (edits.length > 1) await refresh();
    }
  } catch (err) {
    if (err.status === 412) return stale();
    say(err.message, true);
    return;
  }
  if (remember) remember(before, made);
  await refresh();
  const broken = state.report.issues.filter((i) => i.severity === "violation").map((i) => i.rule);
  say(`${t("edited")}: v${state.plan.version} · ${broken.length ? [...new Set(broken)].map((r) => t(`rule_${r}`)).join(", ") : t("no_rules_broken")}`);
  return true;
}

async function restore({ a, buildings }, made) {
  const back = { [a]: [], [made]: [] };
  for (const [code, grid] of buildings) if (state.assign.get(code) !== (grid === a ? a : made)) back[grid === a ? a : made].push(code);
  let answer;
  for (const [grid, codes] of Object.entries(back)) {
    if (!codes.length) continue;
    answer = await send(state.plan, { kind: "move", body: { buildings: codes, grid } });
    state.plan.version = answer.version;
    await refresh();
  }
  return answer;
}

async function refresh() {
  const { plan, report, buildings } = await fetchPlan(state.plan.id);
  show(plan, report, buildings);
}

// Someone else edited first: reload, say what changed grid by grid, keep the selection.
async function stale() {
  const old = new Map(state.grids.features.map((f) => [f.properties.code, f.properties.households]));
  await refresh();
  const now = new Map(state.grids.features.map((f) => [f.properties.code, f.properties.households]));
  const changes = [];
  for (const [code, n] of now) if (old.get(code) !== n) changes.push(`${code}: ${old.get(code) ?? "–"} → ${n}`);
  for (const code of old.keys()) if (!now.has(code)) changes.push(`${code}: ${old.get(code)} → –`);
  say(`${fill("stale", { v: state.plan.version })} ${changes.join("; ") || t("nothing_changed")}`, true);
  document.body.dataset.stale = "true";
}

function doEdit(e) {
  state.history.undone = [];
  return edit([e], (before) => state.history.push(e, before));
}

function move() {
  const buildings = [...state.selected];
  if (!buildings.length || !tools.to.value) return;
  return doEdit({ kind: "move", body: { buildings, grid: tools.to.value } }).then(() => {
    if (!document.getElementById("notice").classList.contains("stale")) toggle([...state.selected], false);
  });
}

function splitBy(line) {
  const grid = state.chosen.at(-1);
  if (!grid) return say(t("pick_grid_first"), true);
  return doEdit({ kind: "split", body: { grid, line } });
}

// Lock or unlock a grid (its toggle in the list, or the chosen grid): an edit like any other.
function lockGrid(code = state.chosen.at(-1)) {
  const feature = state.grids?.features.find((f) => f.properties.code === code);
  if (!feature) return say(t("pick_grid_first"), true);
  return doEdit({ kind: "lock", body: { grid: code, locked: !feature.properties.locked } });
}

// Rebalance the community of the chosen grid (or the plan's only community).
function rebalance() {
  const features = state.grids?.features ?? [];
  const chosen = features.find((f) => f.properties.code === state.chosen.at(-1));
  const communities = new Set(features.map((f) => f.properties.community_code));
  const community = chosen?.properties.community_code ?? (communities.size === 1 ? [...communities][0] : null);
  if (!community) return say(t("pick_grid_first"), true);
  return doEdit({ kind: "rebalance", body: { community } });
}

// A plan file (grids as GeoJSON or GeoPackage, or a building → grid CSV) made a draft of
// the chosen area, with the bounds in the toolbar: a refused file's problem is shown at
// once; otherwise a job builds the draft, followed like a generation, and it opens.
async function importFile(input) {
  const file = input.files[0];
  if (!file) return;
  const body = new FormData();
  body.append("file", file);
  body.append("area", form.area.value);
  body.append("name", file.name.slice(0, 200));
  body.append("min_households", form.min.value);
  body.append("max_households", form.max.value);
  const { csrf_token: token } = await me();
  const response = await fetch("/api/v1/plans/import", { method: "POST", body,
    headers: { Accept: "application/json", ...(token ? { "X-CSRF-Token": token } : {}) } });
  const answer = await response.json();
  input.value = "";
  if (!response.ok) return say(t("import_failed") + (answer.detail ?? response.statusText), true);
  const job = await follow(answer);
  if (job.status !== "done") return say(t("import_failed") + (job.error?.detail ?? job.status), true);
  await loadPlans(String(job.result.plan_id));
  say(fill("imported", { id: job.result.plan_id }));
}

// Poll a job until it ends, its progress on the bar.
async function follow(job) {
  const bar = document.getElementById("job");
  bar.hidden = false;
  say(t("job_running"));
  while (job.status === "queued" || job.status === "running") {
    bar.max = job.progress.total ?? 1; bar.value = job.progress.done;
    await new Promise((r) => setTimeout(r, 500));
    job = await api(`/api/v1/jobs/${job.id}`);
  }
  bar.hidden = true;
  return job;
}

async function undo() {
  const entry = state.history.done.pop();
  if (!entry) return;
  const done = await edit(inverse(entry), (_, made) => {
    // a merge undone brings the retired grid back under a new code: redo merges that one
    if (entry.edit.kind === "merge") entry.edit = { kind: "merge", body: { grids: [entry.edit.body.grids[0], made] } };
    state.history.undone.push(entry);
  });
  if (done) say(t("undone")); else if (!state.history.undone.includes(entry)) state.history.done.push(entry);
}

async function redo() {
  const entry = state.history.undone.pop();
  if (!entry) return;
  if (await edit([entry.edit], (before) => state.history.done.push({ ...entry, before }))) say(t("redone"));
  else state.history.undone.push(entry);
}

// -- generating a draft --------------------------------------------------------------------

async function generate() {
  const body = { area: form.area.value, name: `draft ${new Date().toISOString().slice(0, 16)}`,
    min_households: Number(form.min.value), max_households: Number(form.max.value) };
  const job = await follow(await api("/api/v1/plans", { method: "POST", body }));
  if (job.status !== "done") return say(t("job_failed") + (job.error?.detail ?? job.status), true);
  say(t("job_done"));
  await loadPlans(String(job.result.plan_id));
}

// -- wiring --------------------------------------------------------------------------------

function wire() {
  const draw = drawing(map, drawn);
  tools.querySelectorAll("[data-tool]").forEach((b) => b.addEventListener("click", () => {
    tools.querySelectorAll("[data-tool]").forEach((o) => o.setAttribute("aria-pressed", o === b));
    draw.use(b.dataset.tool);
  }));
  tools.querySelector("[data-tool=click]").setAttribute("aria-pressed", "true");
  clickable(map, "plan-building-fill", (f) => {
    if (tools.querySelector("[data-tool=click]").getAttribute("aria-pressed") === "true") {
      toggle([f.properties.code], !state.selected.has(f.properties.code));
    }
  });
  map.on("click", "plan-grid-fill", (e) => {
    if (!map.queryRenderedFeatures(e.point, { layers: ["plan-building-fill"] }).length) chooseGrid(e.features[0].properties.code);
  });
  [form, tools].forEach((f) => f.addEventListener("submit", (e) => e.preventDefault()));
  form.area.addEventListener("change", () => loadPlans());
  form.q.addEventListener("change", searchAreas);
  form.plan.addEventListener("change", () => form.plan.value && openPlan(Number(form.plan.value), true));
  document.getElementById("make").addEventListener("click", generate);
  document.getElementById("move").addEventListener("click", move);
  document.getElementById("halves").addEventListener("click", () => splitBy(null));
  document.getElementById("merge").addEventListener("click", () => {
    if (state.chosen.length < 2) return say(fill("merge_pick", { a: state.chosen[0] ?? "–" }), true);
    return doEdit({ kind: "merge", body: { grids: [state.chosen[0], state.chosen[1]] } });
  });
  document.getElementById("lock").addEventListener("click", () => lockGrid());
  document.getElementById("rebalance").addEventListener("click", rebalance);
  document.getElementById("import-file").addEventListener("change", (e) => importFile(e.target));
  document.getElementById("undo").addEventListener("click", undo);
  document.getElementById("export-grids").addEventListener("click", () => state.plan && exportGrids(state.plan));
  document.getElementById("export-csv").addEventListener("click", () => state.plan && exportAssignment(state.plan, state.buildings));
  document.getElementById("redo").addEventListener("click", redo);
  document.getElementById("compare").addEventListener("click", () => compare(map, state, Number(tools.against.value)));
  document.getElementById("publish").addEventListener("click", () => confirmPublish(map, state, async () => {
    await loadPlans(String(state.plan.id));
    say(t("published_ok"));
  }));
  onLanguageSwitch(() => { applyLanguage(t); showUser(); if (state.plan) show(state.plan, state.report, state.buildings); });
}

async function start() {
  applyLanguage(t);
  showUser();
  await new Promise((r) => (map.loaded() ? r() : map.once("load", r)));
  wire();
  await loadAreas();
  const wanted = new URLSearchParams(location.hash.slice(1));
  if (wanted.get("area")) form.area.value = wanted.get("area");
  await loadPlans(wanted.get("plan") ?? undefined);
  document.body.dataset.loading = "false";
}

start();
