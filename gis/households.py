"""Households and the people in them, with personal data masked and every read audited."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, text

from gis.errors import NotFound


def household_detail(conn: Connection, code: str, *, actor: str) -> dict[str, Any]:
    """A household and its members. ID numbers and phones come masked (e.g.
    ``330402**********12``, ``138****5678``); the read is written to the audit log."""
    row = (
        conn.execute(
            text(
                """
            SELECT h.id, h.code, h.room, h.kind::text AS kind, h.members,
                   b.code AS building_code, b.address
            FROM household h JOIN building b ON b.id = h.building_id
            WHERE h.code = :code
            """
            ),
            {"code": code},
        )
        .mappings()
        .first()
    )
    if row is None:
        raise NotFound(f"there is no household with code {code!r}")
    persons = (
        conn.execute(
            text(
                """
            SELECT code, name, id_number_masked AS id_number, phone_masked AS phone,
                   birth_year, sex, tags
            FROM person WHERE household_id = :id ORDER BY code
            """
            ),
            {"id": row["id"]},
        )
        .mappings()
        .all()
    )
    conn.execute(
        text(
            "INSERT INTO audit_log (actor, action, object_type, object_id, detail) "
            "VALUES (:actor, 'read', 'household', :code, "
            "jsonb_build_object('persons', CAST(:n AS integer), 'masked', true))"
        ),
        {"actor": actor, "code": code, "n": len(persons)},
    )
    conn.commit()
    result = {k: v for k, v in row.items() if k != "id"}
    result["persons"] = [dict(p) for p in persons]
    return result
