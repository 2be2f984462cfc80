"""Aggregation to H3 cells, grids and areas; filters; bad inputs; dask-geopandas frames."""

from __future__ import annotations

from collections.abc import Callable

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from shapely.geometry import box

from gis.crs import CRSError
from gis.errors import InvalidInput
from gis.hotspots import (
    IncidentFilter,
    aggregate_areas,
    aggregate_grid,
    aggregate_h3,
    emerging_hotspots,
    getis_ord,
    kernel_density,
    knox_test,
)
from gis.hotspots.weights import contiguity
from tests.gis.test_hotspots_synthetic import BBOX, Cluster, make_incidents


@pytest.fixture(scope="module")
def incidents() -> gpd.GeoDataFrame:
    frame = make_incidents(2000, (Cluster(121.35, 28.54, 300, category="burglary"),), seed=2)
    return frame


def test_h3_counts_every_incident_and_zero_fills_the_hull(incidents: gpd.GeoDataFrame) -> None:
    agg = aggregate_h3(incidents, 10)
    assert agg.counts.sum() == len(incidents)
    assert (agg.counts == 0).any() and np.all(np.diff(agg.ids) > 0)
    frame = agg.to_geodataframe()
    assert frame.crs.to_epsg() == 4326 and len(frame) == len(agg.ids)
    assert frame["place"].str.len().eq(15).all()


def test_default_resolution_is_chosen_from_the_data(incidents: gpd.GeoDataFrame) -> None:
    assert aggregate_h3(incidents).params["resolution"] == 8
    assert aggregate_h3(incidents.iloc[:200]).params["resolution"] == 7


def test_filters_by_category_and_time_window(incidents: gpd.GeoDataFrame) -> None:
    agg = aggregate_h3(incidents, 8, where=IncidentFilter(categories="burglary"))
    assert agg.counts.sum() == 300 and agg.window.categories == ("burglary",)
    start, end = "2026-03-01", pd.Timestamp("2026-04-01", tz="Asia/Shanghai")
    windowed = aggregate_h3(incidents, 8, where=IncidentFilter(since=start, until=end))
    times = incidents["reported_at"]
    expected = ((times >= pd.Timestamp(start, tz="Asia/Shanghai")) & (times < end)).sum()
    assert windowed.counts.sum() == expected
    assert windowed.window.first >= windowed.window.start
    assert windowed.window.as_dict()["end"] == end.isoformat()


def test_grid_cells_are_aligned_and_neighbours_are_queen(incidents: gpd.GeoDataFrame) -> None:
    agg = aggregate_grid(incidents, 500.0)
    assert agg.counts.sum() == len(incidents)
    x0, y0 = agg.params["origin"]
    assert x0 % 500 == 0 and y0 % 500 == 0
    w = contiguity(agg)
    assert w.cardinalities.max() == 8
    areas = agg.to_geodataframe().to_crs(agg.params["crs"]).area
    assert_allclose(areas, 250_000.0, rtol=1e-6)


def test_area_counts_and_contiguity() -> None:
    west = box(121.30, 28.50, 121.35, 28.58)
    east = box(121.35, 28.50, 121.40, 28.58)
    areas = gpd.GeoDataFrame({"code": ["w", "e"]}, geometry=[west, east], crs=4326)
    points = make_incidents(100, seed=1)
    agg = aggregate_areas(points, areas, id_column="code")
    lon = points.geometry.x.to_numpy()
    assert agg.counts.tolist() == [int((lon <= 121.35).sum()), int((lon > 121.35).sum())]
    assert contiguity(agg).cardinalities.tolist() == [1, 1]


