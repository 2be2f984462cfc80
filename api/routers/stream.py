"""The live stream of incidents: Server-Sent Events from the outbox, filtered on the server.

A client that asks for ``text/event-stream`` (every EventSource does) gets the stream:
first whatever it missed (``Last-Event-ID`` or ``?after=``), read from the outbox under
its user's scope and paged, then the live events the process's hub hands it, with no
gap and nothing twice at the seam (it subscribes before it replays, and drops live
events up to the last id it sent). Any other client gets the same events as one JSON
page, to poll; that answer ends, so a plain HTTP client never hangs on the route.
See docs/stream.md.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import replace
from time import monotonic
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Query, Request
from pydantic import StringConstraints
from sqlalchemy import Connection
from sse_starlette import EventSourceResponse
from starlette.types import Receive, Scope, Send

from api.auth import Permit
from api.dependencies import Db
from api.schemas.base import AREA_CODE
from api.schemas.problems import DATABASE, NAMED
from api.schemas.stream import StreamPage
from api.stream import Closed, Hub, Overflow, Subscription, encode
from gis.accounts import User
from gis.events import Notice, newest, replay
from gis.events.audience import Audience, communities_under, scope_of

router = APIRouter(prefix="/api/v1", tags=["stream"])

Reader = Annotated[User, Depends(Permit("incidents:read"))]
Category = Annotated[str, StringConstraints(min_length=1, max_length=32)]
MAX_ID = 2**63 - 1
EVENT_STREAM = "text/event-stream"
STREAM_DOC = {
    200: {
        "description": "`text/event-stream` when asked for (Accept): events `incident.created`, "
        "`incident.changed` and `worker.position`, each with `id:` and its payload as JSON "
        "in `data:`; "
        "`: ping` comments keep it open; `event: reset` ends it when the client falls too "
        "far behind (reconnect with Last-Event-ID). Otherwise one JSON page of events.",
        "content": {EVENT_STREAM: {"schema": {"type": "string"}}},
    }
}


@router.get("/stream", response_model=StreamPage, responses=STREAM_DOC | NAMED | DATABASE)
async def stream(
    request: Request,
    user: Reader,
    db: Db,
    area: Annotated[
        str | None,
        Query(
            pattern=AREA_CODE,
            description="Only incidents under this district, street or community (12-digit code).",
            examples=["331004001000"],
        ),
    ] = None,
    category: Annotated[
        list[Category] | None,
        Query(max_length=50, description="Only these categories (repeat the parameter)."),
    ] = None,
    after: Annotated[
        int | None,
        Query(
            ge=0,
            le=MAX_ID,
            description="Replay the events after this id first (a "
            "Last-Event-ID header, as EventSource sends on reconnecting, wins).",
        ),
    ] = None,
    limit: Annotated[
        int, Query(ge=1, le=1000, description="JSON answers only: events per page.")
    ] = 100,
    last_event_id: Annotated[
        str | None,
        Header(
            alias="Last-Event-ID",
            pattern=r"^[0-9]{1,18}$",
            description="The id of the last event received, to resume after it.",
        ),
    ] = None,
) -> Any:
    """Incidents reported and changed, live, within the user's scope: Server-Sent Events for
    a client accepting `text/event-stream`, else the events after `after` as JSON."""
    start = int(last_event_id) if last_event_id is not None else after
    categories = sorted(set(category)) if category else None
    if not _wants_stream(request.headers.get("accept", "")):
        return await db.run(_page, area, categories, start, limit)
    hub: Hub = request.app.state.stream
    settings = hub.settings
    audience = await db.run(_audience, area, categories)
    sub = hub.subscribe(audience)  # before the replay: what commits meanwhile is queued
    resume = hub.last_id if start is None else start
    try:
        first = [] if start is None else await db.run(_replay, audience, start, settings.page)
    except BaseException:
        hub.unsubscribe(sub)
        raise

    async def more(last: int) -> list[Notice]:
        return await db.run(_replay, audience, last, settings.page)

    async def rescope(current: Audience) -> Audience:
        try:
            return replace(current, scope=await db.run(scope_of))
        except Exception:  # the database is away: keep the scope read last
            return current

    return _Stream(
        _frames(hub, sub, resume, first, more if start is not None else None, rescope),
        on_close=lambda: hub.unsubscribe(sub),
        ping=settings.heartbeat_s, sep="\n", send_timeout=settings.send_timeout_s,
    )  # fmt: skip


class _Stream(EventSourceResponse):
    """The response, which lets go of its subscription however it ends: a HEAD request or
    a client gone before the first byte never runs the generator's ``finally``."""

    def __init__(self, content: AsyncIterator[bytes], on_close: Callable[[], None], **kw: Any):
        super().__init__(content, **kw)
        self._on_close = on_close

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            self._on_close()


