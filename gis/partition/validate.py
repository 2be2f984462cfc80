"""One validator for every plan, generated, edited, or drawn elsewhere and loaded back.

:func:`validate_plan` trusts nothing cached in the plan: it re-reads the
communities and buildings, recounts households from the assignment, and checks
the grid geometry as given. :func:`plan_from_tables` turns such a plan (say,
from the database) back into one the edit functions can work on.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from numpy.typing import NDArray

from gis.crs import to_wgs84
from gis.partition.assemble import Layout, build_plan
from gis.partition.checks import check
from gis.partition.graph import unit_graph
from gis.partition.inputs import Columns, Inputs, lookup, prepare, prepare_barriers
from gis.partition.model import Plan, Rules
from gis.partition.report import Issue, Report, summarise


def validate_plan(
    plan: Plan,
    communities: gpd.GeoDataFrame,
    buildings: gpd.GeoDataFrame,
    rules: Rules | None = None,
    *,
    barriers: gpd.GeoDataFrame | gpd.GeoSeries | None = None,
    columns: Columns | None = None,
) -> Report:
    """Check ``plan`` against rules 1–6 for the communities its grids name.

    ``rules`` defaults to the plan's own. Buildings of other communities are
    ignored, as are communities without grids.
    """
    rules = rules or plan.rules
    inputs = prepare(communities, buildings, columns or Columns())
    lines = prepare_barriers(barriers, inputs)
    grid_comm, grid_code, grid_geom, building_grid, issues = _map_plan(plan, inputs)
    comms = np.unique(grid_comm[grid_comm >= 0])
    checked = check(inputs, grid_comm, grid_code, grid_geom, building_grid, rules, lines, comms)
    issues += [i for c in sorted(checked.issues) for i in checked.issues[c]]
    barrier = None
    if any(b is not None for b in lines):
        values = np.array(list(checked.barrier.values()) or [(0.0, 0.0)])
        barrier = (float(values[:, 0].sum()), float(values[:, 1].sum()))
    in_scope = int(np.isin(inputs.building_comm, comms).sum())
    return summarise(
        checked.table, issues, communities=len(comms), buildings=in_scope, barrier=barrier
    )


def plan_from_tables(
    grids: gpd.GeoDataFrame,
    assignment: pd.DataFrame,
    communities: gpd.GeoDataFrame,
    buildings: gpd.GeoDataFrame,
    rules: Rules,
    *,
    barriers: gpd.GeoDataFrame | gpd.GeoSeries | None = None,
    columns: Columns | None = None,
    seed: int = 0,
) -> Plan:
    """A plan the edit functions accept, from stored grids and assignment.

    Each unit goes to the grid of its buildings (the one holding most households
    if they disagree), a unit without buildings to the grid covering most of it.
    Grid geometry stays as given, object for object, until an edit redraws the grid
    from its units.
    """
    shell = Plan(grids, assignment, _empty_report(), rules, seed)
    inputs = prepare(communities, buildings, columns or Columns())
    lines = prepare_barriers(barriers, inputs)
    grid_comm, grid_code, grid_geom, building_grid, _ = _map_plan(shell, inputs)
    # in the process that reads the plan (an API request, maybe under the plan's row
    # lock): no pool of worker processes there
    units = unit_graph(inputs, lines, workers=1)
    unit_grid = _unit_grids(inputs, units, building_grid, grid_geom, grid_comm)
    alive = grid_comm >= 0
    wgs = (grids if grids.crs == 4326 else to_wgs84(grids)).geometry.to_numpy()
    layout = Layout(unit_grid, grid_code, np.maximum(grid_comm, 0), grid_geom, alive, wgs)
    scope = np.unique(grid_comm[alive])
    return build_plan(inputs, units, layout, rules, lines, seed, scope=scope)


def _map_plan(plan: Plan, inputs: Inputs) -> tuple:
    """Grid arrays in metric CRS, and each building's grid from the assignment (-1: none)."""
    issues: list[Issue] = []
    grids = to_wgs84(plan.grids)
    grid_code = grids["code"].astype(str).to_numpy(dtype=object)
    comm_code = grids["community_code"].astype(str).to_numpy()
    grid_comm = lookup(inputs.codes.astype(str), comm_code)
    for g in np.flatnonzero(grid_comm < 0):
        msg = f"names community {comm_code[g]!r}, which is not among the communities"
        issues.append(Issue(1, "violation", msg, comm_code[g], grid_code[g]))
    grid_geom = np.empty(len(grids), dtype=object)
    wgs = grids.geometry.to_numpy()
    for i, crs in enumerate(inputs.crs):
        rows = (grid_comm >= 0) & (inputs.crs_of[np.maximum(grid_comm, 0)] == i)
        grid_geom[rows] = gpd.GeoSeries(wgs[rows], crs=4326).to_crs(crs).to_numpy()
    grid_geom[grid_comm < 0] = shapely.Polygon()
    building_grid = np.full(len(inputs.ids), -1, dtype=np.int64)
    table = plan.assignment
    ids = table["building_id"].astype(str).to_numpy()
    b = lookup(inputs.ids.astype(str), ids)
    g = lookup(grid_code.astype(str), table["grid_code"].astype(str).to_numpy())
    for i in np.flatnonzero(b < 0):
        issues.append(Issue(2, "violation", "is not among the buildings", building=ids[i]))
    for i in np.flatnonzero((b >= 0) & (g < 0)):
        msg = f"is assigned to grid {table['grid_code'].iat[i]!r}, which is not in the plan"
        issues.append(Issue(2, "violation", msg, building=ids[i]))
    ok = (b >= 0) & (g >= 0)
    counts = np.bincount(b[ok], minlength=len(inputs.ids))
    for j in np.flatnonzero(counts > 1):
        msg = f"is assigned to {counts[j]} grids"
        issues.append(
            Issue(
                2, "violation", msg, inputs.codes[inputs.building_comm[j]], None, str(inputs.ids[j])
            )
        )
    first = np.unique(b[ok], return_index=True)[1]
    building_grid[b[ok][first]] = g[ok][first]
    return grid_comm, grid_code, grid_geom, building_grid, issues


