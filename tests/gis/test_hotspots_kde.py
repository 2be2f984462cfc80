"""Kernel density: mass, bandwidth rule, planted hot spot polygons, COG, RGBA windows."""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import pytest
import rasterio
from numpy.testing import assert_allclose
from shapely.geometry import Point, box

from gis.errors import InvalidInput
from gis.hotspots import IncidentFilter, bandwidth_rule, colorize, kernel_density
from tests.gis.test_hotspots_synthetic import Cluster, make_incidents

CENTRE = (121.33, 28.55)
OTHER = (121.38, 28.52)


@pytest.fixture(scope="module")
def planted() -> gpd.GeoDataFrame:
    clusters = (Cluster(*CENTRE, 400, radius_m=250.0), Cluster(*OTHER, 200, radius_m=250.0))
    return make_incidents(2000, clusters, seed=7)


@pytest.mark.parametrize("kernel", ["quartic", "gaussian"])
def test_surface_keeps_every_incident(planted: gpd.GeoDataFrame, kernel: str) -> None:
    surface = kernel_density(planted, cell_size=50.0, bandwidth=300.0, kernel=kernel)
    cell_km2 = (surface.cell_size / 1000.0) ** 2
    # The raster reaches one bandwidth past the points; the Gaussian tail beyond is lost.
    tolerance = 1e-9 if kernel == "quartic" else 0.02
    assert_allclose(np.nansum(surface.values) * cell_km2, len(planted), rtol=tolerance)
    assert surface.counts.sum() == len(planted)
    assert surface.params["kernel"] == kernel and surface.window.n_incidents == len(planted)


def test_bandwidth_rule_follows_the_documented_formula() -> None:
    rng = np.random.default_rng(1)
    x, y = rng.normal(0, 800, 5000), rng.exponential(500, 5000)
    dx, dy = x - x.mean(), y - y.mean()
    sd = math.sqrt(np.mean(dx**2 + dy**2))
    dm = np.median(np.hypot(dx, dy))
    expected = 0.9 * min(sd, math.sqrt(1 / math.log(2)) * dm) * 5000**-0.2
    assert bandwidth_rule(x, y) == pytest.approx(expected)
    assert bandwidth_rule(x[:2] * 0 + 1, y[:2] * 0 + 1 + np.array([0, 1e-3]), 20.0) == 20.0


def test_densest_polygons_cover_the_planted_hotspots(planted: gpd.GeoDataFrame) -> None:
    surface = kernel_density(planted, cell_size=25.0)
    polygons = surface.hotspot_polygons(top_percent=2.0)
    assert polygons.crs.to_epsg() == 4326 and polygons["rank"].tolist()[:2] == [1, 2]
    assert polygons.iloc[0].geometry.contains(Point(*CENTRE))
    assert polygons.iloc[:2].geometry.union_all().contains(Point(*OTHER))
    assert polygons["incidents"].iloc[0] >= 300
    valid = surface.values[np.isfinite(surface.values)]
    share = (valid >= polygons["threshold"].iloc[0]).mean()
    assert share == pytest.approx(0.02, abs=0.002)


def test_area_masks_the_surface(planted: gpd.GeoDataFrame) -> None:
    area = gpd.GeoDataFrame(geometry=[box(121.29, 28.49, 121.41, 28.59)], crs=4326)
    surface = kernel_density(planted, cell_size=100.0, where=IncidentFilter(area=area))
    assert np.isnan(surface.values).any() and np.isfinite(surface.values).any()


def test_cog_is_tiled_with_overviews_and_provenance(planted, tmp_path) -> None:
    surface = kernel_density(planted, cell_size=20.0)
    path = surface.to_cog(str(tmp_path / "kde.tif"))
    with rasterio.open(path) as src:
        assert src.profile["tiled"] and src.profile["blockxsize"] == 512
        assert src.overviews(1) and src.crs.to_epsg() == surface.crs.to_epsg()
        assert src.tags()["bandwidth_rule"] == "silverman-2d"
        assert src.tags()["window_n_incidents"] == str(len(planted))
        assert_allclose(src.read(1), surface.values, equal_nan=True)
    with rasterio.open(path) as src:
        assert src.tags(ns="IMAGE_STRUCTURE").get("LAYOUT") == "COG"


def test_rgba_windows_match_and_empty_is_transparent(planted: gpd.GeoDataFrame) -> None:
    surface = kernel_density(planted, cell_size=50.0)
    rows, cols = surface.values.shape
    whole = surface.render_rgba()
    part = surface.render_rgba((10, 20, 64, 64))
    assert whole.shape == (rows, cols, 4) and whole.dtype == np.uint8
    np.testing.assert_array_equal(part, whole[10:74, 20:84])
    outside = surface.render_rgba((rows + 5, cols + 5, 16, 16))
    assert (outside[..., 3] == 0).all()
    assert colorize(np.array([[0.0, 5.0, np.nan]]), vmax=5.0)[0, :, 3].tolist() == [0, 255, 0]


def test_bad_kde_parameters_are_refused(planted: gpd.GeoDataFrame) -> None:
    with pytest.raises(InvalidInput, match="kernel"):
        kernel_density(planted, kernel="box")  # type: ignore[arg-type]
    with pytest.raises(InvalidInput, match="exceeds"):
        kernel_density(planted, cell_size=0.5)
    with pytest.raises(InvalidInput, match="top_percent"):
        kernel_density(planted, cell_size=100.0).hotspot_polygons(0)
