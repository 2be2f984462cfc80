"""Reading incidents: filtered pages with a cursor, one incident with its timeline and the
actions its reader may take, and the command page's counters.

Everything runs as the reader (under row-level security, the API's role sees only its
user's scope), so a filter narrows the reader's incidents and never widens them.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, text

from gis.db.statements import query, statement
from gis.errors import InvalidInput, NotFound
from gis.incidents.workflow import OPEN, Case, allowed

ZONE = "Asia/Shanghai"  # a day (new today) and a time given without a zone are China's
MAX_LIMIT = 500
SUMMARY = (
    "code", "category", "category_name", "urgency", "status", "source", "level",
    "reported_at", "deadline_at", "overdue", "lon", "lat", "community_code",
    "community_name", "grid_code", "building_code", "assignee", "assigned_unit", "description",
)  # fmt: skip
ENTRY = ("id", "action", "from_status", "to_status", "actor", "at", "note", "assignee")
HANDLED = ("resolved", "verified", "closed")

# Only the filters asked for reach the SQL (see gis.places.buildings for why).
FILTERS = {
    "id": "i.id = :id",
    "code": "i.code = :code",
    "codes": "i.code = ANY(CAST(:codes AS text[]))",
    "communities": "i.community_id = ANY(CAST(:communities AS integer[]))",
    "grid": "i.grid_id = :grid",
    "statuses": "i.status::text = ANY(CAST(:statuses AS text[]))",
    "categories": "i.category = ANY(CAST(:categories AS text[]))",
    "urgencies": "i.urgency::text = ANY(CAST(:urgencies AS text[]))",
    "since": "i.reported_at >= :since",
    "until": "i.reported_at < :until",
    "overdue": "(i.status::text = ANY(CAST(:open AS text[])) AND i.deadline_at < now())",
    "not_overdue": "NOT coalesce(i.status::text = ANY(CAST(:open AS text[])) "
    "AND i.deadline_at < now(), false)",
    "bbox": "i.geom && ST_MakeEnvelope(:west, :south, :east, :north, 4326)",
    "cursor": "(i.reported_at, i.id) < (:cursor_at, :cursor_id)",
}


def aware(when: datetime | None) -> datetime | None:
    """``when`` with a time zone: a time given without one is China Standard Time.

    >>> aware(datetime(2026, 12, 1, 8)).isoformat()
    '2026-12-01T08:00:00+08:00'
    """
    if when is None or when.tzinfo is not None:
        return when
    return when.replace(tzinfo=ZoneInfo(ZONE))


def rows(conn: Connection, filters: dict[str, Any], limit: int = 1) -> list[dict[str, Any]]:
    """Incidents the ``filters`` (names of FILTERS with their values) select, newest first,
    with every column of ``summaries`` (the summary and what Open311 adds)."""
    where = [FILTERS[name] for name in filters] or ["true"]
    params: dict[str, Any] = {"open": list(OPEN), "limit": limit}
    for name, value in filters.items():
        if name == "bbox":
            params.update(zip(("west", "south", "east", "north"), value, strict=True))
        elif name == "cursor":
            params["cursor_at"], params["cursor_id"] = value
        elif name in ("since", "until"):
            params[name] = aware(value)
        elif name not in ("overdue", "not_overdue"):
            params[name] = list(value) if isinstance(value, list | tuple) else value
    sql = statement("gis.incidents", "incidents", "summaries").format(where=" AND ".join(where))
    return [dict(r) for r in conn.execute(text(sql), params).mappings()]


def summary(row: dict[str, Any]) -> dict[str, Any]:
    """The IncidentSummary of a row of ``rows``."""
    return {k: row[k] for k in SUMMARY}


def summary_by_id(conn: Connection, incident_id: int) -> dict[str, Any]:
    """The summary of incident ``incident_id`` (after a change, in its transaction)."""
    return summary(rows(conn, {"id": incident_id})[0])


def incident_rows(conn: Connection, code: str) -> dict[str, Any]:
    """Every column ``rows`` gives of incident ``code``; NotFound outside the reader's scope."""
    found = rows(conn, {"code": code})
    if not found:
        raise NotFound(f"there is no incident with code {code!r} (in your scope)")
    return found[0]


def timeline(conn: Connection, incident_id: int) -> list[dict[str, Any]]:
    """Every event of the incident, oldest first."""
    found = conn.execute(query("gis.incidents", "incidents", "timeline"), {"id": incident_id})
    return [dict(r) for r in found.mappings()]


