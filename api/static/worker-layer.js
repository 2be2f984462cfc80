// Grid workers on the command map: each one's last position, coloured by status
// (available, busy with a case, offline), from GET /api/v1/workers, moved live by the
// stream's `worker.position` events; a click shows who and when. A line under the legend
// counts them and names the last one heard from. A role without workers:read sees none.
import { locale, translator } from "/static/language.js";
import { clickable } from "/static/map.js";
import { api } from "/static/session.js";

const TEXT = {
  zh: { workers: "网格员", available: "在岗", busy: "处置中", offline: "离线",
    last: "最新", seen: "最后定位", cases: "在办事件" },
  en: { workers: "Grid workers", available: "on duty", busy: "busy", offline: "offline",
    last: "latest", seen: "Last seen", cases: "Open cases" },
};
const t = translator(TEXT);
export const WORKER_COLOURS = { available: "#2f9e44", busy: "#f08c00", offline: "#adb5bd" };
const RELOAD_MS = 60_000;  // statuses age with the clock (offline after 15 minutes)

const time = (iso) => (iso ? new Date(iso).toLocaleTimeString(locale(), { hour12: false }) : "–");

function feature(worker) {
  return {
    type: "Feature",
    geometry: { type: "Point", coordinates: [worker.lon, worker.lat] },
    properties: { code: worker.code, status: worker.status },
  };
}

// The workers' layer on `map` (loaded), its count line in `line` (an element).
export function workerLayer(map, line) {
  const workers = new Map();  // code → WorkerState
  let latest = null;  // the last worker a stream event moved
  let source = null;
  let timer = null;
  let allowed = true;
  map.addSource("workers", { type: "geojson", data: { type: "FeatureCollection", features: [] } });
  map.addLayer({ id: "workers", type: "circle", source: "workers",
    paint: { "circle-radius": ["interpolate", ["linear"], ["zoom"], 9, 3.5, 16, 7],
      "circle-color": ["match", ["get", "status"], ...Object.entries(WORKER_COLOURS).flat(), "#adb5bd"],
      "circle-stroke-color": "#0b3d5c", "circle-stroke-width": 1.5 } }, "incidents-pulse");
  clickable(map, "workers", (f) => {
    const w = workers.get(f.properties.code);
    if (!w) return;
    const box = document.createElement("div");
    box.className = "worker-popup";
    box.append(Object.assign(document.createElement("strong"), { textContent: `${w.name} ${w.code}` }),
      document.createElement("br"),
      `${t(w.status)} · ${w.grid ?? ""}`, document.createElement("br"),
      `${t("seen")} ${time(w.last_seen_at)} · ${t("cases")} ${w.open_cases}`);
    new maplibregl.Popup({ closeButton: false }).setLngLat([w.lon, w.lat]).setDOMContent(box).addTo(map);
  });

  function draw() {
    const shown = [...workers.values()].filter((w) => w.lon !== null);
    map.getSource("workers").setData({ type: "FeatureCollection", features: shown.map(feature) });
    const count = (s) => shown.filter((w) => w.status === s).length;
    const parts = ["available", "busy", "offline"].map((s) => `${count(s)} ${t(s)}`);
    line.textContent = `${t("workers")}: ${parts.join(" · ")}`
      + (latest ? ` · ${t("last")} ${latest.name} ${time(latest.last_seen_at)}` : "");
    line.hidden = !allowed;
  }

  async function load(area) {
    try {
      const answer = await api(`/api/v1/workers?${new URLSearchParams(area ? { area } : {})}`);
      workers.clear();
      answer.workers.forEach((w) => workers.set(w.code, w));
      allowed = true;
    } catch (error) {
      if (error.status !== 403) throw error;
      allowed = false;  // a role without workers:read: no layer, no stream
    }
    draw();
    return allowed;
  }

  function follow(area) {
    source?.close();
    source = new EventSource(`/api/v1/stream?${new URLSearchParams(area ? { area } : {})}`);
    source.addEventListener("worker.position", (message) => {
      const { worker } = JSON.parse(message.data);
      workers.set(worker.code, worker);
      latest = worker;
      draw();
    });
  }

  return {
    // Show the workers under `area` (a code, or "" for the user's whole scope), live.
    async start(area) {
      clearInterval(timer);
      source?.close();
      if (!(await load(area))) return;
      follow(area);
      timer = setInterval(() => load(area).catch((e) => console.warn(e.message)), RELOAD_MS);
    },
    language: draw,
  };
}
