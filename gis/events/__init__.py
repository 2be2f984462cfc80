"""The event outbox: what changed, for the live stream, in the change's own transaction.

A change that the command centre must see (an incident reported, a transition) calls
``publish`` on the connection of the transaction that makes it: the event commits with
the change or not at all, and NOTIFY tells the listening API processes its id once it
commits. ``since`` reads the events after an id, for a client that reconnects with
``Last-Event-ID``; ids only grow and commit in order (migration 0014). ``replay`` is the
same read as the stream sends it (``Notice``: the payload as stored JSON text, filtered);
``gis.events.audience`` decides who receives an event, ``gis.events.feed`` is the API's
listener's read of every new event.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from gis.db.statements import query

CHANNEL = "wangge_events"
# worker.position: a worker's new positions (gis.workers), seen by whoever reads the
# incidents of the worker's grid (every role with incidents:read has workers:read).
KINDS = ("incident.created", "incident.changed", "worker.position")


@dataclass(frozen=True)
class Event:
    """One event of the outbox, as the stream sends it."""

    id: int
    at: datetime
    kind: str
    subject: str
    community_id: int | None
    grid_id: int | None
    category: str | None
    payload: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Notice:
    """One event as the stream sends it: ``data`` is the payload's JSON text, sent as it
    is stored rather than parsed and dumped again for each client."""

    id: int
    kind: str
    subject: str
    community_id: int | None
    grid_id: int | None
    category: str | None
    data: str


def _sql(name: str):
    return query("gis.events", "outbox", name)


def publish(
    conn: Connection,
    kind: str,
    subject: str,
    payload: dict[str, Any],
    *,
    community_id: int | None = None,
    grid_id: int | None = None,
    category: str | None = None,
) -> int:
    """Record an event in the caller's transaction; its id. The caller commits."""
    if kind not in KINDS:
        raise ValueError(f"unknown event kind {kind!r}; kinds: {', '.join(KINDS)}")
    conn.execute(_sql("lock"))
    params = {"kind": kind, "subject": subject, "community_id": community_id,
              "grid_id": grid_id, "category": category,
              "payload": json.dumps(payload, default=str, ensure_ascii=False)}  # fmt: skip
    return conn.execute(_sql("publish"), params).scalar_one()


def since(conn: Connection, after: int, limit: int = 1000) -> list[Event]:
    """The events after id ``after``, oldest first (under RLS: the reader's scope only)."""
    rows = conn.execute(_sql("since"), {"after": after, "limit": limit}).mappings()
    return [Event(**row) for row in rows]


def replay(
    conn: Connection,
    after: int,
    limit: int = 500,
    *,
    communities: list[int] | None = None,
    categories: list[str] | None = None,
) -> list[Notice]:
    """The events after id ``after`` of ``communities`` and ``categories`` (None: any),
    oldest first, at most ``limit``: what a reconnecting client missed. Under the API's
    role, the reader's scope only (row-level security)."""
    params = {"after": after, "limit": limit, "communities": communities,
              "categories": categories}  # fmt: skip
    return [Notice(**row) for row in conn.execute(_sql("replay"), params).mappings()]


def newest(conn: Connection) -> int:
    """The id of the newest event (0: none yet)."""
    return int(conn.execute(_sql("newest")).scalar_one())


def prune(conn: Connection, keep_s: float) -> int:
    """Forget events older than ``keep_s`` seconds; how many."""
    return conn.execute(_sql("prune"), {"keep_s": keep_s}).rowcount
