"""Density rasters out: Cloud-Optimized GeoTIFF, colour-mapped RGBA windows, Web Mercator.

The functions take a raster's values, its transform (pixel to CRS coordinates,
north up) and its CRS, not a :class:`~gis.hotspots.kde.DensitySurface`, whose
methods call them. The PNG map tiles are the tile server's job; :func:`render_rgba`
and :func:`colorize` give it the colour mapping for any window it reads.
"""

from __future__ import annotations

from typing import Any, Protocol

import numpy as np
import pyproj
import rasterio
from affine import Affine
from rasterio.warp import Resampling, calculate_default_transform, reproject
from rasterio.windows import Window

from gis.errors import InvalidInput
from gis.hotspots.colors import lut
from gis.hotspots.types import Colormap


class Surface(Protocol):
    """What :func:`default_vmax` reads: the values and the parameters of a surface."""

    @property
    def values(self) -> np.ndarray: ...

    @property
    def params(self) -> dict[str, Any]: ...


def write_cog(
    values: np.ndarray,
    transform: Affine,
    crs: pyproj.CRS,
    path: str,
    *,
    tags: dict[str, str] | None = None,
    compress: str = "deflate",
) -> str:
    """Write ``values`` as a float32 Cloud-Optimized GeoTIFF; returns ``path``.

    Tiles of 512², internal overviews, NaN as nodata; ``tags`` (a surface's
    parameters and data window) are stored as GDAL metadata tags.

    Examples
    --------
    >>> import tempfile, os
    >>> grid = Affine(20.0, 0.0, 500_000.0, 0.0, -20.0, 3_160_000.0)
    >>> path = os.path.join(tempfile.mkdtemp(), "kde.tif")
    >>> values = np.ones((4, 4), dtype=np.float32)
    >>> with rasterio.open(write_cog(values, grid, pyproj.CRS(32651), path, tags={"k": "v"})) as d:
    ...     d.driver, d.dtypes[0], d.tags()["k"]
    ('GTiff', 'float32', 'v')
    """
    rows, cols = values.shape
    profile = {
        "driver": "COG", "height": rows, "width": cols, "count": 1, "dtype": "float32",
        "crs": crs.to_wkt(), "transform": transform, "nodata": np.nan,
        "compress": compress, "blocksize": 512, "overview_resampling": "average",
    }  # fmt: skip
    with rasterio.open(path, "w", **profile) as dst:
        dst.write(values, 1)
        dst.update_tags(**(tags or {}))
    return path


def colorize(
    values: np.ndarray,
    *,
    vmin: float = 0.0,
    vmax: float,
    colormap: Colormap = "ylorrd",
) -> np.ndarray:
    """RGBA uint8 image of ``values`` on a ramp from ``vmin`` to ``vmax``.

    Cells at or below ``vmin``, and NaN cells, are transparent.

    Examples
    --------
    >>> colorize(np.array([[0.0, 1.0, np.nan]]), vmax=1.0)[0, :, 3].tolist()
    [0, 255, 0]
    """
    if not (np.isfinite(vmax) and vmax > vmin):
        raise InvalidInput(f"vmax ({vmax}) must be a number above vmin ({vmin})")
    v = np.asarray(values, dtype=np.float64)
    idx = np.clip((v - vmin) / (vmax - vmin) * 255.0, 0, 255)
    idx = np.nan_to_num(idx, nan=0.0).astype(np.uint8)
    rgba = np.empty((*v.shape, 4), dtype=np.uint8)
    rgba[..., :3] = lut(colormap)[idx]
    rgba[..., 3] = np.where(np.isfinite(v) & (v > vmin), 255, 0)
    return rgba


def display_max(values: np.ndarray) -> float:
    """The 99.5th percentile of the positive values: a stable top for the colour ramp.

    Examples
    --------
    >>> display_max(np.array([[0.0, np.nan], [2.0, 2.0]]))
    2.0
    """
    positive = values[np.isfinite(values) & (values > 0)]
    return float(np.percentile(positive, 99.5)) if positive.size else 1.0


