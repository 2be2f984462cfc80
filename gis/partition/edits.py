"""Hand edits: move buildings, split a grid, merge two grids; each returns a new plan.

An edit changes which grid some units belong to, redraws only the grids it
touched, and re-checks only their community, so an edit on a city-wide plan
costs what its community costs. The new plan's report lists every rule now
broken; its notes say what changed and the new household counts. Edits work
on units, so a building is never cut; a building whose footprint reaches into
a neighbour's cell moves together with that cell (the note names it).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

import geopandas as gpd
import numpy as np
import shapely
from numpy.typing import NDArray
from shapely.geometry.base import BaseGeometry

from gis.crs import to_wgs84
from gis.errors import InvalidInput
from gis.partition.assemble import Layout, build_plan, union_grids
from gis.partition.engine import community_seed
from gis.partition.graph import unit_households
from gis.partition.inputs import lookup
from gis.partition.model import Plan, PlanState, plan_state
from gis.partition.solver import solve_graph


def move_buildings(plan: Plan, building_ids: Iterable[object], grid_code: str) -> Plan:
    """Move buildings (by id) into grid ``grid_code`` of the same community."""
    state = plan_state(plan)
    g = _grid_index(state, grid_code)
    wanted = np.array([str(b) for b in building_ids])
    rows = lookup(state.inputs.ids.astype(str), wanted)
    if (rows < 0).any():
        missing = ", ".join(map(repr, wanted[rows < 0].tolist()))
        raise InvalidInput(f"no building {missing} in this plan")
    comm = state.inputs.building_comm[rows]
    wrong = rows[comm != state.grid_comm[g]]
    if wrong.size:
        names = ", ".join(repr(str(state.inputs.ids[b])) for b in wrong)
        raise InvalidInput(f"building {names} is not in community of grid {grid_code}")
    units = np.unique(state.units.building_unit[rows])
    unit_grid = state.unit_grid.copy()
    before = np.unique(unit_grid[units])
    unit_grid[units] = g
    along = np.setdiff1d(np.flatnonzero(np.isin(state.units.building_unit, units)), rows)
    notes = [f"moved {len(rows)} building(s) to grid {grid_code}"]
    if along.size:
        names = ", ".join(str(state.inputs.ids[b]) for b in along)
        notes.append(f"moved with them, as their footprints share cells: {names}")
    return _redraw(plan, state, unit_grid, np.union1d(before, [g]), notes)


def split_grid(plan: Plan, grid_code: str, line: BaseGeometry | None = None, *, crs=None) -> Plan:
    """Split a grid in two balanced halves, or along a drawn ``line`` (EPSG:4326 or ``crs``).

    A line splits the grid polygon; each unit goes to the side holding most of it,
    so the new boundary follows unit cells near the line and never cuts a building.
    """
    state = plan_state(plan)
    g = _grid_index(state, grid_code)
    members = np.flatnonzero(state.unit_grid == g)
    if members.size < 2:
        raise InvalidInput(f"grid {grid_code} is a single unit and cannot be split")
    if line is None:
        side = _halves(plan, state, g, members)
    else:
        side = _sides(state, g, members, _metric_line(state, g, line, crs))
    unit_grid = state.unit_grid.copy()
    parts = np.unique(side)
    if parts.size < 2:
        raise InvalidInput(f"the line leaves every building of grid {grid_code} on one side")
    new = np.arange(len(state.grid_comm), len(state.grid_comm) + parts.size - 1)
    codes = _next_codes(state, state.grid_comm[g], parts.size - 1)
    for part, index in zip(parts[1:], new, strict=True):
        unit_grid[members[side == part]] = index
    state = _extend(state, new, state.grid_comm[g], codes)
    notes = [f"split grid {grid_code} into {grid_code}, {', '.join(codes)}"]
    return _redraw(plan, state, unit_grid, np.r_[g, new], notes)


def merge_grids(plan: Plan, a: str, b: str) -> Plan:
    """Merge grid ``b`` into grid ``a`` (same community); ``b``'s code is retired."""
    state = plan_state(plan)
    ga, gb = _grid_index(state, a), _grid_index(state, b)
    if ga == gb:
        raise InvalidInput(f"cannot merge grid {a} with itself")
    if state.grid_comm[ga] != state.grid_comm[gb]:
        raise InvalidInput(f"grids {a} and {b} lie in different communities")
    unit_grid = state.unit_grid.copy()
    unit_grid[unit_grid == gb] = ga
    return _redraw(plan, state, unit_grid, np.array([ga, gb]), [f"merged grid {b} into {a}"])


