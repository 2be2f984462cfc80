"""Migrations up and down on a fresh database, and the rules the schema itself keeps."""

from __future__ import annotations

import random
from collections.abc import Callable

import pytest
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.exc import DBAPIError, IntegrityError

from gis.db import migrate
from gis.db.models import Base

TABLES = set(Base.metadata.tables)


@pytest.fixture
def fresh(make_database: Callable[[str], str]):
    engine = create_engine(make_database("wangge_migrations"))
    yield engine
    engine.dispose()


def _tables(engine) -> set[str]:
    return set(inspect(engine).get_table_names()) - {"spatial_ref_sys", "alembic_version"}


def test_up_down_up(fresh) -> None:
    assert migrate.current(fresh) is None
    migrate.upgrade(fresh)
    assert migrate.current(fresh) == migrate.head()
    assert _tables(fresh) == TABLES
    migrate.downgrade(fresh)
    assert migrate.current(fresh) is None
    assert _tables(fresh) == set()
    with fresh.connect() as conn:
        types = conn.execute(
            text(
                "SELECT typname FROM pg_type "
                "WHERE typname IN ('area_level', 'plan_status', 'user_role')"
            )
        ).all()
    assert types == []
    migrate.upgrade(fresh)
    assert _tables(fresh) == TABLES


def test_schema_matches_the_models(fresh) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    migrate.upgrade(fresh)
    with fresh.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"include_object": migrate.include_object})
        diff = compare_metadata(ctx, Base.metadata)
    assert diff == []


@pytest.mark.parametrize(
    "table", ["area", "grid", "building", "camera", "incident", "worker"], ids=str
)
def test_spatial_tables_have_a_gist_index(engine, table: str) -> None:
    with engine.connect() as conn:
        defs = conn.execute(
            text("SELECT indexdef FROM pg_indexes WHERE tablename = :t"), {"t": table}
        ).scalars()
        assert any("USING gist" in d for d in defs)


def _interleave(x: int, y: int) -> int:
    return sum(((x >> i) & 1) << (2 * i) | ((y >> i) & 1) << (2 * i + 1) for i in range(24))


def test_morton_keys_interleave_the_mercator_cells(engine, sample_city) -> None:
    """The tiles' range scans rest on this: x bits even, y bits odd, 24 of each."""
    rng = random.Random(3)
    pairs = [(0, 0), (2**24 - 1, 2**24 - 1), (1, 0), (0, 1)]
    pairs += [(rng.randrange(2**24), rng.randrange(2**24)) for _ in range(200)]
    with engine.connect() as conn:
        keys = conn.execute(
            text("SELECT wangge_morton24(x, y) FROM unnest(CAST(:xs AS int8[]), "
                 "CAST(:ys AS int8[])) AS v(x, y)"),
            {"xs": [x for x, _ in pairs], "ys": [y for _, y in pairs]},
        ).scalars().all()  # fmt: skip
        stored = conn.execute(
            text("SELECT count(*), count(*) FILTER (WHERE morton = wangge_morton24(mx, my)) "
                 "FROM incident")
        ).one()  # fmt: skip
    assert keys == [_interleave(x, y) for x, y in pairs]
    assert stored[0] > 0 and stored[0] == stored[1]


AREA = "INSERT INTO area (code, name, level, parent_id, geom) VALUES "
SQUARE = "ST_Multi(ST_MakeEnvelope(121, 28, 121.1, 28.1, 4326))"


@pytest.fixture
def district(fresh):
    migrate.upgrade(fresh)
    with fresh.begin() as conn:
        conn.execute(text(AREA + f"('331004000000', 'D', 'district', NULL, {SQUARE})"))
    return fresh


@pytest.mark.parametrize(
    ("values", "message"),
    [
        (
            "('331004001000', 'S', 'street', NULL, "
            "ST_Multi('POLYGON((121 28, 121.1 28.1, 121.1 28, 121 28.1, 121 28))'::geometry))",
            "geom_valid",
        ),
        (
            "('331004001000', 'S', 'street', NULL, ST_Multi(ST_MakeEnvelope(0, 0, 1, 1, 3857)))",
            "SRID",
        ),
        (
            "('331004001000', 'S', 'district', "
            "(SELECT id FROM area WHERE code = '331004000000'), " + SQUARE + ")",
            "cannot sit under",
        ),
        ("('33100400100', 'S', 'street', NULL, " + SQUARE + ")", "code_format"),
    ],
    ids=["invalid-geometry", "wrong-srid", "level-not-below-parent", "bad-code"],
)
def test_the_database_refuses_bad_areas(district, values: str, message: str) -> None:
    with pytest.raises(DBAPIError, match=message), district.begin() as conn:
        conn.execute(text(AREA + values))


def test_paths_follow_parents(district) -> None:
    with district.begin() as conn:
        conn.execute(
            text(
                AREA + "('331004001000', 'S', 'street', "
                "(SELECT id FROM area WHERE code = '331004000000'), " + SQUARE + "), "
                "('331004002000', 'T', 'street', "
                "(SELECT id FROM area WHERE code = '331004000000'), " + SQUARE + ")"
            )
        )
        conn.execute(
            text(
                AREA + "('331004001001', 'C', 'community', "
                "(SELECT id FROM area WHERE code = '331004001000'), " + SQUARE + ")"
            )
        )
        # Move the community to the other street: its path follows.
        conn.execute(
            text(
                "UPDATE area SET parent_id = (SELECT id FROM area WHERE code = '331004002000') "
                "WHERE code = '331004001001'"
            )
        )
        path = conn.execute(text("SELECT path::text FROM area WHERE code = '331004001001'"))
        assert path.scalar() == "331004000000.331004002000.331004001001"
        # Renumber the street: the community under it follows too.
        conn.execute(text("UPDATE area SET code = '331004009000' WHERE code = '331004002000'"))
        path = conn.execute(text("SELECT path::text FROM area WHERE code = '331004001001'"))
        assert path.scalar() == "331004000000.331004009000.331004001001"


def test_one_published_plan_per_area(district) -> None:
    insert = text(
        "INSERT INTO grid_plan (name, status, area_id) "
        "SELECT :name, 'published', id FROM area WHERE code = '331004000000'"
    )
    with district.begin() as conn:
        conn.execute(insert, {"name": "first"})
    with pytest.raises(IntegrityError, match="uq_grid_plan_one_published"), district.begin() as c:
        c.execute(insert, {"name": "second"})
