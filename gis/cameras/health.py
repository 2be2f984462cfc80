"""Camera health: the video gateway's heartbeats, and offline for the silent.

A district's video gateway (a GB/T 28181 platform) knows which streams are alive; it
posts the codes of the cameras it sees, and their ``last_heartbeat_at`` becomes now
(an offline one comes back online). The workers' housekeeping, every minute, marks
offline each camera that has reported and then stayed silent for
``WANGGE_CAMERAS_OFFLINE_AFTER_S``. Cameras no gateway reports keep the status they
were loaded with: silence means nothing for them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from gis.db.statements import query
from gis.errors import InvalidInput, NotFound

MAX_CODES = 1000  # one gateway batch; a district's 20,000 cameras are 20 posts a minute


def record_heartbeats(conn: Connection, codes: list[str]) -> dict[str, Any]:
    """Mark ``codes`` seen now; the answer lists those updated and those unknown (no such
    camera, or none of the caller's scope)."""
    wanted = sorted(set(codes))
    if not 1 <= len(wanted) <= MAX_CODES:
        raise InvalidInput(
            f"give between 1 and {MAX_CODES} camera codes, not {len(wanted)}",
            problems=[{"field": "cameras", "message": f"1 to {MAX_CODES} codes"}],
        )
    rows = conn.execute(query("gis.cameras", "health", "heartbeat"), {"codes": wanted})
    seen: dict[str, dict[str, Any]] = {r["code"]: dict(r) for r in rows.mappings()}
    at: datetime | None = next(iter(seen.values()))["last_heartbeat_at"] if seen else None
    return {
        "at": at,
        "cameras": [seen[c] for c in wanted if c in seen],
        "unknown": [c for c in wanted if c not in seen],
    }


def record_heartbeat(conn: Connection, code: str) -> dict[str, Any]:
    """One camera's heartbeat; NotFound when there is no such camera in the caller's scope."""
    answer = record_heartbeats(conn, [code])
    if not answer["cameras"]:
        raise NotFound(f"there is no camera {code}")
    return answer["cameras"][0]


def mark_silent_offline(conn: Connection, silent_s: float) -> list[str]:
    """Mark offline the cameras silent for ``silent_s`` seconds; their codes."""
    rows = conn.execute(query("gis.cameras", "health", "mark_silent"), {"silent_s": silent_s})
    return sorted(rows.scalars())
