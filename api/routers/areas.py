"""Areas: the district > street > community tree and each area's statistics."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from api.dependencies import Db
from api.schemas.areas import AreaDetail, AreaNode
from gis.places.areas import area_detail, area_tree

router = APIRouter(prefix="/api/v1/areas", tags=["areas"])

AreaCode = Annotated[
    str, Path(description="12-digit area code, e.g. 331004001001", examples=["331004000000"])
]


@router.get("", response_model=list[AreaNode])
async def list_areas(db: Db) -> list[dict]:
    """Every area as a tree: districts, their streets, their communities."""
    return await db.run(area_tree)


@router.get("/{code}", response_model=AreaDetail, response_model_exclude_unset=True)
async def get_area(
    code: AreaCode,
    db: Db,
    geometry: Annotated[bool, Query(description="Include the boundary as GeoJSON.")] = False,
) -> dict:
    """One area: breadcrumb, statistics, and its children with theirs."""
    return await db.run(area_detail, code, geometry=geometry)
