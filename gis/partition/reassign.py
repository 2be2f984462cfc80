"""Put the buildings of one community in the grids a table names: the undo of a rebalance.

The planner page undoes a rebalance by sending each building of the community back to
the grid it was in. Grids are redrawn from their units: a unit goes to the grid of its
buildings (the one holding most households, if they disagree), a unit without
buildings (an empty cell, a yard) to the neighbouring grid it shares most boundary
with. Each building's grid is then exactly as sent; the empty cells may be drawn
differently from before. Locked grids keep their rows and must keep their buildings.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from gis.errors import GridLocked, InvalidInput
from gis.partition.assemble import Layout, build_plan, union_grids
from gis.partition.model import Plan, plan_state
from gis.partition.units import Units


def reassign(plan: Plan, community_code: str, buildings: Mapping[str, str], locked=()) -> Plan:
    """Place every building of community ``community_code`` in the grid ``buildings`` names."""
    state = plan_state(plan)
    inputs, units = state.inputs, state.units
    hit = np.flatnonzero(inputs.codes.astype(str) == str(community_code))
    if hit.size == 0:
        raise InvalidInput(f"no community {community_code!r} in this plan",
                           [{"field": "community", "message": "not in this plan"}])  # fmt: skip
    c = int(hit[0])
    mine = np.flatnonzero(inputs.building_comm == c)
    ids = inputs.ids[mine].astype(str)
    wanted = pd.Series(buildings, dtype=object).reindex(ids)
    problems = [{"field": f"buildings.{b}", "message": "missing: every building of the "
                 "community needs its grid"} for b in ids[wanted.isna().to_numpy()]]  # fmt: skip
    extra = sorted(set(buildings) - set(ids))
    problems += [{"field": f"buildings.{b}", "message": "not in this community"} for b in extra]
    bad = [g for g in set(buildings.values()) if not str(g).startswith(str(community_code))]
    problems += [{"field": "buildings", "message": f"{g!r} is not a grid code of "
                  f"community {community_code}"} for g in sorted(bad)]  # fmt: skip
    if problems:
        raise InvalidInput(
            f"{len(problems)} problem(s) with the buildings of community {community_code}: "
            + "; ".join(f"{p['field']}: {p['message']}" for p in problems[:5]),
            problems,
        )
    live = np.flatnonzero(state.grid_alive & (state.grid_comm == c))
    kept = live[np.isin(state.grid_code[live].astype(str), list(map(str, locked)))]
    kept_codes = {str(state.grid_code[g]): int(g) for g in kept}
    codes = sorted(set(map(str, wanted)) - set(kept_codes))
    n0 = len(state.grid_comm)
    index = {**kept_codes, **{code: n0 + i for i, code in enumerate(codes)}}
    target = wanted.map(index).to_numpy(dtype=np.int64)
    u0, u1 = units.unit_ptr[c], units.unit_ptr[c + 1]
    unit_grid = state.unit_grid.copy()
    unit_grid[u0:u1] = np.where(np.isin(unit_grid[u0:u1], kept), unit_grid[u0:u1], -1)
    held = np.where(units.building_unit[mine] >= 0, unit_grid[units.building_unit[mine]], -1)
    stuck = np.isin(held, kept) & (held != target)
    if stuck.any():
        names = sorted({str(state.grid_code[g]) for g in held[stuck]})
        raise GridLocked(f"grid {', '.join(names)} is locked: unlock it to move its buildings")
    _vote(unit_grid, units, mine, target, inputs.households[mine])
    unit_grid = fill_from_neighbours(units, unit_grid)
    k = len(codes)
    new = np.arange(n0, n0 + k)
    grid_comm = np.concatenate([state.grid_comm, np.full(k, c, dtype=np.int64)])
    grid_code = np.concatenate([state.grid_code, np.array(codes, dtype=object)])
    alive = np.concatenate([state.grid_alive, np.ones(k, dtype=bool)])
    alive[np.setdiff1d(live, kept)] = False
    geom = np.concatenate([state.grid_geom, np.empty(k, dtype=object)])
    geom[new] = union_grids(units, unit_grid, len(grid_comm), new)[new]
    alive[new] = [g is not None for g in geom[new]]
    layout = Layout(unit_grid, grid_code, grid_comm, geom, alive)
    notes = (f"community {community_code}: {len(mine)} building(s) placed as sent",)
    return build_plan(
        inputs, units, layout, plan.rules, state.barriers, plan.seed,
        previous=state, changed=np.array([c]), notes=notes,
    )  # fmt: skip


def _vote(unit_grid, units: Units, rows, target, households) -> None:
    """Each unit with buildings to the grid holding most of its households."""
    frame = pd.DataFrame({"u": units.building_unit[rows], "g": target, "h": households + 1e-6})[
        units.building_unit[rows] >= 0
    ]
    votes = frame.groupby(["u", "g"])["h"].sum().reset_index()
    top = votes.sort_values(["u", "h"], ascending=[True, False], kind="stable").drop_duplicates("u")
    open_ = unit_grid[top["u"].to_numpy()] < 0  # a locked grid's unit stays in it
    unit_grid[top["u"].to_numpy()[open_]] = top["g"].to_numpy()[open_]


def fill_from_neighbours(units: Units, unit_grid: np.ndarray) -> np.ndarray:
    """Units without a grid join the neighbour's grid they share most boundary with."""
    unit_grid = unit_grid.copy()
    graph = units.graph.tocoo()
    while (unit_grid < 0).any():
        edge = (unit_grid[graph.row] < 0) & (unit_grid[graph.col] >= 0)
        if not edge.any():
            break
        votes = pd.DataFrame(
            {"u": graph.row[edge], "g": unit_grid[graph.col[edge]], "w": graph.data[edge]}
        )
        best = votes.groupby(["u", "g"])["w"].sum().reset_index()
        best = best.sort_values(["u", "w"], ascending=[True, False]).drop_duplicates("u")
        unit_grid[best["u"].to_numpy()] = best["g"].to_numpy()
    return unit_grid
