"""What the planner page reads of a stored plan beyond its grids: each building's grid."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import Connection

from gis.db.statements import query
from gis.partition.store import plan_row


def plan_buildings(conn: Connection, plan_id: int) -> dict[str, Any]:
    """The plan's buildings as a GeoJSON FeatureCollection (footprints; properties code,
    households, grid, and lon/lat of a point inside)."""
    plan_row(conn, plan_id)  # NotFound first
    text = conn.execute(query("gis.partition", "planner", "plan_buildings"), {"id": plan_id})
    return json.loads(text.scalar_one())
