"""Buildings: listed by community, grid or box; one building with its households."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, text

from gis.db.statements import fetch_one, query, statement
from gis.errors import InvalidInput
from gis.places.disclosure import suppress
from gis.places.paging import PageRequest, page

# Only the filters asked for reach the SQL: an `:x IS NULL OR ...` pattern would hide
# the indexes from a prepared statement's generic plan.
_FILTERS = {
    "community": "b.community_id = (SELECT id FROM area WHERE code = :community)",
    "grid": """b.id IN (
        SELECT bg.building_id FROM building_grid bg
        JOIN grid g ON g.id = bg.grid_id
        JOIN grid_plan p ON p.id = g.plan_id AND p.status = 'published'
        WHERE g.code = :grid)""",
    "bbox": "b.geom && ST_MakeEnvelope(:west, :south, :east, :north, 4326)",
}


def list_buildings(
    conn: Connection,
    request: PageRequest,
    *,
    community: str | None = None,
    grid: str | None = None,
    bbox: tuple[float, float, float, float] | None = None,
) -> dict[str, Any]:
    """A page of buildings in a community, a published grid, or a box (one is required)."""
    asked = {"community": community, "grid": grid, "bbox": bbox}
    filters = [_FILTERS[name] for name, value in asked.items() if value is not None]
    if not filters:
        raise InvalidInput("name a community, a grid or a bbox: the whole city is not one list")
    west, south, east, north = bbox or (None, None, None, None)
    params = {"community": community, "grid": grid, "west": west, "south": south, "east": east,
              "north": north, "limit": request.limit, "offset": request.offset}  # fmt: skip
    where = "\n  AND ".join(filters)
    sql = statement("gis.places", "buildings", "list").format(where=where)
    rows = conn.execute(text(sql), params).mappings().all()
    if rows:
        total = rows[0]["total"]
    elif request.offset == 0:
        total = 0
    else:  # a page past the end has no row to carry the window count: count apart
        count = statement("gis.places", "buildings", "count").format(where=where)
        total = conn.execute(text(count), params).scalar_one()
    items = [{k: v for k, v in r.items() if k != "total"} for r in rows]
    return page(items, int(total), request)


def building_detail(conn: Connection, code: str, *, rows: bool = True) -> dict[str, Any]:
    """One building: where it is, its grid under the published plan, its households.

    ``rows=False`` for a reader without ``households:read``: no household rows, and the
    persons count withheld under 5 (gis.places.disclosure), as area statistics are."""
    missing = f"there is no building with code {code!r}"
    row = fetch_one(
        conn, query("gis.places", "buildings", "detail"), {"code": code}, missing=missing
    )
    sql = query("gis.places", "buildings", "households")
    households = conn.execute(sql, {"id": row["id"]}).mappings().all()
    result = {k: v for k, v in row.items() if k != "id"}
    result["households"] = [dict(h) for h in households] if rows else []
    result["persons"] = sum(h["persons"] for h in households)
    return suppress(result, ("persons",) if not rows else ())


def household_building(conn: Connection, household: str) -> str | None:
    """The code of the building ``household`` is in (None for an unknown household), for
    the limit on reading the households of many buildings (api/limits.py)."""
    sql = query("gis.places", "buildings", "of_household")
    return conn.execute(sql, {"code": household}).scalar()
