"""Grid workers: positions from their phones, where they are, tracks, patrol time, and
the nearest available workers to an incident.

Reading needs workers:read, posting positions workers:report (a grid worker: their own
worker only); the database shows each user the workers of their scope, so another
area's worker is not found. Dispatching one of the nearest is the incidents' own
``dispatched`` action (``POST /api/v1/incidents/{code}/transitions`` with the worker's
code as assignee). See docs/workers.md.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from api.auth import Permit
from api.dependencies import AREA_CODE, Code, Db
from api.schemas.problems import DATABASE, INPUT, problems
from api.schemas.workers import (
    GridPatrolList,
    NearestWorkers,
    PositionBatch,
    PositionsAnswer,
    WorkerList,
    WorkerPatrolList,
    WorkerStatus,
    WorkerTrack,
)
from gis.accounts import User
from gis.errors import InvalidInput
from gis.workers import (
    Position,
    grid_patrol,
    list_workers,
    nearest_workers,
    record_positions,
    worker_patrol,
    worker_track,
)
from gis.workers.live import LOCAL_TIME, MAX_WORKERS
from gis.workers.nearest import MAX_LIMIT
from gis.workers.patrol import MAX_DAYS, MAX_GRIDS

router = APIRouter(prefix="/api/v1", tags=["workers"], responses=DATABASE | INPUT)

Reader = Annotated[User, Depends(Permit("workers:read"))]
Reporter = Annotated[User, Depends(Permit("workers:report"))]
Area = Annotated[
    str | None,
    Query(pattern=AREA_CODE, description="Only under this district, street or community."),
]
# `date` in the URL (the argument is `day`: `date` is the type).
Day = Annotated[
    date | None,
    Query(
        alias="date", description="A local day (China Standard Time), YYYY-MM-DD; default: today."
    ),
]
EARLIEST, LATEST = date(2000, 1, 1), date(2100, 12, 31)


def _day(value: date | None, field: str) -> date:
    """``value`` within the years wangge keeps, or today."""
    if value is None:
        return datetime.now(LOCAL_TIME).date()
    if not EARLIEST <= value <= LATEST:
        message = f"a day from {EARLIEST} to {LATEST}, not {value}"
        raise InvalidInput(f"{field}: {message}", [{"field": field, "message": message}])
    return value


@router.post(
    "/workers/{code}/positions",
    response_model=PositionsAnswer,
    responses=problems(400, 404, 413, 422),
)
async def post_positions(code: Code, body: PositionBatch, db: Db, user: Reporter) -> dict:
    """Store a batch of the worker's positions. Idempotent per worker and time: a resent
    batch adds nothing (`new` says how many were new). A bad position refuses the whole
    batch, naming its index and field; the newest becomes the worker's live position."""
    positions = [Position(p.at, p.lon, p.lat, p.accuracy_m) for p in body.positions]
    return await db.run(
        record_positions, code, positions, account_id=user.id, role=user.role
    )  # fmt: skip


@router.get("/workers", response_model=WorkerList, responses=problems(404))
async def get_workers(
    db: Db,
    user: Reader,
    area: Area = None,
    grid: Annotated[str | None, Query(max_length=15, description="A grid code.")] = None,
    status: Annotated[list[WorkerStatus] | None, Query(max_length=3)] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_WORKERS)] = MAX_WORKERS,
) -> dict:
    """The workers of your scope with their last position, status and open cases."""
    workers = await db.run(
        list_workers, area=area, grid=grid, statuses=tuple(status or ()), limit=limit
    )  # fmt: skip
    return {"workers": workers}


@router.get("/workers/patrol", response_model=WorkerPatrolList, responses=problems(404))
async def get_worker_patrol(db: Db, user: Reader, area: Area = None, day: Day = None) -> dict:
    """Per worker: the grids walked on a day and the minutes in each (the time to the next
    position, when it came within 10 minutes)."""
    when = _day(day, "date")
    return {"date": when.isoformat(), "workers": await db.run(worker_patrol, when, area=area)}


@router.get("/workers/patrol/grids", response_model=GridPatrolList, responses=problems(404))
async def get_grid_patrol(
    db: Db,
    user: Reader,
    area: Area = None,
    until: Annotated[date | None, Query(description="The last day counted; default today.")] = None,
    days: Annotated[int, Query(ge=1, le=MAX_DAYS, description="Days counted.")] = 7,
    limit: Annotated[
        int, Query(ge=1, le=MAX_GRIDS, description="Rows, the least-walked grids first.")
    ] = MAX_GRIDS,
) -> dict:
    """Per grid of the published plans: patrol minutes, workers and last visit in the last
    `days` days; grids nobody walked come first (`visited` false)."""
    last = _day(until, "until")
    grids = await db.run(grid_patrol, last, days=days, area=area, limit=limit)
    since = last - timedelta(days=days - 1)
    return {"since": since.isoformat(), "until": last.isoformat(), "grids": grids}


@router.get("/workers/{code}/track", response_model=WorkerTrack, responses=problems(404))
async def get_track(code: Code, db: Db, user: Reader, day: Day = None) -> dict:
    """The worker's positions on a day as GeoJSON: the track as a LineString, and a Point
    per position."""
    return await db.run(worker_track, code, _day(day, "date"))


@router.get("/incidents/{code}/workers", response_model=NearestWorkers, responses=problems(404))
async def get_nearest_workers(
    code: Code,
    db: Db,
    user: Reader,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 5,
    include_offline: Annotated[
        bool, Query(description="Also workers not seen for 15 minutes.")
    ] = False,
) -> dict:
    """The workers on duty nearest the incident, by road where the network joins them
    (`method` road), else by straight line, each with their status (available, or busy
    with open cases); dispatch with the incident's `dispatched` action."""
    return await db.run(nearest_workers, code, limit=limit, include_offline=include_offline)
