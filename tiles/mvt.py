"""Render one vector tile with one SQL statement, and its version for ETags.

Tiles go straight to psycopg's async pool: on the hottest path of the service a
thread hop and an ORM layer per request cost more than the query of a small tile.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache

from psycopg import AsyncConnection

from gis.errors import NotFound, TileError
from tiles.layers import LAYERS, Layer, sql_text

EXTENT = 4096
BUFFER = 64
MAX_ZOOM = 22
CELL_BITS = 6  # low-zoom counts: 64 × 64 cells per tile


@dataclass(frozen=True)
class TileQuery:
    """One tile request, checked: layer from the allow-list, coordinates in range."""

    layer: Layer
    z: int
    x: int
    y: int
    plan: int | None = None
    categories: tuple[str, ...] | None = None
    statuses: tuple[str, ...] | None = None
    since: datetime | None = None
    until: datetime | None = None
    extra: dict = field(default_factory=dict)
    # Whose rows: the reader's scope (row-level security decides what a tile holds), so
    # no cache or ETag ever serves one scope's tile to another. "*" is everywhere.
    scope: str = "*"

    @property
    def clustered(self) -> bool:
        return self.layer.cluster_below is not None and self.z < self.layer.cluster_below

    def key(self) -> str:
        """Everything that changes the tile's content, as a stable string."""
        return json.dumps(
            [self.layer.name, self.z, self.x, self.y, self.plan, self.categories,
             self.statuses, self.since and self.since.isoformat(),
             self.until and self.until.isoformat(), self.scope],
        )  # fmt: skip

    def params(self) -> dict:
        return {
            "z": self.z,
            "x": self.x,
            "y": self.y,
            "layer": self.layer.name,
            "change_layer": self.layer.change_layer,
            "extent": EXTENT,
            "buffer": BUFFER,
            "margin": BUFFER / EXTENT,
            "cell_bits": min(CELL_BITS, 24 - self.z),  # no finer than the 2^24 key grid
            "dense_above": self.layer.dense_above,
            "plan": self.plan,
            "categories": list(self.categories) if self.categories else None,
            "statuses": list(self.statuses) if self.statuses else None,
            "since": self.since,
            "until": self.until,
            **self.layer.params,
        }


def tile_query(layer: str, z: int, x: int, y: int, **filters: object) -> TileQuery:
    """Check a request and build its TileQuery; raise TileError saying what is wrong."""
    if layer not in LAYERS:
        raise NotFound(f"there is no tile layer {layer!r}; layers: {', '.join(LAYERS)}")
    spec = LAYERS[layer]
    if not 0 <= z <= MAX_ZOOM:
        raise TileError(f"zoom {z} is outside 0..{MAX_ZOOM}")
    if not (0 <= x < 2**z and 0 <= y < 2**z):
        raise TileError(f"tile {z}/{x}/{y} does not exist: x and y run 0..{2**z - 1} at zoom {z}")
    since, until = filters.get("since"), filters.get("until")
    if isinstance(since, datetime) and isinstance(until, datetime):
        if (since.tzinfo is None) != (until.tzinfo is None):
            raise TileError(
                "since and until must both give a time zone or both give none (a date alone "
                f"gives none): since={since.isoformat()}, until={until.isoformat()}"
            )
        if since >= until:
            raise TileError("since must be earlier than until")
    return TileQuery(spec, z, x, y, **filters)


def tile_filters(params: Mapping[str, list[str]]) -> dict[str, object]:
    """The filters of a tile URL's query (each key with all its values), checked."""
    filters: dict[str, object] = {}
    for key, value in ((k, v[-1]) for k, v in params.items() if k in _SINGLE):
        try:
            filters[key] = _SINGLE[key](value)
        except (ValueError, OverflowError):
            raise TileError(f"{key} must be {_EXPECTED[key]}, not {value!r}") from None
    for key, name in (("category", "categories"), ("status", "statuses")):
        if values := tuple(v for v in params.get(key, ()) if v):
            filters[name] = values
    return filters


PLAN_ID_MAX = 2**31 - 1  # grid_plan.id is an int4


def _plan_id(text: str) -> int:
    value = int(text)
    if not 1 <= value <= PLAN_ID_MAX:
        raise ValueError(text)
    return value


def _time(text: str) -> datetime:
    value = datetime.fromisoformat(text.upper())  # RFC 3339 allows a lowercase t and z
    if value.tzinfo is not None:
        value.astimezone(UTC)  # OverflowError at the ends of the calendar
    return value


_SINGLE = {"plan": _plan_id, "since": _time, "until": _time}
_EXPECTED = {
    "plan": f"a plan id (an integer from 1 to {PLAN_ID_MAX})",
    "since": "an ISO 8601 time such as 2026-11-01T08:00:00+08:00",
    "until": "an ISO 8601 time such as 2026-12-01T08:00:00+08:00",
}


async def render(conn: AsyncConnection, q: TileQuery) -> tuple[int, bytes]:
    """The tile's data version and MVT bytes, in one round trip.

    The bytes are empty when the layer is outside its zooms or has nothing here.
    """
    if not q.layer.minzoom <= q.z <= q.layer.maxzoom:
        return await version(conn, q), b""
    # Binary results: a tile arrives as its bytes, not as hex text twice its size.
    cursor = await conn.execute(_both(tile_sql(q.layer, q.clustered)), q.params(), binary=True)
    data_version, data = await cursor.fetchone()
    return int(data_version), bytes(data or b"")


async def version(conn: AsyncConnection, q: TileQuery) -> int:
    """Id of the newest change to the layer's data under this tile (0: never changed)."""
    cursor = await conn.execute(_version_sql(), q.params())
    return int((await cursor.fetchone())[0])


def tile_sql(layer: Layer, clustered: bool) -> str:
    """The one statement that renders a tile of ``layer`` (``:name`` binds).

    A layer with a dense limit checks it first; only the branch taken runs, since
    PostgreSQL evaluates an uncorrelated subquery when its value is first needed.
    """
    return _tile_sql(layer.name, clustered)


@cache  # one string per layer and kind: built once, and hashed once by _both's cache
def _tile_sql(name: str, clustered: bool) -> str:
    layer = LAYERS[name]
    if clustered:
        return sql_text(layer.cluster_sql)
    if layer.dense_sql is None:
        return sql_text(layer.sql)
    dense, cells, points = (sql_text(n) for n in (layer.dense_sql, layer.cluster_sql, layer.sql))
    return f"SELECT CASE WHEN ({dense}) THEN ({cells}) ELSE ({points}) END"


@cache
def _version_sql() -> str:
    # The change log names layers by their table (areas for districts, streets...).
    return pyformat(sql_text("etag.sql").replace(":layer", ":change_layer"))


@cache
def _both(sql: str) -> str:
    return f"SELECT ({_version_sql()}), ({pyformat(sql)})"


def pyformat(sql: str) -> str:
    """SQL written with ``:name`` binds, for psycopg's ``%(name)s`` (casts ``::`` kept)."""
    return re.sub(r"(?<![:\w]):(\w+)", r"%(\1)s", sql.replace("%", "%%"))


def etag(q: TileQuery, data_version: int) -> str:
    """A strong ETag: the request and the data version under it."""
    digest = hashlib.blake2b(f"{q.key()}|{data_version}".encode(), digest_size=12).hexdigest()
    return f'"{digest}"'
