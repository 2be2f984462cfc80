"""The study area and the scale of an analysis: outline, km², H3 resolution, metric CRS.

The study area is the filter's ``area`` when given, else the incidents' convex hull;
places in it with no incident count as zeros (see :mod:`gis.hotspots.aggregate`).
"""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import pyproj
import shapely

from gis.crs import local_metric_crs, parse_crs
from gis.errors import CRSError
from gis.hotspots import h3cells
from gis.hotspots.selection import AreaLike, area_geometry


def study_area(points: gpd.GeoDataFrame, area: AreaLike | None) -> shapely.Geometry | None:
    """``area`` as one geometry, else the convex hull of ``points`` (None if it has no area).

    Examples
    --------
    >>> pts = gpd.GeoDataFrame(geometry=gpd.points_from_xy([0, 1, 0], [0, 0, 1]), crs=4326)
    >>> study_area(pts, None).area
    0.5
    """
    if area is not None:
        return area_geometry(area)
    hull = shapely.convex_hull(shapely.multipoints(points.geometry.values))
    return hull if hull.geom_type == "Polygon" else None


def area_km2(geom: shapely.Geometry | None) -> float:
    """Area of a lon/lat geometry in km², measured in its local metric CRS (0 for None)."""
    if geom is None:
        return 0.0
    metric = local_metric_crs(geom.bounds)
    return float(gpd.GeoSeries([geom], crs=4326).to_crs(metric).area.iloc[0]) / 1e6


def h3_resolution(resolution: int | None, n: int, study: shapely.Geometry | None) -> int:
    """``resolution`` checked, else the default for ``n`` incidents over ``study``.

    Examples
    --------
    >>> h3_resolution(None, 3000, shapely.box(121.3, 28.5, 121.4, 28.58))
    8
    """
    if resolution is not None:
        h3cells.check_resolution(resolution)
        return int(resolution)
    return h3cells.default_resolution(n, area_km2(study))


def metric_crs(crs: Any, bounds: tuple[float, float, float, float]) -> pyproj.CRS:
    """``crs`` parsed and checked to be projected in metres, else the local one for ``bounds``."""
    if crs is None:
        return local_metric_crs(bounds)
    spec = parse_crs(crs)
    if spec.crs is None or not spec.crs.is_projected:
        raise CRSError(f"{spec.label} is not a projected CRS: give one in metres, or none")
    units = {axis.unit_name for axis in spec.crs.axis_info}
    if not units <= {"metre", "meter"}:
        raise CRSError(f"{spec.label} has axis units {sorted(units)}, not metres")
    return spec.crs
