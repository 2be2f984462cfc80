"""Areas: the district > street > community tree and each area's statistics."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from api.auth import CurrentUser, permit
from api.dependencies import AreaCode, Db
from api.schemas.areas import AreaDetail, AreaNode
from api.schemas.problems import DATABASE, NAMED
from gis.places.areas import area_detail, area_tree
from gis.places.disclosure import withheld_from

router = APIRouter(
    prefix="/api/v1/areas", tags=["areas"], responses=DATABASE, dependencies=[permit("maps:read")]
)


@router.get("", response_model=list[AreaNode])
async def list_areas(db: Db) -> list[dict]:
    """Every area as a tree: districts, their streets, their communities."""
    return await db.run(area_tree)


@router.get(
    "/{code}", response_model=AreaDetail, response_model_exclude_unset=True, responses=NAMED
)
async def get_area(
    code: AreaCode,
    db: Db,
    user: CurrentUser,
    geometry: Annotated[bool, Query(description="Include the boundary as GeoJSON.")] = False,
) -> dict:
    """One area: breadcrumb, statistics, and its children with theirs. Counts of persons
    and households under 5 are withheld from roles without households:read."""
    suppress = withheld_from(user.role)
    return await db.run(area_detail, code, geometry=geometry, suppress=suppress)
