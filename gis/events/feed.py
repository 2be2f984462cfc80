"""The listener's reads: every new event, whoever's scope it is in, on its own psycopg
connection.

The API's listener (api/stream.py) signs in as the API's role and names no user: the
outbox's policy would show it nothing. It reads through two functions of migration
0016 that run as the outbox's owner and only the API's role may call; it then hands
each client what that client's user may see (``gis.events.audience``).
"""

from __future__ import annotations

from psycopg import AsyncConnection
from psycopg.rows import class_row

from gis.db.statements import statement
from gis.events import CHANNEL, Notice

LISTEN = f"LISTEN {CHANNEL}"


async def after(conn: AsyncConnection, last_id: int, limit: int) -> list[Notice]:
    """The events after id ``last_id``, oldest first, at most ``limit``, of every scope."""
    async with conn.cursor(row_factory=class_row(Notice)) as cursor:
        await cursor.execute(
            statement("gis.events", "feed", "after"), {"after": last_id, "limit": limit}
        )
        return await cursor.fetchall()


async def newest(conn: AsyncConnection) -> int:
    """The id of the newest event of every scope (0: none yet)."""
    found = await conn.execute(statement("gis.events", "feed", "newest"))
    row = await found.fetchone()
    return int(row[0]) if row else 0
