"""Tests for gis.crs: GCJ-02/BD-09 offsets, CRS parsing, frame conversion, metric CRS choice."""

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import pytest
import shapely
from numpy.testing import assert_allclose, assert_array_equal
from shapely.geometry import Point, Polygon, box

from gis.crs import (
    CRSError,
    CRSSpec,
    bd09_to_gcj02,
    bd09_to_wgs84,
    from_wgs84,
    gcj02_to_bd09,
    gcj02_to_wgs84,
    local_metric_crs,
    metric_crs_for,
    out_of_china,
    parse_crs,
    to_wgs84,
    wgs84_to_bd09,
    wgs84_to_gcj02,
)

GEOD = pyproj.Geod(ellps="WGS84")
LUQIAO = (121.37, 28.58)
BEIJING = (116.397, 39.909)

ROUND_TRIPS = [
    pytest.param(wgs84_to_gcj02, gcj02_to_wgs84, id="gcj02"),
    pytest.param(wgs84_to_bd09, bd09_to_wgs84, id="bd09"),
]
FORWARD = {"gcj02": wgs84_to_gcj02, "bd09": wgs84_to_bd09}


def metres_between(lon1, lat1, lon2, lat2) -> np.ndarray:
    return GEOD.inv(lon1, lat1, lon2, lat2)[2]


def china_grid() -> tuple[np.ndarray, np.ndarray]:
    # A 0.25-degree grid across mainland China and Hainan. The GCJ-02 rectangle's own edges
    # are left out on purpose: there the offset jumps, and no inverse can be exact.
    lon, lat = np.meshgrid(np.arange(73.5, 135.0, 0.25), np.arange(18.0, 53.5, 0.25))
    return lon.ravel(), lat.ravel()


@pytest.fixture
def make_frame():
    """Factory for a small WGS 84 frame near Luqiao: points, a polygon with a hole, a line."""

    def make(index=None) -> gpd.GeoDataFrame:
        x, y = LUQIAO
        outer = box(x - 0.02, y - 0.015, x + 0.02, y + 0.015)
        hole = box(x - 0.005, y - 0.004, x + 0.005, y + 0.004)
        geoms = [
            Point(x, y),
            Polygon(outer.exterior.coords, [hole.exterior.coords]),
            shapely.LineString([(x, y), (x + 0.01, y + 0.02)]),
            Point(x + 0.1, y - 0.1),
        ]
        return gpd.GeoDataFrame(
            {"name": ["a", "b", "c", "d"]},
            geometry=geoms,
            crs=4326,
            index=index,
        ).rename_geometry("shape")

    return make


def coords_of(data) -> np.ndarray:
    return shapely.get_coordinates(np.asarray(data.geometry.array))


@pytest.mark.parametrize(("forward", "inverse"), ROUND_TRIPS)
def test_round_trip_across_china_within_a_centimetre(forward, inverse):
    lon, lat = china_grid()
    back_lon, back_lat = inverse(*forward(lon, lat))
    assert metres_between(lon, lat, back_lon, back_lat).max() < 0.01
    assert_allclose(back_lon, lon, rtol=0, atol=1e-9)
    assert_allclose(back_lat, lat, rtol=0, atol=1e-9)


@pytest.mark.parametrize("place", [BEIJING, LUQIAO], ids=["beijing", "luqiao"])
def test_gcj02_shift_is_a_few_hundred_metres(place):
    shifted = wgs84_to_gcj02(*place)
    assert 100 < metres_between(*place, *shifted) < 800


@pytest.mark.parametrize(
    "place",
    [(-0.12, 51.5), (-74.006, 40.713), (151.2, -33.87)],
    ids=["london", "new-york", "sydney"],
)
@pytest.mark.parametrize("func", [wgs84_to_gcj02, gcj02_to_wgs84], ids=["forward", "inverse"])
def test_gcj02_leaves_points_outside_china_unchanged(place, func):
    assert out_of_china(*place)
    assert_array_equal(func(*place), place)


def test_out_of_china_rectangle():
    lon = np.array([116.4, 72.0, 137.9, 100.0, 100.0, 121.37])
    lat = np.array([39.9, 30.0, 30.0, 0.8, 55.9, 28.58])
    assert_array_equal(out_of_china(lon, lat), [False, True, True, True, True, False])


