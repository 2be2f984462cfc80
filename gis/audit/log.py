"""Adding an entry to the audit log, and reading a filtered page of it.

The API's database role may insert and nothing else; it reads through
``wangge_audit_entries``, a function that answers only when the request's user (named
by its credential, ``wangge_user_id()``) is an enabled admin. The CLI signs in as the
table's owner and reads with ``as_owner=True``.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.exc import DBAPIError

from gis.db.statements import query
from gis.errors import Forbidden, InvalidInput

# The setting a maintenance transaction turns on to change or remove entries
# (``SET LOCAL wangge.audit_maintenance = 'on'``; docs/audit.md).
MAINTENANCE = "wangge.audit_maintenance"
MAX_LIMIT = 500
INSUFFICIENT_PRIVILEGE = "42501"
# Longest value of each bounded column (migration 0012).
_BOUNDS = {"role": 32, "request_id": 64, "action": 32, "object_type": 32}


def record(
    conn: Connection,
    *,
    actor: str,
    role: str | None,
    source: str | None,
    request_id: str | None,
    action: str,
    object_type: str,
    object_id: str | None,
    purpose: str | None = None,
    detail: dict[str, Any] | None = None,
) -> None:
    """Add one entry: who (``actor`` and ``role``), from where (``source`` address and
    ``request_id``), did what (``action``) to which object, why (``purpose``).

    It commits with the caller's transaction; the database gives it its id, time and
    place in the chain.
    """
    params = {"actor": actor, "role": role, "source": source, "request_id": request_id,
              "action": action, "object_type": object_type, "object_id": object_id}  # fmt: skip
    for field, bound in _BOUNDS.items():
        if params[field] is not None and len(params[field]) > bound:
            raise InvalidInput(f"an audit entry's {field} is at most {bound} characters")
    params["purpose"] = purpose
    params["detail"] = json.dumps(detail or {}, ensure_ascii=False)
    conn.execute(query("gis.audit", "log", "record"), params)


def entries(
    conn: Connection,
    *,
    actor: str | None = None,
    action: str | None = None,
    object_type: str | None = None,
    object_id: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    after: int = 0,
    limit: int = 100,
    as_owner: bool = False,
) -> dict[str, Any]:
    """A page of entries in id order: those after id ``after`` that match every filter
    given (``since`` inclusive, ``until`` exclusive), at most ``limit``.

    Returns ``items`` and ``next_after``, the ``after`` of the next page (None on the
    last). Without ``as_owner`` the read goes through ``wangge_audit_entries``, and a
    connection that names no enabled admin gets Forbidden.
    """
    if not 1 <= limit <= MAX_LIMIT:
        raise InvalidInput(f"limit must be 1 to {MAX_LIMIT}, not {limit}")
    if after < 0:
        raise InvalidInput(f"after must be an entry id (0 or more), not {after}")
    params = {"actor": actor, "action": action, "object_type": object_type,
              "object_id": object_id, "since": since, "until": until, "after": after,
              "limit": limit}  # fmt: skip
    name = "entries_as_owner" if as_owner else "entries"
    try:
        rows = conn.execute(query("gis.audit", "log", name), params).mappings().all()
    except DBAPIError as exc:
        if getattr(exc.orig, "sqlstate", None) == INSUFFICIENT_PRIVILEGE:
            raise Forbidden(
                "only an enabled admin may read the audit log (audit:read); "
                f"the database refused: {exc.orig.diag.message_primary}"
            ) from None
        raise
    items = [dict(r) for r in rows]
    return {"items": items, "next_after": items[-1]["id"] if len(items) == limit else None}
