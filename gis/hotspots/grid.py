"""Square grid cells in a metric CRS, aligned on multiples of the cell size.

Cell ``(row, col)`` spans ``[x0 + col * size, x0 + (col + 1) * size)`` in x and the
same in y from ``y0``; its id is ``row * n_cols + col``. Zero-filled cells are
those whose centre lies in the study area, as for H3 cells.
"""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import numpy as np
import pyproj
import shapely

from gis.errors import InvalidInput
from gis.hotspots.aggregation import Aggregation
from gis.hotspots.selection import IncidentFilter, select_incidents, study_area_of
from gis.hotspots.study import metric_crs, study_area


def aggregate_grid(
    incidents: gpd.GeoDataFrame,
    cell_size: float = 250.0,
    *,
    crs: pyproj.CRS | str | int | None = None,
    where: IncidentFilter | None = None,
) -> Aggregation:
    """Count incidents per square cell of ``cell_size`` metres in a metric CRS.

    The grid is aligned on multiples of ``cell_size`` in ``crs`` (by default the
    local metric CRS of the incidents), so two runs over the same city share cells.
    ``where`` selects the incidents and gives the study area, as for
    :func:`gis.hotspots.aggregate.aggregate_h3`.

    Examples
    --------
    >>> import geopandas as gpd, pandas as pd
    >>> pts = gpd.GeoDataFrame({"category": ["theft"] * 2,
    ...     "reported_at": pd.Timestamp("2026-01-01", tz="Asia/Shanghai")},
    ...     geometry=gpd.points_from_xy([121.4, 121.41], [28.5, 28.5]), crs=4326)
    >>> int(aggregate_grid(pts, 500).counts.sum())
    2
    """
    _check_cell_size(cell_size)
    where = where or IncidentFilter()
    points, window = select_incidents(incidents, where)
    study = study_area(points, study_area_of(where))
    metric = metric_crs(crs, tuple(points.total_bounds))
    xy = points.geometry.to_crs(metric).get_coordinates().to_numpy()
    extent = xy if study is None else _study_xy(study, metric)
    x0, y0 = np.floor(extent.min(axis=0) / cell_size) * cell_size
    n_cols = int(np.floor((extent[:, 0].max() - x0) / cell_size)) + 1
    col = np.floor((xy[:, 0] - x0) / cell_size).astype(np.int64)
    row = np.floor((xy[:, 1] - y0) / cell_size).astype(np.int64)
    occupied, counts = np.unique(row * n_cols + col, return_counts=True)
    ids = np.union1d(occupied, _grid_fill(study, metric, x0, y0, cell_size, n_cols))
    full = np.zeros(len(ids), dtype=np.int64)
    full[np.searchsorted(ids, occupied)] = counts
    params = {"cell_size": float(cell_size), "crs": metric.to_string(), "origin": (x0, y0)}
    params["n_cols"] = n_cols
    return Aggregation("grid", ids, full, params, window, _grid_polygons(ids, params, metric))


def _check_cell_size(cell_size: float) -> None:
    if not np.isfinite(cell_size) or cell_size <= 0:
        raise InvalidInput(f"cell_size must be a positive number of metres, not {cell_size!r}")


def _study_xy(study: shapely.Geometry, metric: pyproj.CRS) -> np.ndarray:
    return gpd.GeoSeries([study], crs=4326).to_crs(metric).get_coordinates().to_numpy()


def _grid_fill(
    study: shapely.Geometry | None,
    metric: pyproj.CRS,
    x0: float,
    y0: float,
    size: float,
    n_cols: int,
) -> np.ndarray:
    if study is None:
        return np.empty(0, dtype=np.int64)
    shape = gpd.GeoSeries([study], crs=4326).to_crs(metric).iloc[0]
    minx, miny, maxx, maxy = shape.bounds
    cols = np.arange(int((minx - x0) // size), int((maxx - x0) // size) + 1)
    rows = np.arange(int((miny - y0) // size), int((maxy - y0) // size) + 1)
    rr, cc = np.meshgrid(rows, cols, indexing="ij")
    cx, cy = x0 + (cc.ravel() + 0.5) * size, y0 + (rr.ravel() + 0.5) * size
    inside = shapely.contains_xy(shape, cx, cy) & (cc.ravel() >= 0) & (cc.ravel() < n_cols)
    return (rr.ravel() * n_cols + cc.ravel())[inside]


def _grid_polygons(ids: np.ndarray, params: dict[str, Any], metric: pyproj.CRS) -> np.ndarray:
    size, (x0, y0), n_cols = params["cell_size"], params["origin"], params["n_cols"]
    row, col = np.divmod(ids, n_cols)
    boxes = shapely.box(
        x0 + col * size, y0 + row * size, x0 + (col + 1) * size, y0 + (row + 1) * size
    )
    return gpd.GeoSeries(boxes, crs=metric).to_crs(4326).values.to_numpy()
