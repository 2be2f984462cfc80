"""What the planner page needs of a plan beyond the plans router: its buildings, each
with its grid in that plan (a draft's grids are not in the tiles)."""

from __future__ import annotations

from fastapi import APIRouter
from sqlalchemy import Connection

from api.auth import PlanReader, permit
from api.dependencies import Db, PlanId
from api.routers.plans import _scoped_plan
from api.schemas.base import FeatureCollection
from api.schemas.problems import DATABASE, INPUT, NAMED
from gis.accounts import User
from gis.partition.planner import plan_buildings

router = APIRouter(
    prefix="/api/v1",
    tags=["plans"],
    responses=DATABASE | INPUT,
    dependencies=[permit("plans:read")],
)


def _buildings(conn: Connection, plan_id: int, user: User) -> dict:
    _scoped_plan(conn, plan_id, user)
    return plan_buildings(conn, plan_id)


@router.get("/plans/{plan_id}/buildings", response_model=FeatureCollection, responses=NAMED)
async def get_plan_buildings(plan_id: PlanId, db: Db, user: PlanReader) -> dict:
    """The plan's buildings as GeoJSON: footprint; code, households, the grid it is in,
    and lon/lat of a point inside it."""
    return await db.run(_buildings, plan_id, user)
