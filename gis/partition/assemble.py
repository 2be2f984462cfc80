"""From unit labels to a :class:`Plan`: grid polygons, checks, tables and report.

Used by generation, re-partitioning and every edit, so a plan is always built
and validated the same way. Edits pass the previous state and the communities
they touched; only those are unioned, checked and reprojected again.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from numpy.typing import NDArray

from gis.partition.checks import check
from gis.partition.inputs import Inputs
from gis.partition.model import GRID_COLUMNS, Plan, PlanState, Rules
from gis.partition.report import summarise
from gis.partition.units import Units

_AREA_RTOL = 1e-9
_SLIVER_M2 = 1e-3


def union_grids(
    units: Units, unit_grid: NDArray[np.int64], n_grids: int, only: NDArray | None = None
) -> NDArray[np.object_]:
    """Each grid's polygon: the union of its pieces (only the grids in ``only`` if given)."""
    piece_grid = unit_grid[units.piece_unit]
    sel = np.flatnonzero(piece_grid >= 0 if only is None else np.isin(piece_grid, only))
    sel = sel[np.argsort(piece_grid[sel], kind="stable")]
    grids, starts = np.unique(piece_grid[sel], return_index=True)
    out = np.empty(n_grids, dtype=object)
    for g, chunk in zip(grids, np.split(sel, starts[1:]), strict=True):
        out[g] = union_pieces(units.pieces[chunk])
    return out


def union_pieces(pieces: NDArray[np.object_]) -> shapely.Geometry:
    """Union of cells that tile an area: the fast coverage union, checked, else a full union."""
    if len(pieces) == 1:
        return pieces[0]
    try:
        out = shapely.coverage_union_all(pieces)
    except shapely.errors.GEOSException:  # edges that meet at slightly different vertices
        return _without_slivers(shapely.union_all(pieces))
    expected = shapely.area(pieces).sum()
    if shapely.is_valid(out) and abs(shapely.area(out) - expected) <= _AREA_RTOL * expected:
        return out
    return _without_slivers(shapely.union_all(pieces))


def _without_slivers(geom: shapely.Geometry) -> shapely.Geometry:
    """Drop holes and parts of almost no area that near-coincident edges leave in a union.

    They are far below the validator's tolerance but turn invalid once reprojected.
    """
    parts = [p for p in shapely.get_parts(geom) if p.area >= _SLIVER_M2]
    parts = [
        shapely.Polygon(
            p.exterior, [r for r in p.interiors if shapely.Polygon(r).area >= _SLIVER_M2]
        )
        for p in parts
        if isinstance(p, shapely.Polygon)
    ]
    if not parts:
        return geom
    return parts[0] if len(parts) == 1 else shapely.MultiPolygon(parts)


@dataclass(frozen=True)
class Layout:
    """Which grid each unit is in, and the grid arrays (rows are never renumbered)."""

    unit_grid: NDArray[np.int64]
    code: NDArray[np.object_]
    comm: NDArray[np.int64]
    geom: NDArray[np.object_]
    alive: NDArray[np.bool_] | None = None
    wgs: NDArray[np.object_] | None = None  # the grids as stored, kept until redrawn