def default_vmax(surface: Surface) -> float:
    """The top of a surface's colour ramp: ``params["display_max"]``, else :func:`display_max`."""
    params = getattr(surface, "params", {})
    if "display_max" in params:
        return float(params["display_max"])
    return display_max(surface.values)


def render_rgba(
    values: np.ndarray,
    window: Window | tuple[int, int, int, int] | None = None,
    *,
    vmax: float | None = None,
    colormap: Colormap = "ylorrd",
) -> np.ndarray:
    """Colour-mapped RGBA array (rows, cols, 4) of a pixel window of a raster.

    ``window`` is a ``rasterio.windows.Window`` or ``(row_off, col_off, height,
    width)``; parts outside the raster are transparent. ``vmax`` defaults to
    :func:`display_max` of the whole raster, so windows of one raster match.

    Examples
    --------
    >>> values = np.arange(16, dtype=np.float32).reshape(4, 4)
    >>> render_rgba(values, (2, 2, 4, 4), vmax=15.0).shape
    (4, 4, 4)
    """
    if window is None:
        part = values
    else:
        win = (
            window
            if isinstance(window, Window)
            else Window(window[1], window[0], window[3], window[2])
        )
        part = _read_window(values, win)
    top = display_max(values) if vmax is None else vmax
    return colorize(part, vmax=top, colormap=colormap)


def web_mercator_rgba(
    values: np.ndarray,
    transform: Affine,
    crs: pyproj.CRS,
    *,
    vmax: float | None = None,
    colormap: Colormap = "ylorrd",
) -> tuple[np.ndarray, tuple[float, float, float, float]]:
    """The raster warped to EPSG:3857 and colour-mapped, with its lon/lat bounds.

    ``vmax`` defaults to :func:`display_max` of ``values``.
    """
    rows, cols = values.shape
    left, top = _corner(transform, 0, 0)
    right, bottom = _corner(transform, cols, rows)
    dst_t, width, height = calculate_default_transform(
        crs.to_wkt(), "EPSG:3857", cols, rows, left, bottom, right, top
    )
    out = np.full((height, width), np.nan, dtype=np.float32)
    reproject(
        values, out, src_transform=transform, src_crs=crs.to_wkt(),
        dst_transform=dst_t, dst_crs="EPSG:3857", resampling=Resampling.bilinear,
        src_nodata=np.nan, dst_nodata=np.nan,
    )  # fmt: skip
    to_ll = pyproj.Transformer.from_crs(3857, 4326, always_xy=True)
    x0, y1 = _corner(dst_t, 0, 0)
    x1, y0 = _corner(dst_t, width, height)
    (lon0, lon1), (lat0, lat1) = to_ll.transform([x0, x1], [y0, y1])
    top_value = display_max(values) if vmax is None else vmax
    return colorize(out, vmax=top_value, colormap=colormap), (lon0, lat0, lon1, lat1)


def _corner(t: Any, col: float, row: float) -> tuple[float, float]:
    # Spelled out: affine 3 deprecates ``t * (col, row)`` and older ones lack ``@``.
    return t.c + col * t.a + row * t.b, t.f + col * t.d + row * t.e


def _read_window(values: np.ndarray, win: Window) -> np.ndarray:
    r0, c0, h, w = int(win.row_off), int(win.col_off), int(win.height), int(win.width)
    out = np.full((h, w), np.nan, dtype=np.float32)
    rows, cols = values.shape
    rr0, cc0 = max(r0, 0), max(c0, 0)
    rr1, cc1 = min(r0 + h, rows), min(c0 + w, cols)
    if rr1 > rr0 and cc1 > cc0:
        out[rr0 - r0 : rr1 - r0, cc0 - c0 : cc1 - c0] = values[rr0:rr1, cc0:cc1]
    return out
