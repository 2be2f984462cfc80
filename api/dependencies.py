"""Shared request dependencies."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Concatenate, ParamSpec, TypeVar

import anyio
import anyio.to_thread
from fastapi import Depends, Path, Query, Request
from pydantic import BeforeValidator
from sqlalchemy import Connection, Engine
from sqlalchemy.exc import TimeoutError as PoolTimeout

from api.schemas.base import AREA_CODE
from gis.places.paging import MAX_LIMIT, MAX_OFFSET, PageRequest

P = ParamSpec("P")
T = TypeVar("T")


class Database:
    """Runs a core function with a pooled connection, in one worker-thread hop.

    Routes are ``async`` and ``await db.run(fn, *args)``: the connection is taken and
    given back inside the one thread, before the response is serialised. A ``yield``
    dependency with a sync route costs three hops and holds the connection throughout:
    the drill-down served 16-22 % fewer requests a second that way (32 clients; see
    docs/api.md). Functions run here read, or write one statement at a time; anything
    that must be atomic takes the engine and its own ``engine.begin()``.

    At most ``slots`` calls (the pool's size) run at once; the rest wait their turn on
    the event loop, in order, rather than as threads racing for the connections. At 32
    clients that about halved the drill-down's p99 (docs/api.md). A call that waits
    longer than ``timeout_s`` raises the pool's own timeout, which is a 503.
    """

    def __init__(self, engine: Engine, slots: int, timeout_s: float) -> None:
        self.engine = engine
        self.timeout_s = timeout_s
        self._slots = anyio.CapacityLimiter(slots)

    async def run(
        self, fn: Callable[Concatenate[Connection, P], T], /, *args: P.args, **kwargs: P.kwargs
    ) -> T:
        try:
            with anyio.fail_after(self.timeout_s):
                await self._slots.acquire()
        except TimeoutError:
            raise PoolTimeout(f"no connection came free in {self.timeout_s} s") from None
        try:
            call = functools.partial(self._call, fn, *args, **kwargs)
            return await anyio.to_thread.run_sync(call)
        finally:
            self._slots.release()

    def _call(self, fn: Callable[..., T], /, *args: object, **kwargs: object) -> T:
        # Autocommit: each statement is its own transaction, as READ COMMITTED would give
        # it its own snapshot anyway, without a BEGIN and a ROLLBACK round trip a request.
        with self.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            return fn(conn, *args, **kwargs)


async def _database(request: Request) -> Database:
    return request.app.state.database


Db = Annotated[Database, Depends(_database)]


async def _page(
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Items per page.")] = 100,
    offset: Annotated[
        int, Query(ge=0, le=MAX_OFFSET, description=f"Items to skip, at most {MAX_OFFSET:,}.")
    ] = 0,
) -> PageRequest:
    return PageRequest(limit=limit, offset=offset)


Page = Annotated[PageRequest, Depends(_page)]


def _iso_8601(value: object) -> object:
    # Pydantic reads "0.5" as a Unix time; a time in a URL is ISO 8601 or refused.
    if isinstance(value, str) and not ISO_DATE.match(value):
        raise ValueError("give a time in ISO 8601, e.g. 2026-11-30 or 2026-11-30T08:00:00+08:00")
    return value


ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}")
# A time of a query parameter: ISO 8601 only, as its schema's `date-time` says.
IsoTime = Annotated[datetime, BeforeValidator(_iso_8601)]

# Inputs shared by several routes, bounded as the columns they reach are: ids are the
# int4 keys of their tables, codes text no longer than any stored one.
INT4_MAX = 2**31 - 1
AreaCode = Annotated[
    str, Path(pattern=AREA_CODE, description="12-digit area code.", examples=["331004000000"])
]
PlanId = Annotated[int, Path(ge=1, le=INT4_MAX, description="Plan id.")]
Code = Annotated[str, Path(min_length=1, max_length=64, description="The object's code.")]