def build_plan(
    inputs: Inputs,
    units: Units,
    layout: Layout,
    rules: Rules,
    barriers: tuple,
    seed: int,
    *,
    previous: PlanState | None = None,
    changed: NDArray[np.int64] | None = None,
    scope: NDArray[np.int64] | None = None,
    notes: tuple[str, ...] = (),
) -> Plan:
    """Check the grids and wrap a plan.

    Checks the communities in ``scope`` (default all), or with ``previous``, only
    the ``changed`` ones, reusing the previous checks of the others. Only grids
    whose geometry is a new object are reprojected: a grid an edit left alone keeps
    its EPSG:4326 geometry object for object (so a locked grid is stored unchanged).
    """
    unit_grid = layout.unit_grid
    grid_code, grid_comm, grid_geom = layout.code, layout.comm, layout.geom
    n = len(grid_comm)
    alive = np.ones(n, dtype=bool) if layout.alive is None else layout.alive
    bu = units.building_unit
    building_grid = np.where(bu >= 0, unit_grid[np.maximum(bu, 0)], -1)
    comms = np.arange(len(inputs.codes)) if scope is None else np.asarray(scope)
    if previous is not None:
        comms = np.asarray(changed)
    live_comm = np.where(alive, grid_comm, -1)
    checked = check(inputs, live_comm, grid_code, grid_geom, building_grid, rules, barriers, comms)
    wgs = np.empty(n, dtype=object)
    redo = np.flatnonzero(np.isin(live_comm, comms))
    if previous is None:
        table, issues, barrier = checked.table, checked.issues, checked.barrier
        if layout.wgs is not None:
            wgs[:] = layout.wgs
            redo = redo[[wgs[g] is None for g in redo]]
    else:
        old = previous.grid_table
        table = pd.concat([old[~old["community"].isin(comms)], checked.table])
        issues = {**previous.issues_by_comm, **checked.issues}
        barrier = {k: v for k, v in previous.barrier.items() if k not in set(comms.tolist())}
        barrier.update(checked.barrier)
        m = len(previous.grid_wgs)
        wgs[:m] = previous.grid_wgs
        redo = redo[[g >= m or grid_geom[g] is not previous.grid_geom[g] for g in redo]]
    wgs[redo] = _to_wgs84(grid_geom[redo], inputs, grid_comm[redo])
    table = table.sort_values(["community", "code"], kind="stable")
    state = PlanState(
        inputs,
        units,
        unit_grid,
        grid_code,
        grid_comm,
        grid_geom,
        wgs,
        alive,
        barriers,
        table,
        issues,
        barrier,
    )
    return _plan(state, rules, seed, notes)


def _plan(state: PlanState, rules: Rules, seed: int, notes: tuple[str, ...]) -> Plan:
    inputs, table = state.inputs, state.grid_table
    grids = gpd.GeoDataFrame(
        table[GRID_COLUMNS].reset_index(drop=True),
        geometry=state.grid_wgs[table.index.to_numpy()],
        crs=4326,
    )
    bu = state.units.building_unit
    placed = np.flatnonzero(bu >= 0)
    placed = placed[state.unit_grid[bu[placed]] >= 0]
    g = state.unit_grid[bu[placed]]
    assignment = pd.DataFrame(
        {
            "building_id": pd.Series(inputs.ids[placed], dtype=object),
            "grid_code": pd.Series(state.grid_code[g], dtype=object),
            "community_code": pd.Series(inputs.codes[inputs.building_comm[placed]], dtype=object),
        }
    )
    ignored = int((inputs.building_comm < 0).sum())
    if ignored:
        notes = (*notes, f"{ignored} buildings lie outside every community and were ignored")
    barrier = None
    if any(b is not None for b in state.barriers):
        values = np.array(list(state.barrier.values()) or [(0.0, 0.0)])
        barrier = (float(values[:, 0].sum()), float(values[:, 1].sum()))
    issues = [i for c in sorted(state.issues_by_comm) for i in state.issues_by_comm[c]]
    report = summarise(
        table,
        issues,
        communities=len(inputs.codes),
        buildings=len(placed),
        barrier=barrier,
        notes=notes,
    )
    return Plan(grids, assignment, report, rules, seed, state)


def _to_wgs84(geoms: NDArray, inputs: Inputs, comm: NDArray[np.int64]) -> NDArray[np.object_]:
    out = np.empty(len(geoms), dtype=object)
    for i, crs in enumerate(inputs.crs):
        rows = inputs.crs_of[comm] == i
        if rows.any():
            out[rows] = gpd.GeoSeries(geoms[rows], crs=crs).to_crs(4326).to_numpy()
    return out
