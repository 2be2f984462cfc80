"""What the live stream is told of a change: the incident as the answers show it, and the
event that changed it, written to the outbox (gis.events) in the change's transaction.

The payload is the JSON the stream sends as it is: ``{"incident": IncidentSummary,
"event": TimelineEntry}``, times as ISO 8601 the way the API's answers write them.
"""

from __future__ import annotations

from typing import Any

from pydantic_core import to_jsonable_python
from sqlalchemy import Connection

from gis import events
from gis.incidents.queries import ENTRY, rows, summary


def jsonable(value: Any) -> Any:
    """``value`` with times and numbers as the API's JSON writes them.

    >>> from datetime import datetime, timezone
    >>> jsonable({"at": datetime(2026, 12, 1, tzinfo=timezone.utc)})
    {'at': '2026-12-01T00:00:00Z'}
    """
    return to_jsonable_python(value)


def announce(
    conn: Connection, kind: str, incident_id: int, event: dict[str, Any]
) -> dict[str, Any]:
    """Publish ``kind`` (incident.created or incident.changed) for the incident and its
    new ``event``; the incident's summary as published."""
    row = rows(conn, {"id": incident_id})[0]
    payload = jsonable({"incident": summary(row), "event": {k: event[k] for k in ENTRY}})
    events.publish(
        conn,
        kind,
        row["code"],
        payload,
        community_id=row["community_id"],
        grid_id=row["grid_id"],
        category=row["category"],
    )
    return payload["incident"]
