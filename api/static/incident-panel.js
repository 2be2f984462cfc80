// The incident open over the map: what, where and when, its timeline, and a button for
// each transition the signed-in user may make now. The buttons come from the answer's
// `allowed`: what may follow what is the server's to say (gis.incidents.workflow), and a
// change someone made meanwhile (409) shows the incident as it is now.
import { cameraSection, stopStreams } from "/static/camera-player.js";
import { COLOURS } from "/static/incident-pins.js";
import { api } from "/static/session.js";
import { categoryName, t, term, when } from "/static/command-text.js";
import { workerSection } from "/static/worker-dispatch.js";

const el = (tag, className, text) => Object.assign(document.createElement(tag),
  { className, textContent: text ?? "" });

function facts(incident) {
  const rows = [
    ["reported_at", when(incident.reported_at)],
    ["deadline_at", when(incident.deadline_at)],
    ["source", term("source", incident.source)],
    ["location", [incident.community_name, incident.grid_code, incident.building_code]
      .filter(Boolean).join(" · ")],
    ["level", term("level", incident.level)],
    ["assignee", incident.assignee],
    ["assigned_unit", incident.assigned_unit],
  ];
  const dl = el("dl", "facts");
  for (const [key, value] of rows.filter(([, v]) => v)) dl.append(el("dt", "", t(key)), el("dd", "", value));
  return dl;
}

function timeline(entries) {
  const ol = el("ol", "timeline");
  entries.forEach((entry) => {
    const li = el("li");
    li.dataset.action = entry.action;
    const head = el("div", "head");
    head.append(el("strong", "", term("done", entry.action)), el("time", "", when(entry.at)));
    li.append(head);
    const change = entry.from_status && entry.from_status !== entry.to_status
      ? `${term("status", entry.from_status)} → ${term("status", entry.to_status)}` : "";
    const who = [entry.actor, change, entry.assignee && `→ ${entry.assignee}`].filter(Boolean);
    li.append(el("div", "who", who.join(" · ")));
    if (entry.note) li.append(el("p", "note", entry.note));
    ol.append(li);
  });
  return ol;
}

// The panel in `box` (#incident); `onChange(incident)` after a transition made here.
export function incidentPanel(box, { onChange, onClose }) {
  const body = box.querySelector(".body");
  let shown = null;  // the code shown, or being fetched

  function actions(incident, message) {
    const form = el("form", "actions");
    form.append(el("h3", "", t("actions")));
    if (!incident.allowed.length) form.append(el("p", "quiet", t("no_actions")));
    const note = Object.assign(el("textarea"), { name: "note", rows: 2, placeholder: t("note") });
    const assignee = Object.assign(el("input"), { name: "assignee", placeholder: t("assignee_hint") });
    const says = el("p", "message", message);
    const buttons = el("div", "buttons");
    incident.allowed.forEach((allowed) => {
      const button = Object.assign(el("button", "", term("action", allowed.to)), { type: "button" });
      button.dataset.to = allowed.to;
      button.addEventListener("click", () => act(incident, allowed, { note, assignee, says, buttons }));
      buttons.append(button);
    });
    if (incident.allowed.length) form.append(note);
    if (incident.allowed.some((a) => a.needs_assignee)) form.append(assignee);
    form.append(buttons, says);
    return form;
  }

  // Show `incident`; with `keep`, what was typed for it stays (a refresh, not an act).
  function show(incident, message = "", keep = false) {
    const typed = keep && box.dataset.code === incident.code
      ? [...body.querySelectorAll("textarea, input")].map((field) => [field.name, field.value]) : [];
    const title = el("div", "title");
    title.append(el("h2", "", categoryName(incident.category, incident.category_name)), el("span", "code", incident.code));
    const badges = el("div", "badges");
    const status = el("span", "status", term("status", incident.status));
    status.dataset.status = incident.status;
    status.style.setProperty("--colour", COLOURS.status[incident.status] ?? "");
    badges.append(status, el("span", `urgency ${incident.urgency}`, term("urgency", incident.urgency)));
    if (incident.overdue) badges.append(el("span", "badge", t("overdue")));
    body.replaceChildren(title, badges, el("p", "description", incident.description), facts(incident),
      cameraSection(incident.code),
      workerSection(incident, { onDispatched: (updated) => { show(updated); onChange(updated); } }),
      actions(incident, message), el("h3", "", t("timeline")),
      timeline(incident.timeline));
    for (const [name, value] of typed) {
      const field = body.querySelector(`[name=${name}]`);
      if (field) field.value = value;
    }
    box.dataset.code = incident.code;
    box.dataset.status = incident.status;
    box.hidden = false;
  }

  async function act(incident, allowed, { note, assignee, says, buttons }) {
    const text = note.value.trim();
    const who = assignee.value.trim();
    const missing = allowed.needs_note && !text ? [note, "note_needed"]
      : allowed.needs_assignee && !who ? [assignee, "assignee_needed"] : null;
    if (missing) {
      says.textContent = t(missing[1]);
      missing[0].focus();
      return;
    }
    const body = { to: allowed.to, note: text || null };
    if (allowed.needs_assignee) body.assignee = who;
    buttons.querySelectorAll("button").forEach((b) => { b.disabled = true; });
    try {
      const updated = await api(`/api/v1/incidents/${incident.code}/transitions`, { method: "POST", body });
      show(updated);
      onChange(updated);
    } catch (error) {
      if (error.status !== 409) {
        says.textContent = error.message;
        buttons.querySelectorAll("button").forEach((b) => { b.disabled = false; });
        return;
      }
      await open(incident.code, t("changed_meanwhile"));
    }
  }

  // Show the incident `code`, fetched now; `message` above its buttons; `keep` what was typed.
  async function open(code, message = "", keep = false) {
    shown = code;
    const incident = await api(`/api/v1/incidents/${code}`);
    if (shown !== code) return;  // another was opened meanwhile
    show(incident, message, keep);
    onChange(incident);
  }

  function close() {
    shown = null;
    stopStreams();
    box.hidden = true;
    onClose();
  }
  box.querySelector(".close").addEventListener("click", close);

  return {
    open,
    close,
    get code() { return shown; },
    // The incident changed elsewhere (the stream): show it as it is now, if shown.
    async refresh(code) { if (code && code === shown) await open(code, "", true); },
  };
}
