// The command page's assessment (考核评估): the grids, communities, streets or workers of
// the chosen area ranked over a period, sortable by any column, each row with a small
// trend chart (uPlot, served by wangge) of its closure and overdue rates per day or week,
// and the CSV and Excel exports of the same table. Data from GET /api/v1/assessment and
// /api/v1/assessment/trend; the figures are defined in docs/assessment.md.
import { locale, translator } from "/static/language.js";
import { api } from "/static/session.js";
import uPlot from "/static/vendor/uPlot.esm.js";

const TEXT = {
  zh: {
    title: "考核评估", by: "考核对象", from: "自", to: "至", grid: "网格", community: "社区",
    street: "街道", worker: "网格员", rank: "名次", name: "名称", reported: "上报",
    closure_rate: "办结率", overdue_rate: "超期率", reopened_rate: "返工率",
    accept_median_h: "受理中位(时)", resolve_median_h: "处置中位(时)", resolve_p90_h: "处置P90(时)",
    satisfaction_mean: "满意度", satisfied_share: "满意率", patrol_hours: "巡查(时)",
    trend: "趋势", total: "合计", unplaced: "另有 {n} 件不属于任何{by}", loading: "计算中…",
    more_rows: "另有 {n} 行未显示", none: "此区域没有可考核的对象", close: "关闭",
    legend: "绿：办结率　红：超期率", csv: "导出 CSV", xlsx: "导出 Excel",
  },
  en: {
    title: "Assessment", by: "Assess", from: "From", to: "to", grid: "Grids",
    community: "Communities", street: "Streets", worker: "Workers", rank: "#", name: "Name",
    reported: "Reported", closure_rate: "Closed", overdue_rate: "Overdue",
    reopened_rate: "Reopened", accept_median_h: "Accept h (median)",
    resolve_median_h: "Resolve h (median)", resolve_p90_h: "Resolve h (p90)",
    satisfaction_mean: "Satisfaction", satisfied_share: "Satisfied", patrol_hours: "Patrol h",
    trend: "Trend", total: "Total", unplaced: "{n} more in no {by}", loading: "Computing…",
    more_rows: "{n} more rows not shown", none: "Nothing to assess in this area",
    close: "Close", legend: "green: closed, red: overdue", csv: "CSV", xlsx: "Excel",
  },
};
const t = translator(TEXT);
const BY = ["grid", "community", "street", "worker"];
// The columns: [key, kind]; a rate shows as a percentage, hours with one decimal.
const COLUMNS = [
  ["reported", "count"], ["closure_rate", "rate"], ["overdue_rate", "rate"],
  ["reopened_rate", "rate"], ["accept_median_h", "hours"], ["resolve_median_h", "hours"],
  ["resolve_p90_h", "hours"], ["satisfaction_mean", "score"], ["satisfied_share", "rate"],
  ["patrol_hours", "hours"],
];
// Which way is better, for the first click on a column: higher or lower first.
const LOWER_IS_BETTER = new Set(["overdue_rate", "reopened_rate", "accept_median_h",
  "resolve_median_h", "resolve_p90_h"]);
const MAX_ROWS = 300;  // sparklines for more rows than a screen holds only cost time
const DAY_MS = 86_400_000;

const el = (tag, className, text) => Object.assign(document.createElement(tag),
  { className: className ?? "", textContent: text ?? "" });

function shown(value, kind) {
  if (value === null || value === undefined) return "–";
  const n = Number(value);
  if (kind === "rate") return `${(n * 100).toFixed(1)}%`;
  if (kind === "hours" || kind === "score") return n.toLocaleString(locale(), { maximumFractionDigits: kind === "score" ? 2 : 1 });
  return n.toLocaleString(locale());
}

