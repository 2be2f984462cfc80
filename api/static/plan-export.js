// Export of the open plan, as the page has it: its grids as GeoJSON and each building's
// grid as CSV (building_code,grid_code,households), files the browser saves; both import
// again (POST /api/v1/plans/import) as the same plan.
function save(name, type, text) {
  const a = document.createElement("a");
  a.href = URL.createObjectURL(new Blob([text], { type }));
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(a.href), 1000);
}

export function exportGrids(plan) {
  save(`plan-${plan.id}-v${plan.version}-grids.geojson`, "application/geo+json", JSON.stringify(plan.grids));
}

export function exportAssignment(plan, buildings) {
  const rows = buildings.features.map((f) => `${f.properties.code},${f.properties.grid},${f.properties.households}`);
  save(`plan-${plan.id}-v${plan.version}-buildings.csv`, "text/csv", ["building_code,grid_code,households", ...rows].join("\n") + "\n");
}
