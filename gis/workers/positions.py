"""A mobile client's batch of positions: checked whole, stored once per worker and time,
the worker's last position moved to the newest, and one event for the live map.

A client on a patchy network sends what it has gathered and sends it again when it
never heard back; the key (worker, time) makes the second send a no-op, and the answer
says how many positions were new. A batch with any bad position is refused whole, each
problem named by its index and field, so the client fixes it and nothing half-lands.

Examples
--------
>>> from datetime import UTC, datetime
>>> now = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
>>> ok = Position(datetime(2026, 11, 30, 7, 59, tzinfo=UTC), 121.3, 28.55)
>>> check_batch([ok], now)
>>> bad = Position(datetime(2026, 11, 30, 7, 58, tzinfo=UTC), 121.3, 95.0)
>>> check_batch([ok, bad], now)
Traceback (most recent call last):
gis.errors.InvalidInput: 1 bad position; none was stored: positions.1.lat: 95.0 is not ...
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection

from gis import events
from gis.db.statements import query
from gis.errors import Forbidden, InvalidInput, NotFound
from gis.incidents.outbox import jsonable
from gis.incidents.transaction import atomic
from gis.workers.live import list_workers

MAX_BATCH = 1000  # positions per request: 16 hours at one a minute
MAX_AGE = timedelta(days=7)  # a phone offline for a week still hands in its track
MAX_SKEW = timedelta(seconds=120)  # a phone's clock ahead of the server's by this is taken
MAX_ACCURACY_M = 10_000.0
MAX_LISTED = 20  # problems quoted in the message; all are in ``problems``


@dataclass(frozen=True)
class Position:
    """One fix of a worker's phone: when (with its time zone), where (WGS 84), how
    sure (metres, if the phone says)."""

    at: datetime
    lon: float
    lat: float
    accuracy_m: float | None = None


def _sql(name: str):
    return query("gis.workers", "positions", name)


def check_batch(positions: Sequence[Position], now: datetime) -> None:
    """Raise InvalidInput naming every bad position (``positions.<index>.<field>``)."""
    if not positions:
        raise InvalidInput(
            "positions: send at least one position",
            [{"field": "positions", "message": "send at least one position"}],
        )
    if len(positions) > MAX_BATCH:
        message = f"at most {MAX_BATCH} positions a request, not {len(positions)}"
        raise InvalidInput(f"positions: {message}", [{"field": "positions", "message": message}])
    found: list[dict[str, str]] = []
    first_at: dict[datetime, int] = {}
    for i, p in enumerate(positions):
        for field, message in _problems(p, now):
            found.append({"field": f"positions.{i}.{field}", "message": message})
        if p.at.tzinfo is not None:
            earlier = first_at.setdefault(p.at, i)
            if earlier != i:
                found.append({"field": f"positions.{i}.at",
                              "message": f"the same time as positions.{earlier}"})  # fmt: skip
    if found:
        listed = "; ".join(f"{f['field']}: {f['message']}" for f in found[:MAX_LISTED])
        more = f" (and {len(found) - MAX_LISTED} more)" if len(found) > MAX_LISTED else ""
        noun = "position" if len(found) == 1 else "positions"
        raise InvalidInput(f"{len(found)} bad {noun}; none was stored: {listed}{more}", found)


def _problems(p: Position, now: datetime) -> list[tuple[str, str]]:
    out = []
    if p.at.tzinfo is None:
        out.append(("at", "give the time with its offset, e.g. 2026-11-30T08:00:00+08:00"))
    elif p.at > now + MAX_SKEW:
        ahead = f"at most {MAX_SKEW.seconds} s ahead is taken"
        out.append(("at", f"{p.at.isoformat()} is in the future ({ahead})"))
    elif p.at < now - MAX_AGE:
        out.append(("at", f"{p.at.isoformat()} is more than {MAX_AGE.days} days ago"))
    if not (math.isfinite(p.lon) and -180 <= p.lon <= 180):
        out.append(("lon", f"{p.lon} is not a longitude (-180..180)"))
    if not (math.isfinite(p.lat) and -90 <= p.lat <= 90):
        out.append(("lat", f"{p.lat} is not a latitude (-90..90)"))
    if p.accuracy_m is not None and not (
        math.isfinite(p.accuracy_m) and 0 <= p.accuracy_m <= MAX_ACCURACY_M
    ):
        out.append(("accuracy_m", f"{p.accuracy_m} is not 0..{MAX_ACCURACY_M:g} metres"))
    return out


def record_positions(
    conn: Connection,
    code: str,
    positions: Sequence[Position],
    *,
    account_id: int | None,
    role: str,
    now: datetime | None = None,
) -> dict[str, Any]:
    """Store worker ``code``'s batch as ``role`` (a grid worker: only their own worker,
    by its ``account_id``); how many were received and new, and the worker after it.

    NotFound outside the user's scope, Forbidden for another worker of a grid worker's
    grid, InvalidInput naming every bad position; in each case nothing is written. A
    batch that adds something publishes one ``worker.position`` event.
    """
    check_batch(positions, now or datetime.now(UTC))
    with atomic(conn):
        worker = _own_worker(conn, code, account_id, role)
        stored = conn.execute(_sql("insert"), _arrays(worker["id"], positions)).scalars().all()
        newest = max(positions, key=lambda p: p.at)
        conn.execute(
            _sql("touch"),
            {"worker_id": worker["id"], "lon": newest.lon, "lat": newest.lat, "at": newest.at},
        )
        state = list_workers(conn, code=code)[0]
        if stored:
            _announce(conn, state, len(stored), worker)
    return {"worker": state, "received": len(positions), "new": len(stored)}


def _own_worker(conn: Connection, code: str, account_id: int | None, role: str) -> dict:
    row = conn.execute(_sql("lock_worker"), {"code": code}).mappings().first()
    if row is None:
        raise NotFound(f"there is no worker with code {code!r} (in your scope)")
    if role == "grid_worker" and (account_id is None or row["account_id"] != account_id):
        raise Forbidden(
            f"a grid worker posts positions for their own worker only, and {code} is not "
            "yours (an administrator links a worker to its account)"
        )
    return dict(row)


def _arrays(worker_id: int, positions: Sequence[Position]) -> dict[str, Any]:
    return {
        "worker_id": worker_id,
        "at": [p.at for p in positions],
        "lon": [p.lon for p in positions],
        "lat": [p.lat for p in positions],
        "accuracy": [p.accuracy_m for p in positions],
    }


def _announce(conn: Connection, state: dict[str, Any], new: int, worker: dict) -> None:
    """One event for the batch: the worker as ``GET /api/v1/workers`` lists it, and how
    many positions came in. Scoped by the worker's community and grid, as incidents are."""
    events.publish(
        conn,
        "worker.position",
        state["code"],
        jsonable({"worker": state, "new": new}),
        community_id=worker["community_id"],
        grid_id=worker["grid_id"],
    )
