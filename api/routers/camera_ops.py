"""Camera operations: the video gateway's heartbeats, and siting new cameras (a job)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request, Response

from api.auth import Analyst, Permit
from api.dependencies import Db
from api.schemas.camera_ops import (
    CAMERA_CODE,
    CameraHealth,
    HeartbeatBody,
    Heartbeats,
    SitingBody,
    SitingResult,
)
from api.schemas.jobs import Job
from api.schemas.problems import BODY, DATABASE, problems
from gis.accounts import User
from gis.accounts.scope import check_area
from gis.cameras.health import record_heartbeat, record_heartbeats

router = APIRouter(prefix="/api/v1", tags=["cameras"], responses=DATABASE)

Reporter = Annotated[User, Depends(Permit("cameras:report"))]


@router.post("/cameras/heartbeats", response_model=Heartbeats, responses=BODY)
async def post_heartbeats(body: HeartbeatBody, db: Db, user: Reporter) -> dict:
    """The gateway's batch: these cameras' streams are alive now. Each gets its
    ``last_heartbeat_at``; an offline one is online again. Codes unknown to the caller's
    scope are listed, not refused, so one stale code does not lose a whole batch."""
    return await db.run(record_heartbeats, body.cameras)


@router.post("/cameras/{code}/heartbeat", response_model=CameraHealth, responses=problems(404, 422))
async def post_heartbeat(
    code: Annotated[str, Path(pattern=CAMERA_CODE)], db: Db, user: Reporter
) -> dict:
    """One camera's stream is alive now (see ``POST /api/v1/cameras/heartbeats``)."""
    return await db.run(record_heartbeat, code)


@router.post(
    "/cameras/siting",
    status_code=202,
    response_model=Job,
    responses={
        200: {"model": SitingResult, "description": "The result of a done job."},
        **problems(400, 404, 413, 422),
    },
)
async def post_siting(
    body: SitingBody, request: Request, response: Response, user: Analyst
) -> dict:
    """Where to add ``k`` cameras, as a job: the maximal covering location problem over
    candidate sites along the area's roads (spopt, CBC) beside a greedy answer. The
    area must be within the caller's scope; the job's result is a ``SitingResult``."""
    await request.app.state.database.run(check_area, user, body.area)
    params = body.model_dump(mode="json")
    return await request.app.state.jobs.submit("camera_siting", params, response, owner=user)
