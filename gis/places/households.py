"""Households and the people in them, with personal data masked and every read audited."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection

from gis.db.statements import fetch_one, query


def household_detail(conn: Connection, code: str, *, actor: str) -> dict[str, Any]:
    """A household and its members. ID numbers and phones come masked (e.g.
    ``330402**********12``, ``138****5678``); the read is written to the audit log.

    The caller owns the transaction: the audit row commits with it (the API's
    connections autocommit each statement).
    """
    missing = f"there is no household with code {code!r}"
    row = fetch_one(
        conn, query("gis.places", "households", "detail"), {"code": code}, missing=missing
    )
    persons = conn.execute(query("gis.places", "households", "persons"), {"id": row["id"]})
    members = [dict(p) for p in persons.mappings()]
    audit = {"actor": actor, "code": code, "n": len(members)}
    conn.execute(query("gis.places", "households", "audit_read"), audit)
    result = {k: v for k, v in row.items() if k != "id"}
    result["persons"] = members
    return result
