"""Incidents: the catalogue, intake, reading them, their counters, and their workflow.

Reading needs incidents:read, reporting and acting incidents:write; where is the
database's to decide (row-level security by the user's scope): another area's incident
is not found, and a point reported outside the user's area is a 403 naming it.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Query, Request, Response
from pydantic import StringConstraints

from api.auth import Permit
from api.dependencies import AREA_CODE, Code, Db, IsoTime
from api.schemas.incidents import (
    Category,
    IncidentDetail,
    IncidentPage,
    IncidentRequest,
    IncidentStats,
    IntakeAnswer,
    Status,
    TransitionRequest,
    Urgency,
)
from api.schemas.problems import DATABASE, INPUT, MEDIA_TYPE, REF, problems
from gis.accounts import User
from gis.errors import InvalidInput
from gis.incidents import (
    categories,
    incident_detail,
    incident_stats,
    list_incidents,
    report_incident,
    transition,
)
from gis.incidents.queries import MAX_LIMIT
from gis.places.paging import parse_bbox

router = APIRouter(prefix="/api/v1", tags=["incidents"], responses=DATABASE | INPUT)

Reader = Annotated[User, Depends(Permit("incidents:read"))]
Writer = Annotated[User, Depends(Permit("incidents:write"))]
CONFLICT = {
    409: {
        "description": "Conflict: the incident's state does not allow this action now (another "
        "change may have come first); `allowed` lists the actions that are.",
        "content": {MEDIA_TYPE: {"schema": {"$ref": REF}}},
    }
}
# The IETF draft's header is a Structured Field string ("..."); a bare token is taken too.
IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        max_length=66,
        pattern=r'^"?[\x21\x23-\x7e]{1,64}"?$',
        description="A key of the client's (a UUID, say): a retry with the same key and "
        "body gets the first answer and makes no second incident.",
    ),
]


CategoryCode = Annotated[str, StringConstraints(min_length=1, max_length=32)]


def catalogue_entry(row: dict[str, Any]) -> dict[str, Any]:
    """A row of the catalogue as the API shows it."""
    hours = {u: row[f"hours_{u}"] for u in ("low", "normal", "high", "critical")}
    keep = ("code", "name_zh", "name_en", "kind", "major", "default_urgency", "default_unit")
    return {**{k: row[k] for k in keep}, "deadline_hours": hours}


@router.get("/incident-categories", response_model=list[Category])
async def get_categories(db: Db, user: Reader) -> list[dict]:
    """The catalogue an incident's category comes from (GB/T 30428 事件 and 部件 classes)."""
    return [catalogue_entry(r) for r in await db.run(categories)]


@router.post(
    "/incidents",
    response_model=IntakeAnswer,
    status_code=201,
    responses=problems(400, 413, 422),
)
async def post_incident(
    body: IncidentRequest,
    db: Db,
    user: Writer,
    request: Request,
    response: Response,
    idempotency_key: IdempotencyKey = None,
) -> dict:
    """Report an incident. It is placed in its community, grid and building in the same
    transaction, and answered with ``possible_duplicates``: open incidents of the same
    category within 50 m and 2 hours."""
    key = idempotency_key.strip('"') if idempotency_key else None
    answer, replayed = await db.run(
        report_incident,
        **body.model_dump(),
        reported_by=user.name,
        key=key,
        secret_key=request.app.state.secret_key,
    )
    response.headers["Location"] = f"/api/v1/incidents/{answer['code']}"
    if replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return answer


@router.get("/incidents", response_model=IncidentPage, responses=problems(404))
async def get_incidents(
    db: Db,
    user: Reader,
    area: Annotated[
        str | None, Query(pattern=AREA_CODE, description="Area code: incidents under it.")
    ] = None,
    grid: Annotated[
        str | None, Query(max_length=64, description="Grid code (published plan).")
    ] = None,
    status: Annotated[list[Status] | None, Query(max_length=8)] = None,
    category: Annotated[list[CategoryCode] | None, Query(max_length=50)] = None,
    urgency: Annotated[list[Urgency] | None, Query(max_length=4)] = None,
    since: Annotated[IsoTime | None, Query(description="Reported at or after (ISO 8601).")] = None,
    until: Annotated[IsoTime | None, Query(description="Reported before (ISO 8601).")] = None,
    overdue: Annotated[bool | None, Query(description="Only overdue, or only not.")] = None,
    bbox: Annotated[
        str | None, Query(max_length=200, description="minlon,minlat,maxlon,maxlat (EPSG:4326)")
    ] = None,
    cursor: Annotated[str | None, Query(max_length=200, description="next_cursor.")] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 100,
) -> dict:
    """Incidents, newest first, a page at a time (follow ``next_cursor``)."""
    if since and until and (since.tzinfo is None) != (until.tzinfo is None):
        raise InvalidInput("since and until: both give a time zone or both give none")
    box = parse_bbox(bbox) if bbox else None
    return await db.run(
        list_incidents, area=area, grid=grid, statuses=status or (),
        categories=category or (), urgencies=urgency or (), since=since, until=until,
        overdue=overdue, bbox=box, cursor=cursor, limit=limit,
    )  # fmt: skip


@router.get("/incidents/stats", response_model=IncidentStats, responses=problems(404))
async def get_stats(
    db: Db,
    user: Reader,
    area: Annotated[
        str | None, Query(pattern=AREA_CODE, description="Area code; default: your scope.")
    ] = None,
) -> dict:
    """Counters for the command page: new today, open, overdue, closure rate this week."""
    return await db.run(incident_stats, area)


@router.get("/incidents/{code}", response_model=IncidentDetail, responses=problems(404))
async def get_incident(code: Code, db: Db, user: Reader) -> dict:
    """One incident with its timeline and the actions you may take on it now."""
    return await db.run(incident_detail, code, user.role)


@router.post(
    "/incidents/{code}/transitions",
    response_model=IncidentDetail,
    responses=problems(400, 404, 413, 422) | CONFLICT,
)
async def post_transition(code: Code, body: TransitionRequest, db: Db, user: Writer) -> dict:
    """Take a workflow action (docs/incidents.md has the table). An action the state does
    not allow is a 409 whose ``allowed`` lists those it does."""
    await db.run(
        transition, code, body.to, actor=user.name, role=user.role, note=body.note,
        assignee=body.assignee,
    )  # fmt: skip
    return await db.run(incident_detail, code, user.role)
