"""Incidents out of the database as a GeoDataFrame, for analyses and notebooks.

The same :class:`~gis.hotspots.selection.IncidentFilter` the analyses take selects
them here, with ``area`` an area code (a district, street or community)::

    from dataclasses import replace

    from gis.hotspots import IncidentFilter, getis_ord, read_incidents

    where = IncidentFilter(area="331004001000", categories="theft", since="2026-01-01")
    incidents = read_incidents(engine, where)
    gi = getis_ord(incidents, where=replace(where, area=None))
"""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import pandas as pd
from sqlalchemy import Connection, Engine

from gis.db.api_role import act_as
from gis.db.statements import query
from gis.errors import InvalidInput
from gis.hotspots.selection import IncidentFilter
from gis.places.areas import area_by_code


def read_incidents(
    engine: Engine, where: IncidentFilter | None = None, *, as_user: int | None = None
) -> gpd.GeoDataFrame:
    """Incidents under ``where.area`` (an area code), optionally of some categories and
    within [since, until), with their community and grid, oldest first; with ``as_user``,
    only those that user's scope holds (``gis.db.api_role.act_as``).

    ``reported_at`` is in Asia/Shanghai time; the columns are always ``reported_at`` and
    ``category`` (the filter's column names are for frames, not the database).
    """
    with engine.begin() as conn:
        if as_user is not None:
            act_as(conn, as_user)
        params = _params(conn, where)
        frame = gpd.read_postgis(
            query("gis.hotspots", "incidents", "read"), conn, geom_col="geometry", params=params
        )
    # An empty result comes back untyped: parse so the column is a datetime either way.
    frame["reported_at"] = pd.to_datetime(frame["reported_at"], utc=True).dt.tz_convert(
        "Asia/Shanghai"
    )
    return frame


def count_incidents(engine: Engine, where: IncidentFilter | None = None) -> int:
    """How many incidents :func:`read_incidents` would return, without reading them."""
    with engine.connect() as conn:
        params = _params(conn, where)
        return int(conn.execute(query("gis.hotspots", "incidents", "count"), params).scalar())


def incident_extent(conn: Connection, where: IncidentFilter | None = None) -> dict[str, Any]:
    """What the incidents :func:`read_incidents` would return span, without reading them:
    ``n``, ``hull_km2``, the box (``west``, ``south``, ``east``, ``north``), ``first``
    and ``last`` report times. Analyses are bounded on these before they start. It runs
    on the caller's connection: a request checking a job takes no second one."""
    params = _params(conn, where)
    row = conn.execute(query("gis.hotspots", "incidents", "extent"), params).mappings().one()
    return dict(row)


def _time(name: str, value: Any) -> pd.Timestamp | None:
    """A window end as a time; a naive one is in China Standard Time, as the data are."""
    if value is None:
        return None
    try:
        stamp = pd.Timestamp(value)
    except (ValueError, TypeError):
        raise InvalidInput(
            f"{name} {value!r} is not a date or time: use ISO 8601, e.g. 2026-05-01 "
            "or 2026-05-01T08:00+08:00"
        ) from None
    if pd.isna(stamp):
        raise InvalidInput(f"{name} {value!r} is not a date or time")
    return stamp.tz_localize("Asia/Shanghai") if stamp.tzinfo is None else stamp


def _params(conn: Connection, where: IncidentFilter | None) -> dict[str, Any]:
    """Checked filter values: an area code that exists, a window that is not empty."""
    where = where or IncidentFilter()
    since, until = _time("since", where.since), _time("until", where.until)
    if since is not None and until is not None and since >= until:
        raise InvalidInput(f"since ({where.since}) must be earlier than until ({where.until})")
    path = None
    if where.area is not None:
        if not isinstance(where.area, str):
            raise InvalidInput(
                "read_incidents selects by area code (a district, street or community), "
                "not by polygons: give the code"
            )
        path = area_by_code(conn, where.area)["path"]
    return {
        "path": path,
        "categories": list(where.categories) if where.categories else None,
        "since": None if since is None else since.to_pydatetime(),
        "until": None if until is None else until.to_pydatetime(),
    }
