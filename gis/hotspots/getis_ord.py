"""Getis-Ord Gi*: analytic z-scores, conditional-permutation pseudo p-values, Gi_Bin classes.

With binary weights and a self-weight of 1, the statistic, its analytic moments and
the pseudo p-values equal esda's ``G_Local(y, w, transform="B", star=True,
permutations=P, seed=seed)``: ``gi`` is ``Gs``, ``z`` is ``Zs``, ``p_sim`` is
``p_sim`` (esda's "directed" p-value, the nearer tail), ``z_sim`` is ``z_sim``.
The permutations are drawn as esda draws them (see :mod:`gis.hotspots._crand`).

The confidence classes (``gi_bin``) come by default from the analytic z-scores,
two-sided, Benjamini–Hochberg adjusted: ArcGIS's Gi_Bin with its FDR option. Two
permutation-based alternatives are there for skewed, sparse counts, where the
normal approximation is optimistic:

* ``p_source="sequential"``: sequential Monte Carlo p-values (Besag & Clifford
  1991), conditional permutations per place, seeded, until ``stop_after`` draws
  are as extreme as the observation (ties count in both tails) or ``max_draws``
  are made. They resolve p-values far below ``1 / (P + 1)``, which FDR control
  over many places needs, but their null (the other places' counts, heavy tail
  and all) is strict: on clustered city data far fewer places pass than with z.
* ``p_source="permutation"``: ``2 * p_sim``, esda's numbers. ``p_sim`` cannot go
  below ``1 / (P + 1)``, so with FDR over ``m`` places nothing passes unless
  about ``2 m / ((P + 1) alpha)`` places all reach that floor; and esda counts ties
  with the observation only in the upper tail, so empty areas look cold.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np

from gis.errors import InvalidInput
from gis.hotspots import _crand
from gis.hotspots.aggregate import as_aggregation
from gis.hotspots.aggregation import Aggregation
from gis.hotspots.selection import DataWindow, IncidentFilter
from gis.hotspots.significance import bin_labels, confidence_bins, fdr_adjust, two_sided_from_z
from gis.hotspots.types import PSource
from gis.hotspots.weights import SpatialWeights, contiguity

MIN_PLACES = 3


@dataclass(frozen=True)
class GiStarResult:
    """Gi* per place, with what it took to reproduce it.

    Attributes
    ----------
    aggregation : Aggregation
        The places and counts analysed (and the data window).
    gi, z : ndarray
        G* statistic and its analytic z-score.
    p_analytic : ndarray
        Two-sided normal p-value of ``z``.
    p_sim, z_sim : ndarray
        esda's pseudo p-value (nearer tail) and the z of G* against its draws;
        NaN when ``permutations=0``.
    p_mc, mc_draws : ndarray
        One-sided sequential Monte Carlo p-value on the side of ``z``, and the
        draws it took (NaN / 0 unless ``p_source="sequential"``).
    p_two_sided : ndarray
        The p-value the classes use: ``min(1, 2 p_mc)``, ``min(1, 2 p_sim)`` or
        ``p_analytic``.
    q : ndarray
        Benjamini–Hochberg adjusted ``p_two_sided``.
    gi_bin : ndarray of int8
        −3..3 as ArcGIS's Gi_Bin (see :mod:`gis.hotspots.significance`).
    n_neighbours : ndarray
        Neighbours of each place, itself excluded (0: an island, never classed).
    params : dict
        Every parameter of the run, the seed included.
    """

    aggregation: Aggregation
    gi: np.ndarray
    z: np.ndarray
    p_analytic: np.ndarray
    p_sim: np.ndarray
    z_sim: np.ndarray
    p_mc: np.ndarray
    mc_draws: np.ndarray
    p_two_sided: np.ndarray
    q: np.ndarray
    gi_bin: np.ndarray
    n_neighbours: np.ndarray
    params: dict[str, Any] = field(default_factory=dict)

    @property
    def seed(self) -> int:
        """Seed of the permutations."""
        return int(self.params["seed"])

    @property
    def window(self) -> DataWindow:
        """The data the counts came from."""
        return self.aggregation.window

    def hot(self, level: int = 90) -> np.ndarray:
        """Boolean mask of places that are hot spots at ``level`` % confidence or more."""
        return self.gi_bin >= {90: 1, 95: 2, 99: 3}[level]

    def to_geodataframe(self) -> gpd.GeoDataFrame:
        """One row per place: counts, statistics, ``gi_bin`` and its label."""
        frame = self.aggregation.to_geodataframe()
        cols = ("gi", "z", "p_analytic", "p_sim", "z_sim", "p_mc", "q", "gi_bin", "n_neighbours")
        for name in cols:
            frame[name] = getattr(self, name)
        frame["label"] = bin_labels(self.gi_bin)
        return frame

    def to_folium(self, **kwargs: Any) -> Any:
        """A self-contained Leaflet map of the Gi_Bin classes."""
        from gis.hotspots.maps import class_map

        return class_map(self.to_geodataframe(), "gi_bin", title="Gi* hot spots", **kwargs)


def getis_ord(
    data: Any,
    *,
    weights: SpatialWeights | None = None,
    k: int = 1,
    permutations: int = 999,
    seed: int = 0,
    p_source: PSource = "analytic",
    fdr: bool = True,
    max_draws: int = 99_999,
    stop_after: int = 20,
    resolution: int | None = None,
    where: IncidentFilter | None = None,
) -> GiStarResult:
    """Getis-Ord Gi* hot spots of incident counts.

    Parameters
    ----------
    data : Aggregation, GeoDataFrame or dask_geopandas.GeoDataFrame
        Counts per place, or incidents, which are counted per H3 cell first
        (``resolution`` and the filter ``where`` apply then).
    weights : SpatialWeights, optional
        Binary neighbours; by default :func:`~gis.hotspots.weights.contiguity` of order ``k``.
    permutations : int
        Conditional permutations for the pseudo p-values (0: analytic only).
    seed : int
        Seed of the permutations (0 .. 2**32 - 1).
    p_source : {"sequential", "permutation", "analytic"}
        Which p-value decides the classes (see the module docstring).
    fdr : bool
        Control the false discovery rate (Benjamini–Hochberg) across places.
    max_draws, stop_after : int
        Limits of the sequential Monte Carlo p-values.

    Examples
    --------
    >>> import h3.api.numpy_int as h3i
    >>> cells = np.sort(h3i.grid_disk(h3i.latlng_to_cell(28.5, 121.4, 9), 3).astype(np.int64))
    >>> window = DataWindow(None, None, None, None, None, 0, (0, 0, 0, 0))
    >>> agg = Aggregation("h3", cells, np.arange(len(cells)) % 5, {"resolution": 9}, window)
    >>> result = getis_ord(agg, permutations=99, seed=1)
    >>> result.gi_bin.shape, result.params["permutations"]
    ((37,), 99)
    """
    agg = as_aggregation(data, resolution, where)
    w = weights if weights is not None else contiguity(agg, k)
    _check(agg, w, permutations, seed, p_source, max_draws, stop_after)
    y = agg.counts.astype(np.float64)
    gi, z = _analytic(y, w)
    p_sim, z_sim = _permutation(y, w, gi, permutations, seed)
    islands = w.cardinalities == 0
    p_mc, draws = _sequential(y, w, z, islands, p_source, max_draws, stop_after, seed)
    p_analytic = two_sided_from_z(z)
    p_two = {
        "sequential": np.minimum(1.0, 2.0 * p_mc),
        "permutation": np.minimum(1.0, 2.0 * p_sim),
        "analytic": p_analytic,
    }[p_source]
    p_two = np.where(islands, np.nan, p_two)
    params = {
        "statistic": "Gi*", "kind": agg.kind, **agg.params, "weights": w.as_dict(),
        "k": k, "permutations": int(permutations), "seed": int(seed), "p_source": p_source,
        "max_draws": int(max_draws), "stop_after": int(stop_after), "fdr": bool(fdr),
        "levels": {"99": 0.01, "95": 0.05, "90": 0.10},
    }  # fmt: skip
    return GiStarResult(
        aggregation=agg,
        gi=gi,
        z=z,
        p_analytic=p_analytic,
        p_sim=p_sim,
        z_sim=z_sim,
        p_mc=p_mc,
        mc_draws=draws,
        p_two_sided=p_two,
        q=fdr_adjust(p_two),
        gi_bin=confidence_bins(p_two, z, fdr=fdr),
        n_neighbours=w.cardinalities,
        params=params,
    )


def _check(
    agg: Aggregation,
    w: SpatialWeights,
    permutations: int,
    seed: int,
    p_source: str,
    max_draws: int,
    stop_after: int,
) -> None:
    n = len(agg.counts)
    if w.n != n:
        raise InvalidInput(f"weights are for {w.n} places but the aggregation has {n}")
    if n < MIN_PLACES:
        raise InvalidInput(
            f"Gi* needs at least {MIN_PLACES} places, got {n} "
            f"({agg.window.n_incidents} incident(s)): widen the area or the time window"
        )
    if np.all(agg.counts == agg.counts[0]):
        raise InvalidInput(f"every place has the same count ({agg.counts[0]}): Gi* is undefined")
    if not 0 <= int(permutations) <= 99_999:
        raise InvalidInput(f"permutations must be 0..99999, not {permutations}")
    if not 0 <= int(seed) < 2**32:
        raise InvalidInput(f"seed must be an integer 0 .. 2**32 - 1, not {seed}")
    if p_source not in ("sequential", "permutation", "analytic"):
        raise InvalidInput(
            f"p_source must be 'sequential', 'permutation' or 'analytic', not {p_source!r}"
        )
    if p_source == "permutation" and permutations == 0:
        raise InvalidInput("p_source='permutation' needs permutations > 0")
    if not (1 <= int(stop_after) <= int(max_draws) <= 10_000_000):
        raise InvalidInput(
            f"need 1 <= stop_after ({stop_after}) <= max_draws ({max_draws}) <= 10,000,000"
        )
    if np.any(agg.counts < 0):
        raise InvalidInput("counts must not be negative")


def _analytic(y: np.ndarray, w: SpatialWeights) -> tuple[np.ndarray, np.ndarray]:
    # esda G_Local.calc with star=True: sums over the neighbours and the place itself.
    n = len(y)
    total = y.sum()
    gi = (w.sparse() @ y + y) / total
    card = w.cardinalities + 1.0
    mean = total / n
    var = (y**2).sum() / n - mean**2
    expected_var = card * (n - card) / (n - 1) / n**2 * var / mean**2
    with np.errstate(divide="ignore", invalid="ignore"):
        z = (gi - card / n) / np.sqrt(expected_var)
    return gi, z


def _permutation(
    y: np.ndarray, w: SpatialWeights, gi: np.ndarray, permutations: int, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    if permutations == 0:
        nan = np.full(len(y), np.nan)
        return nan, nan.copy()
    max_card = max(int(w.cardinalities.max()), 1)
    ids = _crand.esda_draws(max_card, len(y), int(permutations), int(seed))
    larger, mean, std = _crand.gi_star_permute(y, w.indptr, w.indices, gi, ids, float(y.sum()))
    with np.errstate(divide="ignore", invalid="ignore"):
        z_sim = (gi - mean) / std
    return _crand.directed_p(larger, int(permutations)), z_sim


def _sequential(
    y: np.ndarray,
    w: SpatialWeights,
    z: np.ndarray,
    islands: np.ndarray,
    p_source: str,
    max_draws: int,
    stop_after: int,
    seed: int,
) -> tuple[np.ndarray, np.ndarray]:
    p = np.full(len(y), np.nan)
    draws = np.zeros(len(y), dtype=np.int64)
    if p_source != "sequential":
        return p, draws
    sites = np.flatnonzero(~islands)
    observed_sum = w.sparse() @ y + y
    upper = z[sites] >= 0
    p[sites], draws[sites] = _crand.gi_star_sequential(
        y, w.indptr, w.indices, observed_sum, sites, upper, int(max_draws), int(stop_after),
        int(seed),
    )  # fmt: skip
    return p, draws
