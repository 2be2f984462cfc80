"""What a camera sees, on hand-built scenes, and coverage against an independent raster.

The scenes are in metres (EPSG:3857 stands in for any metric CRS). The raster check
shares no code with gis.cameras: footprints burnt by rasterio, and each pixel's line of
sight tested against every footprint edge with numpy.
"""

from __future__ import annotations

import itertools

import geopandas as gpd
import numpy as np
import pytest
import shapely
from affine import Affine
from numpy.testing import assert_allclose
from rasterio.features import rasterize

from gis.cameras.coverage import coverage
from gis.cameras.grouping import grouped_union
from gis.cameras.visibility import sector_polygons, visibility_polygons
from gis.errors import CRSError

CRS = 3857


def _cameras(*rows: tuple) -> gpd.GeoDataFrame:
    """Rows of (x, y, heading, fov_deg, range_m)."""
    x, y, heading, fov, reach = (np.array(c, dtype=float) for c in zip(*rows, strict=True))
    return gpd.GeoDataFrame(
        {"heading": heading, "fov_deg": fov, "range_m": reach},
        geometry=shapely.points(x, y), crs=CRS,
    )  # fmt: skip


def _buildings(*geoms) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(geometry=list(geoms), crs=CRS)


NONE = _buildings()
WALL = shapely.box(20, -15, 22, 15)  # east of the camera at the origin


def _sees(view, x: float, y: float) -> bool:
    return bool(shapely.intersects(view, shapely.Point(x, y)))


def test_a_wall_between_camera_and_point_hides_it_and_removing_it_shows_it() -> None:
    cam = _cameras((0, 0, 90, 60, 50))
    walled = visibility_polygons(cam, _buildings(WALL)).iloc[0]
    open_ = visibility_polygons(cam, NONE).iloc[0]
    assert not _sees(walled, 35, 0) and not _sees(walled, 30, 5)
    assert _sees(walled, 15, 0) and _sees(walled, 10, 5)  # in front of the wall
    assert not _sees(walled, 21, 0)  # the wall itself is not seen ground
    assert _sees(open_, 35, 0) and _sees(open_, 30, 5)


def test_the_shadow_widens_behind_the_wall() -> None:
    # From the origin, the wall's ends (20, ±15) cast rays at ±36.9°: a point at (40, 25)
    # lies outside that angle and stays visible; (40, 20) lies inside it and is hidden.
    view = visibility_polygons(_cameras((0, 0, 90, 120, 60)), _buildings(WALL)).iloc[0]
    assert _sees(view, 40, 35) and not _sees(view, 40, 20) and not _sees(view, 45, -25)


def test_a_point_beyond_the_range_is_not_seen() -> None:
    view = visibility_polygons(_cameras((0, 0, 0, 60, 50)), NONE).iloc[0]
    assert _sees(view, 0, 49.5) and not _sees(view, 0, 50.5)


def test_a_point_just_outside_the_field_of_view_is_not_seen() -> None:
    view = visibility_polygons(_cameras((0, 0, 0, 60, 50)), NONE).iloc[0]
    inside, outside = np.radians(29.5), np.radians(30.5)  # half the field of view is 30°
    assert _sees(view, 30 * np.sin(inside), 30 * np.cos(inside))
    assert not _sees(view, 30 * np.sin(outside), 30 * np.cos(outside))


def test_a_dome_sees_all_around_but_not_through_walls() -> None:
    dome = _cameras((0, 0, 0, 360, 40))
    view = visibility_polygons(dome, NONE).iloc[0]
    assert_allclose(view.area, np.pi * 40**2, rtol=1e-3)
    for x, y in ((30, 0), (0, 30), (-30, 0), (0, -30), (20, 20)):
        assert _sees(view, x, y)
    walled = visibility_polygons(dome, _buildings(WALL)).iloc[0]
    assert not _sees(walled, 30, 0) and _sees(walled, -30, 0)


def test_missing_heading_means_a_dome_and_missing_range_a_default() -> None:
    cams = _cameras((0, 0, 0, 60, 50)).assign(heading=np.nan, range_m=np.nan)
    view = visibility_polygons(cams, NONE).iloc[0]
    assert _sees(view, 0, -45) and not _sees(view, 0, -55)  # default 50 m, all round


def test_a_camera_inside_a_footprint_looks_out_over_it() -> None:
    # Mounted on a building (its point a metre inside the footprint): it sees the street
    # in front; the building's own footprint is not ground it watches.
    house = shapely.box(-10, -10, 1, 10)
    view = visibility_polygons(_cameras((0, 0, 90, 90, 30)), _buildings(house)).iloc[0]
    assert _sees(view, 10, 0) and _sees(view, 20, 5)
    assert not _sees(view, 0.5, 0)


