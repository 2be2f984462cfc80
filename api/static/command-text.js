// The command page's words in Chinese and English: labels, and the names of statuses,
// urgencies, sources and the transitions a button makes (by the status it leads to).
// A value the table lacks (a status added later) shows as itself.
import { lang, locale, translator } from "/static/language.js";

const TEXT = {
  zh: {
    area: "区域", category: "类别", status: "状态", window: "时间", all: "全部",
    all_areas: "全部区域", all_categories: "全部类别", all_statuses: "全部状态",
    open_statuses: "未结", today: "今天", h24: "24 小时", d7: "7 天", d30: "30 天",
    any_time: "不限", new_today: "今日新增", open: "未结", overdue: "逾期",
    closure_rate_week: "本周结案率", open_list: "未结与逾期事件", by_status: "按状态",
    by_urgency: "按紧急程度", overdue_ring: "逾期", live: "实时", reconnecting: "重连中",
    reported_at: "上报时间", deadline_at: "处置时限", level: "层级", source: "来源", location: "位置",
    assignee: "处置人", assigned_unit: "处置单位", description: "描述", timeline: "处置过程",
    actions: "操作", note: "备注", note_needed: "此操作需要填写备注", assignee_needed: "此操作需要填写处置人或单位",
    assignee_hint: "处置人或单位（改派时填写）",
    no_actions: "您当前无可执行的操作", new_incident: "新事件", more_rows: "另有 {n} 条未显示",
    none_open: "没有未结事件", no_permission: "您的角色不能查看事件",
    changed_meanwhile: "事件已被他人处理，请按当前状态操作",
    assessment: "考核",
    status_: {
      reported: "已上报", accepted: "已受理", dispatched: "已派遣", in_progress: "处置中",
      resolved: "已处置", verified: "已核查", closed: "已结案", rejected: "不予受理",
    },
    urgency_: { low: "低", normal: "一般", high: "紧急", critical: "特急" },
    source_: { grid_worker: "网格员", hotline: "热线", video: "视频", "110": "110", citizen: "群众" },
    action_: {
      reported: "上报", accepted: "受理立案", rejected: "不予受理", dispatched: "派遣",
      in_progress: "处置", resolved: "处置完成", verified: "核查", closed: "结案",
      returned: "退回", reopened: "重新办理", escalated: "上报上级", supervised: "督办",
      reassigned: "改派",
    },
    done_: {},  // the timeline's words: as the buttons' (action_)
    level_: { community: "社区", street: "街道", district: "区" },
  },
  en: {
    area: "Area", category: "Category", status: "Status", window: "Time", all: "All",
    all_areas: "All areas", all_categories: "All categories", all_statuses: "All statuses",
    open_statuses: "Open", today: "Today", h24: "24 hours", d7: "7 days", d30: "30 days",
    any_time: "Any time", new_today: "New today", open: "Open", overdue: "Overdue",
    closure_rate_week: "Closed this week", open_list: "Open and overdue", by_status: "Status",
    by_urgency: "Urgency", overdue_ring: "Overdue", live: "Live", reconnecting: "Reconnecting",
    reported_at: "Reported", deadline_at: "Deadline", level: "Level", source: "Source", location: "Where",
    assignee: "Assignee", assigned_unit: "Unit", description: "Description", timeline: "Timeline",
    actions: "Actions", note: "Note", note_needed: "This action needs a note",
    assignee_needed: "This action needs an assignee: a worker or a unit",
    assignee_hint: "Assignee or unit (to reassign)", no_actions: "Nothing you may do now",
    new_incident: "New incident", more_rows: "{n} more not shown", none_open: "No open incidents",
    no_permission: "Your role may not read incidents",
    changed_meanwhile: "Someone changed this incident meanwhile: act on its current status",
    assessment: "Assessment",
    status_: {
      reported: "reported", accepted: "accepted", dispatched: "dispatched",
      in_progress: "in progress", resolved: "resolved", verified: "verified", closed: "closed",
      rejected: "rejected",
    },
    urgency_: { low: "low", normal: "normal", high: "high", critical: "critical" },
    source_: { grid_worker: "grid worker", hotline: "hotline", video: "video", "110": "110",
      citizen: "citizen" },
    action_: {
      reported: "Report", accepted: "Accept", rejected: "Reject", dispatched: "Dispatch",
      in_progress: "Start work", resolved: "Resolve", verified: "Verify", closed: "Close",
      returned: "Return", reopened: "Reopen", escalated: "Escalate", supervised: "Supervise",
      reassigned: "Reassign",
    },
    done_: {
      reported: "Reported", accepted: "Accepted", rejected: "Rejected", dispatched: "Dispatched",
      in_progress: "Work started", resolved: "Resolved", verified: "Verified", closed: "Closed",
      returned: "Returned", reopened: "Reopened", escalated: "Escalated", supervised: "Supervised",
      reassigned: "Reassigned",
    },
    level_: { community: "community", street: "street", district: "district" },
  },
};

// The text of a label.
export const t = translator(TEXT);

// The name of `value` in a group: "status", "urgency", "source", "action" (a button),
// "done" (an action in the timeline) or "level".
export function term(group, value) {
  const name = t(`${group}_`)[value];
  return name ?? (group === "done" ? term("action", value) : value);
}

const categories = new Map();  // code → the catalogue's entry (name_zh, name_en)

// Remember the catalogue (GET /api/v1/incident-categories) for the names below.
export function knowCategories(catalogue) {
  catalogue.forEach((category) => categories.set(category.code, category));
}

// A category's name in the reader's language; `fallback` (the API's name) if unknown.
export function categoryName(code, fallback) {
  const known = categories.get(code);
  return (known && (lang === "zh" ? known.name_zh : known.name_en)) || fallback || code;
}

// A time (ISO 8601) as the reader writes it: "06-02 14:05", the year only when not this one.
export function when(iso) {
  if (!iso) return "";
  const date = new Date(iso);
  const year = date.getFullYear() === new Date().getFullYear() ? undefined : "numeric";
  return date.toLocaleString(locale(), { year, month: "2-digit", day: "2-digit",
    hour: "2-digit", minute: "2-digit", hour12: false });
}
