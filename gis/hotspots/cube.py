"""A space-time cube: incident counts per H3 cell and time step.

Steps are aligned on the end of the window, so the final step is always a whole
step ending at ``until`` (by default the midnight after the last incident); a first
step cut short by ``since`` is kept and flagged in ``params["first_step_partial"]``.
Cells are those of the study area (the filter's ``area``, else the incidents' convex
hull) plus every occupied cell, as in :func:`gis.hotspots.aggregate.aggregate_h3`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from gis.errors import InvalidInput
from gis.hotspots import h3cells
from gis.hotspots.selection import (
    DataWindow,
    IncidentFilter,
    lonlat,
    select_incidents,
    study_area_of,
)
from gis.hotspots.study import h3_resolution, study_area

MAX_BINS = 200_000_000


@dataclass(frozen=True)
class SpaceTimeCube:
    """Counts of ``cells`` × time steps.

    Attributes
    ----------
    cells : ndarray of int64
        Sorted H3 cell ids.
    counts : ndarray of int32, shape (n_cells, n_steps)
    edges : DatetimeIndex
        ``n_steps + 1`` step boundaries; step ``t`` is ``[edges[t], edges[t + 1])``.
    """

    cells: np.ndarray
    counts: np.ndarray = field(repr=False)
    edges: pd.DatetimeIndex
    resolution: int
    params: dict[str, Any]
    window: DataWindow

    @property
    def n_steps(self) -> int:
        """Number of time steps."""
        return self.counts.shape[1]


def build_cube(
    incidents: Any,
    *,
    resolution: int | None = None,
    step: str | pd.Timedelta = "7D",
    where: IncidentFilter | None = None,
) -> SpaceTimeCube:
    """Count incidents per H3 cell and time step of the incidents ``where`` selects.

    Examples
    --------
    >>> import geopandas as gpd, pandas as pd
    >>> times = pd.to_datetime(["2026-01-01", "2026-01-09", "2026-01-10"])
    >>> times = times.tz_localize("Asia/Shanghai")
    >>> pts = gpd.GeoDataFrame({"category": ["theft"] * 3, "reported_at": times},
    ...     geometry=gpd.points_from_xy([121.4, 121.4, 121.41], [28.5, 28.5, 28.5]), crs=4326)
    >>> cube = build_cube(pts, resolution=8, step="7D")
    >>> cube.n_steps, int(cube.counts.sum()), cube.counts.sum(axis=0).tolist()
    (2, 3, [1, 2])
    """
    width = _step(step)
    where = where or IncidentFilter()
    points, window = select_incidents(incidents, where)
    study = study_area(points, study_area_of(where))
    res = h3_resolution(resolution, window.n_incidents, study)
    edges, partial = _edges(window, width)
    cell_of_point = h3cells.point_cells(*lonlat(points), res)
    cells = np.unique(cell_of_point)
    if study is not None:
        cells = np.union1d(cells, h3cells.area_cells(study, res))
    times = points[where.time_column]
    counts = _count(cells, cell_of_point, times, edges)
    params = {
        "resolution": res, "step": str(width), "n_steps": len(edges) - 1,
        "first_step_partial": partial, "edges_start": edges[0].isoformat(),
        "edges_end": edges[-1].isoformat(),
    }  # fmt: skip
    return SpaceTimeCube(cells, counts, edges, res, params, window)


def _step(step: str | pd.Timedelta) -> pd.Timedelta:
    try:
        width = pd.Timedelta(step)
    except (TypeError, ValueError) as exc:
        raise InvalidInput(
            f"step {step!r} is not a duration (e.g. '7D', '1D', '12h'): {exc}"
        ) from None
    if width <= pd.Timedelta(0):
        raise InvalidInput(f"step must be a positive duration, not {step!r}")
    return width


def _edges(window: DataWindow, width: pd.Timedelta) -> tuple[pd.DatetimeIndex, bool]:
    assert window.first is not None and window.last is not None
    end = window.end if window.end is not None else window.last.normalize() + pd.Timedelta(days=1)
    begin = window.start if window.start is not None else window.first.normalize()
    n_steps = max(math.ceil((end - begin) / width), 1)
    edges = pd.DatetimeIndex([end - width * (n_steps - k) for k in range(n_steps + 1)])
    partial = bool(edges[0] < begin)
    return edges, partial


def _count(
    cells: np.ndarray, cell_of_point: np.ndarray, times: pd.Series, edges: pd.DatetimeIndex
) -> np.ndarray:
    n_steps = len(edges) - 1
    if len(cells) * n_steps > MAX_BINS:
        raise InvalidInput(
            f"{len(cells)} cells x {n_steps} steps exceed {MAX_BINS:,} bins: "
            "use a coarser resolution or a longer step"
        )
    row = np.searchsorted(cells, cell_of_point)
    # Epoch nanoseconds in UTC for both, whatever unit and zone the column has.
    t_ns = pd.DatetimeIndex(times).as_unit("ns").asi8
    step = np.searchsorted(edges.as_unit("ns").asi8, t_ns, side="right") - 1
    step = np.clip(step, 0, n_steps - 1)
    flat = np.bincount(row * n_steps + step, minlength=len(cells) * n_steps)
    return flat.reshape(len(cells), n_steps).astype(np.int32)