def test_dask_frames_aggregate_and_run_gi_star_on_a_local_cluster(
    incidents: gpd.GeoDataFrame,
) -> None:
    import dask_geopandas
    from distributed import Client, LocalCluster

    ddf = dask_geopandas.from_geopandas(incidents, npartitions=4)
    where = IncidentFilter(categories=["theft", "burglary"], since="2026-02-01")
    with (
        LocalCluster(
            n_workers=1, threads_per_worker=2, processes=False, dashboard_address=None
        ) as cluster,  # fmt: skip
        Client(cluster),
    ):
        lazy = aggregate_h3(ddf, 8, where=where)
        defaulted = aggregate_h3(ddf)
        result = getis_ord(ddf, resolution=8, seed=3)
    local = aggregate_h3(incidents, 8, where=where)
    assert_array_equal(lazy.ids, local.ids)
    assert_array_equal(lazy.counts, local.counts)
    assert lazy.window == local.window
    assert defaulted.params == aggregate_h3(incidents).params
    assert_array_equal(result.gi_bin, getis_ord(incidents, resolution=8, seed=3).gi_bin)


def _no_crs(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    return frame.set_crs(None, allow_override=True)


BAD_INPUTS: list[tuple[str, Callable[[gpd.GeoDataFrame], object], type, str]] = [
    ("no points", lambda f: getis_ord(f.iloc[:0]), InvalidInput, "no incidents"),
    ("one point gi", lambda f: getis_ord(f.iloc[:1]), InvalidInput, "at least 3 places"),
    ("one point kde", lambda f: kernel_density(f.iloc[:1]), InvalidInput, "bandwidth="),
    ("one point knox", lambda f: knox_test(f.iloc[:1]), InvalidInput, "needs at least 2"),
    ("outside the area",
     lambda f: aggregate_h3(f, 8, where=IncidentFilter(area=box(121.30, 28.50, 121.33, 28.52))),
     InvalidInput, "outside the study area"),
    ("unknown CRS", lambda f: aggregate_h3(_no_crs(f), 8), CRSError, "no CRS"),
    ("projected labelled lon/lat",
     lambda f: aggregate_h3(f.to_crs(4549).set_crs(4326, allow_override=True), 8),
     CRSError, "do not look like"),
    ("reversed window",
     lambda f: aggregate_h3(f, 8, where=IncidentFilter(since="2026-05-01", until="2026-04-01")),
     InvalidInput, "empty time window"),
    ("window with no data",
     lambda f: emerging_hotspots(f, where=IncidentFilter(since="2020-01-01", until="2020-02-01")),
     InvalidInput, "no incidents in time window"),
    ("unknown category", lambda f: getis_ord(f, where=IncidentFilter(categories="arson")),
     InvalidInput, "present:"),
    ("time not datetime",
     lambda f: aggregate_h3(f.assign(reported_at="x"), 8), InvalidInput, "not datetimes"),
    ("missing column", lambda f: aggregate_h3(f.drop(columns="category"), 8), InvalidInput,
     "no category column"),
    ("not points", lambda f: aggregate_h3(f.set_geometry(f.buffer(0.001)), 8), InvalidInput,
     "not non-empty points"),
    ("bad resolution", lambda f: aggregate_h3(f, 16), InvalidInput, "outside 0..15"),
    ("bad cell size", lambda f: aggregate_grid(f, -5), InvalidInput, "positive"),
    ("unknown raster CRS", lambda f: kernel_density(f, crs="EPSG:999999"), CRSError, "unknown CRS"),
    ("raster CRS in degrees", lambda f: aggregate_grid(f, crs=4490), CRSError, "not a projected"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("case", "call", "error", "match"), BAD_INPUTS, ids=[c[0] for c in BAD_INPUTS]
)
def test_bad_inputs_give_clear_errors(
    incidents: gpd.GeoDataFrame, case: str, call: Callable, error: type, match: str
) -> None:
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        with pytest.raises(error, match=match):
            call(incidents)


def test_bbox_constant_matches_the_factory() -> None:
    frame = make_incidents(500, seed=0)
    minx, miny, maxx, maxy = frame.total_bounds
    assert BBOX[0] <= minx and maxx <= BBOX[2] and BBOX[1] <= miny and maxy <= BBOX[3]