// A date input's value (YYYY-MM-DD) `days` from today, in the reader's own calendar.
function day(days) {
  const d = new Date(Date.now() + days * DAY_MS);
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}-${String(d.getDate()).padStart(2, "0")}`;
}

// The panel in `box` (an empty <section>); `area()` gives the page's chosen area code
// ("" for the reader's whole scope); `onClose()` is called when its × closes it.
export function assessmentPanel(box, { area, onClose }) {
  const state = { by: "community", from: day(-29), to: day(1), sort: "closure_rate", descending: true };
  let answer = null;  // the last GET /api/v1/assessment
  let series = new Map();  // unit code → its trend
  let starts = [];
  let charts = [];

  const head = el("div", "head");
  const title = el("h2");
  const by = el("select");
  by.name = "by";
  const from = Object.assign(el("input"), { type: "date", name: "from" });
  const to = Object.assign(el("input"), { type: "date", name: "to" });
  const csv = Object.assign(el("a", "export"), { download: "" });
  csv.dataset.format = "csv";
  const xlsx = Object.assign(el("a", "export"), { download: "" });
  xlsx.dataset.format = "xlsx";
  const close = Object.assign(el("button", "close", "×"), { type: "button" });
  const labels = [el("label"), el("label")];
  labels[0].append(el("span"), by);
  labels[1].append(el("span"), from, el("span", "dash"), to);
  head.append(title, ...labels, csv, xlsx, el("small", "legend"), close);
  const status = el("p", "status");
  const table = el("table");
  box.replaceChildren(head, status, el("div", "scroll"));
  box.querySelector(".scroll").append(table);

  by.addEventListener("change", () => { state.by = by.value; load(); });
  from.addEventListener("change", () => { state.from = from.value; load(); });
  to.addEventListener("change", () => { state.to = to.value; load(); });
  close.addEventListener("click", () => { hide(); onClose?.(); });

  function query() {
    const params = { from: state.from, to: state.to, by: state.by };
    if (area()) params.area = area();
    return new URLSearchParams(params);
  }

  function words() {
    title.textContent = t("title");
    labels[0].querySelector("span").textContent = t("by");
    labels[1].querySelector("span").textContent = t("from");
    labels[1].querySelector(".dash").textContent = t("to");
    by.replaceChildren(...BY.map((b) => Object.assign(el("option", "", t(b)), { value: b, selected: b === state.by })));
    from.value = state.from;
    to.value = state.to;
    csv.textContent = t("csv");
    xlsx.textContent = t("xlsx");
    close.setAttribute("aria-label", t("close"));
    head.querySelector(".legend").textContent = t("legend");
  }

  async function load() {
    const asked = query();
    csv.href = `/api/v1/assessment.csv?${asked}`;
    xlsx.href = `/api/v1/assessment.xlsx?${asked}`;
    status.textContent = t("loading");
    box.dataset.loading = "true";
    try {
      const figures = await api(`/api/v1/assessment?${asked}`);
      const trend = await api(`/api/v1/assessment/trend?${asked}`);
      if (asked.toString() !== query().toString()) return;  // asked again meanwhile
      answer = figures;
      box.dataset.by = figures.by;
      starts = trend.starts.map((s) => Date.parse(s) / 1000);
      series = new Map(trend.units.map((u) => [u.code, u]));
      draw();
    } catch (error) {
      status.textContent = error.message;
    } finally {
      box.dataset.loading = "false";
    }
  }

  function sortBy(key) {
    if (state.sort === key) state.descending = !state.descending;
    else { state.sort = key; state.descending = !LOWER_IS_BETTER.has(key); }
    draw();
  }

  // Units in the chosen order; a unit without the figure (nothing to divide) goes last.
  function ordered(units) {
    const key = state.sort;
    const sign = state.descending ? -1 : 1;
    return [...units].sort((a, b) => {
      const x = key === "name" ? a.name : a[key];
      const y = key === "name" ? b.name : b[key];
      if (x === null) return y === null ? 0 : 1;
      if (y === null) return -1;
      return (key === "name" ? String(x).localeCompare(String(y), locale()) : x - y) * sign || a.code.localeCompare(b.code);
    });
  }

  function header() {
    const tr = el("tr");
    const keys = [["rank", null], ["name", "text"], ...COLUMNS, ["trend", null]];
    for (const [key, kind] of keys) {
      const th = el("th", kind ?? "", t(key));
      th.dataset.key = key;
      if (kind) {
        th.classList.add("sortable");
        th.tabIndex = 0;
        th.addEventListener("click", () => sortBy(key));
        th.addEventListener("keydown", (e) => { if (e.key === "Enter") sortBy(key); });
        if (state.sort === key) th.setAttribute("aria-sort", state.descending ? "descending" : "ascending");
      }
      tr.append(th);
    }
    return tr;
  }

  function row(unit, rank) {
    const tr = el("tr");
    tr.dataset.code = unit.code;
    tr.append(el("td", "rank", String(rank)));
    const name = el("td", "name", unit.name);
    if (unit.parent_name) name.append(el("small", "", unit.parent_name));
    name.title = `${unit.code} · ${unit.parent_name ?? ""}`;
    tr.append(name);
    COLUMNS.forEach(([key, kind]) => {
      const td = el("td", kind, shown(unit[key], kind));
      td.dataset.key = key;
      tr.append(td);
    });
    const spark = el("td", "spark");
    tr.append(spark);
    return tr;
  }

  function totalRow(total) {
    const tr = el("tr", "total");
    tr.append(el("td"), el("td", "name", t("total")));
    COLUMNS.forEach(([key, kind]) => {
      const td = el("td", kind, shown(total[key], kind));
      td.dataset.key = key;
      tr.append(td);
    });
    tr.append(el("td"));
    return tr;
  }

  // The unit's closure and overdue rates per bucket, as one small chart.
  function sparkline(cell, code) {
    const trend = series.get(code);
    if (!trend || starts.length < 2) return;
    const options = {
      width: 120, height: 28, legend: { show: false }, cursor: { show: false },
      axes: [{ show: false }, { show: false }], select: { show: false },
      scales: { x: { time: false }, y: { range: [0, 1] } },
      series: [{}, { stroke: "#2b8a3e", width: 1.5, spanGaps: true }, { stroke: "#c92a2a", width: 1.5, spanGaps: true }],
    };
    charts.push(new uPlot(options, [starts, trend.closure_rate, trend.overdue_rate], cell));
  }

  function draw() {
    charts.forEach((chart) => chart.destroy());
    charts = [];
    if (!answer) return;
    const units = ordered(answer.units);
    const body = el("tbody");
    units.slice(0, MAX_ROWS).forEach((unit, i) => body.append(row(unit, i + 1)));
    const foot = el("tfoot");
    foot.append(totalRow(answer.total));
    const thead = el("thead");
    thead.append(header());
    table.replaceChildren(thead, body, foot);
    body.querySelectorAll("tr").forEach((tr) => sparkline(tr.querySelector(".spark"), tr.dataset.code));
    const notes = [];
    if (!units.length) notes.push(t("none"));
    if (units.length > MAX_ROWS) notes.push(t("more_rows").replace("{n}", units.length - MAX_ROWS));
    if (answer.unplaced) notes.push(t("unplaced").replace("{n}", answer.unplaced).replace("{by}", t(state.by)));
    status.textContent = notes.join(" · ");
  }

  function show() {
    box.hidden = false;
    words();
    return load();
  }

  function hide() {
    box.hidden = true;
    charts.forEach((chart) => chart.destroy());
    charts = [];
  }

  return {
    get open() { return !box.hidden; },
    show,
    hide,
    toggle() { return box.hidden ? show() : hide(); },
    // The page's area changed: the panel follows it when open.
    refresh() { return box.hidden ? undefined : load(); },
    language() { if (!box.hidden) { words(); draw(); } },
  };
}
