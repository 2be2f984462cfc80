"""The async connection pool the tile routes use (psycopg 3)."""

from __future__ import annotations

from psycopg_pool import AsyncConnectionPool
from sqlalchemy import Engine


async def open_tile_pool(engine: Engine, max_size: int = 8) -> AsyncConnectionPool:
    """A pool on the engine's database; autocommit, since a tile is one read statement."""
    url = engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
    pool = AsyncConnectionPool(
        url, min_size=2, max_size=max_size, kwargs={"autocommit": True}, open=False
    )
    await pool.open(wait=True, timeout=30)
    return pool
