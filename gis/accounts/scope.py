"""Where a user may act: their scope, for what row-level security does not cover.

The database limits the rows of personal data to a user's scope by itself (migration
0011). Plans are not personal data and carry no policy, but a planner of one street
must not redraw another's: the plan routes ask ``check_area`` first.
"""

from __future__ import annotations

from sqlalchemy import Connection

from gis.accounts.users import User
from gis.db.statements import query
from gis.errors import Forbidden


def check_area(conn: Connection, user: User, area_code: str) -> None:
    """Forbidden unless ``area_code`` lies within ``user``'s scope (no scope: anywhere).

    An unknown area passes: the caller's own lookup answers it with a 404.
    """
    if user.scope is None:
        return
    params = {"area": area_code, "scope": user.scope}
    inside = conn.execute(query("gis.accounts", "scope", "area_within"), params).scalar()
    if inside is False or (inside is None and _known(conn, area_code)):
        raise Forbidden(
            f"area {area_code} is outside {user.name}'s scope {user.scope}: "
            "only plans of areas within it can be read or changed"
        )


def _known(conn: Connection, area_code: str) -> bool:
    return conn.execute(query("gis.accounts", "scope", "area_exists"), {"area": area_code}).scalar()
