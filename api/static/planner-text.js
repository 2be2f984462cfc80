// The planner page's words in Chinese and English.
import { translator } from "/static/language.js";

const TEXT = {
  zh: {
    area: "区域", search: "搜索区域…", plan: "方案", min: "户数下限", max: "户数上限",
    generate: "生成草案", tool_click: "点选", tool_box: "框选", tool_lasso: "套索",
    tool_line: "画线拆分", to_grid: "移入网格", move: "移动", halves: "对半拆分", merge: "合并",
    undo: "撤销", redo: "重做", against: "对比", compare: "比较", publish: "发布",
    grids: "网格", rules: "规则", publish_confirm: "确认发布此方案？", cancel: "取消",
    none: "（无）", published: "已发布", draft: "草案", archived: "已归档",
    selected: "已选 {n} 栋楼（{h} 户）", pick_grid_first: "先点选一个网格",
    merge_pick: "合并：选中网格 {a}，再点选相邻网格", no_rules_broken: "没有违反规则",
    stale: "其他人已修改此方案（版本 {v}）：已重新载入，您的选择保留。变化：",
    nothing_changed: "网格未变", job_running: "正在生成草案…", job_done: "草案已生成",
    job_failed: "生成失败：", edited: "已修改", undone: "已撤销", redone: "已重做",
    moved: "换网格的楼栋", households_moved: "换网格的户数", added: "新增网格",
    removed: "取消网格", building: "楼栋", from: "原网格", to: "新网格",
    published_ok: "已发布", read_only: "已发布的方案不能修改：请生成或打开草案",
    rule_1: "覆盖", rule_2: "楼栋", rule_3: "户数范围", rule_4: "连通", rule_5: "障碍",
    hh: "户", export_grids: "导出网格 GeoJSON", export_csv: "导出楼栋 CSV",
    lock: "锁定/解锁网格", rebalance: "重新平衡社区", locked: "已锁定", unlocked: "未锁定",
    import: "导入方案", imported: "已导入为草案 #{id}", import_failed: "导入失败：",
  },
  en: {
    area: "Area", search: "Search areas…", plan: "Plan", min: "Min households", max: "Max households",
    generate: "Generate draft", tool_click: "Click", tool_box: "Box", tool_lasso: "Lasso",
    tool_line: "Split by line", to_grid: "Into grid", move: "Move", halves: "Split in halves",
    merge: "Merge", undo: "Undo", redo: "Redo", against: "Against", compare: "Compare",
    publish: "Publish", grids: "Grids", rules: "Rules", publish_confirm: "Publish this plan?",
    cancel: "Cancel", none: "(none)", published: "published", draft: "draft", archived: "archived",
    selected: "{n} buildings selected ({h} households)", pick_grid_first: "Click a grid first",
    merge_pick: "Merge: grid {a} chosen, now click a neighbouring grid",
    no_rules_broken: "No rule broken",
    stale: "Someone else changed this plan (version {v}): reloaded, your selection is kept. What changed:",
    nothing_changed: "no grid changed", job_running: "Generating the draft…",
    job_done: "Draft generated", job_failed: "Generation failed: ", edited: "Edited",
    undone: "Undone", redone: "Redone", moved: "Buildings changing grid",
    households_moved: "Households changing grid", added: "Grids added", removed: "Grids removed",
    building: "Building", from: "From", to: "To", published_ok: "Published",
    read_only: "A published plan cannot be edited: generate or open a draft",
    rule_1: "tiling", rule_2: "buildings", rule_3: "bounds", rule_4: "connected",
    rule_5: "barriers", hh: "hh", export_grids: "Export grids (GeoJSON)",
    export_csv: "Export buildings (CSV)",
    lock: "Lock / unlock grid", rebalance: "Rebalance community", locked: "locked",
    unlocked: "unlocked", import: "Import plan", imported: "Imported as draft #{id}",
    import_failed: "Import failed: ",
  },
};

const t = translator(TEXT);
export default t;

// `key`'s text with {name} filled from `values`.
export function fill(key, values) {
  return t(key).replace(/\{(\w+)\}/g, (_, k) => values[k]);
}