def test_a_courtyard_open_towards_the_camera_is_seen_and_behind_it_is_not() -> None:
    # A U-shaped block opening west, towards a camera looking east.
    u = shapely.Polygon([(20, -15), (40, -15), (40, 15), (20, 15), (20, 10), (35, 10),
                         (35, -10), (20, -10)])  # fmt: skip
    view = visibility_polygons(_cameras((0, 0, 90, 40, 60)), _buildings(u)).iloc[0]
    assert _sees(view, 30, 0)  # in the courtyard, in line with its opening
    assert not _sees(view, 50, 0)  # behind the block's back
    assert not _sees(view, 37, 0)  # in the back wing


def test_cameras_keep_their_index_and_get_a_metric_crs() -> None:
    cams = _cameras((0, 0, 0, 90, 20), (100, 0, 180, 90, 20))
    cams.index = ["a", "b"]
    views = visibility_polygons(cams.to_crs(4326), NONE.to_crs(4326))
    assert list(views.index) == ["a", "b"] and views.crs.is_projected
    assert_allclose(views.area, np.pi * 20**2 / 4, rtol=5e-3)


def test_buildings_in_another_crs_are_refused() -> None:
    with pytest.raises(CRSError, match="one CRS"):
        elsewhere = _buildings(WALL).set_crs(4326, allow_override=True)
        visibility_polygons(_cameras((0, 0, 0, 90, 20)), elsewhere)


def _naive(cams: gpd.GeoDataFrame, builds: gpd.GeoDataFrame) -> list:
    """One camera at a time: the sector minus, per footprint edge, the quadrilateral it
    hides (the edge and its ends pushed out along their rays), and the footprint."""
    out = []
    for _, c in cams.iterrows():
        x, y = c.geometry.x, c.geometry.y
        sector = sector_polygons(*(np.array([v]) for v in (x, y, c.heading, c.fov_deg,
                                                           c.range_m)))[0]  # fmt: skip
        hidden = []
        for poly in builds.geometry:
            hidden.append(poly)
            if poly.contains(c.geometry):
                continue
            ring = np.asarray(poly.exterior.coords)
            for a, b in itertools.pairwise(ring):
                far = [(x, y) + (p - (x, y)) * 100 * c.range_m / np.hypot(*(p - (x, y)))
                       for p in (b, a)]  # fmt: skip
                quad = shapely.Polygon([a, b, *far])
                if quad.is_valid and quad.area > 0:
                    hidden.append(quad)
        out.append(sector.difference(shapely.union_all(hidden)))
    return out


def _scene(seed: int, n_buildings: int = 25, n_cameras: int = 8, size: float = 200.0):
    rng = np.random.default_rng(seed)
    x0, y0 = rng.uniform(0, size - 20, (2, n_buildings))
    w, h = rng.uniform(5, 20, (2, n_buildings))
    blocks = shapely.box(x0, y0, x0 + w, y0 + h)
    blocks = shapely.get_parts(shapely.union_all(blocks))  # touching blocks merge
    builds = _buildings(*blocks)
    xs, ys = rng.uniform(0, size, (2, n_cameras * 3))
    outside = ~shapely.intersects_xy(shapely.union_all(blocks), xs, ys)
    xs, ys = xs[outside][:n_cameras], ys[outside][:n_cameras]
    k = len(xs)
    fov = np.where(rng.random(k) < 0.25, 360.0, rng.uniform(40, 110, k))
    cams = _cameras(*zip(xs, ys, rng.uniform(0, 360, k), fov, rng.uniform(30, 90, k),
                         strict=True))  # fmt: skip
    return cams, builds


@pytest.mark.parametrize("seed", [1, 2, 3], ids=lambda s: f"seed{s}")
def test_the_vectorised_views_equal_a_naive_per_camera_loop(seed: int) -> None:
    cams, builds = _scene(seed)
    fast = visibility_polygons(cams, builds).values
    slow = np.array(_naive(cams, builds), dtype=object)
    assert_allclose(shapely.area(fast), shapely.area(slow), rtol=1e-7, atol=1e-6)
    assert shapely.area(shapely.symmetric_difference(fast, slow)).max() < 1e-6


