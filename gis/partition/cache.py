"""Plans kept in memory between edits, so an edit need not rebuild its plan from the tables.

Rebuilding a stored plan (its communities and buildings read, the units tessellated,
every community checked) took about 150 ms of a 330 ms edit of a 92-building
community. An edit's result is the next edit's start, so each process keeps the last
few plans it edited, keyed by plan id, version and the newest change to areas and
buildings: a plan edited meanwhile by another process (another version) or a building
loaded since (another change id) misses, and the plan is read again. The planner
page's first read of a draft's buildings reads the plan ahead (``warm``), so its first
edit finds it too.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import NamedTuple

from gis.partition.model import Plan

Key = tuple[int, int, int]  # plan id, version, newest change to areas and buildings


class Entry(NamedTuple):
    plan: Plan
    # read from the tables (counted again from today's buildings), not made by an edit:
    # the edit that starts from it writes every grid back
    loaded: bool


class PlanCache:
    """The ``size`` plans used last; safe to share between threads (plans are immutable)."""

    def __init__(self, size: int = 4) -> None:
        self._plans: OrderedDict[Key, Entry] = OrderedDict()
        self._size = size
        self._lock = threading.Lock()

    def get(self, key: Key) -> Entry | None:
        with self._lock:
            entry = self._plans.get(key)
            if entry is not None:
                self._plans.move_to_end(key)
            return entry

    def put(self, key: Key, plan: Plan, *, loaded: bool = False) -> None:
        """Keep ``plan`` as ``key``'s, unless a newer version of the plan is kept already."""
        with self._lock:
            mine = [k for k in self._plans if k[0] == key[0]]
            if any(k[1] > key[1] for k in mine):
                return  # read ahead while an edit made a newer version
            for old in mine:  # a plan's older versions are never edited again
                del self._plans[old]
            self._plans[key] = Entry(plan, loaded)
            while len(self._plans) > self._size:
                self._plans.popitem(last=False)
