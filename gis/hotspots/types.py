"""Type aliases shared by the hotspot analyses."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

import pandas as pd

AggregationKind = Literal["h3", "grid", "area"]
"""How incidents were counted: H3 cells, square grid cells, or given polygons."""

PSource = Literal["sequential", "permutation", "analytic"]
"""Which p-value a confidence class is drawn from (see :mod:`gis.hotspots.getis_ord`)."""

Kernel = Literal["quartic", "gaussian"]
"""Kernel shape of a density surface."""

Colormap = Literal["ylorrd", "inferno", "viridis", "blues"]
"""Colour ramps :func:`gis.hotspots.raster.colorize` knows."""

TimeLike = str | datetime | pd.Timestamp
"""A time bound: ISO text, a datetime or a Timestamp; naive ones take the data's zone."""

EmergingCategory = Literal[
    "new hot spot",
    "consecutive hot spot",
    "intensifying hot spot",
    "persistent hot spot",
    "diminishing hot spot",
    "sporadic hot spot",
    "oscillating hot spot",
    "historical hot spot",
    "new cold spot",
    "consecutive cold spot",
    "intensifying cold spot",
    "persistent cold spot",
    "diminishing cold spot",
    "sporadic cold spot",
    "oscillating cold spot",
    "historical cold spot",
    "no pattern detected",
]
