"""Hotspot polygons from a density surface: the densest X % of its area.

The threshold is the ``100 - X`` percentile of the density over the surface's
valid cells (inside the study area, or the whole raster without one), so X % of
that area lies at or above it; cells with zero density never qualify. Connected
cells above it (8-neighbour) form one polygon, ranked by peak density.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import shapely
from rasterio.features import shapes
from scipy import ndimage

from gis.errors import InvalidInput

if TYPE_CHECKING:
    from gis.hotspots.kde import DensitySurface

_EIGHT = np.ones((3, 3), dtype=bool)


def hotspot_polygons(surface: DensitySurface, top_percent: float = 5.0) -> gpd.GeoDataFrame:
    """Polygons of the densest ``top_percent`` % of ``surface``, in EPSG:4326.

    Columns: ``rank`` (1 = highest peak), ``peak_density`` and ``mean_density``
    (incidents per km²), ``incidents`` (binned in the polygon), ``area_km2``,
    ``threshold`` and ``top_percent``.

    Examples
    --------
    >>> import geopandas as gpd, pandas as pd
    >>> from gis.hotspots.kde import kernel_density
    >>> pts = gpd.GeoDataFrame({"category": ["theft"] * 3,
    ...     "reported_at": pd.Timestamp("2026-01-01", tz="Asia/Shanghai")},
    ...     geometry=gpd.points_from_xy([121.40, 121.40, 121.43], [28.5, 28.5, 28.52]), crs=4326)
    >>> polys = hotspot_polygons(kernel_density(pts, cell_size=25, bandwidth=200), 10)
    >>> polys["incidents"].tolist()
    [2, 1]
    """
    if not 0 < top_percent < 100:
        raise InvalidInput(f"top_percent must be between 0 and 100, not {top_percent}")
    values = surface.values
    threshold = _threshold(values, top_percent)
    labels, n = ndimage.label(np.nan_to_num(values, nan=0.0) >= threshold, structure=_EIGHT)
    columns = ["rank", "peak_density", "mean_density", "incidents", "area_km2", "threshold"]
    if n == 0:
        return gpd.GeoDataFrame(columns=[*columns, "top_percent"], geometry=[], crs=4326)
    index = np.arange(1, n + 1)
    peak = ndimage.maximum(values, labels, index)
    mean = ndimage.mean(values, labels, index)
    incidents = ndimage.sum(surface.counts, labels, index)
    cells = ndimage.sum(np.ones_like(labels), labels, index)
    geoms = _outlines(labels, surface)
    frame = gpd.GeoDataFrame(
        {
            "peak_density": peak.astype(float),
            "mean_density": mean.astype(float),
            "incidents": incidents.astype(np.int64),
            "area_km2": cells * (surface.cell_size / 1000.0) ** 2,
            "threshold": threshold,
            "top_percent": float(top_percent),
        },
        geometry=geoms,
        crs=surface.crs,
    ).to_crs(4326)
    frame = frame.sort_values("peak_density", ascending=False, ignore_index=True)
    frame.insert(0, "rank", np.arange(1, n + 1))
    return frame


def _threshold(values: np.ndarray, top_percent: float) -> float:
    valid = values[np.isfinite(values)]
    if valid.size == 0 or not (valid > 0).any():
        raise InvalidInput("the density surface is empty: no hotspot polygons")
    cut = float(np.percentile(valid, 100.0 - top_percent))
    # Zero density is never a hotspot, however much of the area is empty.
    return cut if cut > 0 else float(valid[valid > 0].min())


def _outlines(labels: np.ndarray, surface: DensitySurface) -> np.ndarray:
    parts: dict[int, list[shapely.Geometry]] = {}
    mask = labels > 0
    for geom, value in shapes(labels.astype(np.int32), mask=mask, connectivity=8,
                              transform=surface.transform):  # fmt: skip
        parts.setdefault(int(value), []).append(shapely.geometry.shape(geom))
    return np.array(
        [shapely.union_all(parts[k]) for k in range(1, int(labels.max()) + 1)], dtype=object
    )
