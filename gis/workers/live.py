"""Where the workers are: each one's last position and status, and a day's track.

A worker is ``offline`` when their phone has not reported for ``STALE`` (a phone
reports about once a minute while on duty), ``busy`` while an incident dispatched to
them is still open, else ``available``: the nearest-worker search offers the available.
Days are local days (China Standard Time), as the districts count them.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection

from gis.db.statements import query
from gis.errors import NotFound

STATUSES = ("available", "busy", "offline")
STALE = timedelta(minutes=15)
LOCAL_TIME = ZoneInfo("Asia/Shanghai")  # as gis.load reads a file's naive times
MAX_WORKERS = 5000
MAX_TRACK = 10_000  # positions of one day: one every 9 s around the clock


def _sql(name: str):
    return query("gis.workers", "live", name)


def area_path(conn: Connection, area: str | None) -> str | None:
    """The ``ltree`` path of area ``area`` (None: no filter); NotFound for an unknown code."""
    if area is None:
        return None
    path = conn.execute(_sql("area_path"), {"code": area}).scalar()
    if path is None:
        raise NotFound(f"no area has the code {area}; give a district, street or community")
    return path


def list_workers(
    conn: Connection,
    *,
    code: str | None = None,
    area: str | None = None,
    grid: str | None = None,
    statuses: tuple[str, ...] = (),
    limit: int = MAX_WORKERS,
) -> list[dict[str, Any]]:
    """The workers (of the user's scope) under ``area`` or in ``grid``, by code, each
    with their last position, when it was, their status and open cases."""
    params = {"code": code, "path": area_path(conn, area), "grid": grid,
              "statuses": list(statuses) or None, "stale_s": STALE.total_seconds(),
              "limit": limit}  # fmt: skip
    return [dict(r) for r in conn.execute(_sql("workers"), params).mappings()]


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """The local day ``day`` as two instants, start included, end not.

    >>> [t.isoformat() for t in day_bounds(date(2026, 11, 30))]
    ['2026-11-30T00:00:00+08:00', '2026-12-01T00:00:00+08:00']
    """
    start = datetime.combine(day, time(), LOCAL_TIME)
    return start, datetime.combine(day + timedelta(days=1), time(), LOCAL_TIME)


def worker_track(conn: Connection, code: str, day: date) -> dict[str, Any]:
    """Worker ``code``'s positions on local day ``day`` as GeoJSON: a LineString of the
    track (when it has two points or more) and one Point per position."""
    if conn.execute(_sql("exists"), {"code": code}).first() is None:
        raise NotFound(f"there is no worker with code {code!r} (in your scope)")
    start, end = day_bounds(day)
    rows = conn.execute(
        _sql("track"), {"code": code, "start": start, "end": end, "limit": MAX_TRACK + 1}
    ).mappings().all()  # fmt: skip
    truncated = len(rows) > MAX_TRACK
    rows = rows[:MAX_TRACK]
    features: list[dict[str, Any]] = []
    if len(rows) >= 2:
        features.append({
            "type": "Feature",
            "geometry": {"type": "LineString", "coordinates": [[r["lon"], r["lat"]] for r in rows]},
            "properties": {"kind": "track", "from": rows[0]["at"], "to": rows[-1]["at"]},
        })  # fmt: skip
    features += [
        {"type": "Feature",
         "geometry": {"type": "Point", "coordinates": [r["lon"], r["lat"]]},
         "properties": {"kind": "position", "at": r["at"], "accuracy_m": r["accuracy_m"],
                        "grid": r["grid"]}}
        for r in rows
    ]  # fmt: skip
    return {"type": "FeatureCollection", "worker": code, "date": day.isoformat(),
            "positions": len(rows), "truncated": truncated, "features": features}  # fmt: skip
