"""Partitions on footprints as real districts draw them: touching, overlapping, towers.

Real footprints are momepy's OpenStreetMap buildings of Prague's Bubeneč (a
district of perimeter blocks). OpenStreetMap gives no levels there, so
households follow one written rule: ``HOUSEHOLD_RULE`` below.
"""

from __future__ import annotations

import itertools

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
import shapely.affinity
from shapely.geometry import Polygon

from gis.partition import partition, validate_plan
from gis.partition.outline import footprint_cells
from gis.partition.units import build_units
from tests.gis.test_partition import assert_rules_hold
from tests.partition_cases import CRS, X0, Y0, communities, rect

UTM_33N = 32633  # Prague: metres without Web Mercator's 1.55 scale at 50°N
LEVELS = 5  # Bubeneč's blocks are mostly four to six storeys
NET_SHARE = 0.75  # gross floor area that is flats
FLAT_M2 = 80.0
HOUSEHOLD_RULE = "households = max(1, round(area × 5 levels × 0.75 / 80 m²))"


def households_from_area(area: np.ndarray) -> np.ndarray:
    """The written rule ``HOUSEHOLD_RULE``."""
    return np.maximum(1, np.rint(area * LEVELS * NET_SHARE / FLAT_M2)).astype(int)


@pytest.fixture(scope="module")
def bubenec() -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    momepy = pytest.importorskip("momepy")
    path = momepy.datasets.get_path("bubenec")
    builds = gpd.read_file(path, layer="buildings").to_crs(UTM_33N)
    builds["code"] = [f"BUB{u:04d}" for u in builds["uID"]]
    builds["households"] = households_from_area(builds.area.to_numpy())
    limit = shapely.buffer(shapely.union_all(builds.geometry.to_numpy()), 40.0)
    limit = shapely.buffer(shapely.buffer(limit, 60.0), -60.0)  # close the streets between blocks
    x = shapely.get_coordinates(shapely.centroid(limit))[0, 0]
    (minx, miny, maxx, maxy) = limit.bounds
    west = shapely.intersection(limit, shapely.box(minx - 1, miny - 1, x, maxy + 1))
    east = shapely.intersection(limit, shapely.box(x, miny - 1, maxx + 1, maxy + 1))
    comms = gpd.GeoDataFrame(
        {"code": ["110101001001", "110101001002"], "kind": ["urban", "urban"]},
        geometry=[west, east],
        crs=UTM_33N,
    )
    return comms, builds[["code", "households", "geometry"]]


def assert_only_allowed(plan, comms, builds) -> None:
    """Every rule holds; whatever bends is an exception the rules name."""
    assert plan.report.violations == (), str(plan.report)
    again = validate_plan(plan, comms, builds)
    assert again.violations == (), str(again)
    assert_rules_hold_any_crs(plan, comms, builds)


def assert_rules_hold_any_crs(plan, comms, builds) -> None:
    grids = plan.grids.to_crs(builds.crs)
    for code, community in comms.set_index("code").geometry.items():
        mine = grids[grids["community_code"] == code]
        union = shapely.union_all(mine.geometry.to_numpy())
        assert shapely.area(shapely.symmetric_difference(union, community)) < 1.0, code
    joined = plan.assignment.merge(
        grids[["code", "geometry"]], left_on="grid_code", right_on="code"
    )
    feet = builds.set_index("code").loc[joined["building_id"]].geometry.to_numpy()
    home = comms.set_index("code").loc[joined["community_code"]].geometry.to_numpy()
    feet = shapely.intersection(feet, home)
    outside = shapely.area(shapely.difference(feet, joined.geometry.to_numpy()))
    assert outside.max() <= 1.0


def row_houses(widths, households: int, y0: float = 0.0, depth: float = 12.0, x0=0.0):
    """Touching row houses left to right, sharing walls."""
    edges = x0 + np.r_[0.0, np.cumsum(widths)]
    geoms = [rect(a, y0, b, y0 + depth) for a, b in itertools.pairwise(edges)]
    return geoms, [households] * len(geoms)


def frame(geoms, hh, prefix: str) -> gpd.GeoDataFrame:
    codes = [f"{prefix}{i:03d}" for i in range(len(geoms))]
    return gpd.GeoDataFrame({"code": codes, "households": hh}, geometry=geoms, crs=CRS)