def _redraw(plan: Plan, state: PlanState, unit_grid, touched: NDArray, notes: list[str]) -> Plan:
    """Redraw the ``touched`` grids from their units and re-check their community."""
    n = len(state.grid_comm)
    geom = state.grid_geom.copy()
    drawn = union_grids(state.units, unit_grid, n, touched)
    geom[touched] = drawn[touched]
    alive = state.grid_alive.copy()
    alive[touched] = np.array([x is not None for x in drawn[touched]])
    comm = np.unique(state.grid_comm[touched])
    layout = Layout(unit_grid, state.grid_code, state.grid_comm, geom, alive)
    context = (state.inputs, state.units, layout, plan.rules, state.barriers, plan.seed)
    plan2 = build_plan(*context, previous=state, changed=comm)
    counts = plan2.state.grid_table
    for g in touched:
        if alive[g]:
            notes.append(
                f"grid {state.grid_code[g]} now has {counts.loc[g, 'households']} households"
            )
        else:
            notes.append(f"grid {state.grid_code[g]} is gone")
    report = replace(plan2.report, notes=(*plan2.report.notes, *notes))
    return replace(plan2, report=report)


def _grid_index(state: PlanState, code: str) -> int:
    hit = np.flatnonzero((state.grid_code == str(code)) & state.grid_alive)
    if hit.size == 0:
        raise InvalidInput(f"no grid {code!r} in this plan")
    return int(hit[0])


def _halves(plan: Plan, state: PlanState, g: int, members: NDArray) -> NDArray[np.int64]:
    hh = unit_households(state.inputs, state.units)
    graph = state.units.graph[members][:, members]
    seed = community_seed(plan.seed, state.grid_code[g])
    areas = state.units.unit_area[members]
    try:
        return solve_graph(hh[members], graph, k=2, areas=areas, seed=seed)
    except ValueError as exc:  # a grid already in more than two pieces
        raise InvalidInput(f"grid {state.grid_code[g]} cannot be halved: {exc}") from exc


def _metric_line(state: PlanState, g: int, line: BaseGeometry, crs) -> BaseGeometry:
    series = (
        to_wgs84(gpd.GeoSeries([line], crs=crs), crs) if crs else gpd.GeoSeries([line], crs=4326)
    )
    target = state.inputs.crs[state.inputs.crs_of[state.grid_comm[g]]]
    return series.to_crs(target).iloc[0]


def _sides(state: PlanState, g: int, members: NDArray, line: BaseGeometry) -> NDArray[np.int64]:
    """Side of the line (0, 1, ...) holding most of each unit's area."""
    polygon = state.grid_geom[g]
    sides = shapely.get_parts(
        shapely.polygonize(shapely.get_parts(shapely.union_all([shapely.boundary(polygon), line])))
    )
    sides = sides[shapely.contains(polygon, shapely.point_on_surface(sides))]
    if len(sides) < 2:
        raise InvalidInput(f"the line does not cross grid {state.grid_code[g]}")
    pieces = np.flatnonzero(np.isin(state.units.piece_unit, members))
    p, s = shapely.STRtree(sides).query(state.units.pieces[pieces], predicate="intersects")
    share = shapely.area(shapely.intersection(state.units.pieces[pieces[p]], sides[s]))
    unit = state.units.piece_unit[pieces[p]]
    table = np.zeros((len(state.unit_grid), len(sides)))
    np.add.at(table, (unit, s), share)
    return np.argmax(table[members], axis=1).astype(np.int64)


def _next_codes(state: PlanState, comm: int, n: int) -> list[str]:
    code = state.inputs.codes[comm]
    taken = [int(c[len(code) :]) for c in state.grid_code[state.grid_comm == comm]]
    start = max(taken, default=0) + 1
    return [f"{code}{s:03d}" for s in range(start, start + n)]


def _extend(state: PlanState, new: NDArray, comm: int, codes: list[str]) -> PlanState:
    k = len(new)
    return replace(
        state,
        grid_code=np.concatenate([state.grid_code, np.array(codes, dtype=object)]),
        grid_comm=np.concatenate([state.grid_comm, np.full(k, comm, dtype=np.int64)]),
        grid_geom=np.concatenate([state.grid_geom, np.empty(k, dtype=object)]),
        grid_wgs=np.concatenate([state.grid_wgs, np.empty(k, dtype=object)]),
        grid_alive=np.concatenate([state.grid_alive, np.ones(k, dtype=bool)]),
    )
