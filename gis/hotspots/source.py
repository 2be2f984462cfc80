"""Incidents out of the database as a GeoDataFrame, for analyses and notebooks."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

import geopandas as gpd
import pandas as pd
from sqlalchemy import Engine, text

from gis.errors import InvalidInput, NotFound

_COLUMNS = """
SELECT i.code, i.category, i.urgency::text AS urgency, i.status::text AS status,
       i.source::text AS source, i.reported_at, c.code AS community_code,
       c.name AS community_name, g.code AS grid_code, i.geom AS geometry
"""
_FROM_WHERE = """
FROM incident i
LEFT JOIN area c ON c.id = i.community_id
LEFT JOIN grid g ON g.id = i.grid_id
WHERE (CAST(:area AS text) IS NULL
       OR c.path <@ (SELECT path FROM area WHERE code = CAST(:area AS text)))
  AND (CAST(:categories AS text[]) IS NULL OR i.category = ANY(CAST(:categories AS text[])))
  AND (CAST(:since AS timestamptz) IS NULL OR i.reported_at >= CAST(:since AS timestamptz))
  AND (CAST(:until AS timestamptz) IS NULL OR i.reported_at < CAST(:until AS timestamptz))
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
    params = _params(engine, area, categories, since, until)
    with engine.connect() as conn:
        frame = gpd.read_postgis(
            text(_COLUMNS + _FROM_WHERE + "ORDER BY i.reported_at, i.code"),
            conn,
            geom_col="geometry",
            params=params,
        )
    # An empty result comes back untyped: parse so the column is a datetime either way.
    frame["reported_at"] = pd.to_datetime(frame["reported_at"], utc=True).dt.tz_convert(
        "Asia/Shanghai"
    )
    return frame


def count_incidents(
    engine: Engine,
    *,
    area: str | None = None,
    categories: Iterable[str] | None = None,
    since: datetime | str | None = None,
    until: datetime | str | None = None,
) -> int:
    """How many incidents :func:`read_incidents` would return, without reading them."""
    params = _params(engine, area, categories, since, until)
    with engine.connect() as conn:
        return int(conn.execute(text("SELECT count(*)" + _FROM_WHERE), params).scalar())


def _params(engine: Engine, area, categories, since, until) -> dict:
    """Checked filter values: a real area, a window that is not empty."""
    if since is not None and until is not None and str(since) >= str(until):
        raise InvalidInput(f"since ({since}) must be earlier than until ({until})")
    if area is not None:
        with engine.connect() as conn:
            if (
                conn.execute(text("SELECT 1 FROM area WHERE code = :c"), {"c": area}).first()
                is None
            ):
                raise NotFound(f"there is no area with code {area}")
    return {
        "area": area,
        "categories": list(categories) if categories else None,
        "since": since,
        "until": until,
    }
