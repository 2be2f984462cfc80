"""Camera siting (gis.cameras.siting): on small instances the MCLP answer equals the
brute-force optimum over every set of k sites, and the greedy answer never beats it
(and, on a case built for it, loses); candidates and demand along roads are where
they should be."""

from __future__ import annotations

import itertools

import geopandas as gpd
import numpy as np
import pytest
from shapely import LineString, Point
from sqlalchemy import text

from gis.cameras import visibility_polygons
from gis.cameras.siting import (
    SitingRequest,
    candidates,
    choose_sites,
    coverage,
    greedy,
    mclp,
    reduce_instance,
    road_samples,
    site_cameras,
)
from gis.errors import InvalidInput
from tests.siting_case import road_across_smallest_community


def brute_force(cover: np.ndarray, weights: np.ndarray, k: int) -> float:
    """The most weight any k sites cover, by trying every set of k sites."""
    best = 0.0
    for sites in itertools.combinations(range(cover.shape[1]), k):
        best = max(best, float(weights[cover[:, list(sites)].any(axis=1)].sum()))
    return best


def covered(cover: np.ndarray, weights: np.ndarray, sites: list[int]) -> float:
    return float(weights[cover[:, sites].any(axis=1)].sum()) if sites else 0.0


@pytest.mark.parametrize("seed", range(12))
def test_mclp_is_the_brute_force_optimum_and_greedy_never_beats_it(seed):
    rng = np.random.default_rng(seed)
    n_demand, n_sites = rng.integers(8, 25), rng.integers(5, 11)
    cover = rng.random((n_demand, n_sites)) < rng.uniform(0.1, 0.4)
    weights = rng.integers(1, 10, n_demand).astype(float)
    k = int(rng.integers(1, 4))
    optimum = brute_force(cover, weights, k)
    answer = choose_sites(cover, weights, k)
    assert answer["mclp"]["covered"] == pytest.approx(optimum)
    assert covered(cover, weights, answer["mclp"]["sites"]) == pytest.approx(optimum)
    assert answer["greedy"]["covered"] <= optimum + 1e-9
    assert len(answer["mclp"]["sites"]) <= k and len(answer["greedy"]["sites"]) <= k
    for method in ("mclp", "greedy"):  # the additions, most first, sum to the total
        added = answer[method]["added"]
        assert sum(added) == pytest.approx(answer[method]["covered"])
        assert added == sorted(added, reverse=True)


def test_greedy_loses_where_the_first_pick_misleads():
    # Site 0 covers the middle of both clusters (weight 6); sites 1 and 2 each cover one
    # whole cluster (5 each). Greedy takes 0 first and ends at 6 + 2 = 8; the optimum is 10.
    cover = np.array([
        [1, 1, 0], [1, 1, 0], [1, 1, 0], [0, 1, 0], [0, 1, 0],
        [1, 0, 1], [1, 0, 1], [1, 0, 1], [0, 0, 1], [0, 0, 1],
    ], dtype=bool)  # fmt: skip
    weights = np.ones(10)
    assert brute_force(cover, weights, 2) == 10
    assert sorted(mclp(cover, weights, 2)) == [1, 2]
    assert greedy(cover, weights, 2)[0] == 0
    answer = choose_sites(cover, weights, 2)
    assert answer["mclp"]["covered"] == 10
    assert answer["greedy"]["covered"] == 8
    assert answer["mclp"]["added"] == [5, 5]


def test_nothing_to_cover_chooses_nothing():
    cover = np.zeros((4, 3), dtype=bool)
    answer = choose_sites(cover, np.ones(4), 2)
    assert answer["mclp"] == {"sites": [], "added": [], "covered": 0.0}
    assert answer["greedy"]["sites"] == []


def test_candidates_every_spacing_along_roads():
    roads = gpd.GeoSeries([LineString([(0, 0), (100, 0)]), LineString([(0, 0), (0, 25)])])
    points = candidates(roads, 20)
    xs = sorted(p.x for p in points if p.y == 0)
    assert xs == [10, 30, 50, 70, 90]
    assert [p.y for p in points if p.x == 0] == [12.5]  # a short road gets one, midway
    samples, lengths = road_samples(roads, 10)
    assert len(samples) == 12 and lengths.sum() == pytest.approx(125)


