"""The partition engine on small hand-made cities: every rule, and the edge cases.

Each rule is checked here independently of the engine's own validator, in the
cases' metric CRS, besides asserting that the report agrees.
"""

from __future__ import annotations

import doctest

import geopandas as gpd
import numpy as np
import pytest
import shapely
from shapely.geometry import LineString

import gis.partition.engine
import gis.partition.exact
import gis.partition.model
import gis.partition.solver
from gis.errors import InvalidInput
from gis.partition import Plan, partition, repartition, validate_plan
from tests.partition_cases import (
    CRS,
    X0,
    Y0,
    buildings,
    c_shape,
    communities,
    island,
    lattice,
    metric,
    one,
    rect,
)

TOL_M2 = 1.0


def assert_rules_hold(plan: Plan, comms: gpd.GeoDataFrame, builds: gpd.GeoDataFrame) -> None:
    """Rules 1-4 measured directly on the plan's tables."""
    grids = metric(plan.grids)
    builds = builds.astype({"code": object})
    for code, community in comms.set_index("code").geometry.items():
        mine = grids[grids["community_code"] == code]
        union = shapely.union_all(mine.geometry.to_numpy())
        assert shapely.area(shapely.symmetric_difference(union, community)) < TOL_M2, code
        overlap = mine.area.sum() - union.area
        assert overlap < TOL_M2, code
        if shapely.get_num_geometries(community) == 1:
            assert (mine.geom_type == "Polygon").all(), code
    a = plan.assignment
    assert a["building_id"].is_unique
    joined = a.merge(grids[["code", "geometry"]], left_on="grid_code", right_on="code")
    feet = builds.set_index("code").loc[joined["building_id"]]
    inside = shapely.intersection(feet.geometry.to_numpy(), joined.geometry.to_numpy())
    clipped = shapely.intersection(
        feet.geometry.to_numpy(),
        comms.set_index("code").loc[joined["community_code"]].geometry.to_numpy(),
    )
    np.testing.assert_allclose(shapely.area(inside), shapely.area(clipped), atol=TOL_M2)
    hh = a.merge(builds[["code", "households"]], left_on="building_id", right_on="code")
    np.testing.assert_array_equal(
        hh.groupby("grid_code")["households"].sum().reindex(plan.grids["code"]).fillna(0),
        plan.grids["households"],
    )


@pytest.fixture
def city():
    """Two urban communities of 40 m lattices (960 and 600 households) and a rural one."""
    comms = communities(
        ("331004001001", rect(0, 0, 400, 240)),
        ("331004001002", rect(400, 0, 650, 240)),
        ("331004001003", rect(0, 240, 650, 500), "rural"),
    )
    builds = buildings(
        lattice(rect(0, 0, 400, 240), 40, 16, "A"),
        lattice(rect(400, 0, 650, 240), 40, np.array([20, 30, 10, 40, 12]), "B"),
        lattice(rect(0, 240, 650, 500), 90, 15, "C"),
    )
    return comms, builds


def test_plan_keeps_every_rule(city) -> None:
    comms, builds = city
    plan = partition(comms, builds)
    assert plan.report.ok, str(plan.report)
    assert_rules_hold(plan, comms, builds)
    assert plan.grids.crs.to_epsg() == 4326
    hh = plan.grids["households"]
    urban = plan.grids["community_code"] != "331004001003"
    assert hh[urban].between(240, 360).all()
    assert plan.grids["code"].str.fullmatch(r"\d{12}\d{3}").all()
    assert plan.grids["code"].str[:12].eq(plan.grids["community_code"]).all()
    assert len(plan.assignment) == len(builds)


