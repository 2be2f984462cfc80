// The lists beside the map: the plan's grids (code, households, buildings; where each
// stands against the bounds, broken ones marked; a lock toggle on each) and the rules
// broken; clicking an entry chooses its grid.
import t from "/static/planner-text.js";
import { standing } from "/static/plan-layers.js";

export function listGrids(grids, bounds, broken, chosen, choose, lock) {
  const items = grids.features.map((f) => {
    const { code, households, buildings, locked } = f.properties;
    const li = document.createElement("li");
    li.dataset.code = code;
    li.dataset.state = standing(households, bounds);
    li.classList.toggle("broken", broken.has(code));
    li.classList.toggle("chosen", chosen.includes(code));
    li.innerHTML = `<button type="button" class="lock"></button><span class="code"></span><span class="n"></span>`;
    const toggle = li.querySelector(".lock");
    toggle.textContent = locked ? "\u{1F512}" : "\u{1F513}";
    toggle.title = t(locked ? "locked" : "unlocked");
    toggle.setAttribute("aria-pressed", Boolean(locked));
    toggle.addEventListener("click", (e) => { e.stopPropagation(); lock(code); });
    li.querySelector(".code").textContent = code;
    li.querySelector(".n").textContent = `${households} ${t("hh")} · ${buildings}`;
    li.addEventListener("click", () => choose(code));
    return li;
  });
  document.getElementById("grid-list").replaceChildren(...items);
}

export function listIssues(issues, choose) {
  const items = issues.map((i) => {
    const li = document.createElement("li");
    li.className = i.severity;
    li.dataset.grid = i.grid ?? "";
    li.textContent = `${t(`rule_${i.rule}`)}: ${i.message}`;
    li.addEventListener("click", () => i.grid && choose(i.grid));
    return li;
  });
  if (!issues.length) items.push(Object.assign(document.createElement("li"), { textContent: t("no_rules_broken") }));
  document.getElementById("issues").replaceChildren(...items);
}
