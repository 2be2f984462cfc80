"""One grid of the published plan, with its statistics: the drill-down level below a community."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection

from gis.db.statements import fetch_one, query
from gis.places import disclosure


def grid_detail(conn: Connection, code: str, *, suppress: bool = False) -> dict[str, Any]:
    """The published grid ``code``: where it is and what it holds.

    ``suppress`` for a reader who may not see households: counts of persons and
    households under 5 are withheld (``gis.places.disclosure``).
    """
    missing = f"there is no grid {code!r} in a published plan"
    row = fetch_one(conn, query("gis.places", "grids", "detail"), {"code": code}, missing=missing)
    stats = ("buildings", "households", "persons", "floating_persons", "open_incidents",
             "cameras", "grid_workers")  # fmt: skip
    return {
        "code": row["code"],
        "name": row["name"],
        "plan_id": row["plan_id"],
        "community_code": row["community_code"],
        "community_name": row["community_name"],
        "area_m2": float(row["area_m2"] or 0),
        "bbox": [row["xmin"], row["ymin"], row["xmax"], row["ymax"]],
        "stats": disclosure.for_reader([{k: int(row[k]) for k in stats}], suppress=suppress)[0],
    }
