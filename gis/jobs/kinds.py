"""What each kind of job does, what it accepts, and how long it may take.

A kind checks its parameters *before* the job is queued (``check``: every input
bounded, the bound named in the error) and runs them in a worker (``run``), with
a progress callback that also stops the work when it is cancelled or late.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine

from gis.db.statements import query
from gis.errors import InvalidInput
from gis.jobs import analysis, siting
from gis.partition import import_job
from gis.partition.model import Rules
from gis.partition.store import RULE_FIELDS, create_plan, plan_row, validate_stored
from gis.places.areas import area_by_code

Progress = Callable[[int, int], None]
# The most buildings one plan may cover: a large district (Haidian's sample has
# about 180,000) partitions in about a minute on two cores (docs/partition.md).
MAX_PLAN_BUILDINGS = 400_000


@dataclass(frozen=True)
class JobKind:
    name: str
    check: Callable[[Connection, dict[str, Any]], dict[str, Any]]
    run: Callable[[Engine, dict[str, Any], Progress, uuid.UUID | None], Any]
    timeout_s: int


def _rules(params: dict[str, Any]) -> Rules:
    """The plan's rules from a request: those given, Rules' defaults for the rest."""
    return Rules(**{k: params[k] for k in RULE_FIELDS if params.get(k) is not None})


def _check_plan(conn: Connection, params: dict[str, Any]) -> dict[str, Any]:
    _rules(params)  # the bounds make sense, before anything else
    area = area_by_code(conn, params["area"])
    buildings = conn.execute(query("gis.jobs", "checks", "buildings_under"), area).scalar_one()
    if buildings > MAX_PLAN_BUILDINGS:
        raise InvalidInput(
            f"area {params['area']} has {buildings:,} buildings, more than the "
            f"{MAX_PLAN_BUILDINGS:,} one plan may cover: plan its streets one by one"
        )
    if buildings == 0:
        raise InvalidInput(f"area {params['area']} has no buildings to divide into grids")
    return params


def _run_plan(
    engine: Engine, params: dict[str, Any], progress: Progress, job_id: uuid.UUID | None
) -> dict[str, Any]:
    rules = _rules(params)
    plan_id = create_plan(
        engine, params["area"], name=params["name"], rules=rules, seed=params.get("seed", 0),
        created_by=params.get("created_by"), progress=progress,
    )  # fmt: skip
    return {"plan_id": plan_id}


def _check_report(conn: Connection, params: dict[str, Any]) -> dict[str, Any]:
    plan_row(conn, params["plan_id"])  # NotFound before queueing
    return params


def _run_report(
    engine: Engine, params: dict[str, Any], progress: Progress, job_id: uuid.UUID | None
) -> dict[str, Any]:
    return validate_stored(engine, params["plan_id"]).to_dict()


KINDS: dict[str, JobKind] = {
    k.name: k
    for k in (
        JobKind("plan", _check_plan, _run_plan, timeout_s=900),
        JobKind("plan_report", _check_report, _run_report, timeout_s=300),
        JobKind("plan_import", import_job.check_job, import_job.run_job, timeout_s=900),
        JobKind("hotspots", analysis.check, analysis.run_analysis, timeout_s=600),
        JobKind("camera_siting", siting.check, siting.run_siting, timeout_s=600),
    )
}


def kind_of(name: str) -> JobKind:
    if name not in KINDS:
        raise InvalidInput(f"unknown job kind {name!r}; kinds: {', '.join(KINDS)}")
    return KINDS[name]