def perimeter_block(x0: float, y0: float, side: float, n_side: int, depth: float, hh: int):
    """A square ring of touching houses around a courtyard, ``n_side`` per side."""
    step = side / n_side
    geoms = []
    for i in range(n_side):
        a = i * step
        geoms.append(rect(x0 + a, y0, x0 + a + step, y0 + depth))  # south
        geoms.append(rect(x0 + a, y0 + side - depth, x0 + a + step, y0 + side))  # north
    for i in range(n_side):
        a = depth + i * (side - 2 * depth) / n_side
        b = depth + (i + 1) * (side - 2 * depth) / n_side
        geoms.append(rect(x0, y0 + a, x0 + depth, y0 + b))  # west
        geoms.append(rect(x0 + side - depth, y0 + a, x0 + side, y0 + b))  # east
    return geoms, [hh] * len(geoms)


def test_bubenec_cells_agree_with_momepy(bubenec) -> None:
    momepy = pytest.importorskip("momepy")
    comms, builds = bubenec
    limit = shapely.union_all(comms.geometry.to_numpy())
    ref = momepy.morphological_tessellation(builds, clip=limit, shrink=0.4, segment=0.5)
    fp = builds.geometry.to_numpy()
    anchors = shapely.get_coordinates(shapely.point_on_surface(fp))
    cells = footprint_cells(np.array([limit], object), anchors, np.zeros(len(fp), int), fp)
    mine = shapely.intersection(cells.geometry[cells.site_cell], limit)
    theirs = ref.geometry.to_numpy()
    iou = shapely.area(shapely.intersection(mine, theirs)) / shapely.area(
        shapely.union(mine, theirs)
    )
    assert np.median(iou) >= 0.97 and np.quantile(iou, 0.05) >= 0.9, np.sort(iou)[:10]
    # Each footprint lies in its own cell (within the 1 m² rule 2 allows), but where
    # OpenStreetMap's footprints overlap one another: those become one unit.
    a, _b = shapely.STRtree(fp).query(fp, predicate="overlaps")
    alone = np.setdiff1d(np.arange(len(fp)), a)
    assert len(alone) > 0.8 * len(fp)
    # A narrow wing that the inward shrink removes can fall to a neighbour's cell; the
    # unit step then joins the two (more than 0.5 m² outside its cell).
    outside = shapely.area(shapely.difference(fp[alone], mine[alone]))
    assert np.quantile(outside, 0.98) <= 1.0 and outside.max() < 2.0


def cells_of(community, footprints):
    """``footprint_cells`` of one community: each building's cell clipped to it."""
    fp = np.asarray(footprints, dtype=object)
    anchors = shapely.get_coordinates(shapely.point_on_surface(fp))
    poly = np.array([community], dtype=object)
    cells = footprint_cells(poly, anchors, np.zeros(len(fp), int), fp)
    return cells, shapely.intersection(cells.geometry, community)


def rotated_terrace(angle: float):
    """The varied-width terrace turned by ``angle`` degrees: walls in no axis direction."""
    widths = np.random.default_rng(3).uniform(6.0, 11.0, 20)
    geoms, _ = row_houses(widths, 10, y0=20.0, x0=10.0)
    site = rect(0, 0, 20 + widths.sum(), 52)
    turn = shapely.affinity.rotate
    return turn(site, angle, origin=site.centroid), [
        turn(g, angle, origin=site.centroid) for g in geoms
    ]


def old_town_block(seed: int):
    from gis.synth.oldtown import old_town

    areas, builds = old_town(2, 2, blocks_per_community=2, seed=seed)
    return areas.geometry.iloc[0], list(builds.geometry)


def courtyard_with_yard_house():
    yard = Polygon(rect(20, 20, 120, 120).exterior.coords, [rect(40, 40, 100, 100).exterior.coords])
    return rect(0, 0, 140, 140), [yard, rect(60, 60, 75, 75)]


