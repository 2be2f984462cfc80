// The plan on the map: its grids (GeoJSON, coloured below / within / above the household
// bounds, broken ones outlined red), a label with code and households on each (a lock
// before the code of a locked grid), and its buildings (selected ones blue, those a comparison moves purple).
import { boxAround } from "/static/map.js";

const EMPTY = { type: "FeatureCollection", features: [] };
const STATE_COLOUR = ["match", ["get", "state"], "below", "#f6c453", "above", "#e57373", "#8fd19e"];

export const sources = {
  "plan-grids": { type: "geojson", data: EMPTY, promoteId: "code" },
  "plan-buildings": { type: "geojson", data: EMPTY, promoteId: "code" },
};

export const fills = [
  { id: "plan-grid-fill", type: "fill", source: "plan-grids",
    paint: { "fill-color": STATE_COLOUR, "fill-opacity": 0.35 } },
];

export const marks = [
  { id: "plan-building-fill", type: "fill", source: "plan-buildings",
    paint: { "fill-color": ["case", ["boolean", ["feature-state", "selected"], false], "#1d4ed8",
      ["get", "moved"], "#7c3aed", "#52606d"], "fill-opacity": 0.8 } },
  { id: "plan-grid-line", type: "line", source: "plan-grids",
    paint: { "line-color": ["case", ["get", "broken"], "#c53030", "#0b3d5c"],
      "line-width": ["case", ["boolean", ["feature-state", "chosen"], false], 4,
        ["get", "broken"], 3, 1.5] } },
];

// Where a grid of `households` stands against the plan's bounds.
export function standing(households, bounds) {
  if (households < bounds.min) return "below";
  if (households > bounds.max) return "above";
  return "within";
}

// Draw the plan's grids with their standing and broken rules, and a label on each.
export function drawGrids(map, grids, bounds, brokenGrids, labels) {
  for (const f of grids.features) {
    f.properties.state = standing(f.properties.households, bounds);
    f.properties.broken = brokenGrids.has(f.properties.code);
  }
  map.getSource("plan-grids").setData(grids);
  labels.forEach((m) => m.remove());
  labels.length = 0;
  for (const f of grids.features) {
    const el = document.createElement("div");
    el.className = "grid-label";
    el.dataset.state = f.properties.state;
    el.dataset.code = f.properties.code;
    el.dataset.locked = Boolean(f.properties.locked);
    el.innerHTML = `${f.properties.locked ? "\u{1F512}" : ""}${f.properties.code.slice(-3)}<br>${f.properties.households}`;
    labels.push(new maplibregl.Marker({ element: el }).setLngLat(centre(f.geometry)).addTo(map));
  }
}

export function drawBuildings(map, buildings, moved = new Set()) {
  for (const f of buildings.features) f.properties.moved = moved.has(f.properties.code);
  map.getSource("plan-buildings").setData(buildings);
}

export function select(map, codes, on) {
  for (const code of codes) map.setFeatureState({ source: "plan-buildings", id: code }, { selected: on });
}

export function choose(map, code, on) {
  if (code) map.setFeatureState({ source: "plan-grids", id: code }, { chosen: on });
}

function ring(geometry) {
  return geometry.type === "Polygon" ? geometry.coordinates[0]
    : geometry.coordinates.reduce((a, p) => (p[0].length > a.length ? p[0] : a), []);
}

// A point to put a label at: the middle of the grid's (largest) outer ring's box.
export function centre(geometry) {
  const [x0, y0, x1, y1] = boxAround(ring(geometry));
  return [(x0 + x1) / 2, (y0 + y1) / 2];
}

export function boxOf(features) {
  return boxAround(features.flatMap((f) => ring(f.geometry)));
}

// Whether [x, y] is inside a polygon's outer ring (ray casting).
export function inside([x, y], polygon) {
  let hit = false;
  const r = polygon.coordinates[0];
  for (let i = 0, j = r.length - 1; i < r.length; j = i++) {
    const [xi, yi] = r[i], [xj, yj] = r[j];
    if ((yi > y) !== (yj > y) && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) hit = !hit;
  }
  return hit;
}
