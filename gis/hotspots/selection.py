"""Which incidents an analysis takes (:class:`IncidentFilter`), checked and selected in memory.

Every analysis starts here, so a bad input fails the same way everywhere, with a
message that says what is wrong and where (an :class:`~gis.errors.InvalidInput`).
The same filter selects incidents in the database (:mod:`gis.hotspots.source`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry.base import BaseGeometry

from gis.crs import to_wgs84
from gis.errors import CRSError, InvalidInput
from gis.hotspots.types import TimeLike

AreaLike = gpd.GeoDataFrame | gpd.GeoSeries | BaseGeometry
"""A study area: polygons (any CRS gis.crs knows) or a shapely geometry in EPSG:4326."""


@dataclass(frozen=True)
class IncidentFilter:
    """Which incidents to take: one area, some categories, a time window, the columns.

    Every hotspot analysis and :func:`~gis.hotspots.source.read_incidents` take one
    (``where=``); the default takes every incident.

    Attributes
    ----------
    area : str, polygons or shapely geometry, optional
        For :func:`~gis.hotspots.source.read_incidents`, an area code (a district,
        street or community: the incidents under it). For an analysis, the study
        area as polygons: a point outside it is an error (clip the data first), and
        places in it with no incident count as zeros.
    categories : tuple of str, optional
        Keep only these; a single string or any iterable is accepted, kept sorted.
    since, until : str, datetime or Timestamp, optional
        The half-open window ``[since, until)``; naive times take the data's zone.
    time_column, category_column : str
        The incidents frame's time and category columns.

    Examples
    --------
    >>> where = IncidentFilter(categories=["theft", "fire", "theft"], since="2026-01-01")
    >>> where.categories, where.until
    (('fire', 'theft'), None)
    """

    area: str | AreaLike | None = None
    categories: Iterable[str] | str | None = None
    since: TimeLike | None = None
    until: TimeLike | None = None
    time_column: str = "reported_at"
    category_column: str = "category"

    def __post_init__(self) -> None:
        object.__setattr__(self, "categories", category_list(self.categories))


@dataclass(frozen=True)
class DataWindow:
    """What data an analysis saw: the filters asked for and what they selected.

    ``start``/``end`` are the requested half-open window ``[start, end)`` (the
    filter's ``since``/``until``, None when open); ``first``/``last`` the earliest and
    latest selected incident.
    """

    start: pd.Timestamp | None
    end: pd.Timestamp | None
    first: pd.Timestamp | None
    last: pd.Timestamp | None
    categories: tuple[str, ...] | None
    n_incidents: int
    bounds: tuple[float, float, float, float]

    def as_dict(self) -> dict[str, object]:
        """Plain values, for JSON or a database row."""
        iso = {k: None if v is None else v.isoformat() for k, v in self._times().items()}
        return {
            **iso,
            "categories": None if self.categories is None else list(self.categories),
            "n_incidents": self.n_incidents,
            "bounds": list(self.bounds),
        }

    def _times(self) -> dict[str, pd.Timestamp | None]:
        return {"start": self.start, "end": self.end, "first": self.first, "last": self.last}


def select_incidents(
    incidents: gpd.GeoDataFrame, where: IncidentFilter | None = None, *, min_count: int = 1
) -> tuple[gpd.GeoDataFrame, DataWindow]:
    """Validate incidents, convert them to EPSG:4326 and apply the filter.

    Parameters
    ----------
    incidents : GeoDataFrame
        Point incidents with a CRS, a datetime time column and a category column.
    where : IncidentFilter, optional
        Categories, time window ``[since, until)``, study area and column names.
    min_count : int
        Fewest incidents the caller's analysis can work with.

    Returns
    -------
    (GeoDataFrame, DataWindow)
        The selected incidents in EPSG:4326, and what was selected.

    Raises
    ------
    InvalidInput
        No CRS, non-point or empty geometries, a missing or non-datetime time column,
        an empty or reversed time window, points outside the area, an area code (a
        database filter) instead of polygons, or fewer than ``min_count`` incidents.

    Examples
    --------
    >>> import geopandas as gpd, pandas as pd
    >>> times = pd.to_datetime(["2026-01-01", "2026-02-01"]).tz_localize("Asia/Shanghai")
    >>> df = gpd.GeoDataFrame(
    ...     {"category": ["theft", "fire"], "reported_at": times},
    ...     geometry=gpd.points_from_xy([121.4, 121.41], [28.5, 28.51]), crs=4326)
    >>> sel, window = select_incidents(df, IncidentFilter(categories="theft"))
    >>> window.n_incidents, window.categories
    (1, ('theft',))
    """
    where = where or IncidentFilter()
    area = study_area_of(where)
    check_frame(incidents, where.time_column, where.category_column)
    points = _to_lonlat(incidents)
    times = _time_values(points, where.time_column)
    cats = where.categories
    lo, hi = window_bounds(where.since, where.until, times)
    keep = filter_mask(points[where.category_column], times, cats, lo, hi)
    selected = points.loc[keep]
    _check_selected(points, selected, times, cats, lo, hi, where.category_column, min_count)
    if area is not None:
        check_inside(selected, area)
    sel_times = times[keep]
    window = DataWindow(
        start=lo,
        end=hi,
        first=sel_times.min(),
        last=sel_times.max(),
        categories=cats,
        n_incidents=len(selected),
        bounds=tuple(float(v) for v in selected.total_bounds),
    )
    return selected, window


def study_area_of(where: IncidentFilter) -> AreaLike | None:
    """The filter's area as a study area for an analysis; an area code is refused.

    Examples
    --------
    >>> study_area_of(IncidentFilter(area="331004001000"))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
      ...
    gis.errors.InvalidInput: area '331004001000' is an area code: ...
    """
    if isinstance(where.area, str):
        raise InvalidInput(
            f"area {where.area!r} is an area code: read_incidents(engine, where) selects "
            "the incidents under it; an analysis takes the study area as polygons"
        )
    return where.area


def filter_mask(
    category: pd.Series,
    times: pd.Series,
    categories: tuple[str, ...] | None,
    start: pd.Timestamp | None,
    end: pd.Timestamp | None,
) -> np.ndarray:
    """Boolean mask of rows in ``categories`` and in ``[start, end)`` (None: no limit)."""
    keep = np.ones(len(times), dtype=bool)
    if categories is not None:
        keep &= category.isin(categories).to_numpy()
    if start is not None:
        keep &= (times >= start).to_numpy()
    if end is not None:
        keep &= (times < end).to_numpy()
    return keep


def lonlat(points: gpd.GeoDataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Longitude and latitude arrays of point geometries."""
    return shapely.get_x(points.geometry.values), shapely.get_y(points.geometry.values)


def area_geometry(area: AreaLike) -> BaseGeometry:
    """The study area as one shapely geometry in EPSG:4326.

    Examples
    --------
    >>> from shapely.geometry import box
    >>> area_geometry(box(0, 0, 1, 1)).area
    1.0
    """
    if isinstance(area, BaseGeometry):
        geom = area
    elif isinstance(area, gpd.GeoDataFrame | gpd.GeoSeries):
        if area.crs is None:
            raise CRSError("the study area has no CRS: set one, e.g. area.set_crs(4326)")
        geom = shapely.union_all(to_wgs84(area).geometry.values)
    else:
        raise InvalidInput(f"area must be polygons or a shapely geometry, not {type(area)!r}")
    if geom.is_empty or geom.area == 0:
        raise InvalidInput("the study area is empty or has no area: give polygons")
    return shapely.make_valid(geom)


def check_inside(points: gpd.GeoDataFrame, area: AreaLike) -> None:
    """Raise if any point lies outside ``area`` (boundary counts as inside)."""
    geom = area_geometry(area)
    shapely.prepare(geom)
    inside = shapely.covers(geom, points.geometry.values)
    if not inside.all():
        bad = np.flatnonzero(~inside)
        rows = [points.index[i] for i in bad[:5]]
        raise InvalidInput(
            f"{bad.size} of {len(points)} incidents lie outside the study area "
            f"(first rows: {rows}); clip the incidents to the area or widen the area",
            [{"where": f"row {r!r}", "what": "outside the study area"} for r in rows],
        )


def check_frame(incidents: object, time_column: str, category_column: str) -> None:
    if not isinstance(incidents, gpd.GeoDataFrame):
        raise InvalidInput(f"incidents must be a GeoDataFrame, not {type(incidents).__name__}")
    if len(incidents) == 0:
        raise InvalidInput("no incidents: the GeoDataFrame is empty")
    if incidents.crs is None:
        raise CRSError(
            "the incidents have no CRS: set the one their coordinates are in, "
            "e.g. incidents.set_crs(4326)"
        )
    for column, what in ((time_column, "time"), (category_column, "category")):
        if column not in incidents.columns:
            raise InvalidInput(
                f"the incidents have no {what} column {column!r}; columns are "
                f"{list(incidents.columns)}",
                [{"where": column, "what": "missing column"}],
            )
    geoms = incidents.geometry.values
    bad = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    bad |= shapely.get_type_id(geoms) != shapely.GeometryType.POINT
    if bad.any():
        rows = [incidents.index[i] for i in np.flatnonzero(bad)[:5]]
        raise InvalidInput(
            f"{int(bad.sum())} incidents are not non-empty points (first rows: {rows})",
            [{"where": f"row {r!r}", "what": "not a point"} for r in rows],
        )


def _to_lonlat(incidents: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    points = to_wgs84(incidents)
    return points if points.crs is not None else points.set_crs(4326)


def _time_values(points: gpd.GeoDataFrame, column: str) -> pd.Series:
    times = points[column]
    if not pd.api.types.is_datetime64_any_dtype(times):
        raise InvalidInput(
            f"time column {column!r} holds {times.dtype}, not datetimes: convert it with "
            "pandas.to_datetime",
            [{"where": column, "what": "not datetime"}],
        )
    if times.isna().any():
        rows = list(times.index[times.isna()][:5])
        raise InvalidInput(
            f"{int(times.isna().sum())} incidents have no time in {column!r} (first rows: {rows})",
            [{"where": f"row {r!r}", "what": "missing time"} for r in rows],
        )
    return times


def category_list(categories: Iterable[str] | str | None) -> tuple[str, ...] | None:
    """Categories as a sorted tuple without repeats (None: all); an empty list is refused."""
    if categories is None:
        return None
    cats = (categories,) if isinstance(categories, str) else tuple(categories)
    if not cats:
        raise InvalidInput("categories is empty: give at least one, or None for all")
    return tuple(sorted(set(cats)))


def _as_time(value: TimeLike, times: pd.Series, name: str) -> pd.Timestamp:
    try:
        ts = pd.Timestamp(value)
    except (TypeError, ValueError) as exc:
        raise InvalidInput(f"{name}={value!r} is not a time: {exc}") from None
    tz = times.dt.tz
    if ts.tzinfo is None and tz is not None:
        return ts.tz_localize(tz)
    if ts.tzinfo is not None and tz is None:
        raise InvalidInput(
            f"{name}={value!r} has a time zone but the incidents' times have none: "
            "give a naive time or localise the column"
        )
    return ts


def window_bounds(
    since: TimeLike | None, until: TimeLike | None, times: pd.Series
) -> tuple[pd.Timestamp | None, pd.Timestamp | None]:
    """``[since, until)`` as Timestamps in the zone of ``times``; an empty window is refused."""
    lo = None if since is None else _as_time(since, times, "since")
    hi = None if until is None else _as_time(until, times, "until")
    if lo is not None and hi is not None and lo >= hi:
        raise InvalidInput(f"empty time window: start {lo} is not before end {hi}")
    return lo, hi


def _check_selected(
    points: gpd.GeoDataFrame,
    selected: gpd.GeoDataFrame,
    times: pd.Series,
    cats: tuple[str, ...] | None,
    lo: pd.Timestamp | None,
    hi: pd.Timestamp | None,
    category_column: str,
    min_count: int,
) -> None:
    if len(selected) >= max(min_count, 1):
        return
    what = []
    if cats is not None:
        present = sorted(points[category_column].dropna().unique().tolist())
        what.append(f"categories {list(cats)} (present: {present[:12]})")
    if lo is not None or hi is not None:
        what.append(f"time window [{lo}, {hi}) (data span {times.min()} to {times.max()})")
    where = " and ".join(what) if what else "the data"
    if len(selected) == 0:
        raise InvalidInput(f"no incidents in {where}")
    raise InvalidInput(
        f"only {len(selected)} incident(s) in {where}; this analysis needs at least {min_count}"
    )
