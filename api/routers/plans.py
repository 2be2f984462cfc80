"""Grid plans: create (a job), read with grids as GeoJSON, report, diff, publish, edit.

Every plan carries a version; responses give it as the ETag and edits must send
it back in If-Match. A stale edit gets 412 and changes nothing.

If-Match is compared strongly (RFC 9110 §13.1.1): only this plan's current tag,
``"plan-{id}-v{n}"``, matches; a weak tag (``W/"..."``), another plan's tag or an
older version's is a 412 that carries the current ETag. ``*`` means "whatever the
current version is" (RFC 9110): the edit applies to the plan as it is now, so send
it only when overwriting someone else's edit is what you mean. The preconditions are
checked before the edit's content is (§13.2.2): a missing If-Match is 428, an unknown
plan 404, a stale tag 412, and only then a malformed line a 422.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Header, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field, ValidationError, WithJsonSchema
from shapely.geometry import LineString as ShapelyLine
from sqlalchemy import Connection

from api.auth import JobReader, PlanPublisher, PlanReader, PlanWriter, permit
from api.dependencies import AREA_CODE, INT4_MAX, Db, PlanId
from api.problems import HTTPProblem
from api.requests import origin
from api.schemas.jobs import Job
from api.schemas.plans import (
    Edited,
    PlanDetail,
    PlanDiff,
    PlanListItem,
    Published,
    Report,
)
from api.schemas.problems import BODY, DATABASE, EDIT, INPUT, NAMED, problems
from gis.accounts import User
from gis.accounts.scope import check_area
from gis.audit import record
from gis.errors import InvalidInput, PreconditionRequired, StaleVersion
from gis.partition import Rules, merge_grids, move_buildings, split_grid
from gis.partition.cache import PlanCache
from gis.partition.publish import diff_plans, publish_plan
from gis.partition.store import (
    Edit,
    apply_edit,
    list_plans,
    plan_grids,
    plan_row,
    stored_report,
)

# Reading plans needs plans:read; the routes that change one ask for more, by name.
router = APIRouter(
    prefix="/api/v1",
    tags=["plans"],
    responses=DATABASE | INPUT,
    dependencies=[permit("plans:read")],
)
MAX_LINE_VERTICES = 10_000
CodeText = Annotated[str, Field(min_length=1, max_length=64)]


class Body(BaseModel):
    """A request body: a field it does not know is refused, not silently dropped."""

    model_config = ConfigDict(extra="forbid")


class PlanRequest(Body):
    area: str = Field(
        pattern=AREA_CODE, description="Area code (12 digits): a community, street or district."
    )
    name: str = Field(min_length=1, max_length=200)
    min_households: int = Field(Rules.min_households, ge=1, le=100_000)
    max_households: int = Field(Rules.max_households, ge=1, le=100_000)
    target_households: float | None = Field(None, ge=1, le=100_000, allow_inf_nan=False)
    max_area_km2: float | None = Field(None, gt=0, le=10_000, allow_inf_nan=False)
    rural_one_grid: bool = True
    seed: int = Field(0, ge=0, le=2**32 - 1)


class MoveEdit(Body):
    buildings: list[CodeText] = Field(min_length=1, max_length=10_000)
    grid: CodeText = Field(description="Code of the grid that receives them.")


class LineString(BaseModel):
    """A GeoJSON LineString in EPSG:4326: lon, lat pairs."""

    model_config = ConfigDict(extra="ignore")  # bbox and foreign members may come along

    type: Literal["LineString"]
    coordinates: list[
        tuple[Annotated[float, Field(ge=-180, le=180)], Annotated[float, Field(ge=-90, le=90)]]
    ] = Field(min_length=2, max_length=MAX_LINE_VERTICES)


class SplitEdit(Body):
    grid: CodeText
    # Documented as a LineString, read as one only after If-Match and the plan are checked.
    line: Annotated[
        dict[str, Any] | None,
        WithJsonSchema({"anyOf": [LineString.model_json_schema(), {"type": "null"}]}),
    ] = Field(
        None,
        description="GeoJSON LineString (EPSG:4326, at most "
        f"{MAX_LINE_VERTICES:,} vertices) to split along; none: balanced halves.",
    )


class MergeEdit(Body):
    grids: list[CodeText] = Field(min_length=2, max_length=2)


def _etag(row: dict) -> str:
    return f'"plan-{row["id"]}-v{row["version"]}"'


def _summary(row: dict) -> dict:
    keep = ("id", "name", "status", "version", "area_code", "area_name", "grids",
            "created_by", "created_at", "published_by", "published_at")  # fmt: skip
    out = {k: row[k] for k in keep if k in row}
    out["parameters"] = {k: v for k, v in (row.get("params") or {}).items() if k != "report"}
    return out


@router.post("/plans", status_code=202, response_model=Job, responses=BODY | problems(404))
async def post_plan(
    body: PlanRequest, request: Request, response: Response, user: PlanWriter
) -> dict:
    """Start partitioning an area into a draft plan (a job); poll it for progress and the plan id.

    The area and the rules are checked first: a bad one is a problem now, not a failed job.
    """
    await request.app.state.database.run(check_area, user, body.area)
    params = {**body.model_dump(), "created_by": user.name}
    return await request.app.state.jobs.submit("plan", params, response, owner=user)


@router.get("/plans", response_model=list[PlanListItem])
async def get_plans(
    db: Db,
    user: PlanReader,
    area: Annotated[str | None, Query(pattern=AREA_CODE, description="Area code.")] = None,
) -> list[dict]:
    """Plans of an area and the areas under it (all plans of the user's scope without
    ``area``)."""
    area = area or user.scope
    if area is not None:
        await db.run(check_area, user, area)
    return await db.run(list_plans, area)


@router.get("/plans/{plan_id}", response_model=PlanDetail, responses=NAMED)
async def get_plan(plan_id: PlanId, db: Db, response: Response, user: PlanReader) -> dict:
    """A plan with its grids as a GeoJSON FeatureCollection; the ETag is its version."""
    row, grids = await db.run(_plan_and_grids, plan_id, user)
    response.headers["ETag"] = _etag(row)
    summary = _summary(row)
    summary["grid_count"] = summary.pop("grids")
    return {**summary, "grids": grids}


def _scoped_plan(conn: Connection, plan_id: int, user: User) -> dict:
    """The plan (NotFound first), if its area is within the user's scope (else 403)."""
    row = plan_row(conn, plan_id)
    check_area(conn, user, row["area_code"])
    return row


