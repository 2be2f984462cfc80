"""Coordinate reference systems: parsing, Chinese datum offsets and metric CRS choice.

wangge stores everything in EPSG:4326. Input may arrive in any EPSG CRS, in
EPSG:4490 (CGCS2000, within centimetres of WGS 84) or in one of the two
obfuscated Chinese web-map systems: GCJ-02 (AutoNavi/Gaode, Tencent) and BD-09
(Baidu). Those two are not datums pyproj knows but deterministic offsets applied
to WGS 84 lon/lat, so they are handled here with the published formulas.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal, TypeVar

import geopandas as gpd
import numpy as np
import pyproj
import shapely
from numpy.typing import ArrayLike, NDArray

from gis.errors import CRSError

CRSKind = Literal["epsg", "gcj02", "bd09"]
GeoData = TypeVar("GeoData", gpd.GeoDataFrame, gpd.GeoSeries)
Arrays = tuple[NDArray[np.float64], NDArray[np.float64]]

WGS84 = pyproj.CRS.from_epsg(4326)
CGCS2000 = pyproj.CRS.from_epsg(4490)
_ACCEPTED = "give an EPSG code (e.g. 4326, 4490, EPSG:32650), 'gcj02' or 'bd09'"
_ALIASES: dict[str, CRSKind] = {"gcj02": "gcj02", "gcj": "gcj02", "bd09": "bd09", "bd09ll": "bd09"}
_LABELS = {"gcj02": "GCJ-02", "bd09": "BD-09"}

# GCJ-02 uses the Krasovsky 1940 ellipsoid to turn its metre-ish offsets into degrees.
_KRASOVSKY_A = 6378245.0
_KRASOVSKY_EE = 0.00669342162296594323
_X_PI = math.pi * 3000.0 / 180.0
# Both offsets move a point by far less than they move per degree, so the fixed-point
# inverse contracts by ~1e-2 (BD-09) to ~1e-3 (GCJ-02) per round: a handful suffice.
_INVERSE_TOL_DEG = 1e-10
_INVERSE_MAX_ITER = 30


@dataclass(frozen=True)
class CRSSpec:
    """A parsed CRS: a pyproj CRS (``kind="epsg"``) or a Chinese offset system."""

    kind: CRSKind
    crs: pyproj.CRS | None
    label: str


def parse_crs(spec: str | int | pyproj.CRS | CRSSpec | None) -> CRSSpec:
    """Parse a user CRS specification.

    Parameters
    ----------
    spec : str, int, pyproj.CRS, CRSSpec or None
        ``"gcj02"``/``"GCJ-02"``/``"gcj"``, ``"bd09"``/``"BD-09"``, an EPSG code as
        int or string (``4326``, ``"4326"``, ``"EPSG:4490"``), anything else
        :meth:`pyproj.CRS.from_user_input` accepts, or None for EPSG:4326.

    Raises
    ------
    CRSError
        If the specification is not recognised; the message names it.

    Examples
    --------
    >>> parse_crs("GCJ-02").kind
    'gcj02'
    >>> parse_crs(4490).label
    'EPSG:4490'
    """
    if isinstance(spec, CRSSpec):
        return spec
    if spec is None:
        return _epsg_spec(WGS84)
    if isinstance(spec, pyproj.CRS):
        return _epsg_spec(spec)
    if isinstance(spec, str):
        key = spec.strip().lower().replace("-", "").replace("_", "").replace(" ", "")
        if key in _ALIASES:
            kind = _ALIASES[key]
            return CRSSpec(kind, None, _LABELS[kind])
        text = spec.strip()
        user_input: str | int = int(text) if text.isdigit() else text
    elif isinstance(spec, int) and not isinstance(spec, bool):
        user_input = spec
    else:
        raise CRSError(f"unknown CRS {spec!r}: {_ACCEPTED}")
    try:
        crs = pyproj.CRS.from_user_input(user_input)
    except pyproj.exceptions.CRSError:
        raise CRSError(f"unknown CRS {spec!r}: {_ACCEPTED}") from None
    return _epsg_spec(crs)


def _epsg_spec(crs: pyproj.CRS) -> CRSSpec:
    authority = crs.to_authority()
    label = f"{authority[0]}:{authority[1]}" if authority else crs.name
    return CRSSpec("epsg", crs, label)


def _arrays(lon: ArrayLike, lat: ArrayLike) -> Arrays:
    x, y = np.broadcast_arrays(np.asarray(lon, dtype=np.float64), np.asarray(lat, dtype=np.float64))
    return np.array(x), np.array(y)


def out_of_china(lon: ArrayLike, lat: ArrayLike) -> NDArray[np.bool_]:
    """Whether points lie outside the rectangle where GCJ-02 applies its offset.

    Examples
    --------
    >>> out_of_china([116.4, -0.12], [39.9, 51.5]).tolist()
    [False, True]
    """
    x, y = _arrays(lon, lat)
    return (x < 72.004) | (x > 137.8347) | (y < 0.8293) | (y > 55.8271)


def _gcj_offset(x: NDArray[np.float64], y: NDArray[np.float64]) -> Arrays:
    # The published polynomial-plus-sines "noise", in metres-like units, around (105E, 35N).
    dx, dy = x - 105.0, y - 35.0
    waves = (20.0 * np.sin(6.0 * dx * np.pi) + 20.0 * np.sin(2.0 * dx * np.pi)) * 2.0 / 3.0
    off_lat = -100.0 + 2.0 * dx + 3.0 * dy + 0.2 * dy * dy + 0.1 * dx * dy
    off_lat += 0.2 * np.sqrt(np.abs(dx)) + waves
    off_lat += (20.0 * np.sin(dy * np.pi) + 40.0 * np.sin(dy / 3.0 * np.pi)) * 2.0 / 3.0
    off_lat += (160.0 * np.sin(dy / 12.0 * np.pi) + 320.0 * np.sin(dy * np.pi / 30.0)) * 2.0 / 3.0
    off_lon = 300.0 + dx + 2.0 * dy + 0.1 * dx * dx + 0.1 * dx * dy
    off_lon += 0.1 * np.sqrt(np.abs(dx)) + waves
    off_lon += (20.0 * np.sin(dx * np.pi) + 40.0 * np.sin(dx / 3.0 * np.pi)) * 2.0 / 3.0
    off_lon += (150.0 * np.sin(dx / 12.0 * np.pi) + 300.0 * np.sin(dx / 30.0 * np.pi)) * 2.0 / 3.0
    # Scale to degrees with the Krasovsky meridian and parallel radii of curvature.
    rad_lat = np.radians(y)
    w = 1.0 - _KRASOVSKY_EE * np.sin(rad_lat) ** 2
    sqrt_w = np.sqrt(w)
    d_lat = off_lat * 180.0 / (_KRASOVSKY_A * (1.0 - _KRASOVSKY_EE) / (w * sqrt_w) * np.pi)
    d_lon = off_lon * 180.0 / (_KRASOVSKY_A / sqrt_w * np.cos(rad_lat) * np.pi)
    return d_lon, d_lat


def _invert(
    forward: Callable[[ArrayLike, ArrayLike], Arrays], lon: ArrayLike, lat: ArrayLike
) -> Arrays:
    # Fixed-point iteration w <- w - (F(w) - target); NaN targets compare False and stop nothing.
    tx, ty = _arrays(lon, lat)
    wx, wy = tx.copy(), ty.copy()
    for _ in range(_INVERSE_MAX_ITER):
        fx, fy = forward(wx, wy)
        ex, ey = fx - tx, fy - ty
        wx, wy = wx - ex, wy - ey
        if not np.any((np.abs(ex) > _INVERSE_TOL_DEG) | (np.abs(ey) > _INVERSE_TOL_DEG)):
            break
    return np.asarray(wx), np.asarray(wy)


def wgs84_to_gcj02(lon: ArrayLike, lat: ArrayLike) -> Arrays:
    """Convert WGS 84 lon/lat to GCJ-02; points outside China are returned unchanged.

    Examples
    --------
    >>> x, y = wgs84_to_gcj02(121.37, 28.58)
    >>> round(float(x), 5), round(float(y), 5)
    (121.37441, 28.577)
    """
    x, y = _arrays(lon, lat)
    d_lon, d_lat = _gcj_offset(x, y)
    outside = out_of_china(x, y)
    return np.where(outside, x, x + d_lon), np.where(outside, y, y + d_lat)


def gcj02_to_wgs84(lon: ArrayLike, lat: ArrayLike) -> Arrays:
    """Convert GCJ-02 to WGS 84 by iterating the forward formula to within 1e-10 degrees.

    Examples
    --------
    >>> x, y = gcj02_to_wgs84(*wgs84_to_gcj02(121.37, 28.58))
    >>> abs(float(x) - 121.37) < 1e-9 and abs(float(y) - 28.58) < 1e-9
    True
    """
    return _invert(wgs84_to_gcj02, lon, lat)


def gcj02_to_bd09(lon: ArrayLike, lat: ArrayLike) -> Arrays:
    """Convert GCJ-02 to BD-09 (Baidu); the formula applies everywhere, not only in China.

    Examples
    --------
    >>> x, y = gcj02_to_bd09(116.397428, 39.90923)
    >>> round(float(x), 4), round(float(y), 4)
    (116.4038, 39.9156)
    """
    x, y = _arrays(lon, lat)
    z = np.hypot(x, y) + 0.00002 * np.sin(y * _X_PI)
    theta = np.arctan2(y, x) + 0.000003 * np.cos(x * _X_PI)
    return np.asarray(z * np.cos(theta) + 0.0065), np.asarray(z * np.sin(theta) + 0.006)


def bd09_to_gcj02(lon: ArrayLike, lat: ArrayLike) -> Arrays:
    """Convert BD-09 to GCJ-02, iterating the forward formula to within 1e-10 degrees.

    Examples
    --------
    >>> x, y = bd09_to_gcj02(*gcj02_to_bd09(116.397428, 39.90923))
    >>> abs(float(x) - 116.397428) < 1e-9 and abs(float(y) - 39.90923) < 1e-9
    True
    """
    # The common closed-form inverse evaluates the perturbation at the BD-09 point and
    # is off by up to ~0.2 m in China; iterating the forward formula removes that.
    return _invert(gcj02_to_bd09, lon, lat)


def wgs84_to_bd09(lon: ArrayLike, lat: ArrayLike) -> Arrays:
    """Convert WGS 84 to BD-09 (via GCJ-02).

    Examples
    --------
    >>> x, y = wgs84_to_bd09(116.391, 39.907)
    >>> bool(0.005 < float(x) - 116.391 < 0.02)
    True
    """
    return gcj02_to_bd09(*wgs84_to_gcj02(lon, lat))


def bd09_to_wgs84(lon: ArrayLike, lat: ArrayLike) -> Arrays:
    """Convert BD-09 to WGS 84 (via GCJ-02).

    Examples
    --------
    >>> x, y = bd09_to_wgs84(*wgs84_to_bd09(116.391, 39.907))
    >>> abs(float(x) - 116.391) < 1e-9
    True
    """
    return gcj02_to_wgs84(*bd09_to_gcj02(lon, lat))


_TO_WGS84 = {"gcj02": gcj02_to_wgs84, "bd09": bd09_to_wgs84}
_FROM_WGS84 = {"gcj02": wgs84_to_gcj02, "bd09": wgs84_to_bd09}


def to_wgs84(data: GeoData, crs: str | int | pyproj.CRS | CRSSpec | None = None) -> GeoData:
    """Return ``data`` converted to EPSG:4326.

    Parameters
    ----------
    data : GeoDataFrame or GeoSeries
        Only the active geometry column is converted, as in ``to_crs``.
    crs : optional
        The CRS of the coordinates (see :func:`parse_crs`). None means ``data.crs``,
        and EPSG:4326 if that is unset too. GCJ-02/BD-09 data must be unlabelled or
        labelled EPSG:4326/4490, since those systems are offsets on lon/lat.

    Raises
    ------
    CRSError
        If ``crs`` contradicts ``data.crs``, or the converted coordinates are not
        valid lon/lat (for example projected metres labelled as EPSG:4326).

    Examples
    --------
    >>> s = gpd.GeoSeries.from_xy([121.37441], [28.577])
    >>> to_wgs84(s, "gcj02").get_coordinates().round(4).values.tolist()
    [[121.37, 28.58]]
    """
    spec = parse_crs(data.crs if crs is None else crs)
    _check_declared(data.crs, spec)
    if spec.kind == "epsg":
        source = data if data.crs is not None else data.set_crs(spec.crs)
        try:
            out = source.to_crs(WGS84)
        except pyproj.exceptions.ProjError as exc:
            raise CRSError(f"cannot convert {spec.label} to EPSG:4326: {exc}") from exc
    else:
        out = _apply(data, _TO_WGS84[spec.kind], WGS84)
    _check_lonlat(out, spec)
    return out


def from_wgs84(data: GeoData, crs: str | int | pyproj.CRS | CRSSpec) -> GeoData:
    """Convert ``data`` (its own CRS, or EPSG:4326 if unset) to ``crs``, e.g. for export.

    GCJ-02/BD-09 results carry no CRS: no EPSG code describes them, and labelling them
    EPSG:4326 would let them be mistaken for true WGS 84 later.

    Examples
    --------
    >>> s = gpd.GeoSeries.from_xy([121.37], [28.58], crs=4326)
    >>> from_wgs84(s, "gcj02").get_coordinates().round(4).values.tolist()
    [[121.3744, 28.577]]
    """
    spec = parse_crs(crs)
    data = to_wgs84(data)
    if spec.kind == "epsg":
        return data.to_crs(spec.crs)
    return _apply(data, _FROM_WGS84[spec.kind], None)


def _check_declared(declared: pyproj.CRS | None, spec: CRSSpec) -> None:
    if declared is None:
        return
    if spec.kind == "epsg":
        if not declared.equals(spec.crs, ignore_axis_order=True):
            raise CRSError(
                f"the data's CRS is {_epsg_spec(declared).label} but the given CRS is "
                f"{spec.label}: drop one of them, or reproject the data first"
            )
    elif not any(declared.equals(c, ignore_axis_order=True) for c in (WGS84, CGCS2000)):
        raise CRSError(
            f"{spec.label} is an offset on WGS 84 lon/lat, but the data's CRS is "
            f"{_epsg_spec(declared).label}: give GCJ-02/BD-09 data unlabelled or as EPSG:4326"
        )


def _apply(data: GeoData, func: Callable[..., Arrays], crs: pyproj.CRS | None) -> GeoData:
    # shapely.transform hands over all coordinates of all geometries as one (N, 2|3)
    # array. 2D and 3D geometries go separately so Z survives and 2D stays 2D.
    def shift(coords: NDArray[np.float64]) -> NDArray[np.float64]:
        out = coords.copy()
        out[:, 0], out[:, 1] = func(coords[:, 0], coords[:, 1])
        return out

    geoms = np.asarray(data.geometry.array, dtype=object)
    new = geoms.copy()
    has_z = shapely.has_z(geoms)
    for mask, include_z in ((~has_z, False), (has_z, True)):
        if mask.any():
            new[mask] = shapely.transform(geoms[mask], shift, include_z=include_z)
    name = data.geometry.name if isinstance(data, gpd.GeoDataFrame) else data.name
    series = gpd.GeoSeries(new, index=data.index, crs=crs, name=name)
    if isinstance(data, gpd.GeoSeries):
        return series
    # set_geometry keeps the frame's old CRS when the new column has none.
    return data.set_geometry(series).set_crs(crs, allow_override=True)


def _check_lonlat(data: GeoData, spec: CRSSpec) -> None:
    geoms = np.asarray(data.geometry.array, dtype=object)
    b = shapely.bounds(geoms)
    present = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    with np.errstate(invalid="ignore"):
        ok = (b[:, 0] >= -180) & (b[:, 2] <= 180) & (b[:, 1] >= -90) & (b[:, 3] <= 90)
    bad = np.flatnonzero(present & ~ok)
    if bad.size:
        row = data.index[bad[0]]
        raise CRSError(
            f"coordinates do not look like {spec.label}: row {row!r} has bounds "
            f"{tuple(round(float(v), 6) for v in b[bad[0]])} after conversion, outside "
            f"lon [-180, 180] / lat [-90, 90] ({bad.size} such rows; projected metres "
            "labelled as lon/lat?)"
        )


def local_metric_crs(bounds: tuple[float, float, float, float]) -> pyproj.CRS:
    """Choose a projected metric CRS for WGS 84 lon/lat ``bounds`` (minx, miny, maxx, maxy).

    Inside China this is the CGCS2000 3-degree Gauss–Krüger zone whose central
    meridian is nearest the centre (EPSG:4534 for 75E to EPSG:4554 for 135E);
    elsewhere the WGS 84 UTM zone of the centre.

    Examples
    --------
    >>> local_metric_crs((121.2, 28.5, 121.5, 28.7)).to_epsg()
    4549
    >>> local_metric_crs((-0.2, 51.4, 0.0, 51.6)).to_epsg()
    32630
    """
    values = np.asarray(bounds, dtype=np.float64).ravel()
    if values.size != 4 or not np.isfinite(values).all():
        raise CRSError(f"cannot choose a metric CRS for empty or invalid bounds {tuple(bounds)}")
    minx, miny, maxx, maxy = (float(v) for v in values)
    if not (-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90):
        raise CRSError(f"bounds {tuple(bounds)} are not WGS 84 lon/lat (minx, miny, maxx, maxy)")
    lon, lat = (minx + maxx) / 2.0, (miny + maxy) / 2.0
    if not out_of_china(lon, lat):
        # floor(x + 0.5) rather than round(): Python rounds halves to even.
        cm = min(max(3 * math.floor(lon / 3.0 + 0.5), 75), 135)
        return pyproj.CRS.from_epsg(4534 + (cm - 75) // 3)
    zone = min(int((lon + 180.0) // 6.0) + 1, 60)
    return pyproj.CRS.from_epsg((32600 if lat >= 0 else 32700) + zone)


def metric_crs_for(data: gpd.GeoDataFrame | gpd.GeoSeries) -> pyproj.CRS:
    """Choose a metric CRS for ``data`` (unlabelled data are taken as EPSG:4326).

    Examples
    --------
    >>> metric_crs_for(gpd.GeoSeries.from_xy([116.4], [39.9], crs=4326)).to_epsg()
    4548
    """
    return local_metric_crs(tuple(to_wgs84(data).total_bounds))