def test_report_figures_match_the_grids(city) -> None:
    plan = partition(*city)
    r, hh = plan.report, plan.grids["households"]
    assert (r.households_min, r.households_max, r.households) == (hh.min(), hh.max(), hh.sum())
    np.testing.assert_allclose(r.households_cv, hh.std(ddof=0) / hh.mean(), rtol=1e-9)
    g = metric(plan.grids)
    pp = 4 * np.pi * g.area / g.length**2
    np.testing.assert_allclose(r.polsby_popper_mean, pp.mean(), rtol=1e-6)
    np.testing.assert_allclose(r.polsby_popper_min, pp.min(), rtol=1e-6)
    assert r.barrier_share is None
    assert set(r.to_dict()) >= {"issues", "households_cv", "polsby_popper_min", "ok"}
    assert "households per grid" in str(r)


def test_rural_community_within_the_maximum_is_one_grid(city) -> None:
    comms, builds = city
    plan = partition(comms, builds, min_households=100, max_households=400, target=200)
    rural = plan.grids[plan.grids["community_code"] == "331004001003"]
    assert (
        len(rural) == 1
        and rural["households"].iat[0]
        == builds["households"][builds["code"].str.startswith("C")].sum()
    )
    urban = partition(
        comms.assign(kind="urban"), builds, min_households=100, max_households=400, target=200
    )
    assert (urban.grids["community_code"] == "331004001003").sum() == 2


def test_same_seed_same_plan_and_communities_are_independent(city) -> None:
    comms, builds = city
    a, b = partition(comms, builds, seed=3), partition(comms, builds, seed=3)
    assert a.grids.drop(columns="geometry").equals(b.grids.drop(columns="geometry"))
    assert a.grids.geometry.geom_equals_exact(b.grids.geometry, 0).all()
    assert a.assignment.equals(b.assignment)
    shuffled = partition(comms.iloc[::-1], builds.sample(frac=1, random_state=1), seed=3)
    assert shuffled.grids.geometry.geom_equals_exact(a.grids.geometry, 0).all()
    assert a.assignment.equals(shuffled.assignment)
    alone = partition(comms.iloc[[1]], builds, seed=3)
    mine = a.grids[a.grids["community_code"] == "331004001002"].reset_index(drop=True)
    assert mine.drop(columns="geometry").equals(alone.grids.drop(columns="geometry"))
    assert mine.geometry.geom_equals_exact(alone.grids.geometry, 1e-9).all()


def test_repartition_leaves_other_communities_alone(city) -> None:
    plan = partition(*city, seed=1)
    again = repartition(plan, ["331004001001"], seed=99)
    others = plan.grids[plan.grids["community_code"] != "331004001001"].set_index("code")
    kept = again.grids.set_index("code").loc[others.index]
    assert kept.geometry.geom_equals_exact(others.geometry, 0).all()
    assert again.report.ok
    with pytest.raises(InvalidInput, match="no community"):
        repartition(plan, ["999"])


def test_building_above_the_maximum_is_a_grid_alone() -> None:
    comms = communities(("331004002001", rect(0, 0, 300, 200)))
    builds = buildings(lattice(rect(0, 0, 300, 200), 30, 8, "L"), one("BIG", 150, 100, 500, 6))
    builds = builds[~builds.intersects(rect(140, 90, 160, 110)) | (builds["code"] == "BIG")]
    plan = partition(comms, builds)
    big = plan.assignment.set_index("building_id").loc["BIG", "grid_code"]
    assert (plan.assignment["grid_code"] == big).sum() == 1
    assert plan.report.ok
    (exc,) = [i for i in plan.report.exceptions if i.grid == big]
    assert exc.rule == 3 and "one building" in exc.message
    assert_rules_hold(plan, comms, builds)


def test_community_below_the_minimum_is_one_grid_with_its_reason() -> None:
    comms = communities(("331004002002", rect(0, 0, 200, 200)))
    builds = lattice(rect(0, 0, 200, 200), 50, 10, "S")
    plan = partition(comms, builds)
    assert len(plan.grids) == 1 and plan.grids["households"].iat[0] == 160
    (exc,) = plan.report.exceptions
    assert exc.rule == 3 and "fewer than the minimum" in exc.message
    assert plan.report.ok


