"""Buildings: listed by community, grid or box; one building with its households."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, text

from gis.errors import InvalidInput, NotFound
from gis.paging import PageRequest, page

_LIST = """
SELECT b.code, b.address, b.levels, b.kind, b.households, c.code AS community_code,
       round(ST_X(ST_PointOnSurface(b.geom))::numeric, 7)::float8 AS lon,
       round(ST_Y(ST_PointOnSurface(b.geom))::numeric, 7)::float8 AS lat,
       count(*) OVER () AS total
FROM building b
LEFT JOIN area c ON c.id = b.community_id
WHERE {where}
ORDER BY b.code
LIMIT :limit OFFSET :offset
"""
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
    sql = _LIST.format(where="\n  AND ".join(filters))
    rows = conn.execute(text(sql), params).mappings().all()
    total = rows[0]["total"] if rows else _count_beyond(conn, request)
    items = [{k: v for k, v in r.items() if k != "total"} for r in rows]
    return page(items, int(total), request)


def _count_beyond(conn: Connection, request: PageRequest) -> int:
    # An offset past the end returns no rows, hence no window count; the total is
    # then unknown but at most the offset, which is all a client needs to stop.
    return 0 if request.offset == 0 else request.offset


def building_detail(conn: Connection, code: str) -> dict[str, Any]:
    """One building: where it is, its grid under the published plan, its households."""
    row = (
        conn.execute(
            text(
                """
            SELECT b.id, b.code, b.address, b.levels, b.kind, b.households AS households_declared,
                   c.code AS community_code, c.name AS community_name,
                   g.code AS grid_code, g.name AS grid_name,
                   ST_AsGeoJSON(b.geom, 7)::json AS geometry
            FROM building b
            LEFT JOIN area c ON c.id = b.community_id
            LEFT JOIN LATERAL (
                SELECT g.code, g.name FROM building_grid bg
                JOIN grid g ON g.id = bg.grid_id
                JOIN grid_plan p ON p.id = bg.plan_id AND p.status = 'published'
                WHERE bg.building_id = b.id LIMIT 1
            ) g ON true
            WHERE b.code = :code
            """
            ),
            {"code": code},
        )
        .mappings()
        .first()
    )
    if row is None:
        raise NotFound(f"there is no building with code {code!r}")
    households = (
        conn.execute(
            text(
                """
            SELECT h.code, h.room, h.kind::text AS kind, h.members,
                   count(p.id) AS persons,
                   count(p.id) FILTER (WHERE 'floating' = ANY(p.tags)) AS floating
            FROM household h LEFT JOIN person p ON p.household_id = h.id
            WHERE h.building_id = :id
            GROUP BY h.id ORDER BY h.room, h.code
            """
            ),
            {"id": row["id"]},
        )
        .mappings()
        .all()
    )
    result = {k: v for k, v in row.items() if k != "id"}
    result["households"] = [dict(h) for h in households]
    result["persons"] = sum(h["persons"] for h in households)
    return result
