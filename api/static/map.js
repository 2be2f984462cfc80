// The map every page draws on: MapLibre GL with wangge's own style, from wangge's own
// vector tiles (/tiles/{layer}.json), with no external service, so it works offline.
// A page adds its layers into three slots of the base style (see districtMap).
import { toLogin } from "/static/session.js";

export const BACKGROUND = "#eef2f5";
const AREA_SOURCES = ["districts", "streets", "communities", "grids", "buildings"];

// The base style with the page's layers in their places:
//   fills     — over the district's white fill, under every boundary line (areas coloured)
//   marks     — over the buildings, under the district's outline (a chosen building)
//   overlays  — over everything (points such as incidents)
function style({ fills = [], marks = [], overlays = [] }) {
  return {
    version: 8,
    sources: Object.fromEntries(AREA_SOURCES.map(
      (name) => [name, { type: "vector", url: `${location.origin}/tiles/${name}.json` }])),
    layers: [
      { id: "background", type: "background", paint: { "background-color": BACKGROUND } },
      { id: "district-fill", type: "fill", source: "districts", "source-layer": "districts",
        paint: { "fill-color": "#ffffff" } },
      ...fills,
      { id: "communities-line", type: "line", source: "communities", "source-layer": "communities",
        minzoom: 11, paint: { "line-color": "#9aa5b1", "line-width": 0.6 } },
      { id: "streets-line", type: "line", source: "streets", "source-layer": "streets",
        paint: { "line-color": "#52606d", "line-width": 1.2 } },
      { id: "grids-line", type: "line", source: "grids", "source-layer": "grids",
        paint: { "line-color": "#0b6fa4", "line-width": 1, "line-dasharray": [2, 1] } },
      { id: "buildings-fill", type: "fill", source: "buildings", "source-layer": "buildings",
        minzoom: 14, paint: { "fill-color": ["interpolate", ["linear"], ["get", "households"],
          0, "#cbd2d9", 50, "#fe9929", 200, "#993404"], "fill-opacity": 0.85 } },
      ...marks,
      { id: "district-line", type: "line", source: "districts", "source-layer": "districts",
        paint: { "line-color": "#0b3d5c", "line-width": 2.5 } },
      ...overlays,
    ],
  };
}

// A map of the district in the element `container` (an id), with the page's layers
// (`fills`, `marks`, `overlays`) and `sources` (e.g. GeoJSON) beside wangge's tiles.
export function districtMap(container, { fills, marks, overlays, sources = {} } = {}) {
  const base = style({ fills, marks, overlays });
  const map = new maplibregl.Map({
    container,
    center: [121.4, 28.55],
    zoom: 9,
    attributionControl: false,
    style: { ...base, sources: { ...base.sources, ...sources } },
  });
  map.addControl(new maplibregl.NavigationControl({ showCompass: false }), "top-right");
  map.addControl(new maplibregl.ScaleControl(), "bottom-right");
  // A tile refused with 401: the session ended while the map was open.
  map.on("error", (e) => { if (e.error?.status === 401) toLogin(); else console.error(e.error); });
  return map;
}

// Clicks on `layer` call `then` with the feature clicked; the cursor says it is clickable.
export function clickable(map, layer, then) {
  map.on("click", layer, (e) => then(e.features[0]));
  map.on("mouseenter", layer, () => { map.getCanvas().style.cursor = "pointer"; });
  map.on("mouseleave", layer, () => { map.getCanvas().style.cursor = ""; });
}

// The box [minlon, minlat, maxlon, maxlat] around a list of [lon, lat] points.
export function boxAround(points) {
  const xs = points.map((p) => p[0]), ys = points.map((p) => p[1]);
  return [Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)];
}
