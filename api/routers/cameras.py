"""Cameras' derived reads: which cameras see an incident, coverage and blind spots.

What each camera sees is stored and kept current by gis.cameras.refresh; these routes
only read it. The incident and the coverage follow the caller's scope (row-level
security): another area's incident is not found, another area's coverage is not listed.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from api.auth import Analyst, Permit
from api.dependencies import AREA_CODE, Code, Db, IsoTime
from api.schemas.cameras import BlindSpots, Coverage, IncidentCameras
from api.schemas.problems import DATABASE, INPUT, problems
from gis.accounts import User
from gis.cameras.queries import (
    MAX_GRIDS,
    By,
    area_coverage,
    blind_spot_ranking,
    incident_cameras,
)

router = APIRouter(prefix="/api/v1", tags=["cameras"], responses=DATABASE | INPUT)

IncidentReader = Annotated[User, Depends(Permit("incidents:read"))]
MapReader = Annotated[User, Depends(Permit("maps:read"))]
Area = Annotated[str, Query(pattern=AREA_CODE, description="Area code (12 digits).")]


@router.get("/incidents/{code}/cameras", response_model=IncidentCameras, responses=problems(404))
async def get_incident_cameras(code: Code, db: Db, user: IncidentReader) -> dict:
    """Cameras whose visible area holds the incident, nearest first, with distance and
    bearing; then those within range and facing it that a building blocks (``visible``
    false)."""
    return await db.run(incident_cameras, code)


@router.get("/coverage", response_model=Coverage, responses=problems(404))
async def get_coverage(
    area: Area,
    db: Db,
    user: MapReader,
    by: Annotated[By, Query(description="grid (of the published plan) or community.")] = "grid",
) -> dict:
    """Per grid or community under ``area``: its public space (the area minus building
    footprints), the part no online camera sees, and the covered share. At most 250
    grids per request: ask street by street, or by community."""
    return await db.run(area_coverage, area, by)


@router.get("/coverage/blind-spots", response_model=BlindSpots, responses=problems(404))
async def get_blind_spots(
    area: Area,
    db: Db,
    user: Analyst,
    from_: Annotated[
        IsoTime | None,
        Query(
            alias="from",
            description="Incidents reported at or after; default: 90 days before `to`.",
        ),
    ] = None,
    to: Annotated[
        IsoTime | None, Query(description="Incidents reported before; default: now.")
    ] = None,
    by: Annotated[By, Query(description="grid (of the published plan) or community.")] = "grid",
    limit: Annotated[int, Query(ge=1, le=MAX_GRIDS, description="Rows to answer.")] = 50,
) -> dict:
    """Grids ranked by blind-spot area weighted by the incidents reported in their blind
    spots in the period (``score`` = blind m² × (1 + those incidents)); communities with
    ``by=community`` or where the area has no published plan. At most 250 grids: ask
    street by street. A period of at most 366 days."""
    return await db.run(blind_spot_ranking, area, from_, to, limit, by)
