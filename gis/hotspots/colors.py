"""Colour ramps and class palettes, without matplotlib.

Ramps are a few anchor colours (ColorBrewer YlOrRd and Blues, and anchors sampled
from matplotlib's inferno and viridis) interpolated linearly into 256-entry tables.
"""

from __future__ import annotations

from functools import cache

import numpy as np

from gis.errors import InvalidInput
from gis.hotspots.types import Colormap

RAMPS: dict[str, tuple[str, ...]] = {
    "ylorrd": ("#ffffcc", "#ffeda0", "#fed976", "#feb24c", "#fd8d3c", "#fc4e2a", "#e31a1c",
               "#bd0026", "#800026"),
    "inferno": ("#000004", "#320a5e", "#781c6d", "#bc3754", "#ed6925", "#fbb61a", "#fcffa4"),
    "viridis": ("#440154", "#3b528b", "#21918c", "#5ec962", "#fde725"),
    "blues": ("#f7fbff", "#deebf7", "#c6dbef", "#9ecae1", "#6baed6", "#4292c6", "#2171b5",
              "#08519c", "#08306b"),
}  # fmt: skip

GI_BIN_COLORS = {
    -3: "#4575b5",
    -2: "#849eba",
    -1: "#c0ccbe",
    0: "#eeeeee",
    1: "#fab984",
    2: "#ed7551",
    3: "#d62f27",
}
"""The Gi_Bin palette analysts know from ArcGIS (cold blue to hot red)."""


def _rgb(hex_colour: str) -> tuple[int, int, int]:
    h = hex_colour.lstrip("#")
    return int(h[0:2], 16), int(h[2:4], 16), int(h[4:6], 16)


@cache
def lut(name: Colormap) -> np.ndarray:
    """A (256, 3) uint8 colour table for ramp ``name``.

    Examples
    --------
    >>> lut("ylorrd")[0].tolist(), lut("ylorrd")[-1].tolist()
    ([255, 255, 204], [128, 0, 38])
    """
    if name not in RAMPS:
        raise InvalidInput(f"unknown colour ramp {name!r}: choose one of {sorted(RAMPS)}")
    anchors = np.array([_rgb(c) for c in RAMPS[name]], dtype=np.float64)
    stops = np.linspace(0.0, 1.0, len(anchors))
    x = np.linspace(0.0, 1.0, 256)
    table = np.stack([np.interp(x, stops, anchors[:, k]) for k in range(3)], axis=1)
    table = np.round(table).astype(np.uint8)
    table.setflags(write=False)
    return table


def hex_colours(values: np.ndarray, vmin: float, vmax: float, name: Colormap) -> list[str]:
    """Hex colours of ``values`` on ramp ``name`` between ``vmin`` and ``vmax``.

    Examples
    --------
    >>> hex_colours(np.array([0.0, 1.0]), 0.0, 1.0, "blues")
    ['#f7fbff', '#08306b']
    """
    span = vmax - vmin if vmax > vmin else 1.0
    idx = np.clip(np.round((np.asarray(values, float) - vmin) / span * 255), 0, 255)
    table = lut(name)
    return ["#{:02x}{:02x}{:02x}".format(*table[int(i)]) for i in np.nan_to_num(idx)]
