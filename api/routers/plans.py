"""Grid plans: create (a job), read with grids as GeoJSON, report, diff, publish, edit.

Every plan carries a version; responses give it as the ETag and edits must send
it back in If-Match. A stale edit gets 412 and changes nothing.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Request, Response
from pydantic import BaseModel, Field
from shapely.geometry import shape
from sqlalchemy import Connection

from api.dependencies import Db
from api.schemas.jobs import Job
from api.schemas.plans import (
    Edited,
    PlanDetail,
    PlanDiff,
    PlanListItem,
    Published,
    Report,
)
from gis.errors import InvalidInput, PreconditionRequired
from gis.partition import Rules, merge_grids, move_buildings, split_grid
from gis.partition.publish import diff_plans, publish_plan
from gis.partition.store import (
    apply_edit,
    list_plans,
    plan_grids,
    plan_row,
    stored_report,
)

router = APIRouter(prefix="/api/v1", tags=["plans"])


class PlanRequest(BaseModel):
    area: str = Field(description="Area code: a community, street or district.")
    name: str = Field(min_length=1, max_length=200)
    min_households: int = Field(Rules.min_households, ge=1, le=100_000)
    max_households: int = Field(Rules.max_households, ge=1, le=100_000)
    target_households: float | None = None
    max_area_km2: float | None = Field(None, gt=0)
    rural_one_grid: bool = True
    seed: int = 0


class MoveEdit(BaseModel):
    buildings: list[str] = Field(min_length=1, max_length=10_000)
    grid: str = Field(description="Code of the grid that receives them.")


class SplitEdit(BaseModel):
    grid: str
    line: dict[str, Any] | None = Field(
        None, description="GeoJSON LineString (EPSG:4326) to split along; none: balanced halves."
    )


class MergeEdit(BaseModel):
    grids: list[str] = Field(min_length=2, max_length=2)


def _etag(row: dict) -> str:
    return f'"plan-{row["id"]}-v{row["version"]}"'


def _summary(row: dict) -> dict:
    keep = ("id", "name", "status", "version", "area_code", "area_name", "grids",
            "created_by", "created_at", "published_by", "published_at")  # fmt: skip
    out = {k: row[k] for k in keep if k in row}
    out["parameters"] = {k: v for k, v in (row.get("params") or {}).items() if k != "report"}
    return out


@router.post("/plans", status_code=202, response_model=Job)
async def post_plan(body: PlanRequest, request: Request, response: Response) -> dict:
    """Start partitioning an area into a draft plan (a job); poll it for progress and the plan id.

    The area and the rules are checked first: a bad one is a problem now, not a failed job.
    """
    return await request.app.state.jobs.submit("plan", body.model_dump(), response)


@router.get("/plans", response_model=list[PlanListItem])
async def get_plans(
    db: Db, area: Annotated[str | None, Query(description="Area code.")] = None
) -> list[dict]:
    """Plans of an area and the areas under it (all plans without ``area``)."""
    return await db.run(list_plans, area)


@router.get("/plans/{plan_id}", response_model=PlanDetail)
async def get_plan(plan_id: int, db: Db, response: Response) -> dict:
    """A plan with its grids as a GeoJSON FeatureCollection; the ETag is its version."""
    row, grids = await db.run(_plan_and_grids, plan_id)
    response.headers["ETag"] = _etag(row)
    summary = _summary(row)
    summary["grid_count"] = summary.pop("grids")
    return {**summary, "grids": grids}


def _plan_and_grids(conn: Connection, plan_id: int) -> tuple[dict, dict]:
    # The GeoJSON is built here, in the worker thread, not on the event loop.
    row = plan_row(conn, plan_id)  # NotFound first
    return row, json.loads(plan_grids(conn, plan_id).to_json(drop_id=True))


@router.get("/plans/{plan_id}/report", response_model=Report)
async def get_report(plan_id: int, db: Db) -> dict:
    """The plan's report as it was made or last edited: balance, compactness, barrier
    share, rules broken and exceptions. ``POST`` re-checks it against today's buildings."""
    return stored_report(await db.run(plan_row, plan_id)).to_dict()


@router.post("/plans/{plan_id}/report", status_code=202, response_model=Job)
async def post_report(plan_id: int, request: Request, response: Response) -> dict:
    """Re-check the plan against today's buildings (a job); the job's result is the report."""
    return await request.app.state.jobs.submit("plan_report", {"plan_id": plan_id}, response)


@router.get("/plans/{plan_id}/diff", response_model=PlanDiff)
async def get_diff(
    plan_id: int, db: Db, against: Annotated[int, Query(description="Plan id.")]
) -> dict:
    """Buildings and households that change grid, grids that appear or disappear."""
    return await db.run(diff_plans, plan_id, against)


@router.post("/plans/{plan_id}/publish", response_model=Published)
def post_publish(
    plan_id: int,
    request: Request,
    response: Response,
    x_wangge_user: Annotated[str | None, Header()] = None,
) -> dict:
    """Make this draft the one published plan of its area (one transaction)."""
    row = publish_plan(request.app.state.engine, plan_id, published_by=x_wangge_user)
    response.headers["ETag"] = _etag(row)
    return {**_summary(row), "incidents_relinked": row["incidents_relinked"]}


def _edit(request: Request, response: Response, plan_id: int, if_match: str | None, edit) -> dict:
    if not if_match:
        raise PreconditionRequired(
            "send the plan's ETag in If-Match, so an edit never overwrites someone else's"
        )
    try:
        version = int(if_match.strip().strip('"').rsplit("-v", 1)[1])
    except (IndexError, ValueError):
        raise InvalidInput(f'If-Match {if_match!r} is not a plan ETag like "plan-7-v3"') from None
    row, plan = apply_edit(request.app.state.engine, plan_id, version, edit)
    response.headers["ETag"] = _etag(row)
    report = plan.report
    return {
        **_summary(row),
        "grids_now": plan.grids.drop(columns="geometry").to_dict(orient="records"),
        "ok": report.ok,
        "broken_rules": sorted(report.broken_rules()),
        "report": report.to_dict(),
    }


IfMatch = Annotated[str | None, Header(description="The plan's ETag (its version).")]


@router.post("/plans/{plan_id}/edits/move", response_model=Edited)
def post_move(plan_id: int, body: MoveEdit, request: Request, response: Response,
              if_match: IfMatch = None) -> dict:  # fmt: skip
    """Move buildings to another grid of the same community."""
    return _edit(request, response, plan_id, if_match,
                 lambda p: move_buildings(p, body.buildings, body.grid))  # fmt: skip


@router.post("/plans/{plan_id}/edits/split", response_model=Edited)
def post_split(plan_id: int, body: SplitEdit, request: Request, response: Response,
               if_match: IfMatch = None) -> dict:  # fmt: skip
    """Split a grid along a drawn line, or into two balanced halves."""
    line = shape(body.line) if body.line else None
    if line is not None and line.geom_type != "LineString":
        raise InvalidInput(f"line must be a GeoJSON LineString, not a {line.geom_type}")
    crs = "EPSG:4326" if line is not None else None
    return _edit(request, response, plan_id, if_match,
                 lambda p: split_grid(p, body.grid, line, crs=crs))  # fmt: skip


@router.post("/plans/{plan_id}/edits/merge", response_model=Edited)
def post_merge(plan_id: int, body: MergeEdit, request: Request, response: Response,
               if_match: IfMatch = None) -> dict:  # fmt: skip
    """Merge two grids of the same community."""
    return _edit(request, response, plan_id, if_match,
                 lambda p: merge_grids(p, body.grids[0], body.grids[1]))  # fmt: skip