def _plan_and_grids(conn: Connection, plan_id: int, user: User) -> tuple[dict, dict]:
    # The GeoJSON is built here, in the worker thread, not on the event loop.
    row = _scoped_plan(conn, plan_id, user)
    return row, json.loads(plan_grids(conn, plan_id).to_json(drop_id=True))


@router.get("/plans/{plan_id}/report", response_model=Report, responses=NAMED)
async def get_report(plan_id: PlanId, db: Db, user: PlanReader) -> dict:
    """The plan's report as it was made or last edited: balance, compactness, barrier
    share, rules broken and exceptions. ``POST`` re-checks it against today's buildings."""
    return stored_report(await db.run(_scoped_plan, plan_id, user)).to_dict()


@router.post("/plans/{plan_id}/report", status_code=202, response_model=Job, responses=NAMED)
async def post_report(
    plan_id: PlanId, request: Request, response: Response, user: JobReader
) -> dict:
    """Re-check the plan against today's buildings (a job); the job's result is the report."""
    await request.app.state.database.run(_scoped_plan, plan_id, user)
    params = {"plan_id": plan_id}
    return await request.app.state.jobs.submit("plan_report", params, response, owner=user)


@router.get("/plans/{plan_id}/diff", response_model=PlanDiff, responses=NAMED)
async def get_diff(
    plan_id: PlanId,
    db: Db,
    user: PlanReader,
    against: Annotated[int, Query(ge=1, le=INT4_MAX, description="Plan id.")],
) -> dict:
    """Buildings and households that change grid, grids that appear or disappear."""
    await db.run(_scoped_plan, plan_id, user)
    await db.run(_scoped_plan, against, user)
    return await db.run(diff_plans, plan_id, against)


