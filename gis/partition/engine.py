"""Generate grid plans: the geometry adapter over :func:`gis.partition.solver.solve_graph`.

``partition`` is a short pipeline: check and project the inputs, build units
and their graph, solve each community on its own, union units into grids, and
validate the result with the same checks a hand-edited plan goes through.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Iterable

import geopandas as gpd
import numpy as np
from numpy.typing import NDArray

from gis.errors import InvalidInput
from gis.partition.assemble import Layout, build_plan, union_grids
from gis.partition.exact import MAX_UNITS
from gis.partition.graph import community_graph, unit_graph, unit_households
from gis.partition.inputs import Columns, Inputs, prepare, prepare_barriers, repair_footprints
from gis.partition.model import Plan, Rules, plan_state
from gis.partition.solver import solve_symmetric

Progress = Callable[[int, int], None]


def partition(
    communities: gpd.GeoDataFrame,
    buildings: gpd.GeoDataFrame,
    *,
    min_households: int = Rules.min_households,
    max_households: int = Rules.max_households,
    target: float | None = None,
    max_area_km2: float | None = None,
    barriers: gpd.GeoDataFrame | gpd.GeoSeries | None = None,
    seed: int = 0,
    progress: Progress | None = None,
    rural_one_grid: bool = True,
    columns: Columns | None = None,
    repair: bool = False,
    workers: int | None = None,
) -> Plan:
    """Divide every community into grids of ``min_households``..``max_households``.

    Parameters
    ----------
    communities : polygons with an id (``columns.community_id``, default ``code``)
        and optionally ``kind`` (urban/rural). An area table is accepted: rows
        whose ``level`` is not ``community`` are dropped. Any CRS; unlabelled
        means EPSG:4326.
    buildings : footprints (or points) with an id and a household count; each
        belongs to the community holding most of it, and those outside every
        community are ignored (the report says how many).
    target : preferred households per grid (default: the middle of the bounds).
    max_area_km2 : largest grid area.
    barriers : lines (roads, rivers, railways) grid boundaries should follow.
    seed : the same inputs and seed give the same plan.
    progress : called as ``progress(done, total)`` after each community.
    rural_one_grid : a rural community within the maxima becomes one grid.
    repair : make invalid footprints valid instead of refusing their rows.
    workers : processes building the units of more than one chunk of communities
        (``gis.partition.chunks``; None: one per core). The plan does not depend on it.

    Raises
    ------
    InvalidInput
        For bad rules or rows, naming source, row and field of each problem.

    Examples
    --------
    >>> from shapely.geometry import box
    >>> c = gpd.GeoDataFrame({"code": ["C1"]}, geometry=[box(0, 0, 300, 200)], crs=32650)
    >>> pts = gpd.points_from_xy([50, 150, 250] * 2, [50] * 3 + [150] * 3)
    >>> b = gpd.GeoDataFrame({"code": list("abcdef"), "households": [100] * 6}, geometry=pts,
    ...                      crs=32650)
    >>> plan = partition(c, b, min_households=200, max_households=300)
    >>> plan.grids["households"].tolist(), plan.report.ok
    ([300, 300], True)
    """
    rules = Rules(min_households, max_households, target, max_area_km2, rural_one_grid)
    if repair:
        buildings = repair_footprints(buildings)
    inputs = prepare(communities, buildings, columns or Columns())
    lines = prepare_barriers(barriers, inputs)
    return generate(inputs, rules, lines, seed=seed, progress=progress, workers=workers)


def generate(
    inputs: Inputs,
    rules: Rules,
    barriers: tuple[NDArray[np.object_] | None, ...],
    *,
    seed: int = 0,
    progress: Progress | None = None,
    workers: int | None = None,
) -> Plan:
    """Partition prepared inputs (see :func:`gis.partition.inputs.prepare`)."""
    units = unit_graph(inputs, barriers, workers=workers)
    unit_grid, grid_comm, notes = _solve_all(inputs, units, rules, seed, progress)
    grid_code = grid_codes(inputs.codes, grid_comm)
    grid_geom = union_grids(units, unit_grid, len(grid_comm))
    layout = Layout(unit_grid, grid_code, grid_comm, grid_geom)
    return build_plan(inputs, units, layout, rules, barriers, seed, notes=notes)


def repartition(plan: Plan, community_codes: Iterable[str], *, seed: int | None = None) -> Plan:
    """Partition the named communities again (e.g. with another seed); others stay as they are.

    The grids of every other community are kept as they are, object for object.
    """
    state = plan_state(plan)
    inputs, units = state.inputs, state.units
    comms = _community_indices(inputs, community_codes)
    seed = plan.seed if seed is None else seed
    unit_grid = state.unit_grid.copy()
    n0 = len(state.grid_comm)
    new_comm: list[int] = []
    for c in comms:
        labels = _solve_one(inputs, units, plan.rules, c, seed)
        u0, u1 = units.unit_ptr[c], units.unit_ptr[c + 1]
        unit_grid[u0:u1] = labels + n0 + len(new_comm)
        new_comm += [int(c)] * (int(labels.max()) + 1)
    added = np.asarray(new_comm, dtype=np.int64)
    grid_comm = np.concatenate([state.grid_comm, added])
    grid_code = np.concatenate([state.grid_code, grid_codes(inputs.codes, added)])
    alive = np.concatenate([state.grid_alive & ~np.isin(state.grid_comm, comms), added >= 0])
    fresh = np.arange(n0, len(grid_comm))
    geom = np.concatenate([state.grid_geom, np.empty(len(fresh), dtype=object)])
    geom[fresh] = union_grids(units, unit_grid, len(grid_comm), fresh)[fresh]
    layout = Layout(unit_grid, grid_code, grid_comm, geom, alive)
    return build_plan(
        inputs, units, layout, plan.rules, state.barriers, seed, previous=state, changed=comms
    )


def grid_codes(codes: NDArray[np.object_], grid_comm: NDArray[np.int64]) -> NDArray[np.object_]:
    """Community code + a 3-digit sequence per community, in the order of ``grid_comm``."""
    seq = np.arange(len(grid_comm)) - np.searchsorted(grid_comm, grid_comm)
    return np.array([f"{codes[c]}{s + 1:03d}" for c, s in zip(grid_comm, seq, strict=True)], object)


def community_seed(seed: int, code: str) -> int:
    """A METIS seed per community from the plan seed: independent of the other communities."""
    return zlib.crc32(f"{seed}:{code}".encode()) & 0x7FFFFFFF


def _solve_all(inputs, units, rules, seed, progress) -> tuple[NDArray, NDArray, tuple]:
    unit_grid = np.empty(len(units.unit_area), dtype=np.int64)
    grid_comm: list[NDArray] = []
    notes: list[str] = []
    n_grids = 0
    hh = unit_households(inputs, units)
    for c in range(len(inputs.codes)):
        labels = _solve_one(inputs, units, rules, c, seed, hh)
        u0, u1 = units.unit_ptr[c], units.unit_ptr[c + 1]
        unit_grid[u0:u1] = labels + n_grids
        k = int(labels.max()) + 1
        grid_comm.append(np.full(k, c, dtype=np.int64))
        n_grids += k
        if u1 - u0 <= MAX_UNITS and _misses_bounds(labels, hh[u0:u1], k, rules):
            notes.append(
                f"community {inputs.codes[c]}: no split of its {u1 - u0} units into {k} "
                f"connected grids meets {rules.min_households}-{rules.max_households} "
                "(searched exhaustively); the closest found is kept"
            )
        if progress is not None:
            progress(c + 1, len(inputs.codes))
    grid_comm_arr = np.concatenate(grid_comm) if grid_comm else np.empty(0, np.int64)
    return unit_grid, grid_comm_arr, tuple(notes)


def _misses_bounds(labels: NDArray, w: NDArray, k: int, rules: Rules) -> bool:
    """Whether a solved community breaks a household bound that the solver tried to keep."""
    pw = np.bincount(labels, weights=w, minlength=k)
    alone = np.bincount(labels, minlength=k) == 1
    total = pw[~(alone & (pw > rules.max_households))].sum()
    over = (pw > rules.max_households) & ~alone
    under = (pw < rules.min_households) & (k * rules.min_households <= total)
    return bool(over.any() or under.any())


def _solve_one(inputs, units, rules, c: int, seed: int, hh=None) -> NDArray[np.int64]:
    u0, u1 = units.unit_ptr[c], units.unit_ptr[c + 1]
    hh = unit_households(inputs, units) if hh is None else hh
    w, a = hh[u0:u1], units.unit_area[u0:u1]
    amax = rules.max_area_m2
    fits = w.sum() <= rules.max_households and (amax is None or a.sum() <= amax)
    if u1 - u0 <= 1 or (inputs.rural[c] and rules.rural_one_grid and fits):
        return np.zeros(u1 - u0, dtype=np.int64)
    bounds = (rules.min_households, rules.max_households)
    seed_c = community_seed(seed, inputs.codes[c])
    graph = community_graph(units, c)
    labels = solve_symmetric(
        w,
        graph,
        k=None,
        bounds=bounds,
        target=rules.target,
        areas=a,
        max_area=amax,
        seed=seed_c,
    )
    return absorb_leftovers(labels, w, a, graph, rules)


def absorb_leftovers(
    labels: NDArray, w: NDArray, area: NDArray, graph, rules: Rules
) -> NDArray[np.int64]:
    """Parts below the minimum join the neighbour they share most boundary with.

    Towers above the maximum stand alone, and what they cut off (a house in a
    tower's yard, an empty sliver) must not become a grid of its own. A part joins
    a neighbour only if the two stay within the maximum, or if the neighbour is a
    lone tower (the report names that grid as an exception); each merge keeps
    every part connected, as the two parts touch. The maximum area is never broken.
    """
    amax = np.inf if rules.max_area_m2 is None else rules.max_area_m2
    labels = labels.astype(np.int64).copy()
    coo = graph.tocoo()
    done: set[int] = set()
    while labels.max() > 0:
        k = int(labels.max()) + 1
        pw = np.bincount(labels, weights=w, minlength=k)
        size = np.bincount(labels, minlength=k)
        pa = np.bincount(labels, weights=area, minlength=k)
        a, b = labels[coo.row], labels[coo.col]
        cut = np.zeros((k, k))
        np.add.at(cut, (a[a != b], b[a != b]), coo.data[a != b])
        small = [p for p in np.argsort(pw, kind="stable") if pw[p] < rules.min_households]
        small = [p for p in small if int(p) not in done]
        if not small:
            break
        p = int(small[0])
        tower = (size == 1) & (pw > rules.max_households)
        fits = (pw + pw[p] <= rules.max_households) | tower | (pw[p] == 0)
        ok = (cut[p] > 0) & fits & (pa + pa[p] <= amax)
        if not ok.any():
            done.add(p)
            continue
        q = int(np.argmax(np.where(ok, cut[p], -1.0)))
        labels[labels == p] = q
        labels = np.unique(labels, return_inverse=True)[1].ravel().astype(np.int64)
        done = set()
    return labels


def _community_indices(inputs: Inputs, codes: Iterable[str]) -> NDArray[np.int64]:
    codes = [str(c) for c in codes]
    idx = np.searchsorted(inputs.codes.astype(str), codes)
    bad = [
        c for c, i in zip(codes, idx, strict=True) if i >= len(inputs.codes) or inputs.codes[i] != c
    ]
    if bad:
        raise InvalidInput(f"no community {', '.join(map(repr, bad))} in this plan")
    return np.unique(idx)
