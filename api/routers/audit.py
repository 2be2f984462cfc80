"""The audit log, for administrators: filtered, paged by entry id."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from api.auth import permit
from api.dependencies import Db, IsoTime
from api.schemas.audit import AuditPage
from api.schemas.problems import DATABASE, INPUT
from gis.audit import MAX_LIMIT, entries

router = APIRouter(
    prefix="/api/v1",
    tags=["audit"],
    responses=DATABASE | INPUT,
    dependencies=[permit("audit:read")],
)


def _text(length: int, description: str) -> object:
    return Query(min_length=1, max_length=length, description=description)


@router.get("/audit", response_model=AuditPage)
async def get_audit(
    db: Db,
    actor: Annotated[str | None, _text(64, "The user's name.")] = None,
    action: Annotated[str | None, _text(32, "read, unmask, ...")] = None,
    object_type: Annotated[str | None, _text(32, "household, person, ...")] = None,
    object_id: Annotated[str | None, _text(64, "The object's code.")] = None,
    since: Annotated[IsoTime | None, Query(description="From this time on (ISO 8601).")] = None,
    until: Annotated[IsoTime | None, Query(description="Before this time (ISO 8601).")] = None,
    after: Annotated[
        int, Query(ge=0, le=2**63 - 1, description="Entries after this id: a page's next_after.")
    ] = 0,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Entries per page.")] = 100,
) -> dict:
    """Entries in id order that match every filter given. The database answers only an
    enabled admin: the API's own role cannot read the table (docs/audit.md)."""
    filters = {"actor": actor, "action": action, "object_type": object_type,
               "object_id": object_id, "since": since, "until": until}  # fmt: skip
    return await db.run(entries, **filters, after=after, limit=limit)