def test_coverage_is_demand_inside_each_view():
    views = gpd.GeoSeries([Point(0, 0).buffer(10), Point(30, 0).buffer(10)])
    demand = gpd.GeoSeries([Point(5, 0), Point(25, 0), Point(15, 0), Point(100, 0)])
    assert coverage(views, demand).tolist() == [
        [True, False], [False, True], [False, False], [False, False],
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("field", "value"), [("k", 0), ("k", 51), ("spacing_m", 1), ("range_m", 5000),
                         ("target", "cats")],
)  # fmt: skip
def test_request_bounds_name_the_field(field, value):
    with pytest.raises(InvalidInput) as caught:
        SitingRequest(area="331004001001", **{field: value})
    assert caught.value.problems[0]["field"] == field


# -- on the database: the sample city's smallest community, with a road of the test's own


@pytest.fixture(scope="module")
def community(engine, sample_city):
    """The smallest community, crossed by a road the test adds (removed at the end)."""
    with road_across_smallest_community(engine) as code:
        yield code


def test_siting_on_the_database_covers_what_it_says(engine, community):
    request = SitingRequest(area=community, k=3, target="roads", spacing_m=40, range_m=60)
    steps = []
    answer = site_cameras(engine, request, visibility_polygons, lambda d, t: steps.append(d))
    assert steps[-1] == 5 and steps == sorted(steps)
    assert answer["candidates"] > 3
    with engine.connect() as conn:  # the road length inside the community, by PostGIS
        metres = conn.execute(text(
            "SELECT sum(ST_Length(ST_Intersection(r.geom, a.geom)::geography)) "
            "FROM road r, area a WHERE a.code = :c AND ST_Intersects(r.geom, a.geom)"
        ), {"c": community}).scalar_one()  # fmt: skip
    assert answer["already_seen"] + answer["demand_total"] == pytest.approx(metres, rel=0.01)
    exact, quick = answer["mclp"], answer["greedy"]
    assert 0 < exact["covered"] <= answer["demand_total"] + 1e-6
    assert quick["covered"] <= exact["covered"] + 1e-6
    for choice in (exact, quick):
        assert len(choice["sites"]) <= 3
        assert sum(s["added"] for s in choice["sites"]) == pytest.approx(choice["covered"], abs=0.1)
    with engine.connect() as conn:  # every chosen site is inside the community
        inside = conn.execute(text(
            "SELECT bool_and(ST_Intersects(a.geom, ST_SetSRID(ST_MakePoint(x, y), 4326))) "
            "FROM area a, unnest(CAST(:xs AS float8[]), CAST(:ys AS float8[])) AS s(x, y) "
            "WHERE a.code = :c"
        ), {"c": community, "xs": [s["lon"] for s in exact["sites"]],
            "ys": [s["lat"] for s in exact["sites"]]}).scalar_one()  # fmt: skip
    assert inside


def test_siting_incidents_counts_only_those_no_online_camera_sees(engine, community):
    request = SitingRequest(area=community, k=2, target="incidents", spacing_m=40)
    answer = site_cameras(engine, request, visibility_polygons)
    with engine.connect() as conn:
        total = conn.execute(text(
            "SELECT count(*) FROM incident i, area a WHERE a.code = :c "
            "AND ST_Intersects(i.geom, a.geom)"
        ), {"c": community}).scalar_one()  # fmt: skip
    assert answer["unit"] == "incidents"
    assert answer["already_seen"] + answer["demand_total"] == total
    assert answer["greedy"]["covered"] <= answer["mclp"]["covered"] <= answer["demand_total"]


@pytest.mark.parametrize("seed", range(6))
def test_reducing_the_instance_keeps_its_optimum(seed):
    rng = np.random.default_rng(100 + seed)
    cover = rng.random((30, 9)) < 0.25
    cover[:, 3] = cover[:, 2] & (rng.random(30) < 0.5)  # a site inside another's coverage
    cover[:, 5] = cover[:, 4]  # two sites seeing the same
    cover[:4] = cover[4]  # demand points seen by the same sites
    weights = rng.integers(1, 5, 30).astype(float)
    sub, sub_weights, cols = reduce_instance(cover, weights)
    assert 3 not in cols and not {4, 5} <= set(cols)
    assert len(sub_weights) < 30 and sub_weights.sum() == weights[cover.any(axis=1)].sum()
    for k in (1, 2, 3):
        assert brute_force(sub, sub_weights, min(k, len(cols))) == brute_force(cover, weights, k)
