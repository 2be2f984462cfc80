"""The derived links: building → community and grid, camera → community, incident →
community, building, grid.

This is the one place that derives them. Loading, publishing and incident intake call
these inside their own transaction, so an answer never shows a stale or missing link:
an incident loaded after a plan is published has its grid at once.

All functions are set-based: one statement per link, over the codes given.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection

from gis.db.statements import query


def _run(conn: Connection, name: str, params: dict) -> int:
    return conn.execute(query("gis.links", "links", name), params).rowcount


def link_buildings(conn: Connection, codes: Sequence[str]) -> None:
    """Give the buildings ``codes`` their community, and their grid in published plans."""
    params = {"codes": list(codes)}
    _run(conn, "building_community", params)
    _run(conn, "building_published_grid", params)


def link_cameras(conn: Connection, codes: Sequence[str]) -> None:
    """Give the cameras ``codes`` their community."""
    _run(conn, "camera_community", {"codes": list(codes)})


def link_incidents(conn: Connection, codes: Sequence[str]) -> None:
    """Give the incidents ``codes`` their community, building and published grid."""
    _run(conn, "incident_places", {"codes": list(codes)})


def place_of_point(conn: Connection, lon: float, lat: float) -> dict[str, Any]:
    """The community (id, code, name), building and published grid of an incident at
    (``lon``, ``lat``) in EPSG:4326, by the rule ``link_incidents`` applies; each None
    where there is none. An intake writes them in the row it inserts."""
    sql = query("gis.links", "links", "point_places")
    return dict(conn.execute(sql, {"lon": lon, "lat": lat}).mappings().one())


def link_plan(conn: Connection, plan_id: int) -> int:
    """On publishing plan ``plan_id``: incidents in its grids take their grid from it.

    Returns how many incidents changed grid.
    """
    return _run(conn, "plan_incidents", {"plan": plan_id})
