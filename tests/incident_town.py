"""A small town for the incident tests: four communities, eight buildings, a published plan
(one grid per community), built in a database of its own in a few seconds."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Engine, create_engine, text

from gis.db.migrate import upgrade
from gis.settings import DatabaseSettings
from tests.common import TEST_KEY, small_areas, small_buildings

DISTRICT = "331004000000"
EAST, WEST = "331004001000", "331004002000"  # the two streets
HOME, NEIGHBOUR = "331004001001", "331004001002"  # two communities of the east street
FAR = "331004002001"  # a community of the west street
# Points: in building B001 (community HOME), in HOME off any building, in NEIGHBOUR, in FAR.
IN_B001 = (121.3051, 28.5551)
IN_HOME = (121.3150, 28.5580)
IN_NEIGHBOUR = (121.3150, 28.5650)
IN_FAR = (121.3300, 28.5520)
OUTSIDE = (121.5000, 28.5500)  # east of the district, about 16 km


def build_town(make_database: Callable[[str], str], name: str) -> tuple[Engine, DatabaseSettings]:
    """A migrated database ``name`` with the town loaded and its plan published."""
    from gis.load import load_frame
    from gis.partition import Rules
    from gis.partition.publish import publish_plan
    from gis.partition.store import create_plan

    url = make_database(name)
    engine = create_engine(url)
    upgrade(engine)
    load_frame(engine, "areas", small_areas())
    load_frame(engine, "buildings", small_buildings())
    plan = create_plan(engine, DISTRICT, name="town", rules=Rules(1, 100_000))
    publish_plan(engine, plan, published_by="test")
    return engine, DatabaseSettings(database_url=url, secret_key=TEST_KEY)


def grid_of(engine: Engine, community: str) -> str:
    """The code of a published grid of ``community``."""
    with engine.connect() as conn:
        return conn.execute(
            text(
                "SELECT g.code FROM grid g JOIN grid_plan p ON p.id = g.plan_id "
                "AND p.status = 'published' JOIN area a ON a.id = g.community_id "
                "WHERE a.code = :c ORDER BY g.code LIMIT 1"
            ),
            {"c": community},
        ).scalar_one()


def add_worker(engine: Engine, code: str, grid: str, role: str = "grid_worker") -> None:
    """A worker assigned to published grid ``grid``."""
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO worker (code, name, role, community_id, grid_id) "
                "SELECT :code, :name, :role, g.community_id, g.id FROM grid g "
                "JOIN grid_plan p ON p.id = g.plan_id AND p.status = 'published' "
                "WHERE g.code = :grid"
            ),
            {"code": code, "name": f"网格员{code}", "grid": grid, "role": role},
        )


def expire(engine: Engine, code: str, hours: float = 1.0) -> None:
    """Put incident ``code``'s report and deadline ``hours`` in the past (as the owner)."""
    with engine.begin() as conn:
        conn.execute(
            text(
                "UPDATE incident SET deadline_at = now() - make_interval(secs => :s), "
                "reported_at = least(reported_at, now() - make_interval(secs => :s * 2)) "
                "WHERE code = :code"
            ),
            {"code": code, "s": hours * 3600},
        )
