"""The async connection pool the tile routes use (psycopg 3)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from psycopg import AsyncConnection
from psycopg_pool import AsyncConnectionPool
from sqlalchemy import Engine

from gis.db.api_role import NAME_CREDENTIAL


async def open_tile_pool(
    engine: Engine, max_size: int = 4, *, options: str = "", timeout_s: float = 30.0
) -> AsyncConnectionPool:
    """A pool on the engine's database; autocommit, since a tile is one read statement.

    Four connections per worker: more only queue more queries on the same cores and
    stretch the tail (p99 at z16 fell from 726 to 111 ms going from 8 to 4).
    ``options`` are libpq session options (the API's statement timeouts,
    ``gis.db.engine.session_options``); a request waits at most ``timeout_s`` for a
    connection, then gets psycopg_pool's PoolTimeout (a 503 in the API), as when the
    database is down and the pool cannot reconnect.
    """
    url = engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
    kwargs: dict[str, object] = {"autocommit": True}
    if options:
        kwargs["options"] = options
    pool = AsyncConnectionPool(
        url, min_size=2, max_size=max_size, kwargs=kwargs, timeout=timeout_s, open=False
    )
    await pool.open(wait=True, timeout=30)
    return pool


@asynccontextmanager
async def user_connection(
    pool: AsyncConnectionPool, credential: str | None
) -> AsyncIterator[AsyncConnection]:
    """A pooled connection told whose request it serves (the request's credential), as
    the API's engine does for its own (``gis.db.api_role.name_users``): row-level
    security reads it."""
    async with pool.connection() as conn:
        await conn.execute(NAME_CREDENTIAL, (credential or "",))
        yield conn
