// In the incident's panel: the nearest grid workers on duty (GET /api/v1/incidents/{code}/
// workers), by road where the roads join them, else as the crow flies, each with a
// button that dispatches the incident to them: the workflow's own `dispatched` action
// (or `reassigned`, once dispatched) with the worker as assignee, so the server's table
// still decides whether it may happen now. None on duty: a link shows the offline too.
import { lang, locale, translator } from "/static/language.js";
import { api } from "/static/session.js";

const TEXT = {
  zh: { nearest: "附近网格员", dispatch: "派遣", reassign: "改派", road: "沿路", straight: "直线",
    available: "在岗", busy: "处置中", offline: "离线", none: "附近没有在岗网格员",
    show_offline: "显示离线网格员", loading: "加载中…", seen: "定位于" },
  en: { nearest: "Nearest grid workers", dispatch: "Dispatch", reassign: "Reassign",
    road: "by road", straight: "straight", available: "on duty", busy: "busy",
    offline: "offline", none: "No grid worker on duty nearby",
    show_offline: "Show offline workers", loading: "Loading…", seen: "seen" },
};
const t = translator(TEXT);
const el = (tag, className, text) => Object.assign(document.createElement(tag),
  { className, textContent: text ?? "" });

function distance(metres) {
  return metres < 1000 ? `${Math.round(metres)} m` : `${(metres / 1000).toFixed(1)} km`;
}

function clock(iso) {
  return iso ? new Date(iso).toLocaleTimeString(locale(), { hour12: false, hour: "2-digit", minute: "2-digit" }) : "–";
}

// The section for `incident` (its detail, with `allowed`); `onDispatched(updated)` after
// a dispatch made here, with the incident as the server answered it.
export function workerSection(incident, { onDispatched }) {
  const section = el("section", "workers");
  section.dataset.state = "loading";
  const list = el("ul", "worker-list");
  const says = el("p", "message");
  section.append(el("h3", "", t("nearest")), list, says);
  const action = ["dispatched", "reassigned"].find((to) => incident.allowed.some((a) => a.to === to));

  function row(worker) {
    const li = el("li", "worker");
    li.dataset.code = worker.code;
    li.dataset.status = worker.status;
    const who = el("span", "who", `${worker.name} · ${t(worker.status)}`);
    const how = el("span", "how", `${distance(worker.distance_m)} ${t(worker.method)} · ${t("seen")} ${clock(worker.last_seen_at)}`);
    li.append(who, el("br"), how);
    if (action && worker.code !== incident.assignee) {
      const button = Object.assign(el("button", "", t(action === "dispatched" ? "dispatch" : "reassign")), { type: "button" });
      button.addEventListener("click", () => dispatch(worker, button));
      li.append(" ", button);
    }
    return li;
  }

  async function dispatch(worker, button) {
    section.querySelectorAll("button").forEach((b) => { b.disabled = true; });
    try {
      const body = { to: action, assignee: worker.code, note: null };
      onDispatched(await api(`/api/v1/incidents/${incident.code}/transitions`, { method: "POST", body }));
    } catch (error) {
      says.textContent = error.message;
      section.querySelectorAll("button").forEach((b) => { b.disabled = false; });
      button.focus();
    }
  }

  async function load(includeOffline) {
    list.replaceChildren(el("li", "quiet", t("loading")));
    const query = new URLSearchParams({ limit: "5", include_offline: String(includeOffline) });
    const answer = await api(`/api/v1/incidents/${encodeURIComponent(incident.code)}/workers?${query}`);
    list.replaceChildren(...answer.workers.map(row));
    if (!answer.workers.length) {
      list.append(el("li", "quiet", t("none")));
      if (!includeOffline) {
        const more = Object.assign(el("button", "link", t("show_offline")), { type: "button" });
        more.addEventListener("click", () => load(true).catch(failed));
        const li = el("li");
        li.append(more);
        list.append(li);
      }
    }
    section.dataset.state = "ready";
  }

  function failed(error) {
    if (error.status === 403) section.hidden = true;  // a role without workers:read
    list.replaceChildren();
    says.textContent = error.status === 403 ? "" : error.message;
    section.dataset.state = "failed";
  }

  section.dataset.lang = lang;
  load(false).catch(failed);
  return section;
}
