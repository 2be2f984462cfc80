"""Small hand-made geometries for the partition tests, in a metric CRS near Luqiao.

Coordinates are CGCS2000 3-degree Gauss-Krüger metres (EPSG:4549, central
meridian 120E), offset to about (120.5E, 28.6N), so lengths and areas in the
tests are plain metres and square metres.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry import MultiPolygon, Polygon, box

CRS = 4549
X0, Y0 = 550_000.0, 3_165_000.0


def rect(x0: float, y0: float, x1: float, y1: float) -> Polygon:
    """A rectangle in local metres (0, 0 is the case origin)."""
    return box(X0 + x0, Y0 + y0, X0 + x1, Y0 + y1)


def c_shape(size: float = 300.0, arm: float = 100.0) -> Polygon:
    """A concave C: a square with a notch from the east edge to its middle."""
    s, a = size, arm
    pts = [(0, 0), (s, 0), (s, a), (a, a), (a, s - a), (s, s - a), (s, s), (0, s)]
    return Polygon([(X0 + x, Y0 + y) for x, y in pts])


def island(x0: float = 0.0) -> MultiPolygon:
    """A community in two parts: a mainland block and an island 100 m to its east."""
    return MultiPolygon([rect(x0, 0, x0 + 200, 200), rect(x0 + 300, 50, x0 + 380, 150)])


def communities(*rows: tuple) -> gpd.GeoDataFrame:
    """Communities from (code, geometry) or (code, geometry, kind) tuples."""
    data = [(r[0], r[2] if len(r) > 2 else "urban", r[1]) for r in rows]
    codes, kinds, geoms = zip(*data, strict=True)
    return gpd.GeoDataFrame({"code": codes, "kind": kinds}, geometry=list(geoms), crs=CRS)


def lattice(
    area: Polygon | MultiPolygon,
    spacing: float = 20.0,
    households: int | np.ndarray = 10,
    prefix: str = "B",
    size: float = 8.0,
    seed: int | None = None,
) -> gpd.GeoDataFrame:
    """Square footprints of ``size`` m on a ``spacing`` lattice, kept where fully inside.

    ``households`` is one count for all, or an array cycled over the buildings;
    with ``seed`` the counts are random integers in [1, households].
    """
    minx, miny, maxx, maxy = area.bounds
    xs = np.arange(minx + spacing / 2, maxx, spacing)
    ys = np.arange(miny + spacing / 2, maxy, spacing)
    cx, cy = (a.ravel() for a in np.meshgrid(xs, ys))
    h = size / 2
    foot = shapely.box(cx - h, cy - h, cx + h, cy + h)
    foot = foot[shapely.contains_properly(area, foot)]
    n = len(foot)
    if seed is not None:
        hh = np.random.default_rng(seed).integers(1, int(households) + 1, n)
    else:
        hh = np.resize(np.asarray(households), n)
    ids = [f"{prefix}{i:05d}" for i in range(n)]
    return gpd.GeoDataFrame({"code": ids, "households": hh}, geometry=foot, crs=CRS)


def buildings(*frames: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Concatenate building frames (each with distinct id prefixes)."""
    return gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), crs=CRS)


def one(code: str, x: float, y: float, households: int, size: float = 10.0) -> gpd.GeoDataFrame:
    """A single building centred at local (x, y)."""
    h = size / 2
    geom = rect(x - h, y - h, x + h, y + h)
    return gpd.GeoDataFrame({"code": [code], "households": [households]}, geometry=[geom], crs=CRS)


def metric(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """A plan table in the cases' metric CRS, for measuring in metres."""
    return frame.to_crs(CRS)
