"""Import a plan drawn elsewhere as a new draft of an area, checked by the one validator.

Grids (GeoJSON, GeoPackage) place each building in the grid holding most of its
footprint, and the plan is rebuilt from them with ``plan_from_tables`` as a stored plan
is: the grids keep the geometry the file gave. A building → grid CSV places each
building as the file says; a unit without buildings (an empty cell, a yard) joins the
neighbouring grid it shares most boundary with, and each grid is drawn as the union
of its units. Either way the draft's report is the validator's, from the same checks
as every other plan.

Everything about the file is checked before anything is written (codes, buildings and
communities of the area, every building placed once): a refused import names the
file, row and field, and changes nothing.
"""

from __future__ import annotations

import json

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from sqlalchemy import Engine

from gis.partition.assemble import Layout, build_plan, union_grids
from gis.partition.graph import unit_graph
from gis.partition.inputs import Columns, prepare, prepare_barriers
from gis.partition.model import Plan, Rules
from gis.partition.plan_files import PlanFile, problem, refuse
from gis.partition.reassign import fill_from_neighbours
from gis.partition.store import (
    _params,
    _sql,
    _store_grids,
    buildings_under,
    communities_under,
)
from gis.partition.validate import _unit_grids, plan_from_tables
from gis.places.areas import area_by_code


def import_plan(
    engine: Engine,
    area_code: str,
    file: PlanFile,
    *,
    name: str,
    rules: Rules | None = None,
    created_by: str | None = None,
) -> tuple[int, Plan]:
    """Check ``file`` against the area's communities and buildings; store it as a draft."""
    rules = rules or Rules()
    with engine.connect() as conn:
        area = area_by_code(conn, area_code)
        communities = communities_under(conn, area["id"])
        buildings = buildings_under(conn, area["id"])
    if file.grids is not None:
        plan = _from_grids(file, communities, buildings, rules)
    else:
        plan = _from_assignment(file, communities, buildings, rules)
    with engine.begin() as conn:
        plan_id = conn.execute(
            _sql("insert_plan"),
            {"name": name, "area": area["id"], "by": created_by,
             "params": json.dumps({**_params(rules, 0, plan.report), "imported": file.name})},
        ).scalar_one()  # fmt: skip
        _store_grids(conn, plan_id, plan)
    return plan_id, plan


def _from_grids(file: PlanFile, communities, buildings, rules: Rules) -> Plan:
    refuse(file.name, grid_problems(file, set(communities["code"].astype(str))))
    assignment = _overlaps(file.grids, buildings)
    grids = file.grids.reset_index(drop=True)
    return plan_from_tables(grids, assignment, communities, buildings, rules)


def grid_problems(file: PlanFile, known: set[str]) -> list[dict]:
    """Grids naming a community not in the area, or a code not of their community;
    communities of the area without grids."""
    grids = file.grids
    field = "community_code"
    problems = [
        problem(file.name, int(r), field, f"community {c!r} is not in this area")
        for r, c in grids["community_code"].items()
        if c not in known
    ]
    problems += [
        problem(file.name, int(r), "code", f"{g!r} does not begin with its community's code")
        for r, (g, c) in grids[["code", "community_code"]].iterrows()
        if c in known and not str(g).startswith(str(c))
    ]
    return problems + _uncovered(file, known - set(grids["community_code"]))


def _overlaps(grids: gpd.GeoDataFrame, buildings: gpd.GeoDataFrame) -> pd.DataFrame:
    """Each building's grid: the one holding most of its footprint (none if none does)."""
    foot = buildings.geometry.to_numpy()
    cells = grids.geometry.to_numpy()
    b, g = shapely.STRtree(cells).query(foot, predicate="intersects")
    share = shapely.area(shapely.intersection(foot[b], cells[g]))
    order = np.lexsort((-share, b))
    first = np.r_[True, b[order][1:] != b[order][:-1]] if len(order) else np.array([], bool)
    b, g = b[order][first], g[order][first]
    return pd.DataFrame(
        {
            "building_id": buildings["code"].astype(str).to_numpy()[b],
            "grid_code": grids["code"].to_numpy()[g],
            "community_code": grids["community_code"].to_numpy()[g],
        }
    )


def _from_assignment(file: PlanFile, communities, buildings, rules: Rules) -> Plan:
    rows = file.assignment
    inputs = prepare(communities, buildings, Columns())
    placed = inputs.building_comm >= 0
    comm_of = pd.Series(
        inputs.codes[inputs.building_comm[placed]], index=inputs.ids[placed].astype(str)
    )
    refuse(file.name, assignment_problems(file, comm_of))
    index = pd.Series(np.arange(len(inputs.ids)), index=inputs.ids.astype(str))
    found = rows["building_code"].map(index).astype(np.int64)
    codes = np.array(sorted(set(rows["grid_code"])), dtype=object)
    grid_comm = np.searchsorted(inputs.codes.astype(str), [c[:12] for c in codes])
    building_grid = np.full(len(inputs.ids), -1, dtype=np.int64)
    building_grid[found.to_numpy()] = np.searchsorted(codes, rows["grid_code"])
    lines = prepare_barriers(None, inputs)
    units = unit_graph(inputs, lines, workers=1)  # a request or a job: no pool
    empty = np.full(len(codes), None, dtype=object)
    unit_grid = fill_from_neighbours(
        units, _unit_grids(inputs, units, building_grid, empty, grid_comm)
    )
    geom = union_grids(units, unit_grid, len(codes))
    alive = np.array([g is not None for g in geom])
    layout = Layout(unit_grid, codes, grid_comm.astype(np.int64), geom, alive)
    scope = np.unique(grid_comm)
    return build_plan(inputs, units, layout, rules, lines, 0, scope=scope)


def assignment_problems(file: PlanFile, comm_of: pd.Series) -> list[dict]:
    """CSV rows naming an unknown building or a grid of another community than the
    building's; buildings of the area (``comm_of``: code → community) left out."""
    rows = file.assignment
    known = rows["building_code"].isin(comm_of.index)
    problems = [
        problem(file.name, int(r), "building_code", f"no building {c!r} in this area")
        for r, c in rows.loc[~known, "building_code"].items()
    ]
    comm = rows.loc[known, "building_code"].map(comm_of)
    wrong = rows.loc[known, "grid_code"].str[:12] != comm
    problems += [
        problem(file.name, int(r), "grid_code",
                f"{rows.at[r, 'grid_code']!r} is not a grid of community {comm[r]}, "
                f"where building {rows.at[r, 'building_code']!r} lies")
        for r in wrong.index[wrong]
    ]  # fmt: skip
    missing = comm_of.index.difference(rows["building_code"])
    if len(missing):
        listed = ", ".join(map(str, missing[:5]))
        problems.append(problem(file.name, None, "building_code",
                                f"{len(missing)} building(s) of the area are not in the file: "
                                f"{listed}{' ...' if len(missing) > 5 else ''}"))  # fmt: skip
    return problems


def _uncovered(file: PlanFile, communities: set[str]) -> list[dict]:
    if not communities:
        return []
    listed = ", ".join(sorted(communities))
    return [problem(file.name, None, None, f"no grids for communities {listed} of the area")]
