"""Incidents out of the database as a GeoDataFrame, for analyses and notebooks."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

import geopandas as gpd
import pandas as pd
from sqlalchemy import Engine, text

from gis.errors import InvalidInput, NotFound

_SELECT = """
SELECT i.code, i.category, i.urgency::text AS urgency, i.status::text AS status,
       i.source::text AS source, i.reported_at, c.code AS community_code,
       c.name AS community_name, g.code AS grid_code, i.geom AS geometry
FROM incident i
LEFT JOIN area c ON c.id = i.community_id
LEFT JOIN grid g ON g.id = i.grid_id
WHERE (CAST(:area AS text) IS NULL
       OR c.path <@ (SELECT path FROM area WHERE code = CAST(:area AS text)))
  AND (CAST(:categories AS text[]) IS NULL OR i.category = ANY(CAST(:categories AS text[])))
  AND (CAST(:since AS timestamptz) IS NULL OR i.reported_at >= CAST(:since AS timestamptz))
  AND (CAST(:until AS timestamptz) IS NULL OR i.reported_at < CAST(:until AS timestamptz))
ORDER BY i.reported_at, i.code
"""


def read_incidents(
    engine: Engine,
    *,
    area: str | None = None,
    categories: Iterable[str] | None = None,
    since: datetime | str | None = None,
    until: datetime | str | None = None,
) -> gpd.GeoDataFrame:
    """Incidents under ``area`` (a district, street or community code), optionally of
    some categories and within [since, until), with their community and grid.

    Examples
    --------
    >>> df = read_incidents(engine, area="331004001000", since="2026-01-01")  # doctest: +SKIP
    """
    if since is not None and until is not None and str(since) >= str(until):
        raise InvalidInput(f"since ({since}) must be earlier than until ({until})")
    with engine.connect() as conn:
        if (
            area is not None
            and conn.execute(text("SELECT 1 FROM area WHERE code = :c"), {"c": area}).first()
            is None
        ):
            raise NotFound(f"there is no area with code {area}")
        frame = gpd.read_postgis(
            text(_SELECT),
            conn,
            geom_col="geometry",
            params={
                "area": area,
                "categories": list(categories) if categories else None,
                "since": since,
                "until": until,
            },
        )
    # An empty result comes back untyped: parse so the column is a datetime either way.
    frame["reported_at"] = pd.to_datetime(frame["reported_at"], utc=True).dt.tz_convert(
        "Asia/Shanghai"
    )
    return frame