def _unit_grids(inputs, units, building_grid, grid_geom, grid_comm) -> NDArray[np.int64]:
    n_units = len(units.unit_area)
    unit_grid = np.full(n_units, -1, dtype=np.int64)
    placed = (units.building_unit >= 0) & (building_grid >= 0)
    if placed.any():
        frame = pd.DataFrame(
            {
                "u": units.building_unit[placed],
                "g": building_grid[placed],
                "h": inputs.households[placed] + 1e-6,
            }
        )
        votes = frame.groupby(["u", "g"], sort=True)["h"].sum().reset_index()
        votes = votes.sort_values(["u", "h"], ascending=[True, False], kind="stable")
        top = votes.drop_duplicates("u")
        unit_grid[top["u"].to_numpy()] = top["g"].to_numpy()
    # Units without buildings: the grid of the same community covering most of the unit.
    rest = np.flatnonzero(unit_grid[units.piece_unit] < 0)
    if rest.size:
        p, g = shapely.STRtree(grid_geom).query(units.pieces[rest], predicate="intersects")
        piece_comm = np.searchsorted(units.unit_ptr, units.piece_unit[rest[p]], side="right") - 1
        same = grid_comm[g] == piece_comm
        p, g = p[same], g[same]
    if rest.size and p.size:  # (a plan without grid geometry leaves them to the caller)
        share = shapely.area(shapely.intersection(units.pieces[rest[p]], grid_geom[g]))
        order = np.lexsort((-share, units.piece_unit[rest[p]]))
        u = units.piece_unit[rest[p]][order]
        first = np.r_[True, u[1:] != u[:-1]]
        fill = unit_grid[u[first]] < 0
        unit_grid[u[first][fill]] = g[order][first][fill]
    return unit_grid


def _empty_report() -> Report:
    return Report(0, 0, 0, 0, 0, 0, 0.0, 0.0, 0.0, None)
