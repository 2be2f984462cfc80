"""What the planner page needs of a plan beyond the plans router: its buildings, each
with its grid in that plan (a draft's grids are not in the tiles); locking a grid, and
rebalancing a community around its locked grids.

Locking and rebalancing are changes like the edits of ``api/routers/plans.py``: they
need the plan's ETag in If-Match (428 without, 412 if stale) and a draft (409), and
make a new version. A rebalance is one edit; the page undoes it with a reassign, which
sends every building of the community back to the grid it was in.
"""

from __future__ import annotations

from fastapi import APIRouter, BackgroundTasks, Request, Response
from pydantic import Field
from sqlalchemy import Connection

from api.auth import PlanReader, permit
from api.dependencies import Db, PlanId
from api.routers.plans import (
    Body,
    CodeText,
    IfMatch,
    _audit,
    _edit,
    _etag,
    _precondition,
    _scoped_plan,
    _summary,
    _unless_stale,
    plan_cache,
)
from api.schemas.base import FeatureCollection
from api.schemas.plans import Edited, Locked
from api.schemas.problems import DATABASE, EDIT, INPUT, NAMED
from gis.accounts import User
from gis.accounts.roles import may
from gis.partition.locks import rebalance
from gis.partition.planner import plan_buildings
from gis.partition.reassign import reassign
from gis.partition.store import set_lock, warm

router = APIRouter(
    prefix="/api/v1",
    tags=["plans"],
    responses=DATABASE | INPUT,
    dependencies=[permit("plans:read")],
)


class LockEdit(Body):
    grid: CodeText = Field(description="Code of the grid to lock or unlock.")
    locked: bool = Field(True, description="true locks the grid, false unlocks it.")


class RebalanceEdit(Body):
    community: CodeText = Field(
        description="Code of the community whose unlocked grids are partitioned again."
    )


class ReassignEdit(Body):
    community: CodeText = Field(description="Code of the community.")
    buildings: dict[CodeText, CodeText] = Field(
        min_length=1,
        max_length=10_000,
        description="Each building of the community (code) and the grid (code) it goes to.",
    )


def _buildings(conn: Connection, plan_id: int, user: User) -> dict:
    _scoped_plan(conn, plan_id, user)
    return plan_buildings(conn, plan_id)


@router.get("/plans/{plan_id}/buildings", response_model=FeatureCollection, responses=NAMED)
async def get_plan_buildings(
    plan_id: PlanId, db: Db, user: PlanReader, request: Request, background: BackgroundTasks
) -> dict:
    """The plan's buildings as GeoJSON: footprint; code, households, the grid it is in,
    and lon/lat of a point inside it. A writer's draft is then read into memory for its
    first edit (after the answer, as the same user)."""
    answer = await db.run(_buildings, plan_id, user)
    if may(user.role, "plans:write"):
        background.add_task(warm, request.app.state.engine, plan_id, plan_cache(request))
    return answer


@router.post(
    "/plans/{plan_id}/edits/lock",
    response_model=Locked,
    responses=EDIT,
    dependencies=[permit("plans:write")],
)
def post_lock(plan_id: PlanId, body: LockEdit, request: Request, response: Response,
              if_match: IfMatch = None) -> dict:  # fmt: skip
    """Lock a grid of a draft (edits may not change it, a rebalance leaves it), or unlock it."""
    version = _precondition(request, plan_id, if_match)
    engine, cache = request.app.state.engine, plan_cache(request)
    row = _unless_stale(
        request, plan_id,
        lambda: set_lock(engine, plan_id, version, body.grid, body.locked, cache=cache),
    )  # fmt: skip
    response.headers["ETag"] = _etag(row)
    detail = {"version": row["version"], "grid": body.grid, "locked": body.locked}
    _audit(request, request.state.user, "lock", plan_id, detail)
    return {**_summary(row), "grid": body.grid, "is_locked": body.locked, "locked": row["locked"]}


@router.post(
    "/plans/{plan_id}/edits/rebalance",
    response_model=Edited,
    responses=EDIT,
    dependencies=[permit("plans:write")],
)
def post_rebalance(plan_id: PlanId, body: RebalanceEdit, request: Request, response: Response,
                   if_match: IfMatch = None) -> dict:  # fmt: skip
    """Partition the unlocked grids of one community again (the engine, the plan's rules);
    locked grids stay exactly as they are."""
    return _edit(request, response, plan_id, if_match,
                 lambda: lambda p, locked: rebalance(p, body.community, locked))  # fmt: skip


@router.post(
    "/plans/{plan_id}/edits/reassign",
    response_model=Edited,
    responses=EDIT,
    dependencies=[permit("plans:write")],
)
def post_reassign(plan_id: PlanId, body: ReassignEdit, request: Request, response: Response,
                  if_match: IfMatch = None) -> dict:  # fmt: skip
    """Put every building of a community in the grid named for it (the undo of a rebalance);
    grids are drawn from their units, cells without buildings join a neighbouring grid."""
    places = body.buildings
    return _edit(request, response, plan_id, if_match,
                 lambda: lambda p, locked: reassign(p, body.community, places, locked))  # fmt: skip
