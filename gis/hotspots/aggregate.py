"""Counting incidents per place: H3 cells, square grid cells or given polygons.

Places with no incident count as zeros when they lie in the study area: a hot-spot
statistic over occupied places only would never see the quiet ground around a
cluster. The study area is the ``area`` given, else the incidents' convex hull.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely

from gis.crs import CRSError, local_metric_crs, parse_crs
from gis.errors import InvalidInput
from gis.hotspots import h3cells
from gis.hotspots.incidents import (
    AreaLike,
    DataWindow,
    area_geometry,
    lonlat,
    select_incidents,
)
from gis.hotspots.types import AggregationKind, TimeLike


@dataclass(frozen=True)
class Aggregation:
    """Incident counts per place.

    Attributes
    ----------
    kind : {"h3", "grid", "area"}
    ids : ndarray
        Place ids: H3 cell ids (int64), grid cell ids ``row * n_cols + col`` (int64)
        or the polygons' ids.
    counts : ndarray of int64
    params : dict
        ``resolution`` (h3); ``cell_size``, ``crs``, ``origin``, ``n_cols`` (grid);
        ``id_column`` (area).
    window : DataWindow
    """

    kind: AggregationKind
    ids: np.ndarray
    counts: np.ndarray
    params: dict[str, Any]
    window: DataWindow
    polygons_given: np.ndarray | None = field(default=None, repr=False)

    @cached_property
    def polygons(self) -> np.ndarray:
        """Place outlines in EPSG:4326 (object array of shapely polygons)."""
        if self.polygons_given is not None:
            return self.polygons_given
        return h3cells.cell_polygons(self.ids)

    def to_geodataframe(self) -> gpd.GeoDataFrame:
        """One row per place: ``place``, ``count`` and the outline (EPSG:4326)."""
        frame = {"place": _place_labels(self.kind, self.ids), "count": self.counts}
        return gpd.GeoDataFrame(frame, geometry=self.polygons, crs=4326)

    def to_folium(self, **kwargs: Any) -> Any:
        """A self-contained Leaflet map of the counts (see :mod:`gis.hotspots.maps`)."""
        from gis.hotspots.maps import choropleth

        return choropleth(self.to_geodataframe(), "count", **kwargs)


def aggregate_h3(
    incidents: Any,
    resolution: int | None = None,
    *,
    area: AreaLike | None = None,
    categories: Iterable[str] | str | None = None,
    start: TimeLike | None = None,
    end: TimeLike | None = None,
    time_column: str = "reported_at",
    category_column: str = "category",
) -> Aggregation:
    """Count incidents per H3 cell, zeros included for cells in the study area.

    Parameters
    ----------
    incidents : GeoDataFrame or dask_geopandas.GeoDataFrame
        Point incidents with a CRS, a time and a category column. A dask frame is
        counted partition by partition on its cluster; only the counts come back.
    resolution : int, optional
        H3 resolution; by default :func:`gis.hotspots.h3cells.default_resolution`.
    area : polygons, optional
        Study area. Incidents outside it are an error.
    categories, start, end
        Filters, as in :func:`gis.hotspots.incidents.select_incidents`.

    Examples
    --------
    >>> import geopandas as gpd, pandas as pd
    >>> pts = gpd.GeoDataFrame({"category": ["theft"] * 3,
    ...     "reported_at": pd.Timestamp("2026-01-01", tz="Asia/Shanghai")},
    ...     geometry=gpd.points_from_xy([121.4, 121.4, 121.45], [28.5, 28.5, 28.52]), crs=4326)
    >>> agg = aggregate_h3(pts, 8)
    >>> int(agg.counts.sum()), int(agg.counts.max())
    (3, 2)
    """
    if _is_dask(incidents):
        from gis.hotspots.dask_frames import aggregate_h3_dask

        return aggregate_h3_dask(
            incidents, resolution, area=area, categories=categories, start=start, end=end,
            time_column=time_column, category_column=category_column,
        )  # fmt: skip
    points, window = select_incidents(
        incidents, categories=categories, start=start, end=end, area=area,
        time_column=time_column, category_column=category_column,
    )  # fmt: skip
    study = _study_area(points, area)
    res = _resolution(resolution, window.n_incidents, study)
    cells = h3cells.point_cells(*lonlat(points), res)
    return h3_counts(cells, res, study, window)


def h3_counts(
    cells: np.ndarray, resolution: int, study: shapely.Geometry | None, window: DataWindow
) -> Aggregation:
    """Aggregation from the H3 cells of the selected incidents, zero-filled over ``study``."""
    occupied, counts = np.unique(cells, return_counts=True)
    ids = occupied
    if study is not None:
        ids = np.union1d(occupied, h3cells.area_cells(study, resolution))
    full = np.zeros(len(ids), dtype=np.int64)
    full[np.searchsorted(ids, occupied)] = counts
    return Aggregation("h3", ids, full, {"resolution": int(resolution)}, window)


def aggregate_areas(
    incidents: gpd.GeoDataFrame,
    areas: gpd.GeoDataFrame,
    *,
    id_column: str | None = None,
    categories: Iterable[str] | str | None = None,
    start: TimeLike | None = None,
    end: TimeLike | None = None,
    time_column: str = "reported_at",
    category_column: str = "category",
) -> Aggregation:
    """Count incidents per polygon of ``areas`` (communities, grids of a plan...).

    An incident in no polygon is an error; one on a shared boundary or in
    overlapping polygons counts for the first polygon in ``areas`` order.

    Examples
    --------
    >>> import geopandas as gpd, pandas as pd
    >>> from shapely.geometry import box
    >>> areas = gpd.GeoDataFrame({"code": ["a", "b"]},
    ...     geometry=[box(121.3, 28.4, 121.4, 28.5), box(121.4, 28.4, 121.5, 28.5)], crs=4326)
    >>> pts = gpd.GeoDataFrame({"category": ["theft"] * 2,
    ...     "reported_at": pd.Timestamp("2026-01-01", tz="Asia/Shanghai")},
    ...     geometry=gpd.points_from_xy([121.35, 121.36], [28.45, 28.45]), crs=4326)
    >>> aggregate_areas(pts, areas, id_column="code").counts.tolist()
    [2, 0]
    """
    polys = _area_polygons(areas, id_column)
    points, window = select_incidents(
        incidents, categories=categories, start=start, end=end, area=polys,
        time_column=time_column, category_column=category_column,
    )  # fmt: skip
    tree = shapely.STRtree(polys.geometry.values)
    pt_idx, poly_idx = tree.query(points.geometry.values, predicate="covered_by")
    first = pd.Series(poly_idx).groupby(pt_idx).min().to_numpy()
    counts = np.bincount(first, minlength=len(polys)).astype(np.int64)
    ids = polys.index.to_numpy()
    params = {"id_column": id_column}
    return Aggregation("area", ids, counts, params, window, polys.geometry.values)


def _is_dask(obj: object) -> bool:
    return type(obj).__module__.startswith(("dask_geopandas", "dask"))


def _metric(points: gpd.GeoDataFrame) -> pyproj.CRS:
    return local_metric_crs(tuple(points.total_bounds))


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


def _study_area(points: gpd.GeoDataFrame, area: AreaLike | None) -> shapely.Geometry | None:
    if area is not None:
        return area_geometry(area)
    hull = shapely.convex_hull(shapely.multipoints(points.geometry.values))
    return hull if hull.geom_type == "Polygon" else None


def _area_km2(geom: shapely.Geometry | None) -> float:
    if geom is None:
        return 0.0
    metric = local_metric_crs(geom.bounds)
    return float(gpd.GeoSeries([geom], crs=4326).to_crs(metric).area.iloc[0]) / 1e6


def _resolution(resolution: int | None, n: int, study: shapely.Geometry | None) -> int:
    if resolution is not None:
        h3cells.check_resolution(resolution)
        return int(resolution)
    return h3cells.default_resolution(n, _area_km2(study))


def _area_polygons(areas: gpd.GeoDataFrame, id_column: str | None) -> gpd.GeoDataFrame:
    if not isinstance(areas, gpd.GeoDataFrame) or len(areas) == 0:
        raise InvalidInput("areas must be a non-empty GeoDataFrame of polygons")
    if areas.crs is None:
        raise InvalidInput("the areas have no CRS: set one, e.g. areas.set_crs(4326)")
    from gis.crs import to_wgs84

    polys = to_wgs84(areas)
    if id_column is not None:
        if id_column not in polys.columns:
            raise InvalidInput(f"areas have no column {id_column!r}")
        if polys[id_column].duplicated().any():
            raise InvalidInput(f"area ids in {id_column!r} are not unique")
        polys = polys.set_index(id_column)
    kinds = set(polys.geom_type.dropna().unique())
    if not kinds <= {"Polygon", "MultiPolygon"}:
        raise InvalidInput(f"areas must be polygons, found {sorted(kinds)}")
    return polys


def _place_labels(kind: AggregationKind, ids: np.ndarray) -> np.ndarray:
    if kind == "h3":
        return np.array([format(int(c), "x") for c in ids.view(np.uint64)], dtype=object)
    return ids
