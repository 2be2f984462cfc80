// Drill-down page: district → street → community → grid/building → household → person.
// Data from /api/v1, map layers from wangge's own vector tiles; no external service.
// The signed-in user, the API fetches and the way back to sign-in are session.js's.
import { applyLanguage, locale, onLanguageSwitch, translator } from "/static/language.js";
import { boxAround, clickable, districtMap } from "/static/map.js";
import { api, showUser } from "/static/session.js";

const TEXT = {
  zh: {
    search: "搜索编码、名称或地址", colour_by: "着色", more: "更多",
    district: "区", street: "街道/乡镇", community: "社区/村", grid: "网格", building: "建筑",
    household: "户", streets: "街道/乡镇", communities: "社区/村", grids: "网格",
    buildings: "建筑", households: "户数", persons: "人口", floating_persons: "流动人口",
    floating_households: "流动户", cameras: "摄像头", open_incidents: "未结事件",
    grid_workers: "网格员", members: "人", residents: "居民", area_km2: "面积 km²",
    no_results: "无结果", registered: "户籍", resident: "常住", floating: "流动", rental: "出租",
  },
  en: {
    search: "Search code, name or address", colour_by: "Colour by", more: "More",
    district: "District", street: "Street/town", community: "Community/village", grid: "Grid",
    building: "Building", household: "Household", streets: "Streets and towns",
    communities: "Communities and villages", grids: "Grids", buildings: "Buildings",
    households: "Households", persons: "Persons", floating_persons: "Floating population",
    floating_households: "Floating households", cameras: "Cameras",
    open_incidents: "Open incidents", grid_workers: "Grid workers", members: "members",
    residents: "Residents", area_km2: "Area km²", no_results: "No results",
    registered: "registered", resident: "resident", floating: "floating", rental: "rental",
  },
};
const INDICATORS = ["households", "persons", "floating_persons", "buildings", "cameras",
  "open_incidents", "grids"];
const STAT_ROWS = ["households", "persons", "floating_persons", "buildings", "grids", "cameras",
  "open_incidents", "grid_workers"];
const RAMP = ["#fff5d6", "#fed98e", "#fe9929", "#d95f0e", "#993404"];
const CHILD_LAYER = { district: "streets", street: "communities" };

let current = null;  // what the panel shows: {kind, data}
const $ = (id) => document.getElementById(id);
const t = translator(TEXT);
// A count withheld from this reader (under 5 persons or households: `suppressed`) is null.
const fmt = (n) => (n === null ? "<5" : Number(n).toLocaleString(locale()));

// -- map ------------------------------------------------------------------------------

// Areas of the level below the one shown, coloured by the indicator (none at first).
const CHILD_FILLS = ["streets", "communities", "grids"].map((name) => ({
  id: `${name}-children`, type: "fill", source: name, "source-layer": name,
  filter: ["==", ["get", "code"], ""], paint: { "fill-color": RAMP[0], "fill-opacity": 0.75 },
}));
const map = districtMap("map", {
  fills: CHILD_FILLS,
  marks: [{ id: "building-selected", type: "line", source: "buildings", "source-layer": "buildings",
    filter: ["==", ["get", "code"], ""], paint: { "line-color": "#d7191c", "line-width": 3 } }],
});

for (const name of ["streets", "communities", "grids"]) {
  clickable(map, `${name}-children`, (feature) => {
    const code = feature.properties.code;
    go(name === "grids" ? `#/grid/${code}` : `#/area/${code}`);
  });
}
clickable(map, "buildings-fill", (feature) => go(`#/building/${feature.properties.code}`));

function colourChildren(layer, children) {
  for (const name of ["streets", "communities", "grids"]) {
    if (map.getLayer(`${name}-children`)) {
      map.setFilter(`${name}-children`, ["==", ["get", "code"], ""]);
    }
  }
  if (!layer || !children.length) return;
  const colours = children.flatMap((c) => [c.code, c.colour]);
  map.setFilter(`${layer}-children`, ["in", ["get", "code"], ["literal", children.map((c) => c.code)]]);
  map.setPaintProperty(`${layer}-children`, "fill-color", ["match", ["get", "code"], ...colours, RAMP[0]]);
}

// Five equal classes between the smallest and largest value shown, so grids that all
// hold about 300 households still tell apart.
function classify(values) {
  const min = Math.min(...values), max = Math.max(...values);
  const span = max - min;
  return values.map((v) => RAMP[span > 0 ? Math.min(RAMP.length - 1, Math.floor(((v - min) / span) * RAMP.length)) : 2]);
}