def incident_detail(conn: Connection, code: str, role: str) -> dict[str, Any]:
    """One incident: its summary, its timeline, and the actions ``role`` may take now."""
    row = incident_rows(conn, code)
    case = Case(row["status"], row["level"], row["overdue"])
    return {
        **summary(row),
        "timeline": timeline(conn, row["id"]),
        "allowed": [
            {"to": a.to, "needs_note": a.needs_note, "needs_assignee": a.needs_assignee}
            for a in allowed(case, role)
        ],
    }


def list_incidents(
    conn: Connection,
    *,
    area: str | None = None,
    grid: str | None = None,
    statuses: Sequence[str] = (),
    categories: Sequence[str] = (),
    urgencies: Sequence[str] = (),
    since: datetime | None = None,
    until: datetime | None = None,
    overdue: bool | None = None,
    bbox: tuple[float, float, float, float] | None = None,
    cursor: str | None = None,
    limit: int = 100,
) -> dict[str, Any]:
    """A page of incidents, newest first: ``{"items": [...], "next_cursor": ...}``."""
    if not 1 <= limit <= MAX_LIMIT:
        raise InvalidInput(f"limit must be between 1 and {MAX_LIMIT}, not {limit}")
    filters = _place_filters(conn, area, grid)
    asked = {"statuses": statuses, "categories": categories, "urgencies": urgencies,
             "since": since, "until": until, "bbox": bbox}  # fmt: skip
    filters |= {k: v for k, v in asked.items() if v}
    if overdue is not None:
        filters["overdue" if overdue else "not_overdue"] = True
    if cursor:
        filters["cursor"] = decode_cursor(cursor)
    found = rows(conn, filters, limit + 1)
    following = None
    if len(found) > limit:
        last = found[limit - 1]
        following = encode_cursor(last["reported_at"], last["id"])
    return {"items": [summary(r) for r in found[:limit]], "next_cursor": following}


def _place_filters(conn: Connection, area: str | None, grid: str | None) -> dict[str, Any]:
    """The filters for an area (the communities under it) and a published grid, by code."""
    filters: dict[str, Any] = {}
    if area is not None:
        row = conn.execute(query("gis.incidents", "incidents", "area"), {"code": area}).first()
        if row is None:
            raise NotFound(f"there is no area with code {area!r}")
        filters["communities"] = list(row.communities)
    if grid is not None:
        found = conn.execute(query("gis.incidents", "incidents", "grid"), {"code": grid}).first()
        if found is None:
            raise NotFound(f"there is no grid with code {grid!r} in a published plan")
        filters["grid"] = found.id
    return filters


def incident_stats(conn: Connection, area: str | None = None) -> dict[str, Any]:
    """The command page's counters for ``area`` (default: the reader's whole scope):
    new today, open, overdue, and the share of last week's incidents handled (None when
    none was reported)."""
    filters = _place_filters(conn, area, None)
    where = " AND ".join(FILTERS[f] for f in filters) or "true"
    sql = statement("gis.incidents", "incidents", "stats").format(where=where)
    params = {"open": list(OPEN), "handled": list(HANDLED), "zone": ZONE, **filters}
    row = conn.execute(text(sql), params).mappings().one()
    week = row["reported_week"]
    rate = round(row["handled_week"] / week, 4) if week else None
    return {"new_today": row["new_today"], "open": row["open"], "overdue": row["overdue"],
            "closure_rate_week": rate}  # fmt: skip


def encode_cursor(reported_at: datetime, incident_id: int) -> str:
    """An opaque cursor: where the next page starts.

    >>> c = encode_cursor(datetime.fromisoformat("2026-12-01T08:00:00+08:00"), 42)
    >>> decode_cursor(c)[1]
    42
    """
    raw = json.dumps([reported_at.isoformat(), incident_id]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, int]:
    """The position a cursor of ``encode_cursor`` names; InvalidInput for anything else."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        at, incident_id = json.loads(raw)
        when = datetime.fromisoformat(at)
        if not isinstance(incident_id, int) or when.tzinfo is None:
            raise ValueError
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError):
        message = "cursor is not one this service gave: pass next_cursor as it came"
        raise InvalidInput(message, [{"field": "cursor", "message": message}]) from None
    return when, incident_id
