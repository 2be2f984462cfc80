"""Limits on reading households' members, per signed-in user.

A grid worker visits a few households at a time; copying the register means reading
thousands. So one user may read the members of at most N households a minute and M a
day, and the households of at most K distinct buildings an hour: paging through the
register building by building is refused even when slow (``WANGGE_API_HOUSEHOLD_*``,
``gis.settings.ApiSettings``). Every role counts, admin too: a bulk export is not a
page's work and goes through an administrator. A refusal is a 429 problem whose detail
names the limit, what was counted and when it lets the user read again, with
``Retry-After``.

The counts are moving windows (the ``limits`` library, in memory) kept in this
process: with several API worker processes (``uvicorn --workers N``, or several
``wangge serve`` behind one proxy) each keeps its own, so a user spread over N of
them may read up to N times each limit, and a restart forgets the counts. A shared
store (the ``limits`` library's Redis storage, or a table) would make them global.
"""

from __future__ import annotations

import math
import time
from datetime import UTC, datetime

from fastapi import Depends, Request
from limits import RateLimitItem, RateLimitItemPerDay, RateLimitItemPerHour, RateLimitItemPerMinute
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter

from api.auth import HouseholdReader
from api.dependencies import Code, Db
from gis.errors import TooManyRequests
from gis.places.buildings import household_building
from gis.settings import ApiSettings

EXPORT = "Reading many households is a bulk export: bulk exports go through an administrator."


class HouseholdReadLimits:
    """The per-user windows of one API process (see the module's docstring)."""

    def __init__(self, settings: ApiSettings) -> None:
        self._window = MovingWindowRateLimiter(MemoryStorage())
        self.per_minute = RateLimitItemPerMinute(settings.household_reads_per_minute)
        self.per_day = RateLimitItemPerDay(settings.household_reads_per_day)
        self.buildings = RateLimitItemPerHour(settings.household_buildings_per_hour)
        # A building a user opened is counted once an hour however many of its households
        # they read: one entry per (user, building), kept an hour.
        self._seen = RateLimitItemPerHour(1)

    def check_rate(self, user_id: int) -> None:
        """Refuse a user already at the minute's or the day's limit (nothing is counted)."""
        who = str(user_id)
        for item, env, span in (
            (self.per_minute, "PER_MINUTE", "minute"),
            (self.per_day, "PER_DAY", "24 hours"),
        ):
            if not self._window.test(item, "reads", who):
                counted = f"the members of {item.amount:,} households in the last {span}"
                raise self._refusal(item, ("reads", who), counted, f"HOUSEHOLD_READS_{env}")

    def count(self, user_id: int, building: str | None) -> None:
        """Count one read of a household in ``building`` (None: no such household), or
        refuse it if it would pass a limit; a refused read is not counted."""
        self.check_rate(user_id)
        who = str(user_id)
        new = building is not None and self._window.test(self._seen, "seen", who, building)
        if new and not self._window.test(self.buildings, "buildings", who):
            counted = (
                f"households in {self.buildings.amount:,} different buildings in the last hour"
            )
            then = (
                ": reading building after building is a walk through the register. Households "
                "of the buildings already opened this hour can still be read; a new building "
                "can be opened {when}"
            )
            env = "HOUSEHOLD_BUILDINGS_PER_HOUR"
            raise self._refusal(self.buildings, ("buildings", who), counted, env, then)
        self._window.hit(self.per_minute, "reads", who)
        self._window.hit(self.per_day, "reads", who)
        if new:
            self._window.hit(self._seen, "seen", who, building)
            self._window.hit(self.buildings, "buildings", who)

    def _refusal(
        self,
        item: RateLimitItem,
        keys: tuple[str, ...],
        counted: str,
        env: str,
        then: str = ". You may read again {when}",
    ) -> TooManyRequests:
        """The 429: the limit, what was counted, and when it lets the user go on."""
        reset = self._window.get_window_stats(item, *keys).reset_time
        wait = max(1, math.ceil(reset - time.time()))
        at = datetime.fromtimestamp(reset, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
        after = then.format(when=f"in {wait} s, at {at}")
        return TooManyRequests(
            f"you have read {counted}, the most one user may (WANGGE_API_{env}){after}. {EXPORT}",
            retry_after_s=wait,
        )


async def limit_household_reads(
    request: Request, code: Code, user: HouseholdReader, db: Db
) -> None:
    """Dependency: count this read of household ``code`` against its user's limits, or 429."""
    limits: HouseholdReadLimits = request.app.state.household_limits
    limits.check_rate(user.id)  # a user at the limit costs no query
    building = await db.run(household_building, code)
    limits.count(user.id, building)


# For the household route's ``dependencies=``.
LIMIT_HOUSEHOLD_READS = Depends(limit_household_reads)
