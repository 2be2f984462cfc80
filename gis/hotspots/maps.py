"""Self-contained folium maps: Leaflet inlined, no CDN, no basemap unless asked for.

folium links Leaflet, jQuery, Bootstrap and Font Awesome from CDNs, so its HTML is
blank on an isolated intranet. These maps drop every external link and inline
Leaflet 1.9.4's JavaScript and CSS (its icons as data URIs) from the
``django-js-lib-leaflet`` wheel, a dependency-free package that ships Leaflet's
``dist`` files as package data; the map layers used here need nothing else. Only a
basemap given as ``tiles=`` (e.g. an intranet tile server) is fetched at view time.

The results import this module inside their ``to_folium()`` methods: folium is
heavy, and only a map needs it (nothing here imports a result, so no cycle).
"""

from __future__ import annotations

import base64
import re
from functools import cache
from importlib import resources
from typing import Any

import folium
import geopandas as gpd
import numpy as np
from branca.element import Element

from gis.errors import SetupError
from gis.hotspots.colors import GI_BIN_COLORS, hex_colours
from gis.hotspots.types import Colormap

_LEAFLET_PACKAGE = "js_lib_leaflet"
_STATIC = "static/js_lib_leaflet"


@cache
def leaflet_assets() -> tuple[str, str]:
    """Leaflet's JavaScript and CSS (icons inlined), read from the installed wheel."""
    try:
        root = resources.files(_LEAFLET_PACKAGE).joinpath(_STATIC)
        js = root.joinpath("leaflet.js").read_text(encoding="utf-8")
        css = root.joinpath("leaflet.css").read_text(encoding="utf-8")
    except (ModuleNotFoundError, FileNotFoundError) as exc:
        raise SetupError(
            "offline maps need Leaflet's files from the django-js-lib-leaflet package: "
            "pip install django-js-lib-leaflet"
        ) from exc

    def data_uri(match: re.Match[str]) -> str:
        png = root.joinpath("images", match.group(1)).read_bytes()
        return f"url(data:image/png;base64,{base64.b64encode(png).decode()})"

    return js, re.sub(r"url\(images/([\w.-]+\.png)\)", data_uri, css)


class OfflineMap(folium.Map):
    """A ``folium.Map`` whose HTML carries Leaflet inline and links nothing external."""

    default_js: list[tuple[str, str]] = []  # noqa: RUF012 -- folium's own class attribute
    default_css: list[tuple[str, str]] = []  # noqa: RUF012

    def render(self, **kwargs: Any) -> None:
        js, css = leaflet_assets()
        header = self.get_root().header
        header.add_child(Element(f"<style>{css}</style>"), name="leaflet_css")
        header.add_child(Element(f"<script>{js}</script>"), name="leaflet")
        super().render(**kwargs)


def base_map(bounds: tuple[float, float, float, float], *, tiles: str | None = None,
             attribution: str | None = None) -> OfflineMap:  # fmt: skip
    """An empty offline map fitted to lon/lat ``bounds``; ``tiles`` adds an XYZ basemap.

    Examples
    --------
    >>> html = base_map((121.3, 28.4, 121.5, 28.6)).get_root().render()
    >>> "cdn.jsdelivr" in html, "L.map(" in html
    (False, True)
    """
    minx, miny, maxx, maxy = bounds
    m = OfflineMap(location=[(miny + maxy) / 2, (minx + maxx) / 2], tiles=None, zoom_start=12)
    if tiles is not None:
        folium.TileLayer(tiles=tiles, attr=attribution or "basemap").add_to(m)
    m.fit_bounds([[miny, minx], [maxy, maxx]])
    return m


def choropleth(
    frame: gpd.GeoDataFrame,
    column: str,
    *,
    colormap: Colormap = "ylorrd",
    tooltip: list[str] | None = None,
    tiles: str | None = None,
    name: str | None = None,
) -> OfflineMap:
    """Polygons coloured by a numeric ``column`` on a ramp, on an offline map."""
    values = frame[column].to_numpy(dtype=float)
    finite = values[np.isfinite(values)]
    hi = float(finite.max()) if finite.size else 1.0
    lo = float(finite.min()) if finite.size else 0.0
    colours = hex_colours(values, lo, hi, colormap)
    return _polygon_map(frame, colours, tooltip or [column], tiles, name or column)


def class_map(
    frame: gpd.GeoDataFrame,
    column: str,
    *,
    title: str,
    palette: dict[Any, str] | None = None,
    tooltip: list[str] | None = None,
    tiles: str | None = None,
) -> OfflineMap:
    """Polygons coloured by a class ``column`` (Gi_Bin by default palette)."""
    palette = palette or GI_BIN_COLORS
    colours = [palette.get(v, "#999999") for v in frame[column].tolist()]
    tips = tooltip or [c for c in ("place", "count", "label", "z", "p_sim") if c in frame]
    return _polygon_map(frame, colours, tips, tiles, title)


def image_map(
    rgba: np.ndarray,
    bounds: tuple[float, float, float, float],
    *,
    polygons: gpd.GeoDataFrame | None = None,
    tiles: str | None = None,
    name: str = "density",
) -> OfflineMap:
    """An RGBA image (EPSG:3857 rows, north up) over lon/lat ``bounds``, optional outlines."""
    m = base_map(bounds, tiles=tiles)
    minx, miny, maxx, maxy = bounds
    folium.raster_layers.ImageOverlay(
        image=rgba, bounds=[[miny, minx], [maxy, maxx]], mercator_project=False, name=name
    ).add_to(m)
    if polygons is not None and len(polygons):
        folium.GeoJson(
            polygons.to_json(drop_id=True),
            style_function=lambda _: {"color": "#000000", "weight": 1.5, "fillOpacity": 0.0},
            name="hotspot outlines",
        ).add_to(m)
    return m


def _polygon_map(
    frame: gpd.GeoDataFrame, colours: list[str], tooltip: list[str], tiles: str | None, name: str
) -> OfflineMap:
    shown = frame[[c for c in tooltip if c in frame.columns] + ["geometry"]].copy()
    for col in shown.columns.drop("geometry"):
        if shown[col].dtype.kind == "f":
            shown[col] = shown[col].round(4)
    shown["_fill"] = colours
    m = base_map(tuple(frame.total_bounds), tiles=tiles)
    folium.GeoJson(
        shown.to_json(drop_id=True),
        name=name,
        style_function=lambda f: {
            "fillColor": f["properties"]["_fill"],
            "color": "#555555",
            "weight": 0.5,
            "fillOpacity": 0.75,
        },
        tooltip=folium.GeoJsonTooltip(fields=[c for c in tooltip if c in shown.columns]),
    ).add_to(m)
    return m
