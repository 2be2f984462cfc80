"""The incident town with a hand-built road network and grid workers, for the worker tests.

The roads in HOME's community form a U: a lower road east from ``INCIDENT``, up, and an
upper road back west. Worker ``UPPER`` stands on the upper road above the incident (the
nearer by straight line, about 440 m, but some 2.4 km round the U), ``LOWER`` on the lower
road further east (about 590 m both ways); ``FARAWAY`` stands in the west street, off
every road. ``WALKER`` is the grid worker with an account, in HOME's grid.
"""

from __future__ import annotations

from collections.abc import Callable

import geopandas as gpd
from shapely.geometry import LineString
from sqlalchemy import Engine, text

from gis.settings import DatabaseSettings
from tests.incident_town import FAR, HOME, add_worker, build_town, grid_of

WEST_X, EAST_X = 121.303, 121.315
LOW_Y, HIGH_Y = 28.553, 28.557
INCIDENT = (121.305, LOW_Y)
SPOTS = {"UPPER": (121.305, HIGH_Y), "LOWER": (121.311, LOW_Y), "FARAWAY": (121.335, 28.565)}


def u_roads() -> gpd.GeoDataFrame:
    """The U as three roads, as `wangge load roads` reads them."""
    lines = [
        LineString([(WEST_X, LOW_Y), (EAST_X, LOW_Y)]),
        LineString([(EAST_X, LOW_Y), (EAST_X, HIGH_Y)]),
        LineString([(EAST_X, HIGH_Y), (WEST_X, HIGH_Y)]),
    ]
    frame = {"code": ["R1", "R2", "R3"], "name": ["下路", "东路", "上路"], "kind": "local"}
    return gpd.GeoDataFrame(frame, geometry=lines, crs="EPSG:4326")


def build_worker_town(
    make_database: Callable[[str], str], name: str
) -> tuple[Engine, DatabaseSettings]:
    """The town, the U of roads, and workers UPPER, LOWER, WALKER (HOME's grid) and
    FARAWAY (FAR's grid), none seen yet."""
    from gis.load import load_frame

    engine, settings = build_town(make_database, name)
    load_frame(engine, "roads", u_roads())
    for code in ("UPPER", "LOWER", "WALKER"):
        add_worker(engine, code, grid_of(engine, HOME))
    add_worker(engine, "FARAWAY", grid_of(engine, FAR))
    return engine, settings


def place(engine: Engine, code: str, lonlat: tuple[float, float], minutes_ago: float = 1) -> None:
    """Put worker ``code`` at ``lonlat``, seen ``minutes_ago`` (as the owner)."""
    with engine.begin() as conn:
        conn.execute(
            text(
                "UPDATE worker SET last_geom = ST_SetSRID(ST_MakePoint(:x, :y), 4326), "
                "last_seen_at = now() - make_interval(secs => :s) WHERE code = :code"
            ),
            {"x": lonlat[0], "y": lonlat[1], "s": minutes_ago * 60, "code": code},
        )


def link_account(engine: Engine, worker: str, user: str) -> None:
    """Make account ``user`` the account of worker ``worker``."""
    with engine.begin() as conn:
        conn.execute(
            text(
                "UPDATE worker SET account_id = (SELECT id FROM user_account WHERE name = :u) "
                "WHERE code = :w"
            ),
            {"u": user, "w": worker},
        )