@router.post("/plans/{plan_id}/publish", response_model=Published, responses=problems(404, 409))
def post_publish(
    plan_id: PlanId,
    request: Request,
    response: Response,
    user: PlanPublisher,
) -> dict:
    """Make this draft the one published plan of its area (one transaction)."""
    with request.app.state.engine.connect() as conn:
        _scoped_plan(conn, plan_id, user)
    row = publish_plan(request.app.state.engine, plan_id, published_by=user.name)
    _audit(request, user, "publish", plan_id, {"version": row["version"]})
    response.headers["ETag"] = _etag(row)
    return {**_summary(row), "incidents_relinked": row["incidents_relinked"]}


def _edit(
    request: Request,
    response: Response,
    plan_id: int,
    if_match: str | None,
    make_edit: Callable[[], Edit],
) -> dict:
    """Preconditions first (428, 404, 412), then the edit's content (``make_edit``: 422),
    then the edit, under the plan's row lock and version check."""
    version = _precondition(request, plan_id, if_match)
    edit = make_edit()
    row, plan = _unless_stale(
        request, plan_id,
        lambda: apply_edit(request.app.state.engine, plan_id, version, edit,
                           cache=plan_cache(request)),
    )  # fmt: skip
    response.headers["ETag"] = _etag(row)
    _audit(request, request.state.user, "edit", plan_id, {"version": row["version"]})
    report = plan.report
    return {
        **_summary(row),
        "grids_now": plan.grids.drop(columns="geometry").to_dict(orient="records"),
        "ok": report.ok,
        "broken_rules": sorted(report.broken_rules()),
        "report": report.to_dict(),
        "locked": row["locked"],
    }


def _precondition(request: Request, plan_id: int, if_match: str | None) -> int:
    """The version a change may apply to: 428 without If-Match, 404, 403, 412 if stale."""
    if not if_match:
        raise PreconditionRequired(
            "send the plan's ETag in If-Match, so an edit never overwrites someone else's"
        )
    with request.app.state.engine.connect() as conn:
        current = _scoped_plan(conn, plan_id, request.state.user)  # NotFound, then 403
    return _matching_version(if_match, current)


def _unless_stale(request: Request, plan_id: int, change: Callable[[], Any]) -> Any:
    """Run ``change``; a version that moved on meanwhile is a 412 with the current ETag."""
    try:
        return change()
    except StaleVersion as exc:  # another edit came between the check and the lock
        with request.app.state.engine.connect() as conn:
            now = plan_row(conn, plan_id)
        raise HTTPProblem(412, exc.title, str(exc), {"ETag": _etag(now)}) from None


def plan_cache(request: Request) -> PlanCache:
    """This process's plans in memory (made on first use; see gis/partition/cache.py)."""
    state = request.app.state
    if getattr(state, "plan_cache", None) is None:
        state.plan_cache = PlanCache()
    return state.plan_cache


def _audit(request: Request, user: User, action: str, plan_id: int, detail: dict) -> None:
    """A change to a plan, in the audit log (who, from where, which version it made)."""
    with request.app.state.engine.begin() as conn:
        record(conn, **origin(request, user), action=action, object_type="plan",
               object_id=str(plan_id), detail=detail)  # fmt: skip


