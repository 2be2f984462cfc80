"""Density rasters out: Cloud-Optimized GeoTIFF, colour-mapped RGBA windows, Web Mercator.

The PNG map tiles are the tile server's job; :func:`render_rgba` and
:func:`colorize` give it the colour mapping for any window it reads.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import rasterio
from rasterio.warp import Resampling, calculate_default_transform, reproject
from rasterio.windows import Window

from gis.errors import InvalidInput
from gis.hotspots.colors import lut
from gis.hotspots.types import Colormap

if TYPE_CHECKING:
    from gis.hotspots.kde import DensitySurface


def write_cog(surface: DensitySurface, path: str, *, compress: str = "deflate") -> str:
    """Write ``surface`` as a float32 Cloud-Optimized GeoTIFF; returns ``path``.

    Tiles of 512², internal overviews, NaN as nodata; the surface's parameters and
    data window are stored as GDAL metadata tags.

    Examples
    --------
    >>> import geopandas as gpd, pandas as pd, tempfile, os
    >>> from gis.hotspots.kde import kernel_density
    >>> pts = gpd.GeoDataFrame({"category": ["theft"] * 2,
    ...     "reported_at": pd.Timestamp("2026-01-01", tz="Asia/Shanghai")},
    ...     geometry=gpd.points_from_xy([121.40, 121.41], [28.5, 28.51]), crs=4326)
    >>> path = os.path.join(tempfile.mkdtemp(), "kde.tif")
    >>> with rasterio.open(write_cog(kernel_density(pts, cell_size=50, bandwidth=300), path)) as d:
    ...     d.driver, d.dtypes[0]
    ('GTiff', 'float32')
    """
    rows, cols = surface.values.shape
    profile = {
        "driver": "COG", "height": rows, "width": cols, "count": 1, "dtype": "float32",
        "crs": surface.crs.to_wkt(), "transform": surface.transform, "nodata": np.nan,
        "compress": compress, "blocksize": 512, "overview_resampling": "average",
    }  # fmt: skip
    tags = {k: str(v) for k, v in surface.params.items()}
    tags.update({f"window_{k}": str(v) for k, v in surface.window.as_dict().items()})
    with rasterio.open(path, "w", **profile) as dst:
        dst.write(surface.values, 1)
        dst.update_tags(**tags)
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


def default_vmax(surface: DensitySurface) -> float:
    """The 99.5th percentile of the positive densities: a stable top for the colour ramp."""
    params = getattr(surface, "params", {})
    if "display_max" in params:
        return float(params["display_max"])
    positive = surface.values[np.isfinite(surface.values) & (surface.values > 0)]
    return float(np.percentile(positive, 99.5)) if positive.size else 1.0


def render_rgba(
    surface: DensitySurface,
    window: Window | tuple[int, int, int, int] | None = None,
    *,
    vmax: float | None = None,
    colormap: Colormap = "ylorrd",
) -> np.ndarray:
    """Colour-mapped RGBA array (rows, cols, 4) of a pixel window of the surface.

    ``window`` is a ``rasterio.windows.Window`` or ``(row_off, col_off, height,
    width)``; parts outside the raster are transparent. ``vmax`` defaults to
    :func:`default_vmax` of the whole surface, so windows of one surface match.

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> s = SimpleNamespace(values=np.arange(16, dtype=np.float32).reshape(4, 4))
    >>> render_rgba(s, (2, 2, 4, 4), vmax=15.0).shape
    (4, 4, 4)
    """
    values = surface.values
    if window is None:
        part = values
    else:
        win = (
            window
            if isinstance(window, Window)
            else Window(window[1], window[0], window[3], window[2])
        )
        part = _read_window(values, win)
    top = default_vmax(surface) if vmax is None else vmax
    return colorize(part, vmax=top, colormap=colormap)


def web_mercator_rgba(
    surface: DensitySurface, *, colormap: Colormap = "ylorrd"
) -> tuple[np.ndarray, tuple[float, float, float, float]]:
    """The surface warped to EPSG:3857 and colour-mapped, with its lon/lat bounds."""
    rows, cols = surface.values.shape
    left, top = _corner(surface.transform, 0, 0)
    right, bottom = _corner(surface.transform, cols, rows)
    dst_t, width, height = calculate_default_transform(
        surface.crs.to_wkt(), "EPSG:3857", cols, rows, left, bottom, right, top
    )
    out = np.full((height, width), np.nan, dtype=np.float32)
    reproject(
        surface.values, out, src_transform=surface.transform, src_crs=surface.crs.to_wkt(),
        dst_transform=dst_t, dst_crs="EPSG:3857", resampling=Resampling.bilinear,
        src_nodata=np.nan, dst_nodata=np.nan,
    )  # fmt: skip
    from pyproj import Transformer

    to_ll = Transformer.from_crs(3857, 4326, always_xy=True)
    x0, y1 = _corner(dst_t, 0, 0)
    x1, y0 = _corner(dst_t, width, height)
    (lon0, lon1), (lat0, lat1) = to_ll.transform([x0, x1], [y0, y1])
    return colorize(out, vmax=default_vmax(surface), colormap=colormap), (lon0, lat0, lon1, lat1)


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