def _raster_coverage(area, cams: gpd.GeoDataFrame, builds: gpd.GeoDataFrame, pixel: float):
    """Public and covered square metres of ``area``, pixel by pixel, by line of sight."""
    xmin, ymin, xmax, ymax = area.bounds
    width, height = round((xmax - xmin) / pixel), round((ymax - ymin) / pixel)
    transform = Affine(pixel, 0, xmin, 0, -pixel, ymax)
    inside = rasterize([(area, 1)], (height, width), transform=transform).astype(bool)
    built = rasterize([(g, 1) for g in builds.geometry], (height, width),
                      transform=transform).astype(bool)  # fmt: skip
    rows, cols = np.nonzero(inside & ~built)
    px, py = xmin + (cols + 0.5) * pixel, ymax - (rows + 0.5) * pixel
    edges = np.vstack([
        np.column_stack([r[:-1], r[1:]]).reshape(-1, 4)
        for g in builds.geometry for r in [np.asarray(g.exterior.coords)]
    ])  # fmt: skip
    seen = np.zeros(len(px), dtype=bool)
    for _, c in cams.iterrows():  # a handful of cameras; the pixels are the arrays
        dx, dy = px - c.geometry.x, py - c.geometry.y
        bearing = np.degrees(np.arctan2(dx, dy))
        off = np.abs((bearing - c.heading + 540) % 360 - 180)
        near = (np.hypot(dx, dy) <= c.range_m) & ((c.fov_deg >= 360) | (off <= c.fov_deg / 2))
        blocked = _crosses(c.geometry.x, c.geometry.y, px[near], py[near], edges)
        seen[np.flatnonzero(near)[~blocked]] = True
    return len(px) * pixel**2, seen.sum() * pixel**2


def _crosses(x, y, px, py, edges) -> np.ndarray:
    """Whether the segment from (x, y) to each (px, py) properly crosses any edge."""
    ax, ay, bx, by = (edges[:, i][None, :] for i in range(4))
    qx, qy = px[:, None], py[:, None]

    def side(ux, uy, vx, vy, wx, wy):
        return np.sign((vx - ux) * (wy - uy) - (vy - uy) * (wx - ux))

    d1, d2 = side(x, y, qx, qy, ax, ay), side(x, y, qx, qy, bx, by)
    d3, d4 = side(ax, ay, bx, by, x, y), side(ax, ay, bx, by, qx, qy)
    return ((d1 * d2 < 0) & (d3 * d4 < 0)).any(axis=1)


@pytest.mark.parametrize("seed", [4, 5], ids=lambda s: f"seed{s}")
def test_coverage_of_a_grid_matches_a_rasterised_line_of_sight_within_one_percent(
    seed: int,
) -> None:
    cams, builds = _scene(seed, n_buildings=30, n_cameras=7)
    grid = shapely.box(10, 10, 190, 190)
    views = visibility_polygons(cams, builds)
    cov = coverage(gpd.GeoSeries([grid], crs=CRS), builds.geometry, views)
    public, covered = _raster_coverage(grid, cams, builds, pixel=0.5)
    assert covered > 0.1 * public  # a scene where the cameras see a fair part
    assert_allclose(cov.public_m2[0], public, rtol=0.01)
    assert_allclose(cov.covered_m2[0], covered, rtol=0.01)
    assert_allclose(cov.share[0], covered / public, atol=0.01)


def test_coverage_counts_only_the_views_given_and_blind_spots_fill_the_rest() -> None:
    grid = gpd.GeoSeries([shapely.box(0, 0, 100, 100)], crs=CRS)
    builds = _buildings(shapely.box(40, 40, 60, 60))
    view = gpd.GeoSeries([shapely.box(-10, 0, 100, 50)], crs=CRS)  # half, and beyond
    cov = coverage(grid, builds.geometry, view)
    assert_allclose([cov.area_m2[0], cov.public_m2[0], cov.covered_m2[0]],
                    [10_000, 9_600, 5_000 - 200])  # fmt: skip
    assert_allclose(shapely.area(cov.blind[0]), 9_600 - 4_800)
    none = coverage(grid, builds.geometry, gpd.GeoSeries([], crs=CRS))
    assert none.covered_m2[0] == 0 and shapely.equals(none.blind[0], none.public[0])


def test_grouped_union_handles_groups_of_any_size() -> None:
    rng = np.random.default_rng(0)
    groups = rng.integers(0, 40, 600)
    boxes = shapely.box(*(rng.uniform(0, 10, 600) + d for d in (0, 0, 1, 1)))
    got = grouped_union(boxes, groups, 45)
    for g in range(45):
        members = boxes[groups == g]
        if len(members) == 0:
            assert got[g] is None
        else:
            assert shapely.equals(got[g], shapely.union_all(members))
