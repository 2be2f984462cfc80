"""Incident counts per place (:class:`Aggregation`), the type every counting path returns.

A module of its own so that the in-memory counting (:mod:`gis.hotspots.aggregate`,
:mod:`gis.hotspots.grid`), the dask path (:mod:`gis.hotspots.dask_frames`) and the
statistics over the counts all import it without importing each other.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import geopandas as gpd
import numpy as np
import shapely

from gis.hotspots import h3cells
from gis.hotspots.selection import DataWindow
from gis.hotspots.types import AggregationKind


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


def h3_counts(
    cells: np.ndarray, resolution: int, study: shapely.Geometry | None, window: DataWindow
) -> Aggregation:
    """Aggregation from the H3 cells of the selected incidents, zero-filled over ``study``.

    Examples
    --------
    >>> import h3.api.numpy_int as h3i
    >>> cell = np.int64(h3i.latlng_to_cell(28.5, 121.4, 9))
    >>> win = DataWindow(None, None, None, None, None, 2, (0, 0, 0, 0))
    >>> agg = h3_counts(np.array([cell, cell]), 9, None, win)
    >>> agg.counts.tolist(), agg.params
    ([2], {'resolution': 9})
    """
    occupied, counts = np.unique(cells, return_counts=True)
    ids = occupied
    if study is not None:
        ids = np.union1d(occupied, h3cells.area_cells(study, resolution))
    full = np.zeros(len(ids), dtype=np.int64)
    full[np.searchsorted(ids, occupied)] = counts
    return Aggregation("h3", ids, full, {"resolution": int(resolution)}, window)


def _place_labels(kind: AggregationKind, ids: np.ndarray) -> np.ndarray:
    if kind == "h3":
        return np.array([format(int(c), "x") for c in ids.view(np.uint64)], dtype=object)
    return ids