// -- panel ----------------------------------------------------------------------------

function crumbs(items) {
  const nav = $("breadcrumb");
  nav.replaceChildren();
  items.forEach((item, i) => {
    if (i) nav.append(Object.assign(document.createElement("span"), { className: "sep", textContent: "›" }));
    const a = Object.assign(document.createElement("a"), { textContent: item.name, href: item.href });
    a.dataset.code = item.code;
    nav.append(a);
  });
}

function statsTable(stats, extra = {}) {
  const rows = STAT_ROWS.filter((k) => k in stats).map((k) => [t(k), fmt(stats[k])]);
  for (const [k, v] of Object.entries(extra)) rows.push([t(k), v]);
  $("stats").replaceChildren(...rows.map(([label, value]) => {
    const tr = document.createElement("tr");
    tr.append(Object.assign(document.createElement("td"), { textContent: label }),
      Object.assign(document.createElement("td"), { className: "n", textContent: value }));
    return tr;
  }));
}

function listItem({ label, value, href, colour, code, masked }) {
  const li = document.createElement("li");
  const name = document.createElement("span");
  if (colour) name.append(Object.assign(document.createElement("span"), { className: "swatch", style: `background:${colour}` }));
  name.append(label);
  li.append(name);
  if (value !== undefined) li.append(Object.assign(document.createElement("span"), { className: masked ? "masked" : "n", textContent: value }));
  if (href) { li.className = "link"; li.dataset.code = code; li.addEventListener("click", () => go(href)); }
  return li;
}

function heading(title, subtitle, listTitle) {
  $("title").textContent = title;
  $("subtitle").textContent = subtitle;
  $("list-title").textContent = listTitle;
  $("list").replaceChildren();
  $("more").hidden = true;
}

function areaCrumbs(area) {
  return [...area.ancestors, area].map((a) => ({ name: a.name, code: a.code, href: `#/area/${a.code}` }));
}

async function showArea(code) {
  const area = await api(`/api/v1/areas/${code}`);
  current = { kind: "area", data: area };
  crumbs(areaCrumbs(area));
  statsTable(area.stats, { area_km2: area.area_km2.toFixed(2) });
  const indicator = $("indicator").value;
  if (area.level === "community") {
    heading(area.name, `${t(area.level)} · ${area.code}`, area.grids.length ? t("grids") : t("buildings"));
    if (area.grids.length) {
      const colours = classify(area.grids.map((g) => g.households));
      area.grids.forEach((g, i) => $("list").append(listItem({ label: g.name || g.code, value: fmt(g.households), href: `#/grid/${g.code}`, code: g.code, colour: colours[i] })));
      colourChildren("grids", area.grids.map((g, i) => ({ code: g.code, colour: colours[i] })));
    } else {
      colourChildren(null, []);
      await listBuildings({ community: code }, 0);
    }
  } else {
    heading(area.name, `${t(area.level)} · ${area.code}`, t(CHILD_LAYER[area.level]));
    const colours = classify(area.children.map((c) => c.stats[indicator]));
    area.children.forEach((c, i) => $("list").append(listItem({ label: c.name, value: fmt(c.stats[indicator]), href: `#/area/${c.code}`, code: c.code, colour: colours[i] })));
    colourChildren(CHILD_LAYER[area.level], area.children.map((c, i) => ({ code: c.code, colour: colours[i] })));
  }
  map.setFilter("building-selected", ["==", ["get", "code"], ""]);
  map.fitBounds(area.bbox, { padding: 30, duration: 0 });
}

async function listBuildings(filter, offset) {
  const params = new URLSearchParams({ ...filter, limit: 50, offset });
  const page = await api(`/api/v1/buildings?${params}`);
  page.items.forEach((b) => $("list").append(listItem({ label: b.address || b.code, value: `${fmt(b.households)} ${t("households")}`, href: `#/building/${b.code}`, code: b.code })));
  $("more").hidden = page.next_offset === null;
  $("more").onclick = () => listBuildings(filter, page.next_offset);
}