async def _frames(
    hub: Hub,
    sub: Subscription,
    last: int | None,
    first: list[Notice],
    more: Callable[[int], Awaitable[list[Notice]]] | None,
    rescope: Callable[[Audience], Awaitable[Audience]] | None = None,
) -> AsyncIterator[bytes]:
    """The replay, page by page, then the live frames after the last id sent. Every
    ``rescope_s`` the user's scope is read again: a changed scope applies, and a disabled
    user's stream goes quiet (the scope of a disabled user is nowhere)."""
    try:
        if more is None:
            if last is not None:  # no event yet: still, a reconnection resumes from here
                yield f"id: {last}\n\n".encode()
        else:
            page = first
            while page:
                yield b"".join(encode(n).raw for n in page)
                last = page[-1].id
                if len(page) < hub.settings.page:
                    break
                try:
                    page = await more(last)
                except Exception:  # the database went away mid-replay: come back later
                    yield _reset(last, "the database is unavailable; reconnect shortly")
                    return
        last = last or 0
        every = hub.settings.rescope_s
        due = monotonic() + every
        while True:
            frames = await sub.take(timeout_s=max(0.0, due - monotonic()))
            fresh = [f.raw for f in frames if f.notice.id > last]
            if fresh:
                last = frames[-1].notice.id
                yield b"".join(fresh)
            if monotonic() >= due:
                if rescope is not None:
                    sub.audience = await rescope(sub.audience)
                due = monotonic() + every
    except Overflow:
        yield _reset(last, "this client fell too far behind; reconnect with Last-Event-ID")
    except Closed:
        return
    finally:
        hub.unsubscribe(sub)


def _reset(last: int | None, reason: str) -> bytes:
    data = json.dumps({"reason": reason, "last_event_id": last}, ensure_ascii=False)
    return f"event: reset\nretry: 1000\ndata: {data}\n\n".encode()


def _wants_stream(accept: str) -> bool:
    """Whether Accept names text/event-stream (with a q above 0): EventSource always does;
    ``*/*`` alone gets the JSON page, which ends."""
    for item in accept.lower().split(","):
        media, *params = (part.strip() for part in item.split(";"))
        if media == EVENT_STREAM:
            return not any(p.replace(" ", "") in ("q=0", "q=0.0", "q=0.00", "q=0.000")
                           for p in params)  # fmt: skip
    return False


def _audience(conn: Connection, area: str | None, categories: list[str] | None) -> Audience:
    scope = scope_of(conn)
    communities = communities_under(conn, area) if area else None
    return Audience(scope, communities, frozenset(categories) if categories else None)


def _replay(conn: Connection, audience: Audience, after: int, limit: int) -> list[Notice]:
    communities = sorted(audience.communities) if audience.communities is not None else None
    categories = sorted(audience.categories) if audience.categories is not None else None
    return replay(conn, after, limit, communities=communities, categories=categories)


def _page(
    conn: Connection, area: str | None, categories: list[str] | None, after: int | None, limit: int
) -> dict[str, Any]:
    communities = sorted(communities_under(conn, area)) if area else None
    if after is None:
        return {"events": [], "last_id": newest(conn)}
    notices = replay(conn, after, limit, communities=communities, categories=categories)
    events = [
        {"id": n.id, "kind": n.kind, "subject": n.subject, "category": n.category,
         "payload": json.loads(n.data)}
        for n in notices
    ]  # fmt: skip
    return {"events": events, "last_id": notices[-1].id if notices else after}
