"""Hotspot polygons from a density raster: the densest X % of its area.

The threshold is the ``100 - X`` percentile of the density over the raster's
valid cells (inside the study area, or the whole raster without one), so X % of
that area lies at or above it; cells with zero density never qualify. Connected
cells above it (8-neighbour) form one polygon, ranked by peak density.

The functions take the raster's arrays, its transform and CRS, not a
:class:`~gis.hotspots.kde.DensitySurface`, whose methods call them.
"""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import numpy as np
import shapely
from affine import Affine
from rasterio.features import shapes
from scipy import ndimage

from gis.errors import InvalidInput

_EIGHT = np.ones((3, 3), dtype=bool)


def hotspot_polygons(
    values: np.ndarray,
    counts: np.ndarray,
    transform: Affine,
    crs: Any,
    top_percent: float = 5.0,
) -> gpd.GeoDataFrame:
    """Polygons of the densest ``top_percent`` % of a density raster, in EPSG:4326.

    ``values`` are densities per km² (NaN outside the study area), ``counts`` the
    incidents binned per cell, ``transform`` maps pixels to ``crs`` (metric, north up).
    Columns: ``rank`` (1 = highest peak), ``peak_density`` and ``mean_density``
    (incidents per km²), ``incidents`` (binned in the polygon), ``area_km2``,
    ``threshold`` and ``top_percent``.

    Examples
    --------
    >>> values = np.zeros((5, 5), dtype=np.float32)
    >>> values[0, 0], values[3:, 3:] = 9.0, 4.0
    >>> counts = (values > 0).astype(np.int32)
    >>> grid = Affine(100.0, 0.0, 500_000.0, 0.0, -100.0, 3_160_000.0)
    >>> polys = hotspot_polygons(values, counts, grid, "EPSG:32651", top_percent=20)
    >>> polys[["rank", "incidents"]].values.tolist()
    [[1, 1], [2, 4]]
    """
    if not 0 < top_percent < 100:
        raise InvalidInput(f"top_percent must be between 0 and 100, not {top_percent}")
    threshold = _threshold(values, top_percent)
    labels, n = ndimage.label(np.nan_to_num(values, nan=0.0) >= threshold, structure=_EIGHT)
    columns = ["rank", "peak_density", "mean_density", "incidents", "area_km2", "threshold"]
    if n == 0:
        return gpd.GeoDataFrame(columns=[*columns, "top_percent"], geometry=[], crs=4326)
    index = np.arange(1, n + 1)
    peak = ndimage.maximum(values, labels, index)
    mean = ndimage.mean(values, labels, index)
    incidents = ndimage.sum(counts, labels, index)
    cells = ndimage.sum(np.ones_like(labels), labels, index)
    geoms = _outlines(labels, transform)
    frame = gpd.GeoDataFrame(
        {
            "peak_density": peak.astype(float),
            "mean_density": mean.astype(float),
            "incidents": incidents.astype(np.int64),
            "area_km2": cells * (float(transform.a) / 1000.0) ** 2,
            "threshold": threshold,
            "top_percent": float(top_percent),
        },
        geometry=geoms,
        crs=crs,
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


def _outlines(labels: np.ndarray, transform: Affine) -> np.ndarray:
    parts: dict[int, list[shapely.Geometry]] = {}
    mask = labels > 0
    for geom, value in shapes(labels.astype(np.int32), mask=mask, connectivity=8,
                              transform=transform):  # fmt: skip
        parts.setdefault(int(value), []).append(shapely.geometry.shape(geom))
    return np.array(
        [shapely.union_all(parts[k]) for k in range(1, int(labels.max()) + 1)], dtype=object
    )
