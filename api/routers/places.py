"""Drill-down below the areas: buildings, households (masked), and search."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request

from api.auth import CurrentUser, HouseholdReader, permit
from api.dependencies import AREA_CODE, Code, Db, Page
from api.limits import LIMIT_HOUSEHOLD_READS
from api.requests import origin
from api.schemas.places import (
    BuildingDetail,
    BuildingPage,
    GridDetail,
    HouseholdDetail,
    SearchResult,
)
from api.schemas.problems import DATABASE, INPUT, NAMED, problems
from gis.places.buildings import building_detail, list_buildings
from gis.places.disclosure import withheld_from
from gis.places.grids import grid_detail
from gis.places.households import household_detail
from gis.places.paging import parse_bbox
from gis.places.search import MAX_RESULTS, search

router = APIRouter(
    prefix="/api/v1",
    tags=["places"],
    responses=DATABASE | INPUT,
    dependencies=[permit("maps:read")],
)


@router.get("/buildings", response_model=BuildingPage)
async def get_buildings(
    db: Db,
    paging: Page,
    community: Annotated[
        str | None, Query(pattern=AREA_CODE, description="Community code (12 digits).")
    ] = None,
    grid: Annotated[
        str | None, Query(max_length=64, description="Grid code (published plan).")
    ] = None,
    bbox: Annotated[
        str | None,
        Query(
            max_length=200, description="minlon,minlat,maxlon,maxlat (EPSG:4326), at most 100 km²"
        ),
    ] = None,
) -> dict:
    """A page of buildings in a community, a grid or a box."""
    box = parse_bbox(bbox) if bbox else None
    return await db.run(list_buildings, paging, community=community, grid=grid, bbox=box)


@router.get("/grids/{code}", response_model=GridDetail, responses=NAMED)
async def get_grid(code: Code, db: Db, user: CurrentUser) -> dict:
    """One grid of the published plan with its statistics (small counts of persons and
    households withheld from roles without households:read)."""
    return await db.run(grid_detail, code, suppress=withheld_from(user.role))


@router.get("/buildings/{code}", response_model=BuildingDetail, responses=NAMED)
async def get_building(code: Code, db: Db, user: CurrentUser) -> dict:
    """One building with its grid and community; its households for a reader allowed
    them (households:read), else only its persons count, withheld under 5."""
    return await db.run(building_detail, code, rows=not withheld_from(user.role))


@router.get(
    "/households/{code}",
    response_model=HouseholdDetail,
    responses=NAMED | problems(429),
    dependencies=[LIMIT_HOUSEHOLD_READS],  # per user: a few a minute, no walks (api/limits.py)
)
async def get_household(
    code: Code,
    db: Db,
    user: HouseholdReader,
    request: Request,
) -> dict:
    """One household and its members, ID numbers and phones masked; the read is audited."""
    return await db.run(household_detail, code, **origin(request, user))


@router.get("/search", response_model=list[SearchResult])
async def get_search(
    db: Db,
    q: Annotated[str, Query(min_length=1, max_length=64, description="Code, name or address.")],
    limit: Annotated[int, Query(ge=1, le=MAX_RESULTS)] = 20,
) -> list[dict]:
    """Areas, grids and buildings matching a code, name or address."""
    return await db.run(search, q, limit)