async function showGrid(code) {
  const grid = await api(`/api/v1/grids/${code}`);
  const community = await api(`/api/v1/areas/${grid.community_code}`);
  crumbs([...areaCrumbs(community), { name: grid.name || code, code, href: `#/grid/${code}` }]);
  heading(grid.name || code, `${t("grid")} · ${code}`, t("buildings"));
  statsTable(grid.stats, { area_km2: (grid.area_m2 / 1e6).toFixed(3) });
  colourChildren("grids", [{ code, colour: RAMP[2] }]);
  map.fitBounds(grid.bbox, { padding: 40, duration: 0 });
  await listBuildings({ grid: code }, 0);
}

async function showBuilding(code) {
  const building = await api(`/api/v1/buildings/${code}`);
  const community = await api(`/api/v1/areas/${building.community_code}`);
  current = { kind: "building", data: building };
  crumbs([...areaCrumbs(community), { name: building.address || code, code, href: `#/building/${code}` }]);
  heading(building.address || code, `${t("building")} · ${code}`, t("households"));
  statsTable({ households: building.households.length, persons: building.persons });
  building.households.forEach((h) => $("list").append(listItem({ label: `${h.room || h.code} · ${t(h.kind)}`, value: `${h.persons} ${t("members")}`, href: `#/household/${h.code}`, code: h.code })));
  colourChildren(null, []);
  map.setFilter("building-selected", ["==", ["get", "code"], code]);
  map.fitBounds(boxAround(building.geometry.coordinates[0]), { padding: 120, maxZoom: 17, duration: 0 });
}

async function showHousehold(code) {
  const household = await api(`/api/v1/households/${code}`);
  const building = await api(`/api/v1/buildings/${household.building_code}`);
  const community = await api(`/api/v1/areas/${building.community_code}`);
  crumbs([...areaCrumbs(community),
    { name: building.address || building.code, code: building.code, href: `#/building/${building.code}` },
    { name: household.room || code, code, href: `#/household/${code}` }]);
  heading(`${household.address || ""} ${household.room || ""}`, `${t("household")} · ${t(household.kind)} · ${code}`, t("residents"));
  statsTable({ persons: household.persons.length });
  household.persons.forEach((p) => $("list").append(listItem({ label: `${p.name} · ${p.sex === "M" ? "♂" : "♀"} ${p.birth_year ?? ""}`, value: `${p.id_number ?? ""} ${p.phone ?? ""}`, masked: true })));
}

// -- search, language, routing --------------------------------------------------------

let searchTimer = null;
$("search").addEventListener("input", () => {
  clearTimeout(searchTimer);
  searchTimer = setTimeout(async () => {
    const q = $("search").value.trim();
    const box = $("search-results");
    if (!q) { box.hidden = true; return; }
    const results = await api(`/api/v1/search?${new URLSearchParams({ q, limit: 12 })}`);
    box.replaceChildren(...(results.length ? results : [null]).map((r) => {
      const li = document.createElement("li");
      if (!r) { li.textContent = t("no_results"); return li; }
      li.tabIndex = 0;
      li.dataset.code = r.code;
      li.append(r.label, Object.assign(document.createElement("span"), { className: "kind", textContent: `${t(r.level || r.type)} ${r.code}` }));
      li.addEventListener("click", () => { box.hidden = true; go(r.type === "building" ? `#/building/${r.code}` : r.type === "grid" ? `#/grid/${r.code}` : `#/area/${r.code}`); });
      return li;
    }));
    box.hidden = false;
  }, 200);
});

function showLanguage() {
  applyLanguage(t);
  const chosen = $("indicator").value || "households";
  $("indicator").replaceChildren(...INDICATORS.map((k) => new Option(t(k), k, false, k === chosen)));
  showUser().catch((error) => console.warn(error.message));
}
onLanguageSwitch(() => { showLanguage(); route(); });
$("indicator").addEventListener("change", () => route());

function go(hash) { if (location.hash === hash) route(); else location.hash = hash; }

async function route() {
  const [, kind, code] = location.hash.split("/");
  document.body.dataset.loading = "true";
  try {
    if (kind === "building") await showBuilding(code);
    else if (kind === "household") await showHousehold(code);
    else if (kind === "grid") await showGrid(code);
    else if (kind === "area") await showArea(code);
    else {
      const roots = await api("/api/v1/areas");
      if (roots.length) await showArea(roots[0].code);
    }
  } catch (error) {
    heading(error.message, "", "");
  } finally {
    document.body.dataset.loading = "false";
  }
}

window.addEventListener("hashchange", route);
showLanguage();
map.on("load", route);
