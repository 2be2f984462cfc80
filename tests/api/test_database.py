"""The request path's database slots: at most the pool's size at once, the rest wait."""

from __future__ import annotations

import time

import anyio
from sqlalchemy import text
from sqlalchemy.exc import TimeoutError as PoolTimeout

from api.dependencies import Database


def _hold(conn, seconds: float) -> int:
    time.sleep(seconds)
    return conn.execute(text("SELECT 1")).scalar()


def test_calls_past_the_slots_wait_their_turn_then_time_out(engine) -> None:
    async def main() -> list:
        db = Database(engine, slots=1, timeout_s=0.3)
        results: list = []

        async def call(seconds: float) -> None:
            try:
                results.append(await db.run(_hold, seconds))
            except PoolTimeout as exc:
                results.append(str(exc))

        async with anyio.create_task_group() as tasks:
            tasks.start_soon(call, 0.1)  # takes the slot
            await anyio.sleep(0.02)
            tasks.start_soon(call, 0.0)  # waits 0.08 s, then runs
        async with anyio.create_task_group() as tasks:
            tasks.start_soon(call, 0.6)  # holds the slot past the timeout
            await anyio.sleep(0.02)
            tasks.start_soon(call, 0.0)  # gives up after 0.3 s
        return results

    assert anyio.run(main) == [1, 1, "no connection came free in 0.3 s", 1]
