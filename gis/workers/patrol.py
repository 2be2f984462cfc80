"""Patrol coverage: which grids each worker walked on a day and for how long, and which
grids nobody walked in a week.

Time on patrol is the time between a position and the next one, counted to the grid the
earlier one fell in, and only when the next came within ``MAX_GAP``: a phone reports
about once a minute on duty, so a longer silence is a break or a dead battery, and
counting it would credit a grid with a lunch hour. Grids are those of the published
plan at the time of each position (``worker_position.grid_id``).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Connection

from gis.db.statements import query
from gis.errors import InvalidInput
from gis.workers.live import area_path, day_bounds

MAX_GAP = timedelta(minutes=10)
MAX_DAYS = 31
MAX_GRIDS = 5_000  # rows of the grid patrol list: the least-walked first


def _sql(name: str):
    return query("gis.workers", "patrol", name)


def worker_patrol(conn: Connection, day: date, *, area: str | None = None) -> list[dict[str, Any]]:
    """Per worker (of the user's scope, under ``area``) with positions on local day
    ``day``: minutes per grid visited, most first, and the day's total."""
    start, end = day_bounds(day)
    params = {"path": area_path(conn, area), "start": start, "end": end,
              "gap_s": MAX_GAP.total_seconds()}  # fmt: skip
    found: dict[str, dict[str, Any]] = {}
    grids: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in conn.execute(_sql("workers"), params).mappings():
        entry = found.setdefault(r["code"], {
            "code": r["code"], "name": r["name"], "home_grid": r["home"], "minutes": 0.0,
            "positions": 0, "first_at": r["first_at"], "last_at": r["last_at"],
        })  # fmt: skip
        minutes = round(float(r["minutes"]), 1)
        entry["minutes"] = round(entry["minutes"] + minutes, 1)
        entry["positions"] += r["positions"]
        entry["first_at"] = min(entry["first_at"], r["first_at"])
        entry["last_at"] = max(entry["last_at"], r["last_at"])
        grids[r["code"]].append({"grid": r["grid"], "minutes": minutes,
                                 "positions": r["positions"]})  # fmt: skip
    return [{**w, "grids": grids[code]} for code, w in found.items()]


def grid_patrol(
    conn: Connection,
    until: date,
    *,
    days: int = 7,
    area: str | None = None,
    limit: int = MAX_GRIDS,
) -> list[dict[str, Any]]:
    """Per grid of the published plans under ``area``: patrol minutes, workers and the
    last visit in the ``days`` local days ending with ``until``; the unvisited first."""
    if not 1 <= days <= MAX_DAYS:
        message = f"1..{MAX_DAYS} days, not {days}"
        raise InvalidInput(f"days: {message}", [{"field": "days", "message": message}])
    start = day_bounds(until - timedelta(days=days - 1))[0]
    end = day_bounds(until)[1]
    params = {"path": area_path(conn, area), "start": start, "end": end,
              "gap_s": MAX_GAP.total_seconds(), "limit": min(limit, MAX_GRIDS)}  # fmt: skip
    return [
        {"code": r["code"], "name": r["name"], "community": r["community"],
         "minutes": round(float(r["minutes"]), 1), "workers": r["workers"],
         "last_visit_at": r["last_visit_at"], "visited": r["workers"] > 0}
        for r in conn.execute(_sql("grids"), params).mappings()
    ]  # fmt: skip
