// The command page's filters (the form #filters): area, category, status and time window;
// the list's query they make, whether an incident from the stream passes them, and the
// address that keeps them (#area=…&status=…), so a wall screen reopens as it was.
import { categoryName, t, term } from "/static/command-text.js";
import { OPEN } from "/static/incident-list.js";

// The API's statuses (IncidentSummary.status), in the workflow's order.
const STATUSES = ["reported", "accepted", "dispatched", "in_progress", "resolved", "verified",
  "closed", "rejected"];
const WINDOWS = { today: 0, h24: 24, d7: 24 * 7, d30: 24 * 30, any_time: null };  // hours back
const DEFAULTS = { area: "", category: "", status: "", window: "d7" };

const field = (name) => document.getElementById("filters").elements.namedItem(name);

// The filters as chosen: {area, category, status, window}.
export function chosen() {
  return Object.fromEntries(Object.keys(DEFAULTS).map((k) => [k, field(k).value]));
}

function since(window) {
  const hours = WINDOWS[window];
  if (hours === null || hours === undefined) return null;
  if (hours === 0) return new Date(new Date().setHours(0, 0, 0, 0));  // local midnight
  return new Date(Date.now() - hours * 3600_000);
}

// The statuses a status filter stands for ("open": every one still to be handled).
const statuses = (status) => (status === "open" ? OPEN : status ? [status] : []);

// The list's query: the chosen filters, the window as `since`.
export function query(filter, extra = {}) {
  const start = since(filter.window);
  const params = { area: filter.area, category: filter.category, since: start?.toISOString(), ...extra };
  const found = new URLSearchParams(Object.entries(params).filter(([, v]) => v));
  statuses(filter.status).forEach((s) => found.append("status", s));
  return found;
}

// Whether an incident the stream sent belongs on the page (area and category are the
// stream's own filters): overdue ones show whatever the window.
export function matches(incident, filter) {
  const start = since(filter.window);
  const wanted = statuses(filter.status);
  return (!filter.category || incident.category === filter.category)
    && (!wanted.length || wanted.includes(incident.status))
    && (!start || incident.overdue || new Date(incident.reported_at) >= start);
}

function fillSelect(name, options) {
  const select = field(name);
  const value = select.value;
  select.replaceChildren(...options.map(([v, label]) => new Option(label, v, false, v === value)));
}

// Fill the filters' options: the areas' tree, the catalogue, statuses, windows.
export function fillFilters(areas, categories) {
  fillSelect("status", [["", t("all_statuses")], ["open", t("open_statuses")],
    ...STATUSES.map((s) => [s, term("status", s)])]);
  fillSelect("window", Object.keys(WINDOWS).map((w) => [w, t(w)]));
  fillSelect("category", [["", t("all_categories")],
    ...categories.map((c) => [c.code, categoryName(c.code, c.name_zh)])]);
  const flat = [];
  const walk = (nodes, depth) => nodes.forEach((n) => { flat.push([n.code, `${"\u3000".repeat(depth)}${n.name}`]); walk(n.children, depth + 1); });
  walk(areas, 0);
  fillSelect("area", [["", t("all_areas")], ...flat]);
}

// Choose the filters the address names.
export function readAddress() {
  const given = new URLSearchParams(location.hash.slice(1));
  for (const [name, value] of Object.entries(DEFAULTS)) {
    const wanted = given.get(name) ?? value;
    if ([...field(name).options].some((o) => o.value === wanted)) field(name).value = wanted;
  }
}

// Put the chosen filters in the address (only those not at their defaults).
export function writeAddress(filter) {
  const changed = new URLSearchParams(Object.entries(filter).filter(([k, v]) => v !== DEFAULTS[k]));
  history.replaceState(null, "", changed.size ? `#${changed}` : location.pathname);
}
