"""The grid assessment (考核评估) and the residents' call-backs it counts.

``GET /api/v1/assessment`` ranks an area's grids, communities, streets or workers over a
period (at most a year); ``.csv`` and ``.xlsx`` are the same table to take away; ``/trend``
cuts it per day or week for the command page's small charts. Reading needs
assessment:read (admin, operator: it ranks named staff); the area defaults to the
reader's scope, and row-level security counts only the scope's incidents and workers.
A call-back (``POST /api/v1/incidents/{code}/feedback``) needs incidents:write.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Response

from api.auth import Permit
from api.dependencies import AREA_CODE, Code, Db, IsoTime
from api.schemas.assessment import Assessment, By, Feedback, FeedbackRequest, Trend
from api.schemas.base import body_of
from api.schemas.problems import DATABASE, INPUT, MEDIA_TYPE, REF, problems
from gis.accounts import User
from gis.accounts.roles import may
from gis.assessment import assessment, feedback_of, period, record_feedback, to_csv, to_xlsx, trend
from gis.errors import NotFound

router = APIRouter(prefix="/api/v1", tags=["assessment"], responses=DATABASE | INPUT)

Reader = Annotated[User, Depends(Permit("assessment:read"))]
IncidentReader = Annotated[User, Depends(Permit("incidents:read"))]
Writer = Annotated[User, Depends(Permit("incidents:write"))]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CONFLICT = {
    409: {
        "description": "Conflict: the incident is not handled yet (resolved, verified or "
        "closed), or its call-back is already recorded.",
        "content": {MEDIA_TYPE: {"schema": {"$ref": REF}}},
    }
}


async def _period(
    user: Reader,
    db: Db,
    start: Annotated[
        IsoTime,
        Query(alias="from", description="Reported at or after (ISO 8601; no zone: China time)."),
    ],
    end: Annotated[IsoTime, Query(alias="to", description="Reported before; at most a year on.")],
    area: Annotated[
        str | None,
        Query(
            pattern=AREA_CODE,
            description="District, street or community code; default: your scope.",
        ),
    ] = None,
    by: Annotated[By, Query(description="The units ranked.")] = "community",
) -> Any:
    """The period asked for, checked against the reader's scope."""
    return await db.run(period, area, start, end, by, scope=user.scope)


Period = Annotated[Any, Depends(_period)]


@router.get("/assessment", response_model=Assessment, responses=problems(404))
async def get_assessment(at: Period, db: Db) -> dict:
    """Each unit's figures and the whole area's: incidents by source, times to accept and
    resolve (median, 90th percentile), closure, overdue and reopened rates, call-back
    satisfaction, patrol hours (docs/assessment.md)."""
    return await db.run(assessment, at)


def _download(at: Any, suffix: str) -> dict[str, str]:
    name = f"assessment-{at.area or 'all'}-{at.by}-{at.start:%Y%m%d}-{at.end:%Y%m%d}.{suffix}"
    return {"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"}


@router.get(
    "/assessment.csv",
    response_class=Response,
    responses={200: body_of("text/csv", "The assessment as CSV (UTF-8).", "")} | problems(404),
)
async def get_assessment_csv(at: Period, db: Db) -> Response:
    """The assessment as CSV: a row per unit, then the whole area (code ``total``)."""
    data = to_csv(await db.run(assessment, at))
    return Response(data, media_type="text/csv; charset=utf-8", headers=_download(at, "csv"))


@router.get(
    "/assessment.xlsx",
    response_class=Response,
    responses={200: body_of(XLSX, "The assessment as an Excel workbook.")} | problems(404),
)
async def get_assessment_xlsx(at: Period, db: Db) -> Response:
    """The assessment as an Excel workbook: the same rows as the CSV, and what each
    column means."""
    data = to_xlsx(await db.run(assessment, at))
    return Response(data, media_type=XLSX, headers=_download(at, "xlsx"))


@router.get("/assessment/trend", response_model=Trend, responses=problems(404))
async def get_trend(at: Period, db: Db) -> dict:
    """Per unit with incidents, per day (a period of a month or less) or week: reported,
    closure rate and overdue rate, for small charts."""
    return await db.run(trend, at)


@router.post(
    "/incidents/{code}/feedback",
    response_model=Feedback,
    status_code=201,
    responses=problems(400, 404, 413, 422) | CONFLICT,
    tags=["incidents"],
)
async def post_feedback(code: Code, body: FeedbackRequest, db: Db, user: Writer) -> dict:
    """Record the resident's call-back satisfaction (回访满意度) of a handled incident,
    once: 1 very unsatisfied … 5 very satisfied."""
    return await db.run(
        record_feedback, code, body.satisfaction, recorded_by=user.name, note=body.note
    )


@router.get(
    "/incidents/{code}/feedback",
    response_model=Feedback,
    responses=problems(404),
    tags=["incidents"],
)
async def get_feedback(code: Code, db: Db, user: IncidentReader) -> dict:
    """The recorded call-back of an incident; 404 when none is recorded (yet). The note
    (free text from a call to a resident) only for those who may read the assessment."""
    found = await db.run(feedback_of, code)
    if found is None:
        raise NotFound(f"no call-back is recorded for incident {code!r} (in your scope)")
    if not may(user.role, "assessment:read"):
        found = found | {"note": None}
    return found
