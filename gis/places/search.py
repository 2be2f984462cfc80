"""Search areas, grids and buildings by code, name or address."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection

from gis.db.statements import query
from gis.errors import InvalidInput

MAX_RESULTS = 50


def search(conn: Connection, q: str, limit: int = 20) -> list[dict[str, Any]]:
    """Places matching ``q``: exact codes and names first, then areas, grids, buildings."""
    q = q.strip()
    if not 1 <= len(q) <= 64:
        raise InvalidInput("search text must be 1 to 64 characters")
    if not 1 <= limit <= MAX_RESULTS:
        raise InvalidInput(f"limit must be between 1 and {MAX_RESULTS}")
    escaped = q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    rows = conn.execute(
        query("gis.places", "search", "search"),
        {"q": q, "prefix": escaped + "%", "contains": f"%{escaped}%", "limit": limit},
    ).mappings()
    return [{k: v for k, v in r.items() if k != "rank"} for r in rows]
