"""Who receives an event: the user's scope, as the outbox's policy reads it, and the
filters a stream client asked for.

The stream's listener reads every new event once for the whole process and hands each
client only what the database would have shown that client's user. ``scope_of`` reads
the user's scope through the very functions the policy calls (migration 0011), once
per client, and ``Scope.covers`` applies it as the policy's ``USING`` clause does
(migration 0014), so the two cannot disagree on what "in scope" means.

Examples
--------
>>> district = Scope(everywhere=False, communities=frozenset({1, 2}), grid=None)
>>> district.covers(1, None), district.covers(3, 7), district.covers(None, None)
(True, False, False)
>>> worker = Scope(everywhere=False, communities=frozenset({1}), grid=10)
>>> worker.covers(1, 10), worker.covers(1, 11)
(True, False)
>>> wanted = Audience(district, communities=frozenset({2}), categories=frozenset({"fire"}))
>>> wanted.admits(2, None, "fire"), wanted.admits(1, None, "fire"), wanted.admits(2, None, "x")
(True, False, False)
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection

from gis.db.statements import query
from gis.errors import NotFound


@dataclass(frozen=True, slots=True)
class Scope:
    """Where a user may see incidents: everywhere, or these communities (and, for a grid
    worker, only this grid of them). A disabled user or a stale scope: nowhere."""

    everywhere: bool
    communities: frozenset[int]
    grid: int | None

    def covers(self, community_id: int | None, grid_id: int | None) -> bool:
        """The policy's condition, for one event (migration 0014's ``SCOPE``)."""
        if self.everywhere:
            return True
        if community_id is None or community_id not in self.communities:
            return False
        return self.grid is None or grid_id == self.grid


@dataclass(frozen=True, slots=True)
class Audience:
    """One stream client: its user's scope and the area and categories it asked for
    (None: any)."""

    scope: Scope
    communities: frozenset[int] | None = None
    categories: frozenset[str] | None = None

    def admits(self, community_id: int | None, grid_id: int | None, category: str | None) -> bool:
        """Whether an event of this community, grid and category goes to this client."""
        if self.communities is not None and community_id not in self.communities:
            return False
        if self.categories is not None and category not in self.categories:
            return False
        return self.scope.covers(community_id, grid_id)


def scope_of(conn: Connection) -> Scope:
    """The scope of the user ``conn`` is named for (the API's connections are named at
    checkout, gis.db.api_role); nobody named: nowhere."""
    row = conn.execute(query("gis.events", "audience", "scope")).one()
    return Scope(
        everywhere=bool(row.everywhere),
        communities=frozenset(row.communities or ()),
        grid=row.grid,
    )


def communities_under(conn: Connection, area_code: str) -> frozenset[int]:
    """The ids of the communities under a district, street or community (itself, for a
    community); NotFound for a code no area has."""
    found = conn.execute(query("gis.events", "audience", "communities_under"), {"code": area_code})
    ids = found.scalar()
    if ids is None:
        raise NotFound(f"no area has the code {area_code}; give a district, street or community")
    return frozenset(ids)
