"""Counting incidents per place: H3 cells or given polygons (square cells: :mod:`.grid`).

Places with no incident count as zeros when they lie in the study area: a hot-spot
statistic over occupied places only would never see the quiet ground around a
cluster. The study area is the filter's ``area``, else the incidents' convex hull.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from gis.crs import to_wgs84
from gis.errors import InvalidInput
from gis.hotspots import h3cells
from gis.hotspots.aggregation import Aggregation, h3_counts
from gis.hotspots.dask_frames import aggregate_h3_dask
from gis.hotspots.selection import IncidentFilter, lonlat, select_incidents, study_area_of
from gis.hotspots.study import h3_resolution, study_area


def aggregate_h3(
    incidents: Any, resolution: int | None = None, *, where: IncidentFilter | None = None
) -> Aggregation:
    """Count incidents per H3 cell, zeros included for cells in the study area.

    Parameters
    ----------
    incidents : GeoDataFrame or dask_geopandas.GeoDataFrame
        Point incidents with a CRS, a time and a category column. A dask frame is
        counted partition by partition on its cluster; only the counts come back.
    resolution : int, optional
        H3 resolution; by default :func:`gis.hotspots.h3cells.default_resolution`.
    where : IncidentFilter, optional
        Categories, time window, columns, and the study area (polygons): incidents
        outside it are an error.

    Examples
    --------
    >>> pts = gpd.GeoDataFrame({"category": ["theft", "theft", "fire"],
    ...     "reported_at": pd.Timestamp("2026-01-01", tz="Asia/Shanghai")},
    ...     geometry=gpd.points_from_xy([121.4, 121.4, 121.45], [28.5, 28.5, 28.52]), crs=4326)
    >>> agg = aggregate_h3(pts, 8)
    >>> int(agg.counts.sum()), int(agg.counts.max())
    (3, 2)
    >>> int(aggregate_h3(pts, 8, where=IncidentFilter(categories="fire")).counts.sum())
    1
    """
    where = where or IncidentFilter()
    if _is_dask(incidents):
        return aggregate_h3_dask(incidents, resolution, where)
    points, window = select_incidents(incidents, where)
    study = study_area(points, study_area_of(where))
    res = h3_resolution(resolution, window.n_incidents, study)
    cells = h3cells.point_cells(*lonlat(points), res)
    return h3_counts(cells, res, study, window)


def aggregate_areas(
    incidents: gpd.GeoDataFrame,
    areas: gpd.GeoDataFrame,
    *,
    id_column: str | None = None,
    where: IncidentFilter | None = None,
) -> Aggregation:
    """Count incidents per polygon of ``areas`` (communities, grids of a plan...).

    An incident in no polygon is an error; one on a shared boundary or in
    overlapping polygons counts for the first polygon in ``areas`` order. The
    polygons are the study area, so ``where`` must not name another one.

    Examples
    --------
    >>> from shapely.geometry import box
    >>> areas = gpd.GeoDataFrame({"code": ["a", "b"]},
    ...     geometry=[box(121.3, 28.4, 121.4, 28.5), box(121.4, 28.4, 121.5, 28.5)], crs=4326)
    >>> pts = gpd.GeoDataFrame({"category": ["theft"] * 2,
    ...     "reported_at": pd.Timestamp("2026-01-01", tz="Asia/Shanghai")},
    ...     geometry=gpd.points_from_xy([121.35, 121.36], [28.45, 28.45]), crs=4326)
    >>> aggregate_areas(pts, areas, id_column="code").counts.tolist()
    [2, 0]
    """
    where = where or IncidentFilter()
    if where.area is not None:
        raise InvalidInput("aggregate_areas counts within the areas given: leave where.area unset")
    polys = _area_polygons(areas, id_column)
    points, window = select_incidents(incidents, replace(where, area=polys))
    tree = shapely.STRtree(polys.geometry.values)
    pt_idx, poly_idx = tree.query(points.geometry.values, predicate="covered_by")
    first = pd.Series(poly_idx).groupby(pt_idx).min().to_numpy()
    counts = np.bincount(first, minlength=len(polys)).astype(np.int64)
    ids = polys.index.to_numpy()
    params = {"id_column": id_column}
    return Aggregation("area", ids, counts, params, window, polys.geometry.values)


def as_aggregation(data: Any, resolution: int | None, where: IncidentFilter | None) -> Aggregation:
    """``data`` itself when it is an Aggregation, else its incidents counted per H3 cell."""
    if isinstance(data, Aggregation):
        return data
    return aggregate_h3(data, resolution, where=where)


def _is_dask(obj: object) -> bool:
    return type(obj).__module__.startswith(("dask_geopandas", "dask"))


def _area_polygons(areas: gpd.GeoDataFrame, id_column: str | None) -> gpd.GeoDataFrame:
    if not isinstance(areas, gpd.GeoDataFrame) or len(areas) == 0:
        raise InvalidInput("areas must be a non-empty GeoDataFrame of polygons")
    if areas.crs is None:
        raise InvalidInput("the areas have no CRS: set one, e.g. areas.set_crs(4326)")
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