def _matching_version(if_match: str, row: dict) -> int:
    """The version an edit may apply to, or a 412 with the current ETag saying why not."""
    current = _etag(row)
    tags = [t.strip() for t in if_match.split(",") if t.strip()]
    if tags == ["*"] or current in tags:
        return row["version"]
    plan_id, version = row["id"], row["version"]
    ours = [m for t in tags if (m := _PLAN_TAG.fullmatch(t))]
    older = [m.group(0) for m in ours if int(m["plan"]) == plan_id]
    title = "plan changed meanwhile" if older else "precondition failed"
    if older:
        why = (
            f"plan {plan_id} is at version {version}, If-Match names {', '.join(older)}: "
            "reload the plan and edit again"
        )
    elif any(t.startswith("W/") for t in tags):
        why = "a weak ETag (W/) never matches an edit: send the plan's ETag as it came"
    elif ours:
        why = f"If-Match names another plan: send plan {plan_id}'s own ETag"
    else:
        why = "If-Match is not this plan's ETag: reload the plan and send its ETag"
    raise HTTPProblem(412, title, f"{why} (now {current})", {"ETag": current})


_PLAN_TAG = re.compile(r'"plan-(?P<plan>[0-9]{1,10})-v(?P<version>[0-9]{1,10})"')


def _line(value: dict[str, Any] | None) -> ShapelyLine | None:
    """The split line, checked: a GeoJSON LineString of lon/lat pairs, not too long."""
    if value is None:
        return None
    try:
        line = LineString.model_validate(value)
    except ValidationError as exc:
        found = [
            {"field": ".".join(["body", "line", *map(str, e["loc"])]), "message": e["msg"]}
            for e in exc.errors()
        ]
        detail = "; ".join(f"{e['field']}: {e['message']}" for e in found)
        raise InvalidInput(f"line must be a GeoJSON LineString: {detail}", found) from None
    shapely_line = ShapelyLine(line.coordinates)
    if shapely_line.length == 0:
        raise InvalidInput(
            "line must pass through two different points",
            [{"field": "body.line.coordinates", "message": "all points are the same"}],
        )
    return shapely_line


IfMatch = Annotated[
    str | None,
    Header(
        max_length=500,
        description='The plan\'s ETag, "plan-{id}-v{version}", from GET /plans/{id} or the '
        'last edit; "*" applies the edit to whatever version is current.',
    ),
]


@router.post(
    "/plans/{plan_id}/edits/move",
    response_model=Edited,
    responses=EDIT,
    dependencies=[permit("plans:write")],
)
def post_move(plan_id: PlanId, body: MoveEdit, request: Request, response: Response,
              if_match: IfMatch = None) -> dict:  # fmt: skip
    """Move buildings to another grid of the same community."""
    return _edit(request, response, plan_id, if_match,
                 lambda: lambda p, _: move_buildings(p, body.buildings, body.grid))  # fmt: skip


@router.post(
    "/plans/{plan_id}/edits/split",
    response_model=Edited,
    responses=EDIT,
    dependencies=[permit("plans:write")],
)
def post_split(plan_id: PlanId, body: SplitEdit, request: Request, response: Response,
               if_match: IfMatch = None) -> dict:  # fmt: skip
    """Split a grid along a drawn line, or into two balanced halves."""

    def make_edit() -> Edit:
        line = _line(body.line)
        crs = "EPSG:4326" if line is not None else None
        return lambda p, _: split_grid(p, body.grid, line, crs=crs)

    return _edit(request, response, plan_id, if_match, make_edit)


@router.post(
    "/plans/{plan_id}/edits/merge",
    response_model=Edited,
    responses=EDIT,
    dependencies=[permit("plans:write")],
)
def post_merge(plan_id: PlanId, body: MergeEdit, request: Request, response: Response,
               if_match: IfMatch = None) -> dict:  # fmt: skip
    """Merge two grids of the same community."""
    return _edit(request, response, plan_id, if_match,
                 lambda: lambda p, _: merge_grids(p, body.grids[0], body.grids[1]))  # fmt: skip
