"""Plans in PostGIS: create, validate, publish (one per area, incidents re-linked), diff, edits."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import Point
from sqlalchemy import text

from gis.errors import InvalidInput, NotFound, PlanNotDraft, StaleVersion
from gis.load import load_frame
from gis.partition import Rules, merge_grids
from gis.partition.publish import diff_plans, publish_plan
from gis.partition.store import (
    apply_edit,
    create_plan,
    plan_row,
    stored_report,
    validate_stored,
)
from gis.places.grids import grid_detail

STREET = "331004001000"
SMALL = Rules(60, 120)


def scalar(engine, sql: str, **params):
    with engine.connect() as conn:
        return conn.execute(text(sql), params).scalar()


@pytest.fixture(scope="module")
def engine(plan_city):
    return plan_city[0]


@pytest.fixture(scope="module")
def first(engine) -> int:
    # Small bounds make several grids per community of this small city.
    return create_plan(engine, STREET, name="first", rules=SMALL)


def test_a_plan_assigns_every_building_once(engine, first) -> None:
    buildings = scalar(
        engine,
        "SELECT count(*) FROM building b JOIN area c ON c.id = b.community_id "
        "WHERE c.path <@ (SELECT path FROM area WHERE code = :s)",
        s=STREET,
    )
    assigned = scalar(
        engine, "SELECT count(DISTINCT building_id) FROM building_grid WHERE plan_id = :p", p=first
    )
    rows = scalar(engine, "SELECT count(*) FROM building_grid WHERE plan_id = :p", p=first)
    assert buildings == assigned == rows
    codes = scalar(
        engine,
        "SELECT bool_and(g.code LIKE c.code || '___') FROM grid g "
        "JOIN area c ON c.id = g.community_id WHERE g.plan_id = :p",
        p=first,
    )
    assert codes
    with engine.connect() as conn:
        row = plan_row(conn, first)
    assert row["status"] == "draft" and row["version"] == 1
    assert row["params"]["report"]["grids"] == row["grids"] > 0


def test_a_stored_plan_validates_as_it_was_made(engine, first) -> None:
    fresh = validate_stored(engine, first)
    with engine.connect() as conn:
        stored = stored_report(plan_row(conn, first))
    assert (fresh.grids, fresh.buildings, fresh.households) == (
        stored.grids,
        stored.buildings,
        stored.households,
    )
    assert fresh.broken_rules() == stored.broken_rules()


def test_publish_archives_the_previous_and_relinks_incidents(engine, first) -> None:
    row = publish_plan(engine, first, published_by="planner")
    assert row["status"] == "published" and row["incidents_relinked"] > 0
    unlinked = scalar(
        engine,
        "SELECT count(*) FROM incident i JOIN area c ON c.id = i.community_id "
        "WHERE c.path <@ (SELECT path FROM area WHERE code = :s) AND i.grid_id IS NULL",
        s=STREET,
    )
    assert unlinked == 0
    second = create_plan(engine, STREET, name="second", seed=5, rules=Rules(40, 90))
    diff = diff_plans(engine.connect(), second, first)
    assert diff["buildings_moved"] > 0 and diff["households_moved"] > 0
    publish_plan(engine, second)
    with engine.connect() as conn:
        statuses = dict(
            conn.execute(
                text("SELECT id, status::text FROM grid_plan WHERE id IN (:a, :b)"),
                {"a": first, "b": second},
            ).all()
        )
    assert statuses == {first: "archived", second: "published"}
    with pytest.raises(PlanNotDraft):
        publish_plan(engine, first)


def test_a_community_plan_replaces_the_street_plan_over_it(engine) -> None:
    community = STREET[:9] + "001"
    street_plan = create_plan(engine, STREET, name="street")
    publish_plan(engine, street_plan)
    own = create_plan(engine, community, name="community")
    publish_plan(engine, own)
    assert (
        scalar(engine, "SELECT status::text FROM grid_plan WHERE id = :p", p=street_plan)
        == "archived"
    )
    stale = scalar(
        engine,
        "SELECT count(*) FROM incident i JOIN grid g ON g.id = i.grid_id "
        "JOIN grid_plan p ON p.id = g.plan_id WHERE p.status <> 'published'",
    )
    assert stale == 0, "no incident keeps a grid of a plan that is no longer published"


def test_an_incident_loaded_after_publishing_has_its_grid_and_is_counted(engine) -> None:
    plan = create_plan(engine, STREET, name="for new incidents", rules=SMALL)
    publish_plan(engine, plan)
    with engine.connect() as conn:
        grid_code, lon, lat = conn.execute(
            text(
                "SELECT g.code, ST_X(ST_PointOnSurface(g.geom)), ST_Y(ST_PointOnSurface(g.geom)) "
                "FROM grid g WHERE g.plan_id = :p ORDER BY g.code LIMIT 1"
            ),
            {"p": plan},
        ).one()
        before = grid_detail(conn, grid_code)["stats"]["open_incidents"]
    frame = gpd.GeoDataFrame(
        {"code": ["AFTER-PUBLISH-1"], "category": ["fire_lane"], "source": ["hotline"],
         "reported_at": [pd.Timestamp("2026-11-30T08:00", tz="UTC")]},
        geometry=[Point(lon, lat)], crs=4326,
    )  # fmt: skip
    load_frame(engine, "incidents", frame)
    with engine.connect() as conn:
        linked = conn.execute(
            text("SELECT g.code FROM incident i JOIN grid g ON g.id = i.grid_id WHERE i.code = :c"),
            {"c": "AFTER-PUBLISH-1"},
        ).scalar()
        after = grid_detail(conn, grid_code)["stats"]["open_incidents"]
    assert linked == grid_code
    assert after == before + 1


def test_edits_are_versioned_and_a_stale_one_changes_nothing(engine) -> None:
    plan = create_plan(engine, STREET, name="to edit", rules=Rules(20, 50))
    with engine.connect() as conn:  # the grids of the community divided most
        grids = conn.execute(
            text(
                "SELECT array_agg(code ORDER BY code) FROM grid WHERE plan_id = :p "
                "GROUP BY community_id ORDER BY count(*) DESC LIMIT 1"
            ),
            {"p": plan},
        ).scalar()
    assert len(grids) >= 4, "the test community should hold at least four grids"
    total = scalar(engine, "SELECT count(*) FROM grid WHERE plan_id = :p", p=plan)
    row, edited = apply_edit(engine, plan, 1, lambda p, _: merge_grids(p, grids[0], grids[1]))
    assert row["version"] == 2 and len(edited.grids) == total - 1
    before = scalar(engine, "SELECT count(*) FROM grid WHERE plan_id = :p", p=plan)
    assert before == total - 1
    with pytest.raises(StaleVersion, match="version 2"):
        apply_edit(engine, plan, 1, lambda p, _: merge_grids(p, grids[2], grids[3]))
    assert scalar(engine, "SELECT count(*) FROM grid WHERE plan_id = :p", p=plan) == before
    assert scalar(engine, "SELECT version FROM grid_plan WHERE id = :p", p=plan) == 2


def test_bad_requests(engine) -> None:
    with pytest.raises(NotFound, match="no area with code 331004999999"):
        create_plan(engine, "331004999999", name="x")
    with pytest.raises(InvalidInput, match="min"):
        create_plan(engine, STREET, name="x", rules=Rules(400, 300))
