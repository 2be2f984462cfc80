"""PNG map tiles of a kernel-density surface, resampled from its metric grid.

Each tile pixel's centre is taken from Web Mercator to the surface's CRS and
reads the nearest cell (vectorised over the 256 × 256 pixels); the colour ramp
is fixed for the whole surface so neighbouring tiles match.
"""

from __future__ import annotations

import io
from functools import lru_cache

import morecantile
import numpy as np
import pyproj
from PIL import Image

from gis.hotspots import colorize
from gis.hotspots.surfaces import StoredSurface

TMS = morecantile.tms.get("WebMercatorQuad")
SIZE = 256


@lru_cache(maxsize=16)
def _to_surface(crs_wkt: str) -> pyproj.Transformer:
    return pyproj.Transformer.from_crs(3857, pyproj.CRS.from_wkt(crs_wkt), always_xy=True)


def render_png(surface: StoredSurface, z: int, x: int, y: int) -> bytes:
    """The tile z/x/y of ``surface`` as a PNG (transparent where there is no density)."""
    left, bottom, right, top = TMS.xy_bounds(x, y, z)
    step = (right - left) / SIZE
    xs = left + (np.arange(SIZE) + 0.5) * step
    ys = top - (np.arange(SIZE) + 0.5) * (top - bottom) / SIZE
    gx, gy = np.meshgrid(xs, ys)
    sx, sy = _to_surface(surface.crs_wkt).transform(gx, gy)
    col, row = ~surface.transform @ (sx, sy)
    col, row = np.floor(col).astype(np.int64), np.floor(row).astype(np.int64)
    rows, cols = surface.values.shape
    inside = (row >= 0) & (row < rows) & (col >= 0) & (col < cols)
    values = np.full((SIZE, SIZE), np.nan, dtype=np.float32)
    values[inside] = surface.values[row[inside], col[inside]]
    rgba = colorize(values, vmax=surface.vmax)
    buffer = io.BytesIO()
    Image.fromarray(rgba, mode="RGBA").save(buffer, format="PNG", optimize=False)
    return buffer.getvalue()