@pytest.mark.parametrize(
    "case",
    [
        lambda: rotated_terrace(0.0),
        lambda: rotated_terrace(31.0),
        lambda: old_town_block(0),
        lambda: old_town_block(5),
        courtyard_with_yard_house,
    ],
    ids=["terrace", "terrace-turned-31", "old-town-0", "old-town-5", "courtyard"],
)
def test_cells_tile_the_community_and_hold_their_footprints(case) -> None:
    community, geoms = case()
    cells, clipped = cells_of(community, geoms)
    area = shapely.area(community)
    # A tiling: the clipped cells cover the community once (mm vertex grid: slivers only).
    assert abs(shapely.area(clipped).sum() - area) < 1e-6 * area + 0.01
    assert shapely.area(shapely.symmetric_difference(shapely.union_all(clipped), community)) < 0.01
    own = clipped[cells.site_cell]
    assert (cells.site_cell >= 0).all() and len(np.unique(cells.site_cell)) == len(geoms)
    # Each footprint in its own cell; a shared wall is a cell boundary to the millimetre.
    outside = shapely.area(shapely.difference(np.asarray(geoms, object), own))
    assert outside.max() < 0.05, outside.max()


def test_a_yard_house_makes_a_hole_in_the_courtyard_cell() -> None:
    community, geoms = courtyard_with_yard_house()
    cells, _ = cells_of(community, geoms)
    yard_cell = cells.geometry[cells.site_cell[0]]
    assert shapely.get_num_interior_rings(yard_cell) == 1
    hole = Polygon(yard_cell.interiors[0])  # is exactly the yard house's cell
    house_cell = cells.geometry[cells.site_cell[1]]
    assert shapely.area(shapely.symmetric_difference(hole, house_cell)) < 1e-6


def test_a_repaired_cell_loses_its_sub_millimetre_lobe() -> None:
    from gis.partition.owner_cells import _repaired

    # A ring crossing itself on the 1 mm grid, as rounded Voronoi vertices can: its
    # lobe would become a unit of its own and split a grid in two (rule 4).
    crossed = Polygon([(0, 0), (10, 0), (10, 10), (5.004, 10), (5.0, 10.003), (5.002, 10.003),
                       (4.996, 10), (0, 10)])  # fmt: skip
    assert shapely.get_num_geometries(shapely.make_valid(crossed)) == 2
    (cell,) = _repaired(np.array([crossed], dtype=object))
    assert cell.geom_type == "Polygon" and cell.is_valid
    assert abs(cell.area - 100.0) < 1e-4


def test_bubenec_partition_meets_the_rules(bubenec) -> None:
    comms, builds = bubenec
    plan = partition(comms, builds, min_households=240, max_households=360)
    r = plan.report
    assert r.buildings == len(builds) and r.households == builds["households"].sum()
    units = np.unique(plan.assignment["grid_code"]).size
    assert units == r.grids
    assert_only_allowed(plan, comms, builds)
    for e in r.exceptions:  # only towers above the maximum bend, each named
        assert e.rule == 3 and e.grid is not None, e


def test_terrace_of_varied_widths_is_two_grids() -> None:
    widths = np.random.default_rng(7).uniform(6.0, 11.0, 30)
    geoms, hh = row_houses(widths, 20, y0=20.0, x0=10.0)
    builds = frame(geoms, hh, "T")
    comms = communities(("331004007001", rect(0, 0, 20 + widths.sum(), 52)))
    plan = partition(comms, builds)
    assert sorted(plan.grids["households"]) == [300, 300]
    assert_only_allowed(plan, comms, builds)
    assert_rules_hold(plan, comms, builds)
    units = build_units(
        np.array([comms.geometry.iloc[0]], object),
        shapely.get_coordinates(shapely.point_on_surface(builds.geometry.to_numpy())),
        np.zeros(30, int),
        builds.geometry.to_numpy(),
    )
    assert len(np.unique(units.building_unit)) == 30  # touching walls never merge


def test_tower_inside_a_perimeter_block_stands_alone() -> None:
    geoms, hh = perimeter_block(10, 10, 160, 10, 14, 15)  # 40 houses × 15 = 600
    geoms.append(rect(70, 70, 100, 100))
    hh.append(502)
    builds = frame(geoms, hh, "P")
    comms = communities(("331004007002", rect(0, 0, 180, 180)))
    plan = partition(comms, builds)
    grids = plan.grids.set_index("code")["households"]
    assert 502 in grids.to_numpy() and len(grids) == 3
    assert sorted(grids.to_numpy())[:2] == [300, 300]
    tower = plan.assignment.set_index("building_id").loc["P040", "grid_code"]
    assert (plan.assignment["grid_code"] == tower).sum() == 1
    (e,) = plan.report.exceptions
    assert e.rule == 3 and e.grid == tower
    assert_only_allowed(plan, comms, builds)
    assert_rules_hold(plan, comms, builds)