def test_bd09_of_tiananmen_matches_the_commonly_quoted_value():
    # GCJ-02 (116.397428, 39.90923) is the usual Tiananmen example; Baidu shows ~(116.404, 39.915).
    assert_allclose(gcj02_to_bd09(116.397428, 39.90923), (116.404, 39.915), rtol=0, atol=1e-3)


def test_bd09_inverse_round_trips_from_gcj02():
    lon, lat = china_grid()
    back = bd09_to_gcj02(*gcj02_to_bd09(lon, lat))
    assert_allclose(back, (lon, lat), rtol=0, atol=1e-9)


@pytest.mark.parametrize(
    "func",
    [wgs84_to_gcj02, gcj02_to_wgs84, gcj02_to_bd09, bd09_to_gcj02, wgs84_to_bd09, bd09_to_wgs84],
    ids=lambda f: f.__name__,
)
def test_point_functions_keep_shape_and_propagate_nan(func):
    lon = np.array([[116.4, np.nan], [121.37, 100.2]])
    lat = np.array([[39.9, 30.0], [28.58, np.nan]])
    out_lon, out_lat = func(lon, lat)
    assert out_lon.shape == out_lat.shape == (2, 2)
    assert_array_equal(np.isnan(out_lon), np.isnan(lon) | np.isnan(lat))
    scalar = func(116.4, 39.9)
    assert all(isinstance(v, np.ndarray) and v.shape == () for v in scalar)


@pytest.mark.parametrize(
    ("spec", "kind", "label"),
    [
        ("gcj02", "gcj02", "GCJ-02"),
        ("GCJ-02", "gcj02", "GCJ-02"),
        ("gcj", "gcj02", "GCJ-02"),
        ("bd09", "bd09", "BD-09"),
        ("BD-09", "bd09", "BD-09"),
        (4326, "epsg", "EPSG:4326"),
        ("4326", "epsg", "EPSG:4326"),
        ("EPSG:4490", "epsg", "EPSG:4490"),
        ("epsg:3857", "epsg", "EPSG:3857"),
        (pyproj.CRS.from_epsg(32650), "epsg", "EPSG:32650"),
        (None, "epsg", "EPSG:4326"),
        (CRSSpec("bd09", None, "BD-09"), "bd09", "BD-09"),
    ],
    ids=str,
)
def test_parse_crs_accepts(spec, kind, label):
    parsed = parse_crs(spec)
    assert (parsed.kind, parsed.label) == (kind, label)
    assert (parsed.crs is None) == (kind != "epsg")


@pytest.mark.parametrize("spec", ["xyz", "EPSG:999999", 999999, "", True, 4326.0], ids=repr)
def test_parse_crs_rejects_unknown_specs_by_name(spec):
    with pytest.raises(CRSError, match="unknown CRS") as err:
        parse_crs(spec)
    assert repr(spec) in str(err.value)
    assert "'gcj02' or 'bd09'" in str(err.value)
    assert isinstance(err.value, ValueError)


def _encode_epsg(frame: gpd.GeoDataFrame, code: int) -> gpd.GeoDataFrame:
    # Built with a bare pyproj Transformer so the expectation does not go through to_wgs84.
    tr = pyproj.Transformer.from_crs(4326, code, always_xy=True)
    geoms = shapely.transform(
        np.asarray(frame.geometry.array), lambda c: np.column_stack(tr.transform(c[:, 0], c[:, 1]))
    )
    return frame.set_geometry(
        gpd.GeoSeries(geoms, index=frame.index, name="shape"), crs=None
    ).set_crs(code, allow_override=True)


def _encode_offset(frame: gpd.GeoDataFrame, kind: str) -> gpd.GeoDataFrame:
    forward = FORWARD[kind]
    geoms = shapely.transform(
        np.asarray(frame.geometry.array), lambda c: np.column_stack(forward(c[:, 0], c[:, 1]))
    )
    return frame.set_geometry(gpd.GeoSeries(geoms, index=frame.index, name="shape")).set_crs(
        None, allow_override=True
    )


