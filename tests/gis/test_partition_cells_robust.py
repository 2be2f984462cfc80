"""Footprint cells on real-sized inputs: the Luqiao sample city, as the million-building
benchmark copies it (``bench/bench_partition.py``: shifted north, projected again).

Two properties the engine relies on: a cell never folds over its neighbour (a ridge
between two cells is their shared boundary), and a community's cells depend on its
own buildings only, not on which communities are built in the same call.
"""

from __future__ import annotations

import numpy as np
import pytest
import shapely

from gis.partition.inputs import prepare
from gis.partition.outline import footprint_cells
from gis.partition.units import _clip, build_units


@pytest.fixture(scope="module")
def luqiao():
    from gis.synth import generate_city

    city = generate_city("331004", seed=0, scale=1.0)
    return city.areas[city.areas["level"] == "community"], city.buildings


def shifted_inputs(luqiao, codes: list[str], dlat: float):
    """The communities ``codes`` and their buildings, ``dlat`` degrees north, prepared."""
    comms, builds = luqiao
    comms = comms[comms["code"].isin(codes)][["code", "kind", "geometry"]]
    builds = builds[builds["code"].str[:12].isin(codes)][["code", "households", "geometry"]]

    def north(frame):
        geoms = shapely.transform(frame.geometry.to_numpy(), lambda xy: xy + np.array([0.0, dlat]))
        return frame.set_geometry(geoms)

    return prepare(north(comms), north(builds))


def ridge_mismatch(inputs) -> tuple[np.ndarray, np.ndarray]:
    """Per ridge: its length inside the community minus the part on both clipped cells'
    boundaries (a fold leaves one cell's boundary elsewhere), and its community; cells
    are built per CRS group, all its communities in one call, as the engine does."""
    out, out_comm = [], []
    for g in range(len(inputs.crs)):
        comms = np.flatnonzero(inputs.crs_of == g)
        mine = np.isin(inputs.building_comm, comms) & (inputs.building_comm >= 0)
        local = np.searchsorted(comms, inputs.building_comm[mine])
        polygons = inputs.polygons[comms]
        cells = footprint_cells(polygons, inputs.anchors[mine], local, inputs.clipped[mine])
        clipped = _clip(cells, polygons)
        area = np.bincount(cells.community, shapely.area(clipped), minlength=len(comms))
        assert np.allclose(area, shapely.area(polygons), rtol=1e-9, atol=0.01)
        a, b = cells.ridge_a, cells.ridge_b
        ridge = shapely.intersection(cells.ridge, polygons[cells.community[a]])
        edge = shapely.buffer(shapely.boundary(clipped), 1e-3)  # the 1 mm vertex grid
        on_a = shapely.length(shapely.intersection(ridge, edge[a]))
        on_b = shapely.length(shapely.intersection(ridge, edge[b]))
        out.append(shapely.length(ridge) - np.minimum(on_a, on_b))
        out_comm.append(comms[cells.community[a]])
    return np.concatenate(out), np.concatenate(out_comm)


def test_no_cell_folds_over_its_neighbour(luqiao) -> None:
    # Copy 002 of the benchmark (+1.0°), the whole city in one call as the engine built
    # it. Its small communities were triangulated side by side, each in a slot 24 spans
    # from the last, up to 80 km from the origin of the call, where Qhull no longer
    # keeps a triangulation Delaunay for thin triangles (rural walls nearly on one
    # circle of a kilometre); their exact circumcentres then folded a cell over its
    # neighbour's: ridges of 62 and 72 m on one cell's boundary only (a graph edge
    # between pieces that do not touch: a grid in two pieces, a gap, a cut building).
    comms = luqiao[0]
    inputs = shifted_inputs(luqiao, list(comms["code"]), 1.0)
    mismatch, comm = ridge_mismatch(inputs)
    for code in ("331004006205", "331004006208"):
        c = np.flatnonzero(inputs.codes == code)[0]
        assert np.abs(mismatch[comm == c]).max() < 0.01, code


