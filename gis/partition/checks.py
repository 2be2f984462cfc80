"""The rule checks, over metric arrays: one implementation for every kind of plan.

:func:`check` takes grids and the building→grid assignment as arrays in each
community's metric CRS and returns the per-grid figures and the issues of the
communities asked for. :func:`gis.partition.validate.validate_plan` maps a plan
onto these arrays; the engine and the edits call :func:`check` directly.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
import shapely
from numpy.typing import NDArray

from gis.partition.inputs import Inputs
from gis.partition.model import Rules
from gis.partition.report import Issue

_SEGMENT_M = 10.0  # boundary is measured against barriers in pieces this long
_ON_EDGE_M = 0.01  # boundary this near the community's own boundary is not internal


@dataclass(frozen=True)
class Checked:
    """Per-grid figures (indexed by grid), issues by community, barrier lengths by community."""

    table: pd.DataFrame
    issues: dict[int, list[Issue]]
    barrier: dict[int, tuple[float, float]]


def check(
    inputs: Inputs,
    grid_comm: NDArray[np.int64],
    grid_code: NDArray[np.object_],
    grid_geom: NDArray[np.object_],
    building_grid: NDArray[np.int64],
    rules: Rules,
    barriers: tuple[NDArray[np.object_] | None, ...],
    comms: NDArray[np.int64],
) -> Checked:
    """Check the communities ``comms`` (indices into ``inputs``) against every rule."""
    grids = np.flatnonzero(np.isin(grid_comm, comms))
    table = _grid_table(inputs, grid_comm, grid_code, grid_geom, building_grid, grids)
    issues: dict[int, list[Issue]] = {int(c): [] for c in comms}

    def add(c: int, rule: int, severity: str, message: str, grid=None, building=None) -> None:
        code = inputs.codes[c]
        issues[int(c)].append(Issue(rule, severity, message, code, grid, building))

    _tiling(inputs, grid_comm, grid_code, grid_geom, grids, rules, add)
    _buildings(inputs, grid_comm, grid_code, grid_geom, building_grid, comms, rules, add)
    assigned = building_grid >= 0
    largest = np.zeros(len(grid_comm))
    np.maximum.at(largest, building_grid[assigned], inputs.households[assigned])
    _bounds(inputs, table, comms, rules, add, largest[grids])
    _connected(inputs, table, grid_geom, add)
    barrier = _barrier_lengths(inputs, grid_comm, grid_geom, grids, barriers, rules)
    return Checked(table, issues, barrier)


def _grid_table(inputs, grid_comm, grid_code, grid_geom, building_grid, grids) -> pd.DataFrame:
    n = len(grid_comm)
    assigned = building_grid >= 0
    hh = np.bincount(building_grid[assigned], inputs.households[assigned], minlength=n)
    count = np.bincount(building_grid[assigned], minlength=n)
    geoms = grid_geom[grids]
    area = shapely.area(geoms)
    perimeter = shapely.length(geoms)
    with np.errstate(divide="ignore", invalid="ignore"):
        pp = np.where(perimeter > 0, 4 * math.pi * area / perimeter**2, 0.0)
    return pd.DataFrame(
        {
            "code": grid_code[grids],
            "community": grid_comm[grids],
            "community_code": inputs.codes[grid_comm[grids]],
            "households": hh[grids].astype(np.int64),
            "buildings": count[grids],
            "area_m2": area,
            "polsby_popper": pp,
        },
        index=grids,
    )


def _tiling(inputs, grid_comm, grid_code, grid_geom, grids, rules, add) -> None:
    """Rule 1: per community, no gap, no overlap, nothing outside (beyond the tolerance)."""
    tol = rules.tolerance_m2
    homes = inputs.polygons[grid_comm[grids]]
    outside = shapely.area(shapely.difference(grid_geom[grids], homes))
    for g, out in zip(grids[outside > tol], outside[outside > tol], strict=True):
        add(grid_comm[g], 1, "violation", f"{out:.1f} m² lie outside the community", grid_code[g])
    order = np.argsort(grid_comm[grids], kind="stable")
    bounds = np.flatnonzero(np.r_[True, np.diff(grid_comm[grids][order]) != 0, True])
    spill = np.bincount(grid_comm[grids], outside, minlength=len(inputs.codes))
    for s, e in itertools.pairwise(bounds):
        members = grids[order[s:e]]
        c = int(grid_comm[members[0]])
        geoms = grid_geom[members]
        union = shapely.union_all(geoms)
        # gap = |C| - |C ∩ U| = |C| - |U| + |U - C|; the last term is ~0 unless grids spill out.
        gap = shapely.area(inputs.polygons[c]) - shapely.area(union) + spill[c]
        if spill[c] > tol:
            gap = shapely.area(shapely.difference(inputs.polygons[c], union))
        if gap > tol:
            add(c, 1, "violation", f"a gap of {gap:.1f} m² belongs to no grid")
        if shapely.area(geoms).sum() - shapely.area(union) > tol:
            _overlaps(members, grid_code, grid_geom, c, tol, add)


def _overlaps(members, grid_code, grid_geom, c, tol, add) -> None:
    geoms = grid_geom[members]
    i, j = shapely.STRtree(geoms).query(geoms, predicate="intersects")
    keep = i < j
    i, j = i[keep], j[keep]
    area = shapely.area(shapely.intersection(geoms[i], geoms[j]))
    for a, b, ov in zip(i[area > tol], j[area > tol], area[area > tol], strict=True):
        msg = f"overlaps grid {grid_code[members[b]]} by {ov:.1f} m²"
        add(c, 1, "violation", msg, grid_code[members[a]])


def _buildings(inputs, grid_comm, grid_code, grid_geom, building_grid, comms, rules, add) -> None:
    """Rule 2: each building of the communities sits in one grid of its community, uncut."""
    mine = np.flatnonzero(np.isin(inputs.building_comm, comms))
    g = building_grid[mine]
    for b in mine[g < 0]:
        add(inputs.building_comm[b], 2, "violation", "belongs to no grid", None, str(inputs.ids[b]))
    placed = mine[g >= 0]
    wrong = grid_comm[building_grid[placed]] != inputs.building_comm[placed]
    for b in placed[wrong]:
        grid = grid_code[building_grid[b]]
        msg = f"lies in community {inputs.codes[inputs.building_comm[b]]} but is in grid {grid}"
        add(inputs.building_comm[b], 2, "violation", msg, grid, str(inputs.ids[b]))
    placed = placed[~wrong]
    homes = grid_geom[building_grid[placed]]
    shapely.prepare(homes)
    foot = inputs.clipped[placed]
    cut = ~shapely.covers(homes, foot)
    b, foot, homes = placed[cut], foot[cut], homes[cut]
    out = shapely.area(foot) - shapely.area(shapely.intersection(foot, homes))
    point = shapely.area(foot) == 0
    bad = (out > rules.tolerance_m2) | point
    for i, m2 in zip(b[bad], out[bad], strict=True):
        grid = grid_code[building_grid[i]]
        msg = f"is cut by the boundary of grid {grid}: {m2:.1f} m² lie outside it"
        if shapely.area(inputs.clipped[i]) == 0:
            msg = f"lies outside its grid {grid}"
        add(inputs.building_comm[i], 2, "violation", msg, grid, str(inputs.ids[i]))


def floor_reason(households: float, area: float, rural: bool, rules: Rules) -> str | None:
    """Why the floor cannot hold in a community with this total, or None if it can."""
    lo, hi, amax = rules.min_households, rules.max_households, rules.max_area_m2
    fits_area = amax is None or area <= amax
    if rural and rules.rural_one_grid and households <= hi and fits_area:
        return "a rural community within the maximum is one grid"
    if households < lo:
        return f"the community holds {households:.0f} households, fewer than the minimum {lo}"
    k_lo = max(1, math.ceil(households / hi - 1e-9))
    k_area = math.ceil(area / amax - 1e-9) if amax else 1
    k_hi = math.floor(households / lo + 1e-9) if lo > 0 else math.inf
    if max(k_lo, k_area) <= k_hi:
        return None
    if k_area > k_lo:
        return f"the maximum area needs {k_area} grids, too many for {households:.0f} households"
    return f"{households:.0f} households cannot be split into grids of {lo}–{hi}"


def _bounds(inputs, table: pd.DataFrame, comms, rules, add, largest) -> None:
    """Rule 3: ceilings everywhere but oversized buildings (towers); floors where attainable.

    A tower's grid may also hold a leftover below the minimum that has no other
    neighbour (a house in the tower's yard): it could not be a grid of its own.
    """
    hi, lo, amax = rules.max_households, rules.min_households, rules.max_area_m2
    rest = table["households"].to_numpy() - largest
    tower = pd.Series((largest > hi) & (rest < lo), index=table.index)
    single = (table["buildings"] <= 1) | tower
    over = table["households"] > hi
    for i, row in table[over].iterrows():
        sev = "exception" if single[i] else "violation"
        why = ""
        if row.buildings == 1:
            why = "; it is one building"
        elif tower[i]:
            why = f"; one building of {largest[table.index.get_loc(i)]:.0f} with a leftover"
        msg = f"{row.households} households, above the maximum {hi}{why}"
        add(row.community, 3, sev, msg, row.code)
    if amax is not None:
        for _, row in table[table["area_m2"] > amax].iterrows():
            one = row.buildings <= 1
            why = "; it holds one building and cannot be split" if one else ""
            msg = f"{row.area_m2 / 1e6:.3f} km², above the maximum {amax / 1e6:g} km²{why}"
            add(row.community, 3, "exception" if one else "violation", msg, row.code)
    # Oversized buildings stand alone: the floor applies to what is left of the community.
    free = ~(over & single)
    by = table["community"]
    households = table["households"].where(free, 0).groupby(by).sum()
    taken = table["area_m2"].where(~free, 0.0).groupby(by).sum()
    count = by.value_counts()
    reasons = {}
    for c in comms:
        area = shapely.area(inputs.polygons[c]) - taken.get(c, 0.0)
        rural = bool(inputs.rural[c])
        reasons[c] = floor_reason(households.get(c, 0), area, rural, rules)
        if rural and reasons[c] and reasons[c].startswith("a rural") and count.get(c, 0) > 1:
            msg = f"a rural community within the maximum is one grid, not {count[c]}"
            add(c, 3, "violation", msg)
    for _, row in table[free & (table["households"] < lo)].iterrows():
        reason = reasons[row.community]
        msg = f"{row.households} households, below the minimum {lo}"
        sev = "violation" if reason is None else "exception"
        add(row.community, 3, sev, msg + ("" if reason is None else f"; {reason}"), row.code)


def _connected(inputs, table: pd.DataFrame, grid_geom, add) -> None:
    """Rule 4: one valid polygon per grid, unless its community is in several parts."""
    geoms = grid_geom[table.index.to_numpy()]
    parts = shapely.get_num_geometries(geoms)
    comm = table["community"].to_numpy()
    comm_parts = shapely.get_num_geometries(inputs.polygons[comm])
    valid = shapely.is_valid(geoms)
    for i in np.flatnonzero(~valid | shapely.is_empty(geoms)):
        reason = "empty" if shapely.is_empty(geoms[i]) else shapely.is_valid_reason(geoms[i])
        add(comm[i], 4, "violation", f"invalid geometry ({reason})", table["code"].iat[i])
    for i in np.flatnonzero(valid & (parts > 1) & (comm_parts == 1)):
        add(comm[i], 4, "violation", f"in {parts[i]} separate pieces", table["code"].iat[i])


def _barrier_lengths(inputs, grid_comm, grid_geom, grids, barriers, rules) -> dict:
    """Rule 5: internal boundary length, and the part of it near a barrier, per community."""
    if all(b is None for b in barriers) or len(grids) == 0:
        return {}
    rings = shapely.segmentize(shapely.boundary(grid_geom[grids]), _SEGMENT_M)
    xy, ring = shapely.get_coordinates(rings, return_index=True)
    same = ring[1:] == ring[:-1]
    a, b, owner = xy[:-1][same], xy[1:][same], grids[ring[:-1][same]]
    length = np.hypot(*(b - a).T)
    mid = shapely.points((a + b) / 2.0)
    comm = grid_comm[owner]
    edges = shapely.boundary(inputs.polygons)
    shapely.prepare(edges)
    internal = ~shapely.dwithin(edges[comm], mid, _ON_EDGE_M)
    near = np.zeros(len(mid), dtype=bool)
    for i, lines in enumerate(barriers):
        rows = np.flatnonzero((inputs.crs_of[comm] == i) & internal)
        if lines is None or rows.size == 0:
            continue
        hit, _ = shapely.STRtree(lines).query(
            mid[rows], predicate="dwithin", distance=rules.barrier_tolerance_m
        )
        near[rows[np.unique(hit)]] = True
    total = np.bincount(comm, length * internal, minlength=len(inputs.codes))
    on = np.bincount(comm, length * (internal & near), minlength=len(inputs.codes))
    return {int(c): (float(on[c]), float(total[c])) for c in np.unique(comm)}
