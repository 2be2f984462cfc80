"""Search areas, grids and buildings by code, name or address."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, text

from gis.errors import InvalidInput

MAX_RESULTS = 50

_SEARCH = """
(SELECT 'area' AS type, a.level::text AS level, a.code, a.name AS label,
        ST_X(ST_PointOnSurface(a.geom)) AS lon, ST_Y(ST_PointOnSurface(a.geom)) AS lat,
        CASE WHEN a.code = :q OR a.name = :q THEN 0 ELSE 1 END AS rank
 FROM area a
 WHERE a.code LIKE :prefix OR a.name ILIKE :contains
 ORDER BY rank, a.path LIMIT :limit)
UNION ALL
(SELECT 'grid', NULL, g.code, coalesce(g.name, g.code),
        ST_X(ST_PointOnSurface(g.geom)), ST_Y(ST_PointOnSurface(g.geom)),
        CASE WHEN g.code = :q THEN 0 ELSE 2 END
 FROM grid g JOIN grid_plan p ON p.id = g.plan_id AND p.status = 'published'
 WHERE g.code LIKE :prefix OR g.name ILIKE :contains
 ORDER BY g.code LIMIT :limit)
UNION ALL
(SELECT 'building', b.kind, b.code, coalesce(b.address, b.code),
        ST_X(ST_PointOnSurface(b.geom)), ST_Y(ST_PointOnSurface(b.geom)),
        CASE WHEN b.code = :q THEN 0 ELSE 3 END
 FROM building b
 WHERE b.code LIKE :prefix OR b.address ILIKE :contains
 ORDER BY b.code LIMIT :limit)
ORDER BY rank, code
LIMIT :limit
"""


def search(conn: Connection, q: str, limit: int = 20) -> list[dict[str, Any]]:
    """Places matching ``q``: exact codes and names first, then areas, grids, buildings."""
    q = q.strip()
    if not 1 <= len(q) <= 64:
        raise InvalidInput("search text must be 1 to 64 characters")
    if not 1 <= limit <= MAX_RESULTS:
        raise InvalidInput(f"limit must be between 1 and {MAX_RESULTS}")
    escaped = q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    rows = conn.execute(
        text(_SEARCH),
        {"q": q, "prefix": escaped + "%", "contains": f"%{escaped}%", "limit": limit},
    ).mappings()
    return [{k: v for k, v in r.items() if k != "rank"} for r in rows]