@pytest.mark.parametrize(
    ("kind", "encode"),
    [
        ("gcj02", lambda f: _encode_offset(f, "gcj02")),
        ("bd09", lambda f: _encode_offset(f, "bd09")),
        ("EPSG:3857", lambda f: _encode_epsg(f, 3857)),
        ("EPSG:4490", lambda f: _encode_epsg(f, 4490)),
    ],
    ids=["gcj02", "bd09", "epsg3857", "epsg4490"],
)
@pytest.mark.parametrize("labelled", [False, True], ids=["crs-argument", "data-crs"])
def test_to_wgs84_converts_frames(make_frame, kind, encode, labelled):
    original = make_frame(index=[10, 20, 30, 40])
    encoded = encode(original)
    if labelled and kind.startswith("EPSG"):
        result = to_wgs84(encoded)  # the data's own CRS is used
    elif labelled:
        result = to_wgs84(encoded.set_crs(4326), kind)  # offsets on a lon/lat label are fine
    else:
        result = to_wgs84(encoded.set_crs(None, allow_override=True), kind)
    assert result.crs.equals(pyproj.CRS.from_epsg(4326))
    assert result.geometry.name == "shape"
    assert list(result.index) == [10, 20, 30, 40]
    assert list(result["name"]) == ["a", "b", "c", "d"]
    assert_array_equal(shapely.get_num_interior_rings(result.geometry.values), [0, 1, 0, 0])
    # 1e-7 degrees is ~1 cm; EPSG:4490 -> 4326 is a null transformation in PROJ.
    assert_allclose(coords_of(result), coords_of(original), rtol=0, atol=1e-7)


@pytest.mark.parametrize("kind", ["gcj02", "bd09", "EPSG:3857", "EPSG:4490"])
def test_from_wgs84_inverts_to_wgs84(make_frame, kind):
    original = make_frame()
    exported = from_wgs84(original, kind)
    if kind.startswith("EPSG"):
        assert exported.crs.equals(pyproj.CRS.from_user_input(kind))
    else:
        assert exported.crs is None  # no EPSG code describes GCJ-02/BD-09
        assert metres_between(*coords_of(original).T, *coords_of(exported).T).min() > 100
    assert_allclose(coords_of(to_wgs84(exported, kind)), coords_of(original), rtol=0, atol=1e-9)


def test_to_wgs84_accepts_a_geoseries_and_keeps_its_type():
    series = gpd.GeoSeries.from_xy(*wgs84_to_gcj02([121.37], [28.58]), index=["x"])
    result = to_wgs84(series, "gcj02")
    assert isinstance(result, gpd.GeoSeries)
    assert_allclose(coords_of(result), [LUQIAO], rtol=0, atol=1e-9)


def test_to_wgs84_keeps_z_missing_and_empty_geometries():
    series = gpd.GeoSeries([Point(121.37, 28.58, 7.5), None, Point(), Point(116.4, 39.9)])
    result = to_wgs84(series, "gcj02")
    assert_array_equal(shapely.has_z(result.values), [True, False, False, False])
    assert result.iloc[0].z == 7.5
    assert result.iloc[1] is None and result.iloc[2].is_empty
    assert_allclose((result.iloc[3].x, result.iloc[3].y), gcj02_to_wgs84(116.4, 39.9))


def test_to_wgs84_defaults_unlabelled_data_to_epsg4326(make_frame):
    frame = make_frame().set_crs(None, allow_override=True)
    assert_allclose(coords_of(to_wgs84(frame)), coords_of(make_frame()), rtol=0, atol=0)


@pytest.mark.parametrize("kind", ["gcj02", "bd09", "EPSG:3857", "EPSG:4490", None])
def test_to_wgs84_of_an_empty_frame(kind):
    empty = gpd.GeoDataFrame({"name": []}, geometry=[], crs=None)
    result = to_wgs84(empty, kind)
    assert len(result) == 0
    assert result.crs.equals(pyproj.CRS.from_epsg(4326))


def test_crs_mismatch_names_both(make_frame):
    frame = make_frame().to_crs(3857)
    with pytest.raises(CRSError, match=r"EPSG:3857.*EPSG:4326"):
        to_wgs84(frame, 4326)


@pytest.mark.parametrize("kind", ["gcj02", "bd09"])
def test_offset_systems_refuse_projected_data(make_frame, kind):
    with pytest.raises(CRSError, match=r"EPSG:3857"):
        to_wgs84(make_frame().to_crs(3857), kind)