def neighbours(luqiao, code: str) -> list[str]:
    comms = luqiao[0]
    geom = comms.loc[comms["code"] == code].geometry.iloc[0]
    touching = comms[comms.geometry.intersects(geom) & (comms["code"] != code)]
    return sorted(touching["code"])[:2]


def test_cells_of_a_community_do_not_depend_on_its_neighbours(luqiao) -> None:
    middle = "331004001007"
    codes = sorted([middle, *neighbours(luqiao, middle)])
    assert len(codes) == 3
    many = shifted_inputs(luqiao, codes, 2.0)
    alone = shifted_inputs(luqiao, [middle], 2.0)

    def pieces(inputs):
        c = int(np.flatnonzero(inputs.codes == middle)[0])
        mine = inputs.building_comm >= 0
        units = build_units(
            inputs.polygons, inputs.anchors[mine], inputs.building_comm[mine], inputs.clipped[mine]
        )
        rows = np.flatnonzero(np.isin(units.piece_unit, np.arange(*units.unit_ptr[c : c + 2])))
        return shapely.normalize(units.pieces[rows]), units.unit_area[units.unit_ptr[c] :][:5]

    (a, area_a), (b, area_b) = pieces(many), pieces(alone)
    assert len(a) == len(b) > 100
    assert shapely.equals_exact(a, b, tolerance=0.0).all()
    assert np.array_equal(area_a, area_b)


def test_a_repaired_cell_keeps_its_shared_edges(luqiao) -> None:
    # Copy 000 (+0.5°): a cell whose ring crosses itself on the 1 mm grid is repaired,
    # and make_valid put the crossing off the grid; its neighbour's boundary did not
    # follow, and clipping both left a sliver along a 336 m shared edge that split
    # the grid (its seed comes from the code, prefix included) in two.
    assert violations(luqiao, "331004002211", 0.5, "000") == []


def violations(city, code: str, dlat: float, prefix: str) -> list:
    """The violations of one community of the benchmark's copy ``prefix`` built alone
    (its seed comes from the code, prefix included)."""
    from gis.partition import partition

    comms, builds = city
    comms = comms[comms["code"] == code][["code", "kind", "geometry"]]
    builds = builds[builds["code"].str[:12] == code][["code", "households", "geometry"]]

    def copy(frame):
        geoms = shapely.transform(frame.geometry.to_numpy(), lambda xy: xy + np.array([0.0, dlat]))
        return frame.assign(code=prefix + frame["code"]).set_geometry(geoms)

    report = partition(copy(comms), copy(builds), seed=0).report
    return [i for i in report.issues if i.severity == "violation"]


@pytest.fixture(scope="module")
def haidian():
    from gis.synth import generate_city

    city = generate_city("110108", seed=0, scale=1.0)
    return city.areas[city.areas["level"] == "community"], city.buildings


@pytest.mark.parametrize(
    ("code", "dlat", "prefix"),
    [
        # Clipping: the two cells of a ridge crossing the community's boundary each
        # computed the crossing, 1.2e-10 m apart; their 37 m shared edge then left a
        # hair-thin gap open to the outside, and their grid touched itself at a point.
        ("110108004016", 2.0, "007"),
        # Repair: set_precision's snap rounding bent a repaired cell's 235 m ridge by
        # up to 32 µm off its neighbour's: a gap (the cells no longer tile the
        # community) and, again, a grid in two pieces.
        ("110108017205", 4.0, "015"),
    ],
)
def test_shared_edges_survive_clipping_and_repair(haidian, code, dlat, prefix) -> None:
    assert violations(haidian, code, dlat, prefix) == []
    # and the cells tile the community (ridge_mismatch checks the areas)
    comms, builds = haidian
    inputs = shifted_inputs((comms, builds), [code], dlat)
    mismatch, _ = ridge_mismatch(inputs)
    assert np.abs(mismatch).max() < 0.01
