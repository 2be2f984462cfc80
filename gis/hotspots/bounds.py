"""Bounds every analysis must fit before it starts, each named in its error.

An analysis asked for over HTTP is checked against these on the incidents'
extent (count, hull, box, time span: one indexed query) before it is queued, so
a request that would run for an hour is a 422 that says which bound and how to
fit it, not a job that times out. The engines keep their own, looser, limits for
the notebook user who knowingly asks for more.

Examples
--------
>>> extent = {"n": 30_000, "hull_km2": 140.0, "west": 121.3, "south": 28.5,
...           "east": 121.45, "north": 28.62, "first": None, "last": None}
>>> check_analysis(HotspotRequest("gi"), extent)
>>> from gis.errors import InvalidInput
>>> try:
...     check_analysis(HotspotRequest("lisa", resolution=12, permutations=9999), extent)
... except InvalidInput as problem:
...     print(problem)
about 456,000 H3 cells at resolution 12 over 140 km², more than the 200,000 an analysis may \
use: choose a coarser resolution (11 gives about 65,100)
"""

from __future__ import annotations

import math
from typing import Any

import h3
import pandas as pd

from gis.errors import InvalidInput
from gis.hotspots import h3cells
from gis.hotspots.run import HotspotRequest

MAX_INCIDENTS = 2_000_000
MAX_H3_CELLS = 200_000
# Gi* and local Moran's I draw `permutations` conditional samples per cell.
MAX_CELL_DRAWS = 100_000_000
# Knox re-bins its close pairs once per permutation; knox_test bounds pairs ×
# permutations once it has found the pairs (MAX_PAIR_DRAWS), this bounds the search.
MAX_KNOX_INCIDENTS = 100_000
MAX_RASTER_CELLS = 16_000_000
MAX_WINDOW_DAYS = 3_660
MAX_TIME_STEPS = 520


def check_analysis(request: HotspotRequest, extent: dict[str, Any]) -> None:
    """Raise InvalidInput, naming the bound, if ``request`` over ``extent`` is too big."""
    n = int(extent["n"])
    if n == 0:
        raise InvalidInput("no incidents match: widen the area, categories or time window")
    _at_most("incidents", n, MAX_INCIDENTS, "narrow the area, categories or time window")
    span_days = _span_days(extent)
    _at_most("days between the first and last incident", span_days, MAX_WINDOW_DAYS,
             "give since and until")  # fmt: skip
    if request.method in ("gi", "lisa", "emerging"):
        cells = _h3_cells(request, n, float(extent["hull_km2"]))
        if request.method != "emerging":
            draws = cells * request.permutations
            _at_most("cells × permutations", draws, MAX_CELL_DRAWS,
                     "use fewer permutations (999 is usual) or a coarser resolution")  # fmt: skip
        else:
            steps = span_days / (_step(request.step).total_seconds() / 86_400)
            _at_most("time steps", steps, MAX_TIME_STEPS, "use a longer step, e.g. 7D or 30D")
    elif request.method == "kde":
        _check_raster(request, extent)
    elif request.method == "knox":
        _at_most("incidents for a Knox test", n, MAX_KNOX_INCIDENTS,
                 "narrow the area or the time window")  # fmt: skip


def _at_most(what: str, value: float, bound: float, fix: str) -> None:
    if value > bound:
        raise InvalidInput(f"{value:,.0f} {what}, more than the {bound:,.0f} allowed: {fix}")


def _step(step: str) -> pd.Timedelta:
    try:
        parsed = pd.Timedelta(step)
    except (ValueError, TypeError):
        raise InvalidInput(f"step {step!r} is not a time step: use e.g. 1D, 7D or 30D") from None
    if not parsed > pd.Timedelta(0):
        raise InvalidInput(f"step {step!r} must be longer than zero, e.g. 7D")
    return parsed


def _span_days(extent: dict[str, Any]) -> float:
    if extent.get("first") is None or extent.get("last") is None:
        return 0.0
    return (pd.Timestamp(extent["last"]) - pd.Timestamp(extent["first"])).total_seconds() / 86_400


def _h3_cells(request: HotspotRequest, n: int, km2: float) -> float:
    res = request.resolution
    if res is None:
        res = h3cells.default_resolution(n, km2)
    cells = km2 / h3.average_hexagon_area(res, unit="km^2")
    if cells > MAX_H3_CELLS:
        coarser = next(
            (r for r in range(res - 1, -1, -1)
             if km2 / h3.average_hexagon_area(r, unit="km^2") <= MAX_H3_CELLS), 0,
        )  # fmt: skip
        fits = km2 / h3.average_hexagon_area(coarser, unit="km^2")
        raise InvalidInput(
            f"about {_round(cells):,} H3 cells at resolution {res} over {km2:,.0f} km², more "
            f"than the {MAX_H3_CELLS:,} an analysis may use: choose a coarser resolution "
            f"({coarser} gives about {_round(fits):,})"
        )
    return cells


def _check_raster(request: HotspotRequest, extent: dict[str, Any]) -> None:
    mid = math.radians((extent["south"] + extent["north"]) / 2)
    width_m = (extent["east"] - extent["west"]) * 111_320 * math.cos(mid)
    height_m = (extent["north"] - extent["south"]) * 110_570
    pad = 2 * (request.bandwidth or 0)
    cells = (width_m + pad) / request.cell_size * ((height_m + pad) / request.cell_size)
    _at_most(f"raster cells at {request.cell_size:g} m", cells, MAX_RASTER_CELLS,
             "use a larger cell_size or a smaller area")  # fmt: skip


def _round(x: float) -> int:
    """Round to three significant figures, for messages."""
    return int(float(f"{x:.3g}"))