@pytest.mark.parametrize("kind", ["EPSG:4326", "gcj02", "bd09"])
def test_projected_metres_labelled_as_lonlat_are_refused(kind):
    frame = gpd.GeoDataFrame(
        geometry=gpd.points_from_xy([121.37, 13_511_000.0, 121.4], [28.58, 3_325_000.0, 28.6]),
        index=pd.Index(["a", "b", "c"]),
    )
    with pytest.raises(CRSError, match=r"do not look like .*row 'b'"):
        to_wgs84(frame, kind)


@pytest.mark.parametrize(
    ("bounds", "epsg"),
    [
        ((121.2, 28.5, 121.5, 28.7), 4549),  # Luqiao: CM 120E
        ((116.2, 39.8, 116.6, 40.0), 4548),  # Beijing: CM 117E
        ((100.1, 25.5, 100.3, 25.7), 4542),  # Dali: CM 99E
        ((75.9, 39.4, 76.1, 39.5), 4534),  # Kashgar: CM 75E, the first zone
        ((-0.3, 51.3, 0.1, 51.7), 32630),  # London: UTM 30N
        ((-74.1, 40.6, -73.9, 40.8), 32618),  # New York: UTM 18N
        ((151.1, -33.95, 151.3, -33.8), 32756),  # Sydney: UTM 56S
    ],
    ids=["luqiao", "beijing", "dali", "kashgar", "london", "new-york", "sydney"],
)
def test_local_metric_crs(bounds, epsg):
    assert local_metric_crs(bounds).to_epsg() == epsg


@pytest.mark.parametrize(
    "bounds",
    [(np.nan,) * 4, (121.0, np.nan, 121.5, 28.7), (1.3e7, 3.3e6, 1.31e7, 3.31e6), (1, 2, 3)],
    ids=["empty", "nan", "metres", "three-values"],
)
def test_local_metric_crs_refuses_bad_bounds(bounds):
    with pytest.raises(CRSError, match="bounds"):
        local_metric_crs(bounds)


def test_metric_area_matches_geodesic_area_near_luqiao():
    square = box(121.35, 28.58, 121.36, 28.59)
    crs = local_metric_crs(square.bounds)
    planar = gpd.GeoSeries([square], crs=4326).to_crs(crs).area.iloc[0]
    geodesic = abs(GEOD.geometry_area_perimeter(square)[0])
    assert_allclose(planar, geodesic, rtol=1e-3)


def test_metric_crs_for_reprojects_first(make_frame):
    assert metric_crs_for(make_frame().to_crs(3857)).to_epsg() == 4549
    assert metric_crs_for(gpd.GeoSeries.from_xy([116.4], [39.9])).to_epsg() == 4548
    with pytest.raises(CRSError, match="empty"):
        metric_crs_for(gpd.GeoSeries([], crs=4326))


def test_a_community_boundary_in_gcj02_converts_rigidly():
    # A community-sized (~2 x 1.5 km) irregular polygon with a courtyard hole near Luqiao,
    # as digitised from a Gaode basemap. GCJ-02 is locally close to a translation, so the
    # shape must survive and move by about the offset.
    x, y = LUQIAO
    ring = [
        (x, y),
        (x + 0.02, y - 0.002),
        (x + 0.021, y + 0.012),
        (x + 0.008, y + 0.014),
        (x - 0.002, y + 0.007),
    ]
    hole = [
        (x + 0.008, y + 0.004),
        (x + 0.011, y + 0.004),
        (x + 0.011, y + 0.006),
        (x + 0.008, y + 0.006),
    ]
    gcj = gpd.GeoDataFrame({"code": ["331004001001"]}, geometry=[Polygon(ring, [hole])])
    wgs = to_wgs84(gcj, "gcj02")
    metric = local_metric_crs(tuple(wgs.total_bounds))
    before = gcj.set_crs(4326).to_crs(metric).geometry.iloc[0]
    after = wgs.to_crs(metric).geometry.iloc[0]
    assert after.is_valid and len(after.interiors) == 1
    # Not exactly equal: GCJ-02's sine "noise" stretches space by up to ~0.3 %.
    assert_allclose(after.area, before.area, rtol=5e-3)
    assert 100 < before.centroid.distance(after.centroid) < 800