def test_community_without_buildings_is_one_empty_grid() -> None:
    comms = communities(("331004002003", rect(0, 0, 100, 100)), ("331004002004", c_shape()))
    plan = partition(comms, lattice(rect(0, 0, 100, 100), 200, 1, "N"))
    assert len(plan.grids) == 2 and plan.grids["households"].eq(0).all()
    assert plan.assignment.empty
    assert_rules_hold(plan, comms, lattice(rect(0, 0, 1, 1), 5, 1, "N"))


def test_island_community_may_span_the_water() -> None:
    comms = communities(("331004003001", island()))
    builds = buildings(
        lattice(rect(0, 0, 200, 200), 25, 10, "M"), lattice(rect(300, 50, 380, 150), 25, 10, "I")
    )
    plan = partition(comms, builds)
    assert plan.report.ok, str(plan.report)
    assert_rules_hold(plan, comms, builds)
    island_grids = plan.assignment[plan.assignment["building_id"].str.startswith("I")]
    assert island_grids["grid_code"].nunique() == 1


def test_island_without_buildings_joins_a_grid() -> None:
    comms = communities(("331004003002", island()))
    builds = lattice(rect(0, 0, 200, 200), 25, 10, "M")
    plan = partition(comms, builds)
    assert_rules_hold(plan, comms, builds)
    assert plan.report.ok


def test_c_shaped_community_tiles_exactly_with_connected_grids() -> None:
    comms = communities(("331004003003", c_shape(300, 100)))
    builds = lattice(c_shape(300, 100), 20, 6, "K")
    plan = partition(comms, builds)
    assert len(plan.grids) == choose_grids(builds["households"].sum())
    assert plan.report.ok, str(plan.report)
    assert_rules_hold(plan, comms, builds)


def choose_grids(households: int) -> int:
    return gis.partition.solver.choose_k(households, 240, 360, 300)


def test_building_straddling_a_boundary_goes_to_the_larger_share() -> None:
    comms = communities(
        ("331004004001", rect(0, 0, 200, 200)), ("331004004002", rect(200, 0, 400, 200))
    )
    builds = buildings(
        lattice(rect(0, 0, 200, 200), 40, 30, "W"),
        lattice(rect(200, 0, 400, 200), 40, 30, "E"),
        one("X", 196, 100, 20, 12),
    )
    plan = partition(comms, builds)
    row = plan.assignment.set_index("building_id").loc["X"]
    assert row["community_code"] == "331004004001"
    assert plan.report.ok, str(plan.report)
    assert_rules_hold(plan, comms, builds)


def test_barriers_pull_boundaries_onto_them() -> None:
    comms = communities(("331004005001", rect(0, 0, 400, 200)))
    builds = lattice(rect(0, 0, 400, 200), 20, 3, "R")
    builds = builds[~builds.intersects(rect(0, 95, 400, 105))]
    road = gpd.GeoSeries([LineString([(X0, Y0 + 100), (X0 + 400, Y0 + 100)])], crs=CRS)
    plain, along = partition(comms, builds), partition(comms, builds, barriers=road)
    assert len(along.grids) == 2
    assert along.report.barrier_share > 0.9
    assert plain.report.barrier_share is None
    south = metric(along.grids).geometry.centroid.y.min() - Y0
    assert south < 60  # the two grids lie side by side across the road


def test_maximum_area_splits_sparse_communities() -> None:
    comms = communities(("331004006001", rect(0, 0, 1000, 500)))
    builds = lattice(rect(0, 0, 1000, 500), 100, 5, "Q")
    plan = partition(comms, builds, max_area_km2=0.15)
    assert metric(plan.grids).area.max() <= 0.15e6 + 1
    assert len(plan.grids) >= 4
    lows = [i for i in plan.report.exceptions if "maximum area" in i.message]
    assert plan.report.ok and lows


