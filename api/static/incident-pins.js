// Incidents as pins on the district map: one GeoJSON source the page fills from the API
// and the live stream, coloured by status or by urgency, overdue ones ringed in red, a
// new one pulsing for a few seconds, the one open in the panel marked.
import { clickable } from "/static/map.js";

export const COLOURS = {
  status: {
    reported: "#e8590c", accepted: "#f59f00", dispatched: "#1c7ed6", in_progress: "#7048e8",
    resolved: "#2f9e44", verified: "#0ca678", closed: "#868e96", rejected: "#495057",
  },
  urgency: { low: "#74c0fc", normal: "#1c7ed6", high: "#f08c00", critical: "#c92a2a" },
};
const OTHER = "#adb5bd";  // a value without a colour of its own
export const OVERDUE = "#c92a2a";
const FRESH_MS = 6000;  // how long a new incident stands out
const PULSE_MS = 1200;
const NOTHING = ["==", ["get", "code"], ""];

const radius = (small, large) => ["interpolate", ["linear"], ["zoom"], 9, small, 16, large];

function colourOf(key) {
  return ["match", ["get", key], ...Object.entries(COLOURS[key]).flat(), OTHER];
}

// The source and layers to put in the map's style (districtMap's `sources`, `overlays`).
export const PIN_SOURCES = {
  incidents: { type: "geojson", data: { type: "FeatureCollection", features: [] } },
};
export const PIN_LAYERS = [
  { id: "incidents-pulse", type: "circle", source: "incidents", filter: NOTHING,
    paint: { "circle-radius": 10, "circle-color": "rgba(0,0,0,0)", "circle-stroke-width": 3,
      "circle-stroke-color": colourOf("status") } },
  { id: "incidents", type: "circle", source: "incidents",
    paint: { "circle-radius": radius(4.5, 9), "circle-color": colourOf("status"),
      "circle-stroke-color": ["case", ["get", "overdue"], OVERDUE, "#ffffff"],
      "circle-stroke-width": ["case", ["get", "overdue"], 2.5, 1.2] } },
  { id: "incident-selected", type: "circle", source: "incidents", filter: NOTHING,
    paint: { "circle-radius": radius(9, 15), "circle-color": "rgba(0,0,0,0)",
      "circle-stroke-width": 3, "circle-stroke-color": "#0b3d5c" } },
];

function collection(incidents) {
  return {
    type: "FeatureCollection",
    features: incidents.map((i) => ({
      type: "Feature",
      geometry: { type: "Point", coordinates: [i.lon, i.lat] },
      properties: { code: i.code, status: i.status, urgency: i.urgency, overdue: i.overdue },
    })),
  };
}

// The pins of `map` (made with PIN_SOURCES and PIN_LAYERS); a click on one calls
// `onClick(code)`.
export function incidentPins(map, onClick) {
  const fresh = new Map();  // code → when it arrived
  let frame = null;
  clickable(map, "incidents", (feature) => onClick(feature.properties.code));

  function pulse(now) {
    for (const [code, since] of fresh) if (now - since > FRESH_MS) fresh.delete(code);
    if (!fresh.size) {
      map.setFilter("incidents-pulse", NOTHING);
      frame = null;
      return;
    }
    const phase = (now % PULSE_MS) / PULSE_MS;
    map.setFilter("incidents-pulse", ["in", ["get", "code"], ["literal", [...fresh.keys()]]]);
    map.setPaintProperty("incidents-pulse", "circle-radius", 8 + 22 * phase);
    map.setPaintProperty("incidents-pulse", "circle-stroke-opacity", 1 - phase);
    frame = requestAnimationFrame(pulse);
  }

  return {
    show(incidents) { map.getSource("incidents").setData(collection(incidents)); },
    colourBy(key) {
      map.setPaintProperty("incidents", "circle-color", colourOf(key));
      map.setPaintProperty("incidents-pulse", "circle-stroke-color", colourOf(key));
    },
    select(code) { map.setFilter("incident-selected", code ? ["==", ["get", "code"], code] : NOTHING); },
    standOut(code) {
      fresh.set(code, performance.now());
      frame ??= requestAnimationFrame(pulse);
    },
  };
}

// The legend's keys for colouring by `key`: [label, colour] pairs, overdue's ring last.
export function legendKeys(key, name, overdueLabel) {
  return [...Object.entries(COLOURS[key]).map(([value, colour]) => [name(key, value), colour]),
    [overdueLabel, OVERDUE, "ring"]];
}
