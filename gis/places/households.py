"""Households and the people in them, with personal data masked and every read audited."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection

from gis.audit import record
from gis.db.statements import fetch_one, query


def household_detail(
    conn: Connection,
    code: str,
    *,
    actor: str,
    role: str | None = None,
    source: str | None = None,
    request_id: str | None = None,
) -> dict[str, Any]:
    """A household and its members. ID numbers and phones come masked (e.g.
    ``33***************2``, ``138******78``); the read is written to the audit log
    with who read it (``actor``, ``role``), from where and in which request.

    The caller owns the transaction: the audit row commits with it (the API's
    connections autocommit each statement).
    """
    missing = f"there is no household with code {code!r}"
    row = fetch_one(
        conn, query("gis.places", "households", "detail"), {"code": code}, missing=missing
    )
    persons = conn.execute(query("gis.places", "households", "persons"), {"id": row["id"]})
    members = [dict(p) for p in persons.mappings()]
    record(conn, actor=actor, role=role, source=source, request_id=request_id, action="read",
           object_type="household", object_id=code,
           detail={"persons": len(members), "masked": True})  # fmt: skip
    result = {k: v for k, v in row.items() if k != "id"}
    result["persons"] = members
    return result