def test_buildings_on_one_spot_share_a_grid() -> None:
    comms = communities(("331004006002", rect(0, 0, 300, 200)))
    builds = lattice(rect(0, 0, 300, 200), 25, 9, "P")
    twin = builds.iloc[[40]].assign(code="TWIN", households=30)
    plan = partition(comms, buildings(builds, twin))
    grid = plan.assignment.set_index("building_id")["grid_code"]
    assert grid["TWIN"] == grid[builds["code"].iat[40]]
    assert plan.report.ok


def test_buildings_outside_every_community_are_ignored(city) -> None:
    comms, builds = city
    stray = one("FAR", 5000, 5000, 30)
    plan = partition(comms, buildings(builds, stray))
    assert "FAR" not in set(plan.assignment["building_id"])
    assert any("1 buildings lie outside" in n for n in plan.report.notes)


@pytest.mark.parametrize(
    ("edit", "match"),
    [
        (lambda c, b: (c, b.drop(columns="households")), "field 'households'"),
        (lambda c, b: (c, b.assign(households=b["households"] * -1)), "whole number"),
        (lambda c, b: (c, b.assign(code="same")), "duplicate id"),
        (lambda c, b: (c.drop(columns="code"), b), "field 'code': required column"),
        (lambda c, b: (c.assign(kind="suburb"), b), "unknown kind"),
        (
            lambda c, b: (
                c.set_geometry([shapely.Polygon([(0, 0), (1, 1), (1, 0), (0, 1)])] * 3, crs=CRS),
                b,
            ),
            "invalid geometry",
        ),
    ],
    ids=["no-households", "negative", "duplicate-id", "no-id", "kind", "bow-tie"],
)
def test_bad_input_names_row_and_field(city, edit, match) -> None:
    with pytest.raises(InvalidInput, match=match) as info:
        partition(*edit(*city))
    assert info.value.problems


def test_bad_rules_are_refused(city) -> None:
    with pytest.raises(InvalidInput, match="min <= max"):
        partition(*city, min_households=400, max_households=300)
    with pytest.raises(InvalidInput, match="target"):
        partition(*city, target=1000)


@pytest.mark.parametrize(
    "module",
    [gis.partition.engine, gis.partition.exact, gis.partition.model, gis.partition.solver],
    ids=lambda m: m.__name__,
)
def test_docstring_examples_run(module) -> None:
    result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0 and result.attempted > 0


@pytest.fixture(scope="module")
def sample_city():
    """A quarter of Dongcheng from the sample-city generator: 205 communities, ~10,000
    buildings, half of the communities old town (touching courtyard houses, terraces,
    towers in yards). Half of Dongcheng was ~3,000 buildings when every building stood
    free; it is ~16,000 with old towns, and a quarter keeps the test as quick."""
    from gis.synth import generate_city

    return generate_city("110101", seed=0, scale=0.25)


def test_sample_city_end_to_end(sample_city) -> None:
    city = sample_city
    seen: list[tuple[int, int]] = []
    plan = partition(
        city.areas, city.buildings, barriers=city.roads, progress=lambda *a: seen.append(a)
    )
    assert seen[-1] == (205, 205) and len(seen) == 205
    r = plan.report
    assert r.communities == 205 and r.buildings == len(city.buildings)
    assert r.households == city.buildings["households"].sum()
    assert 0 < r.barrier_share < 1 and r.polsby_popper_min > 0.1
    # Towers (300–800 households) now stand above the maximum: each such grid is a
    # named exception (one building, perhaps with a leftover house), never a violation.
    above = set(plan.grids.loc[plan.grids["households"] > 360, "code"])
    assert above, "the old towns' yard towers are above the maximum"
    named = {i.grid for i in r.exceptions if "above the maximum" in i.message}
    assert above == named and not any("above" in v.message for v in r.violations)
    proven = " ".join(n for n in r.notes if "searched exhaustively" in n)
    assert all(v.community in proven for v in r.violations), str(r)
    comms = city.areas[city.areas["level"] == "community"]
    again = validate_plan(plan, comms, city.buildings, barriers=city.roads)
    assert again.broken_rules() == r.broken_rules()
    np.testing.assert_allclose(again.barrier_share, r.barrier_share, rtol=1e-6)
