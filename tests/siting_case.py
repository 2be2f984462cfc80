"""The camera-siting instance of the siting tests: the sample city's smallest community,
crossed corner to corner by a road of the test's own, so the roads target has a known
length to cover whatever roads the sample drew."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine, text

ROAD = "T15D-ROAD"


@contextmanager
def road_across_smallest_community(engine: Engine) -> Iterator[str]:
    """The code of the smallest community, with road ``ROAD`` along the diagonal of its
    bounding box while inside (deleted on leaving)."""
    with engine.begin() as conn:
        code = conn.execute(text(
            "SELECT code FROM area WHERE level = 'community' ORDER BY ST_Area(geom) LIMIT 1"
        )).scalar_one()  # fmt: skip
        conn.execute(text(
            "INSERT INTO road (code, name, kind, geom) SELECT :road, '测试路', 'local', "
            "ST_Multi(ST_MakeLine(ST_PointN(r, 1), ST_PointN(r, 3))) FROM ("
            "  SELECT ST_ExteriorRing(ST_Envelope(geom)) AS r FROM area WHERE code = :c) s"
        ), {"road": ROAD, "c": code})  # fmt: skip
    try:
        yield code
    finally:
        with engine.begin() as conn:
            conn.execute(text("DELETE FROM road WHERE code = :road"), {"road": ROAD})
