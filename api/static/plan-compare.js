// Comparing the open plan with another (GET /plans/{id}/diff?against=): the buildings that
// change grid marked on the map and a summary table; publishing after a confirmation
// that shows the summary against the published plan.
import { api } from "/static/session.js";
import t from "/static/planner-text.js";
import { drawBuildings } from "/static/plan-layers.js";

function summary(diff) {
  const rows = [[t("moved"), diff.buildings_moved], [t("households_moved"), diff.households_moved],
    [t("added"), diff.grids_added.join(", ") || "–"], [t("removed"), diff.grids_removed.join(", ") || "–"]];
  const table = document.createElement("table");
  table.className = "summary-table";
  for (const [k, v] of rows) table.insertRow().append(Object.assign(document.createElement("th"), { textContent: k }),
    Object.assign(document.createElement("td"), { textContent: v }));
  return table;
}

function moves(diff) {
  const table = document.createElement("table");
  table.className = "moves";
  const head = table.createTHead().insertRow();
  for (const k of ["building", "from", "to"]) head.append(Object.assign(document.createElement("th"), { textContent: t(k) }));
  for (const m of diff.moves.slice(0, 200)) {
    const row = table.insertRow();
    for (const v of [m.building, m.from_grid ?? "–", m.to_grid ?? "–"]) row.insertCell().textContent = v;
  }
  return table;
}

// Compare the open plan with plan `against`: the moved buildings purple, the tables beside.
export async function compare(map, state, against) {
  if (!against) return null;
  const diff = await api(`/api/v1/plans/${state.plan.id}/diff?against=${against}`);
  drawBuildings(map, state.buildings, new Set(diff.moves.map((m) => m.building)));
  const box = document.getElementById("diff");
  box.replaceChildren(Object.assign(document.createElement("h2"), { textContent: `${t("compare")} #${against}` }),
    summary(diff), moves(diff));
  box.hidden = false;
  return diff;
}

// Ask, with the summary against the published plan (if any), then publish.
export async function confirmPublish(map, state, then) {
  const dialog = document.getElementById("confirm");
  const published = state.plans.find((p) => p.status === "published" && p.id !== state.plan.id);
  const box = dialog.querySelector(".summary");
  box.replaceChildren(published ? summary(await compare(map, state, published.id)) : document.createTextNode("–"));
  dialog.returnValue = "";
  dialog.showModal();
  await new Promise((r) => dialog.addEventListener("close", r, { once: true }));
  if (dialog.returnValue !== "ok") return;
  await api(`/api/v1/plans/${state.plan.id}/publish`, { method: "POST" });
  await then();
}
