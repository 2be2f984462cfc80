"""The live stream's hub: one LISTEN connection per API process, fanned out in memory.

``LISTEN``/``NOTIFY`` collapses with many listening connections, so a process listens
once (``Hub``) and hands every new event to each of its clients' bounded queues
(``Subscription``). A notification only wakes the hub: it then reads every event after
the last id it has seen (``gis.events.feed``), so notifications that arrive together
cost one read, and one that is lost costs at most ``poll_s`` of delay, never an event.

The connection signs in as the API's role with no user: what each client may see is
decided here, per event, by its user's scope and filters (``gis.events.audience``).

When PostgreSQL restarts, the hub reconnects with backoff, listens again and reads
everything after its last id: its clients stay connected and miss nothing, receive
nothing twice, in order (ids commit in order, migration 0014).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections import deque
from dataclasses import dataclass

from psycopg import AsyncConnection
from sqlalchemy import Engine

from gis.events import Notice, feed
from gis.events.audience import Audience
from gis.settings import StreamSettings

log = logging.getLogger("wangge.stream")
FIRST_RETRY_S = 0.1


@dataclass(frozen=True, slots=True)
class Frame:
    """An event with its Server-Sent Events bytes, encoded once for every client."""

    notice: Notice
    raw: bytes


def encode(notice: Notice) -> Frame:
    """``id``, ``event`` and ``data`` lines (the payload's JSON holds no raw newline)."""
    text = f"id: {notice.id}\nevent: {notice.kind}\ndata: {notice.data}\n\n"
    return Frame(notice, text.encode())


class Overflow(Exception):
    """The client fell more than its queue behind; it reconnects and replays."""


class Closed(Exception):
    """The hub is stopping (the API shuts down)."""


class Subscription:
    """One client's queue of frames: filled by the hub, emptied by the client's stream."""

    def __init__(self, audience: Audience, max_events: int) -> None:
        self.audience = audience
        self.max_events = max_events
        self.overflowed = False
        self.closed = False
        self._frames: deque[Frame] = deque()
        self._ready = asyncio.Event()

    def offer(self, frames: list[Frame]) -> bool:
        """Queue the frames this client may receive; False once it has overflowed."""
        admits = self.audience.admits
        kept = [
            f for f in frames if admits(f.notice.community_id, f.notice.grid_id, f.notice.category)
        ]
        if not kept:
            return True
        if len(self._frames) + len(kept) > self.max_events:
            self.overflowed = True
            self._frames.clear()  # it replays them from the outbox
            self._ready.set()
            return False
        self._frames.extend(kept)
        self._ready.set()
        return True

    def close(self) -> None:
        self.closed = True
        self._ready.set()

    async def take(self, timeout_s: float | None = None) -> list[Frame]:
        """Every frame queued so far (waiting up to ``timeout_s`` for one: [] after)."""
        if not self._frames and not (self.overflowed or self.closed):
            try:
                await asyncio.wait_for(self._ready.wait(), timeout_s)
            except TimeoutError:
                return []
        self._ready.clear()
        if self.overflowed:
            raise Overflow
        if self.closed:
            raise Closed
        frames = list(self._frames)
        self._frames.clear()
        return frames


class Hub:
    """The process's one listener and its subscribers (see the module's docstring)."""

    def __init__(self, conninfo: str, settings: StreamSettings, options: str = "") -> None:
        self.conninfo = conninfo
        self.settings = settings
        self.options = options  # libpq session options: the API's statement timeouts
        self.last_id: int | None = None  # the newest event handed out
        self.connected = False
        self.reconnects = 0
        self._subscribers: set[Subscription] = set()
        self._task: asyncio.Task[None] | None = None
        self._up = asyncio.Event()

    @property
    def subscribers(self) -> int:
        return len(self._subscribers)

    def subscribe(self, audience: Audience) -> Subscription:
        """A queue that receives every event handed out from now on that ``audience`` admits."""
        sub = Subscription(audience, self.settings.queue_events)
        self._subscribers.add(sub)
        return sub

    def unsubscribe(self, sub: Subscription) -> None:
        self._subscribers.discard(sub)

    async def start(self, wait_s: float = 10.0) -> None:
        """Start listening; waits up to ``wait_s`` for the first connection, then goes on
        trying in the background (the API serves without it meanwhile)."""
        self._task = asyncio.create_task(self._run(), name="wangge-stream-listener")
        try:
            await asyncio.wait_for(self._up.wait(), wait_s)
        except TimeoutError:
            log.warning("stream: no listening connection yet; retrying in the background")

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        for sub in list(self._subscribers):
            sub.close()
        self._subscribers.clear()

    async def _run(self) -> None:
        delay = FIRST_RETRY_S
        while True:
            try:
                await self._listen()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # a restart, a network drop, a timeout: reconnect
                was = self.connected
                self.connected = False
                self.reconnects += 1
                reason = " ".join(str(exc).split()) or type(exc).__name__
                log.warning("stream: listener down (%s); retrying in %.1f s", reason, delay)
                if was:
                    delay = FIRST_RETRY_S
            await asyncio.sleep(delay * (0.5 + random.random()))  # jitter: not all at once
            delay = min(delay * 2, self.settings.reconnect_max_s)

    async def _listen(self) -> None:
        extra = {"options": self.options} if self.options else {}
        conn = await AsyncConnection.connect(
            self.conninfo, autocommit=True, connect_timeout=5, application_name="wangge-stream",
            **extra,
        )  # fmt: skip
        async with conn:
            # LISTEN first, then read: whatever commits after the read's snapshot notifies.
            await conn.execute(feed.LISTEN)
            if self.last_id is None:
                self.last_id = await feed.newest(conn)
            self.connected = True
            self._up.set()
            await self._catch_up(conn)
            log.info("stream: listening, after event %d", self.last_id)
            batch_s = self.settings.batch_ms / 1000
            while True:
                woken = False
                async for _ in conn.notifies(timeout=self.settings.poll_s, stop_after=1):
                    woken = True  # or the poll is due: either way, read whatever is new
                if woken and batch_s:
                    await asyncio.sleep(batch_s)  # let a burst gather: one read, one send
                await self._catch_up(conn)

    async def _catch_up(self, conn: AsyncConnection) -> None:
        page = self.settings.page
        while True:
            async with asyncio.timeout(self.settings.poll_s + 10):  # a silent network too
                notices = await feed.after(conn, self.last_id or 0, page)
            if not notices:
                return
            self.last_id = notices[-1].id
            self.dispatch([encode(n) for n in notices])
            if len(notices) < page:
                return

    def dispatch(self, frames: list[Frame]) -> None:
        """Hand frames to every subscriber; one that overflows is dropped (it is told so)."""
        for sub in list(self._subscribers):
            if not sub.offer(frames):
                self._subscribers.discard(sub)


def hub_conninfo(engine: Engine) -> str:
    """The API engine's own database and role, as a libpq URL for psycopg."""
    return engine.url.set(drivername="postgresql").render_as_string(hide_password=False)


async def open_hub(engine: Engine, settings: StreamSettings, options: str = "") -> Hub:
    """The started hub on ``engine``'s database, as its role (the API's)."""
    hub = Hub(hub_conninfo(engine), settings, options)
    await hub.start()
    return hub
