"""H3 aggregation of dask-geopandas frames: count on the cluster, bring back only counts.

Each partition is converted to EPSG:4326, filtered, indexed and counted on the
workers; the scheduler sums the per-cell counts. A small summary per partition
(rows kept, first and last time, convex hull, rows outside the study area) gives
the data window, the default resolution and the zero-filled study area without
another pass over the data when ``resolution`` is given. Counts per cell must fit
in memory; the incidents need not.
"""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from gis.crs import to_wgs84
from gis.errors import CRSError, InvalidInput
from gis.hotspots import h3cells
from gis.hotspots.aggregation import Aggregation, h3_counts
from gis.hotspots.selection import (
    DataWindow,
    IncidentFilter,
    area_geometry,
    filter_mask,
    lonlat,
    study_area_of,
    window_bounds,
)
from gis.hotspots.study import area_km2

_SUMMARY_META = pd.DataFrame(
    {
        "n": pd.Series(dtype="int64"),
        "first": pd.Series(dtype="int64"),
        "last": pd.Series(dtype="int64"),
        "outside": pd.Series(dtype="int64"),
        "hull": pd.Series(dtype="object"),
    }
)
_COUNT_META = pd.DataFrame({"cell": pd.Series(dtype="int64"), "count": pd.Series(dtype="int64")})


def aggregate_h3_dask(ddf: Any, resolution: int | None, where: IncidentFilter) -> Aggregation:
    """:func:`gis.hotspots.aggregate.aggregate_h3` for a ``dask_geopandas.GeoDataFrame``."""
    import dask  # only with a dask frame: the in-memory paths never load it

    area = study_area_of(where)
    _check_meta(ddf, where.time_column, where.category_column)
    if resolution is not None:
        h3cells.check_resolution(resolution)
    meta_times = ddf._meta[where.time_column]
    cats = where.categories
    lo, hi = window_bounds(where.since, where.until, meta_times)
    study_given = None if area is None else area_geometry(area)
    select = {"cats": cats, "lo": lo, "hi": hi, "time_column": where.time_column,
              "category_column": where.category_column}  # fmt: skip
    summary = ddf.map_partitions(_summary, select, study_given, meta=_SUMMARY_META)
    if resolution is None:
        (summary_df,) = dask.compute(summary)
        window, hull = _window(summary_df, cats, lo, hi, meta_times, area is not None)
        study = study_given if study_given is not None else hull
        resolution = h3cells.default_resolution(window.n_incidents, area_km2(study))
        counts = ddf.map_partitions(_count, select, int(resolution), meta=_COUNT_META)
        (per_cell,) = dask.compute(counts.groupby("cell")["count"].sum())
    else:
        counts = ddf.map_partitions(_count, select, int(resolution), meta=_COUNT_META)
        summary_df, per_cell = dask.compute(summary, counts.groupby("cell")["count"].sum())
        window, hull = _window(summary_df, cats, lo, hi, meta_times, area is not None)
        study = study_given if study_given is not None else hull
    cells = np.repeat(per_cell.index.to_numpy(np.int64), per_cell.to_numpy(np.int64))
    return h3_counts(cells, int(resolution), study, window)


def _check_meta(ddf: Any, time_column: str, category_column: str) -> None:
    if ddf.crs is None:
        raise CRSError("the incidents have no CRS: set one, e.g. ddf.set_crs(4326)")
    for column in (time_column, category_column):
        if column not in ddf.columns:
            raise InvalidInput(
                f"the incidents have no column {column!r}; columns are {list(ddf.columns)}"
            )
    if not pd.api.types.is_datetime64_any_dtype(ddf._meta[time_column]):
        raise InvalidInput(f"time column {time_column!r} does not hold datetimes")


def _selected(part: gpd.GeoDataFrame, select: dict[str, Any]) -> gpd.GeoDataFrame:
    if len(part) == 0:
        return part
    points = to_wgs84(part)
    keep = filter_mask(points[select["category_column"]], points[select["time_column"]],
                       select["cats"], select["lo"], select["hi"])  # fmt: skip
    return points.loc[keep]


def _summary(part: gpd.GeoDataFrame, select: dict[str, Any], study: Any) -> pd.DataFrame:
    points = _selected(part, select)
    if len(points) == 0:
        return pd.DataFrame({"n": [0], "first": [0], "last": [0], "outside": [0], "hull": [None]})
    ns = pd.DatetimeIndex(points[select["time_column"]]).as_unit("ns").asi8
    outside = 0 if study is None else int((~shapely.covers(study, points.geometry.values)).sum())
    hull = shapely.convex_hull(shapely.multipoints(points.geometry.values))
    row = {"n": [len(points)], "first": [ns.min()], "last": [ns.max()], "outside": [outside],
           "hull": [shapely.to_wkb(hull)]}  # fmt: skip
    return pd.DataFrame(row)


def _count(part: gpd.GeoDataFrame, select: dict[str, Any], resolution: int) -> pd.DataFrame:
    points = _selected(part, select)
    if len(points) == 0:
        return _COUNT_META.copy()
    cells, counts = np.unique(h3cells.point_cells(*lonlat(points), resolution), return_counts=True)
    return pd.DataFrame({"cell": cells, "count": counts.astype(np.int64)})


def _window(
    summary: pd.DataFrame,
    cats: tuple[str, ...] | None,
    lo: pd.Timestamp | None,
    hi: pd.Timestamp | None,
    meta_times: pd.Series,
    area_given: bool,
) -> tuple[DataWindow, Any]:
    used = summary[summary["n"] > 0]
    n = int(used["n"].sum())
    if n == 0:
        what = f"categories {list(cats)}" if cats else "the data"
        span = f" in the time window [{lo}, {hi})" if lo is not None or hi is not None else ""
        raise InvalidInput(f"no incidents in {what}{span}")
    outside = int(used["outside"].sum())
    if area_given and outside:
        raise InvalidInput(
            f"{outside} of {n} incidents lie outside the study area; clip them or widen the area"
        )
    hull = shapely.convex_hull(shapely.union_all(shapely.from_wkb(used["hull"].to_numpy())))
    tz = meta_times.dt.tz

    def stamp(ns: int) -> pd.Timestamp:
        ts = pd.Timestamp(int(ns), unit="ns", tz="UTC")
        return ts.tz_convert(tz) if tz is not None else ts.tz_localize(None)

    window = DataWindow(
        start=lo, end=hi, first=stamp(used["first"].min()), last=stamp(used["last"].max()),
        categories=cats, n_incidents=n, bounds=tuple(float(v) for v in hull.bounds),
    )  # fmt: skip
    return window, (hull if hull.geom_type == "Polygon" else None)
