// The list beside the map: the open incidents shown, overdue first (and marked), then
// the most urgent, then the newest; one that just arrived stays on top for a few seconds.
// A click on a row opens the incident.
import { COLOURS } from "/static/incident-pins.js";
import { categoryName, t, term, when } from "/static/command-text.js";

// Still to be handled (gis.incidents.workflow.OPEN): running against their deadline.
export const OPEN = ["reported", "accepted", "dispatched", "in_progress"];
const URGENCY_ORDER = ["critical", "high", "normal", "low"];
const MAX_ROWS = 300;  // a wall shows far fewer; the rest is one line

export const isOpen = (incident) => OPEN.includes(incident.status);

// New ones on top while they stand out, then overdue, most urgent, newest.
const order = (fresh) => (a, b) => (fresh.has(b.code) - fresh.has(a.code))
  || compare(a, b);

function compare(a, b) {
  return (b.overdue - a.overdue)
    || (URGENCY_ORDER.indexOf(a.urgency) - URGENCY_ORDER.indexOf(b.urgency))
    || (Date.parse(b.reported_at) - Date.parse(a.reported_at));
}

const el = (tag, className, text) => Object.assign(document.createElement(tag),
  { className, textContent: text ?? "" });

function row(incident, { colourBy, fresh, selected, onClick }) {
  const li = el("li", "row");
  li.dataset.code = incident.code;
  li.dataset.status = incident.status;
  li.classList.toggle("overdue", incident.overdue);
  li.classList.toggle("fresh", fresh.has(incident.code));
  li.classList.toggle("selected", incident.code === selected);
  const swatch = el("span", "swatch");
  swatch.style.background = COLOURS[colourBy][incident[colourBy]] ?? "";
  const what = el("span", "what");
  what.append(el("strong", "", categoryName(incident.category, incident.category_name)),
    el("small", "", `${incident.community_name ?? ""} · ${incident.code}`));
  const side = el("span", "side");
  const status = el("span", "status", term("status", incident.status));
  status.style.setProperty("--colour", COLOURS.status[incident.status] ?? "");
  side.append(status, el("span", "time", when(incident.reported_at)));
  if (incident.overdue) side.append(el("span", "badge", t("overdue")));
  li.append(swatch, what, side);
  li.addEventListener("click", () => onClick(incident.code));
  return li;
}

// Fill `ul` with the open ones of `incidents`, each marked in the colour of its status or
// urgency (`colourBy`, as the map); `fresh` (a Set) are new, `selected` is open.
export function showList(ul, incidents, options) {
  const open = incidents.filter(isOpen).sort(order(options.fresh));
  const rows = open.slice(0, MAX_ROWS).map((i) => row(i, options));
  if (open.length > MAX_ROWS) {
    rows.push(el("li", "more", t("more_rows").replace("{n}", open.length - MAX_ROWS)));
  }
  if (!open.length) rows.push(el("li", "empty", t("none_open")));
  ul.replaceChildren(...rows);
  return open.length;
}
