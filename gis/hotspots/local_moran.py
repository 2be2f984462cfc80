"""Local Moran's I (LISA) with its four cluster types, computed by esda.

This calls ``esda.Moran_Local`` (row-standardised weights, conditional
permutation) rather than re-implementing it, so its numbers are esda's by
construction; this module adds the cluster labels, FDR control and provenance.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np

from gis.errors import InvalidInput
from gis.hotspots.aggregate import as_aggregation
from gis.hotspots.aggregation import Aggregation
from gis.hotspots.selection import DataWindow, IncidentFilter
from gis.hotspots.significance import fdr_adjust
from gis.hotspots.weights import SpatialWeights, contiguity

QUADRANTS = {1: "HH", 2: "LH", 3: "LL", 4: "HL"}
"""esda's quadrant codes: high-high (hot spot), low-high and high-low (outliers), low-low."""

CLUSTER_COLORS = {
    "HH": "#d7191c",
    "LL": "#2c7bb6",
    "HL": "#fdae61",
    "LH": "#abd9e9",
    "not significant": "#eeeeee",
}

_KEEP_SIMULATIONS_LIMIT = 20_000_000


@dataclass(frozen=True)
class LocalMoranResult:
    """Local Moran's I per place.

    Attributes
    ----------
    i : ndarray
        The local statistic (esda's ``Is``).
    quadrant : ndarray of int
        1 HH, 2 LH, 3 LL, 4 HL (esda's ``q``).
    p_sim, z_sim : ndarray
        Pseudo p-value (nearer tail) and z against the draws (NaN when not kept).
    q : ndarray
        Benjamini–Hochberg adjusted ``p_sim``.
    cluster : ndarray of str
        "HH", "LL", "HL", "LH" where significant at ``alpha``, else "not significant".
    """

    aggregation: Aggregation
    i: np.ndarray
    quadrant: np.ndarray
    p_sim: np.ndarray
    z_sim: np.ndarray
    q: np.ndarray
    cluster: np.ndarray
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

    def to_geodataframe(self) -> gpd.GeoDataFrame:
        """One row per place with the statistic, p-values and cluster type."""
        frame = self.aggregation.to_geodataframe()
        for name in ("i", "quadrant", "p_sim", "z_sim", "q", "cluster", "n_neighbours"):
            frame[name] = getattr(self, name)
        return frame

    def to_folium(self, **kwargs: Any) -> Any:
        """A self-contained Leaflet map of the cluster types."""
        from gis.hotspots.maps import class_map

        frame = self.to_geodataframe()
        tips = ["place", "count", "cluster", "p_sim"]
        return class_map(
            frame, "cluster", title="Local Moran", palette=CLUSTER_COLORS, tooltip=tips, **kwargs
        )


def local_moran(
    data: Any,
    *,
    weights: SpatialWeights | None = None,
    k: int = 1,
    permutations: int = 999,
    seed: int = 0,
    alpha: float = 0.05,
    fdr: bool = False,
    resolution: int | None = None,
    where: IncidentFilter | None = None,
) -> LocalMoranResult:
    """Local Moran's I of incident counts, with HH/LL/HL/LH clusters.

    Parameters mirror :func:`gis.hotspots.getis_ord.getis_ord`. A place is in a
    cluster when ``p_sim`` (or its BH q-value with ``fdr=True``) is at most
    ``alpha``; without FDR this is the conventional LISA map of GeoDa and esda.

    Examples
    --------
    >>> import h3.api.numpy_int as h3i
    >>> cells = np.sort(h3i.grid_disk(h3i.latlng_to_cell(28.5, 121.4, 9), 3).astype(np.int64))
    >>> window = DataWindow(None, None, None, None, None, 0, (0, 0, 0, 0))
    >>> agg = Aggregation("h3", cells, np.arange(len(cells)) % 4, {"resolution": 9}, window)
    >>> local_moran(agg, permutations=99, seed=1).cluster.shape
    (37,)
    """
    agg = as_aggregation(data, resolution, where)
    w = weights if weights is not None else contiguity(agg, k)
    _check(agg, w, permutations, alpha)
    lisa = _esda(agg.counts.astype(np.float64), w, int(permutations), int(seed))
    p_sim = np.asarray(lisa.p_sim, dtype=np.float64)
    q = fdr_adjust(p_sim)
    test = q if fdr else p_sim
    islands = w.cardinalities == 0
    quadrant = np.asarray(lisa.q, dtype=np.int64)
    labels = np.array([QUADRANTS[int(c)] for c in quadrant], dtype=object)
    cluster = np.where((test <= alpha) & ~islands, labels, "not significant").astype(object)
    z_sim = np.asarray(lisa.z_sim, dtype=np.float64) * np.ones(len(p_sim))
    params = {
        "statistic": "local Moran's I", "kind": agg.kind, **agg.params, "weights": w.as_dict(),
        "transformation": "row-standardised", "k": k, "permutations": int(permutations),
        "seed": int(seed), "alpha": float(alpha), "fdr": bool(fdr),
    }  # fmt: skip
    return LocalMoranResult(
        agg, np.asarray(lisa.Is), quadrant, p_sim, z_sim, q, cluster, w.cardinalities, params
    )


def _check(agg: Aggregation, w: SpatialWeights, permutations: int, alpha: float) -> None:
    n = len(agg.counts)
    if w.n != n:
        raise InvalidInput(f"weights are for {w.n} places but the aggregation has {n}")
    if n < 3:
        raise InvalidInput(f"local Moran's I needs at least 3 places, got {n}")
    if np.all(agg.counts == agg.counts[0]):
        raise InvalidInput(
            f"every place has the same count ({agg.counts[0]}): Moran's I is undefined"
        )
    if not 1 <= int(permutations) <= 99_999:
        raise InvalidInput(f"permutations must be 1..99999, not {permutations}")
    if not 0 < alpha < 1:
        raise InvalidInput(f"alpha must be between 0 and 1, not {alpha}")


def _esda(y: np.ndarray, w: SpatialWeights, permutations: int, seed: int) -> Any:
    from esda.moran import Moran_Local

    keep = len(y) * permutations <= _KEEP_SIMULATIONS_LIMIT
    with warnings.catch_warnings():
        # esda warns that its default alternative will change; we record the one used.
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.simplefilter("ignore", UserWarning)
        return Moran_Local(
            y, w.to_libpysal(), transformation="r", permutations=permutations,
            keep_simulations=keep, seed=seed, n_jobs=1,
        )  # fmt: skip
