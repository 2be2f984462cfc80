"""Locked grids: an edit may not change one, and a rebalance works around them.

A planner locks the grids that are right as they are (a grid worker knows them, a
boundary was agreed with a neighbour) and rebalances the rest of the community: the
engine runs again, with the plan's rules and the same solver as generation, on the
units of the unlocked grids only. Each locked grid keeps its units, its geometry
object and its code, so it is stored byte for byte as before.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from gis.errors import GridLocked, InvalidInput
from gis.partition.assemble import Layout, build_plan, union_grids
from gis.partition.engine import absorb_leftovers, community_seed
from gis.partition.graph import community_graph, unit_households
from gis.partition.model import Plan, PlanState, plan_state
from gis.partition.solver import solve_symmetric

# A rebalance solves one community in the request: bounded so that it stays short.
MAX_REBALANCE_UNITS = 2_000


def rebalance(plan: Plan, community_code: str, locked: Iterable[str] = ()) -> Plan:
    """Partition the unlocked grids of one community again; locked grids stay as they are.

    The new grids take the codes of the grids they replace first (in order), then the
    community's next free codes, so a rebalance that keeps the number of grids keeps
    the codes too.
    """
    state = plan_state(plan)
    c = _community(state, community_code)
    live = np.flatnonzero(state.grid_alive & (state.grid_comm == c))
    kept = live[np.isin(state.grid_code[live].astype(str), list(map(str, locked)))]
    freed = np.setdiff1d(live, kept)
    if freed.size == 0:
        raise InvalidInput(
            f"every grid of community {community_code} is locked: unlock one to rebalance",
            [{"field": "community", "message": "no unlocked grid"}],
        )
    u0, u1 = state.units.unit_ptr[c], state.units.unit_ptr[c + 1]
    local = np.flatnonzero(~np.isin(state.unit_grid[u0:u1], kept))
    if local.size > MAX_REBALANCE_UNITS:
        raise InvalidInput(
            f"community {community_code} has {local.size:,} unlocked units, more than a "
            f"rebalance takes ({MAX_REBALANCE_UNITS:,}): lock more grids or generate a draft",
            [{"field": "community", "message": "too many unlocked units"}],
        )
    labels = _solve(plan, state, c, local)
    return _assemble(plan, state, c, u0 + local, labels, kept, freed)


def changed_locked(before: Plan, after: Plan, locked: Iterable[str]) -> list[str]:
    """The locked grids of ``before`` that ``after`` changed (units, geometry) or removed."""
    b, a = plan_state(before), plan_state(after)
    changed = []
    for code in sorted(map(str, locked)):
        hit = np.flatnonzero((b.grid_code.astype(str) == code) & b.grid_alive)
        if hit.size == 0:
            continue
        g = int(hit[0])
        same = (
            g < len(a.grid_alive)
            and a.grid_alive[g]
            and a.grid_geom[g] is b.grid_geom[g]
            and np.array_equal(a.unit_grid == g, b.unit_grid == g)
        )
        if not same:
            changed.append(code)
    return changed


def keep_locked(before: Plan, after: Plan, locked: Iterable[str]) -> None:
    """Refuse an edit that changes a locked grid (:class:`GridLocked`, naming each)."""
    changed = changed_locked(before, after, locked)
    if changed:
        raise GridLocked(
            f"grid {', '.join(changed)} is locked: unlock it to change it "
            "(a rebalance leaves locked grids as they are)"
        )


def _community(state: PlanState, code: str) -> int:
    hit = np.flatnonzero(state.inputs.codes.astype(str) == str(code))
    if hit.size == 0 or not (state.grid_alive & (state.grid_comm == hit[0])).any():
        raise InvalidInput(
            f"no community {code!r} with grids in this plan",
            [{"field": "community", "message": "not in this plan"}],
        )
    return int(hit[0])


def _solve(plan: Plan, state: PlanState, c: int, local: np.ndarray) -> np.ndarray:
    """The engine's solve of one community, on the units in ``local`` (community-relative)."""
    rules, units = plan.rules, state.units
    u0 = units.unit_ptr[c]
    w = unit_households(state.inputs, units)[u0 + local]
    area = units.unit_area[u0 + local]
    graph = community_graph(units, c)[local][:, local].tocsr()
    graph.sort_indices()
    if local.size <= 1:
        return np.zeros(local.size, dtype=np.int64)
    labels = solve_symmetric(
        w, graph, k=None, bounds=(rules.min_households, rules.max_households),
        target=rules.target, areas=area, max_area=rules.max_area_m2,
        seed=community_seed(plan.seed, str(state.inputs.codes[c])),
    )  # fmt: skip
    return absorb_leftovers(labels, w, area, graph, rules)


def _assemble(plan, state, c, members, labels, kept, freed) -> Plan:
    """The plan with ``freed`` grids retired and the new ones drawn; ``kept`` untouched."""
    k = int(labels.max()) + 1
    n0 = len(state.grid_comm)
    new = np.arange(n0, n0 + k)
    codes = sorted(map(str, state.grid_code[freed]))[:k]
    codes += _next_codes(state, c, k - len(codes))
    unit_grid = state.unit_grid.copy()
    unit_grid[members] = labels + n0
    grid_comm = np.concatenate([state.grid_comm, np.full(k, c, dtype=np.int64)])
    grid_code = np.concatenate([state.grid_code, np.array(codes, dtype=object)])
    alive = np.concatenate([state.grid_alive, np.ones(k, dtype=bool)])
    alive[freed] = False
    geom = np.concatenate([state.grid_geom, np.empty(k, dtype=object)])
    geom[new] = union_grids(state.units, unit_grid, len(grid_comm), new)[new]
    layout = Layout(unit_grid, grid_code, grid_comm, geom, alive)
    kept_codes = ", ".join(sorted(map(str, state.grid_code[kept]))) or "none"
    notes = (
        f"rebalanced community {state.inputs.codes[c]}: {len(freed)} grid(s) redrawn as "
        f"{k} ({', '.join(codes)}); locked and kept: {kept_codes}",
    )
    return build_plan(
        state.inputs, state.units, layout, plan.rules, state.barriers, plan.seed,
        previous=state, changed=np.array([c]), notes=notes,
    )  # fmt: skip


def _next_codes(state: PlanState, c: int, n: int) -> list[str]:
    code = str(state.inputs.codes[c])
    taken = [int(str(g)[len(code) :]) for g in state.grid_code[state.grid_comm == c]]
    start = max(taken, default=0) + 1
    return [f"{code}{s:03d}" for s in range(start, start + n)]
