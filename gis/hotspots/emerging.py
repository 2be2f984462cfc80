"""Emerging hot spot analysis: space-time Gi* per bin, a trend per location, a category.

1. :func:`gis.hotspots.cube.build_cube` counts incidents per H3 cell × time step.
2. Space-time Gi* per bin: the neighbours of bin (cell i, step t) are the cells
   within ``k`` rings of i (i included) at steps ``t - time_lag .. t``, binary
   weights, moments over all bins of the cube (analytic z-scores, as ArcGIS's
   Emerging Hot Spot Analysis). A bin is a significant hot (cold) spot when its
   two-sided p-value — Benjamini–Hochberg adjusted over all bins with
   ``fdr=True`` — is at most ``alpha`` and z > 0 (z < 0).
3. Mann–Kendall test of each cell's z-score series (trend of the clustering
   intensity) and of its count series (trend of the incidents).
4. :func:`gis.hotspots.categories.classify` names the pattern of each cell.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from gis.errors import InvalidInput
from gis.hotspots import h3cells
from gis.hotspots.categories import classify
from gis.hotspots.cube import SpaceTimeCube, build_cube
from gis.hotspots.mann_kendall import TrendTest, mann_kendall
from gis.hotspots.selection import DataWindow, IncidentFilter
from gis.hotspots.significance import fdr_adjust, two_sided_from_z
from gis.hotspots.weights import from_pairs

CATEGORY_COLORS = {
    "new hot spot": "#fce1d7",
    "consecutive hot spot": "#fcbba1",
    "intensifying hot spot": "#cb181d",
    "persistent hot spot": "#ef3b2c",
    "diminishing hot spot": "#fb6a4a",
    "sporadic hot spot": "#fdd0a2",
    "oscillating hot spot": "#f16913",
    "historical hot spot": "#a50f15",
    "new cold spot": "#deebf7",
    "consecutive cold spot": "#c6dbef",
    "intensifying cold spot": "#08519c",
    "persistent cold spot": "#2171b5",
    "diminishing cold spot": "#4292c6",
    "sporadic cold spot": "#9ecae1",
    "oscillating cold spot": "#6baed6",
    "historical cold spot": "#08306b",
    "no pattern detected": "#eeeeee",
}


@dataclass(frozen=True)
class EmergingResult:
    """Emerging hot spot categories per H3 cell, with the cube and statistics behind them.

    Attributes
    ----------
    cube : SpaceTimeCube
    z, p : ndarray, shape (cells, steps)
        Space-time Gi* z-score and the p-value tested (BH-adjusted with ``fdr``).
    hot, cold : ndarray of bool, shape (cells, steps)
    z_trend, count_trend : TrendTest
        Mann–Kendall of each cell's z-scores and counts.
    category : ndarray of str
    """

    cube: SpaceTimeCube
    z: np.ndarray = field(repr=False)
    p: np.ndarray = field(repr=False)
    hot: np.ndarray = field(repr=False)
    cold: np.ndarray = field(repr=False)
    z_trend: TrendTest = field(repr=False)
    count_trend: TrendTest = field(repr=False)
    category: np.ndarray = field(repr=False)
    params: dict[str, Any] = field(default_factory=dict)

    @property
    def window(self) -> DataWindow:
        """The data the cube was built from."""
        return self.cube.window

    @property
    def seed(self) -> None:
        """None: the analysis is deterministic (analytic z-scores, no draws)."""
        return None

    def to_geodataframe(self) -> gpd.GeoDataFrame:
        """One row per cell: category, counts, hot/cold step counts, trends."""
        cells = self.cube.cells
        frame = pd.DataFrame(
            {
                "place": [format(int(c), "x") for c in cells.view(np.uint64)],
                "category": self.category,
                "count": self.cube.counts.sum(axis=1),
                "hot_steps": self.hot.sum(axis=1),
                "cold_steps": self.cold.sum(axis=1),
                "final_z": self.z[:, -1],
                "z_trend_tau": self.z_trend.tau,
                "z_trend_p": self.z_trend.p,
                "count_trend": self.count_trend.direction,
                "count_trend_p": self.count_trend.p,
            }
        )
        return gpd.GeoDataFrame(frame, geometry=h3cells.cell_polygons(cells), crs=4326)

    def to_folium(self, *, include_no_pattern: bool = False, **kwargs: Any) -> Any:
        """A self-contained Leaflet map of the categories."""
        from gis.hotspots.maps import class_map

        frame = self.to_geodataframe()
        if not include_no_pattern:
            frame = frame[frame["category"] != "no pattern detected"]
        if len(frame) == 0:
            raise InvalidInput("no cell shows a pattern; pass include_no_pattern=True to map all")
        tips = ["place", "category", "count", "hot_steps", "cold_steps"]
        return class_map(frame, "category", title="Emerging hot spots",
                         palette=CATEGORY_COLORS, tooltip=tips, **kwargs)  # fmt: skip


def emerging_hotspots(
    incidents: Any,
    *,
    resolution: int | None = None,
    step: str | pd.Timedelta = "7D",
    time_lag: int = 1,
    k: int = 1,
    alpha: float = 0.05,
    fdr: bool = True,
    trend_alpha: float = 0.05,
    persistence: float = 0.9,
    where: IncidentFilter | None = None,
) -> EmergingResult:
    """Emerging hot spot analysis of incidents over H3 cells × time steps.

    Parameters
    ----------
    step : str or Timedelta
        Width of a time step ("7D": weekly).
    time_lag : int
        Earlier steps in a bin's neighbourhood (0: the same step only).
    k : int
        Rings of neighbouring cells.
    alpha, fdr
        Significance of a bin (two-sided), with Benjamini–Hochberg across all bins.
    trend_alpha : float
        Significance of a Mann–Kendall trend.
    persistence : float
        Share of steps that makes a spot persistent / historical (0.9).
    where : IncidentFilter, optional
        The incidents to take; its window ``[since, until)`` bounds the cube's steps.

    Examples
    --------
    >>> import geopandas as gpd, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> times = pd.Timestamp("2026-01-01", tz="Asia/Shanghai") + pd.to_timedelta(
    ...     rng.uniform(0, 70, 400), unit="D")
    >>> pts = gpd.GeoDataFrame({"category": "theft", "reported_at": times},
    ...     geometry=gpd.points_from_xy(rng.uniform(121.3, 121.4, 400),
    ...                                 rng.uniform(28.4, 28.5, 400)), crs=4326)
    >>> result = emerging_hotspots(pts, resolution=7)
    >>> result.cube.n_steps, result.params["time_lag"]
    (10, 1)
    """
    _check(time_lag, alpha, trend_alpha)
    cube = build_cube(incidents, resolution=resolution, step=step, where=where)
    if cube.n_steps < 3:
        raise InvalidInput(f"emerging hot spots need at least 3 time steps, got {cube.n_steps}")
    z = space_time_gi(cube, k=k, time_lag=time_lag)
    p = two_sided_from_z(z)
    if fdr:
        p = fdr_adjust(p.ravel()).reshape(p.shape)
    hot, cold = (p <= alpha) & (z > 0), (p <= alpha) & (z < 0)
    z_trend = mann_kendall(z, trend_alpha)
    count_trend = mann_kendall(cube.counts, trend_alpha)
    category = classify(hot, cold, z_trend.direction, persistence)
    params = {
        "analysis": "emerging hot spots", **cube.params, "k": k, "time_lag": time_lag,
        "alpha": alpha, "fdr": fdr, "trend_alpha": trend_alpha, "persistence": persistence,
        "seed": None,
    }  # fmt: skip
    return EmergingResult(cube, z, p, hot, cold, z_trend, count_trend, category, params)


def space_time_gi(cube: SpaceTimeCube, *, k: int = 1, time_lag: int = 1) -> np.ndarray:
    """Space-time Gi* z-score of every bin of ``cube`` (binary weights, self included)."""
    x = cube.counts.astype(np.float64)
    n_cells, n_steps = x.shape
    rows, cols = h3cells.ring_pairs(cube.cells, k)
    w = from_pairs(n_cells, rows, cols, f"h3 ring k={k}")
    spatial = w.sparse() @ x + x
    lagged = np.cumsum(spatial, axis=1)
    lagged[:, time_lag + 1 :] -= lagged[:, : n_steps - time_lag - 1].copy()
    steps_in = np.minimum(np.arange(n_steps), time_lag) + 1
    weight = (w.cardinalities + 1.0)[:, None] * steps_in[None, :]
    n = x.size
    mean = x.mean()
    sd = np.sqrt((x**2).mean() - mean**2)
    if sd == 0:
        raise InvalidInput("every bin of the cube has the same count: Gi* is undefined")
    denom = sd * np.sqrt((n * weight - weight**2) / (n - 1))
    with np.errstate(divide="ignore", invalid="ignore"):
        z = (lagged - mean * weight) / denom
    return np.nan_to_num(z, nan=0.0)


def _check(time_lag: int, alpha: float, trend_alpha: float) -> None:
    if isinstance(time_lag, bool) or not isinstance(time_lag, int | np.integer) or time_lag < 0:
        raise InvalidInput(f"time_lag must be a whole number of steps ≥ 0, not {time_lag!r}")
    for name, value in (("alpha", alpha), ("trend_alpha", trend_alpha)):
        if not 0 < value < 1:
            raise InvalidInput(f"{name} must be between 0 and 1, not {value}")
