"""Importing a plan file as a job: the file checked in the request, the plan built later.

Building a plan from a file tessellates every building of the area: 10 s for a street
of 9,664 buildings on a busy two-core machine, far more for a district. So the request
reads the file (bounded) and checks its rows against the area's buildings and
communities as the database links them (a few queries), refusing a bad file at once
with file, row and field; a worker then builds, validates and stores the draft
(:func:`gis.partition.imports.import_plan`, which checks the rows again on the
geometry). The job's parameters carry the rows read, not the file.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from typing import Any

import geopandas as gpd
import pandas as pd
from sqlalchemy import Connection, Engine

from gis.db.statements import query
from gis.partition.imports import assignment_problems, grid_problems, import_plan
from gis.partition.model import Rules
from gis.partition.plan_files import PlanFile, refuse
from gis.places.areas import area_by_code


def check_file(conn: Connection, area_code: str, file: PlanFile) -> None:
    """Refuse rows that name what the area does not have (InvalidInput: file, row, field)."""
    area = area_by_code(conn, area_code)
    if file.grids is not None:
        codes = conn.execute(query("gis.partition", "plans", "community_codes"), area)
        refuse(file.name, grid_problems(file, set(codes.scalars())))
    else:
        rows = conn.execute(query("gis.partition", "plans", "building_communities"), area)
        comm_of = pd.Series(dict(rows.all()), dtype=object)
        refuse(file.name, assignment_problems(file, comm_of))


def job_params(area: str, name: str, rules: Rules, file: PlanFile, created_by: str) -> dict:
    """What the job needs: the area, the rules and the rows read (as JSON)."""
    params: dict[str, Any] = {"area": area, "name": name, "file": file.name,
                              "min_households": rules.min_households,
                              "max_households": rules.max_households,
                              "created_by": created_by}  # fmt: skip
    if file.grids is not None:
        params["grids"] = json.loads(file.grids.to_json())
    else:
        params["rows"] = file.assignment[["building_code", "grid_code"]].to_numpy().tolist()
    return params


def check_job(conn: Connection, params: dict[str, Any]) -> dict[str, Any]:
    area_by_code(conn, params["area"])  # NotFound before queueing
    _rules(params)
    return params


def run_job(
    engine: Engine,
    params: dict[str, Any],
    progress: Callable[[int, int], None],
    job_id: uuid.UUID | None,
) -> dict[str, Any]:
    progress(0, 1)
    plan_id, plan = import_plan(
        engine, params["area"], _file(params), name=params["name"], rules=_rules(params),
        created_by=params.get("created_by"),
    )  # fmt: skip
    progress(1, 1)
    return {"plan_id": plan_id, "ok": plan.report.ok,
            "broken_rules": sorted(plan.report.broken_rules())}  # fmt: skip


def _rules(params: dict[str, Any]) -> Rules:
    return Rules(min_households=params["min_households"], max_households=params["max_households"])


def _file(params: dict[str, Any]) -> PlanFile:
    if "grids" in params:
        grids = gpd.GeoDataFrame.from_features(params["grids"]["features"], crs=4326)
        grids.index = pd.RangeIndex(1, len(grids) + 1, name="row")
        return PlanFile(params["file"], grids=grids[["code", "community_code", "geometry"]])
    rows = pd.DataFrame(params["rows"], columns=["building_code", "grid_code"], dtype=object)
    rows.index = pd.RangeIndex(1, len(rows) + 1, name="row")
    return PlanFile(params["file"], assignment=rows)