def test_courtyard_block_with_a_house_in_its_yard() -> None:
    yard = Polygon(rect(20, 20, 120, 120).exterior.coords, [rect(40, 40, 100, 100).exterior.coords])
    geoms = [yard, rect(60, 60, 75, 75)]
    geoms += row_houses([8.0, 7.0, 10.0, 6.0, 9.0] * 3, 25, y0=125.0, x0=10.0)[0]
    hh = [380, 20] + [25] * 15
    builds = frame(geoms, hh, "C")
    comms = communities(("331004007003", rect(0, 0, 140, 150)))
    plan = partition(comms, builds)
    a = plan.assignment.set_index("building_id")["grid_code"]
    assert a["C000"] == a["C001"]  # the yard's house has no way out but through the block
    assert_only_allowed(plan, comms, builds)


def test_community_whose_buildings_all_touch() -> None:
    geoms = []
    for j in range(6):
        geoms += row_houses([9.0, 11.0, 7.0, 10.0, 8.0, 6.0, 12.0, 9.0, 8.0, 10.0], 0, y0=j * 15)[0]
    builds = frame(geoms, [10] * len(geoms), "A")
    comms = communities(("331004007004", rect(-5, -5, 95, 95)))
    plan = partition(comms, builds)
    assert len(plan.grids) == 2 and plan.grids["households"].between(240, 360).all()
    assert_only_allowed(plan, comms, builds)
    assert_rules_hold(plan, comms, builds)


def test_overlapping_and_tiny_footprints() -> None:
    geoms, hh = row_houses([10.0] * 20, 15, y0=20.0, x0=10.0)
    geoms.append(rect(15, 25, 30, 30))  # overlaps houses 0 and 1: one unit with both
    geoms.append(rect(50.1, 20.1, 50.4, 20.4))  # 0.09 m²: too small for a cell of its own
    hh += [15, 1]
    builds = frame(geoms, hh, "O")
    comms = communities(("331004007005", rect(0, 0, 230, 52)))
    fp = builds.geometry.to_numpy()
    units = build_units(
        np.array([comms.geometry.iloc[0]], object),
        shapely.get_coordinates(shapely.point_on_surface(fp)),
        np.zeros(len(fp), int),
        fp,
    )
    bu = units.building_unit
    assert bu[20] == bu[0] == bu[1] and bu[2] != bu[1]
    assert bu[21] >= 0
    plan = partition(comms, builds)
    assert_only_allowed(plan, comms, builds)
    assert pd.Series(plan.grids["households"]).between(240, 360).all()


def test_summary_counts_violations_and_exceptions_apart() -> None:
    geoms, hh = perimeter_block(10, 10, 160, 10, 14, 15)
    geoms.append(rect(70, 70, 100, 100))
    builds = frame(geoms, [*hh, 502], "S")
    plan = partition(communities(("331004007006", rect(0, 0, 180, 180))), builds)
    text = plan.report.summary()
    assert "all rules hold" in text
    assert "1 × exception: rule 3" in text and "it is one building" in text
    assert "1 exception(s) the rules allow" in text


def test_invalid_footprint_is_refused_unless_repaired() -> None:
    from gis.errors import InvalidInput

    geoms, hh = row_houses([10.0] * 30, 20, y0=20.0, x0=10.0)
    x, y = 400.0, 30.0
    bowtie = Polygon([(X0 + x, Y0 + y), (X0 + x + 10, Y0 + y + 10), (X0 + x + 10, Y0 + y),
                      (X0 + x, Y0 + y + 10)])  # fmt: skip
    builds = frame([*geoms, bowtie], [*hh, 5], "R")
    comms = communities(("331004007007", rect(0, 0, 430, 52)))
    with pytest.raises(InvalidInput, match=r"invalid geometry.*--repair"):
        partition(comms, builds)
    plan = partition(comms, builds, repair=True)
    assert plan.report.buildings == 31 and plan.report.households == 605
    assert_only_allowed(plan, comms, builds.assign(geometry=shapely.make_valid(builds.geometry)))
