// Grids nobody patrolled this week on the command map: the published grids with no
// worker position in the last 7 local days (GET /api/v1/workers/patrol/grids, `visited`
// false), hatched and outlined in red over the grids' own tile layer (map.js, filtered by
// grid code: the endpoint gives no geometry). A line in the legend counts them, with a
// checkbox that shows or hides the layer. A role without workers:read sees neither.
import { locale, translator } from "/static/language.js";
import { api } from "/static/session.js";

const TEXT = {
  zh: { unvisited: "本周无人巡查网格 {n}" },
  en: { unvisited: "{n} grids unvisited this week" },
};
const t = translator(TEXT);
const DAYS = 7;
const COLOUR = "#c92a2a";
const RELOAD_MS = 10 * 60_000;  // a week's patrol moves slowly
export const PATROL_LAYERS = ["patrol-unvisited-fill", "patrol-unvisited-line"];

// A small tile of diagonal red lines, for the hatch (fill-pattern).
function hatch(size = 8) {
  const canvas = Object.assign(document.createElement("canvas"), { width: size, height: size });
  const g = canvas.getContext("2d");
  g.strokeStyle = COLOUR;
  g.globalAlpha = 0.55;
  g.lineWidth = 1.5;
  g.beginPath();
  g.moveTo(0, size);
  g.lineTo(size, 0);
  g.moveTo(-size / 2, size / 2);
  g.lineTo(size / 2, -size / 2);
  g.moveTo(size / 2, size * 1.5);
  g.lineTo(size * 1.5, size / 2);
  g.stroke();
  return g.getImageData(0, 0, size, size);
}

// The unvisited grids' layer on `map` (loaded), its count and toggle in `line` (an element).
export function patrolLayer(map, line) {
  let codes = [];  // the unvisited grids' codes
  let allowed = true;
  let shown = true;
  let timer = null;
  const check = Object.assign(document.createElement("input"), { type: "checkbox", checked: true });
  const label = document.createElement("span");
  const toggle = document.createElement("label");
  toggle.append(check, " ", label);
  line.replaceChildren(toggle);
  check.addEventListener("change", () => { shown = check.checked; draw(); });

  map.addImage("patrol-hatch", hatch());
  const filter = () => ["in", ["get", "code"], ["literal", codes]];
  map.addLayer({ id: PATROL_LAYERS[0], type: "fill", source: "grids", "source-layer": "grids",
    filter: filter(), paint: { "fill-pattern": "patrol-hatch" } }, "communities-line");
  map.addLayer({ id: PATROL_LAYERS[1], type: "line", source: "grids", "source-layer": "grids",
    filter: filter(), paint: { "line-color": COLOUR, "line-width": 2.5 } }, "district-line");

  function draw() {
    for (const id of PATROL_LAYERS) {
      map.setFilter(id, filter());
      map.setLayoutProperty(id, "visibility", allowed && shown ? "visible" : "none");
    }
    label.textContent = t("unvisited").replace("{n}", codes.length.toLocaleString(locale()));
    line.dataset.count = String(codes.length);
    line.hidden = !allowed;
  }

  async function load(area) {
    try {
      const answer = await api(`/api/v1/workers/patrol/grids?${new URLSearchParams({ days: DAYS, ...(area ? { area } : {}) })}`);
      const found = [];
      answer.grids.forEach((grid) => { if (!grid.visited) found.push(grid.code); });
      codes = found;
      allowed = true;
    } catch (error) {
      if (error.status !== 403) throw error;
      codes = [];
      allowed = false;  // a role without workers:read
    }
    draw();
  }

  return {
    // Show the unvisited grids under `area` (a code, or "" for the user's whole scope).
    async start(area) {
      clearInterval(timer);
      await load(area);
      if (allowed) timer = setInterval(() => load(area).catch((e) => console.warn(e.message)), RELOAD_MS);
    },
    language: draw,
  };
}
