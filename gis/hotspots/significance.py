"""Turning p-values into decisions: FDR control and confidence classes (Gi_Bin).

The confidence class follows ArcGIS's ``Gi_Bin``: ±3 for 99 %, ±2 for 95 %, ±1 for
90 % confidence, 0 for not significant, the sign from the direction (z-score) of
the statistic. With the false-discovery-rate correction a place is in class ±c
when its Benjamini–Hochberg adjusted p-value (q-value) is at most the level's
alpha: exactly the places BH would reject at that alpha.
"""

from __future__ import annotations

import numpy as np
from scipy import stats

LEVELS = ((3, 0.01), (2, 0.05), (1, 0.10))
"""(class, alpha) from the strictest level down."""

LABELS = {
    3: "hot 99%",
    2: "hot 95%",
    1: "hot 90%",
    0: "not significant",
    -1: "cold 90%",
    -2: "cold 95%",
    -3: "cold 99%",
}


def fdr_adjust(p: np.ndarray) -> np.ndarray:
    """Benjamini–Hochberg adjusted p-values (q-values); NaN stays NaN.

    Examples
    --------
    >>> fdr_adjust(np.array([0.01, 0.04, 0.03, 0.5])).round(3).tolist()
    [0.04, 0.053, 0.053, 0.5]
    """
    q = np.full(p.shape, np.nan)
    ok = np.isfinite(p)
    if ok.any():
        q[ok] = stats.false_discovery_control(np.clip(p[ok], 0.0, 1.0), method="bh")
    return q


def two_sided_from_z(z: np.ndarray) -> np.ndarray:
    """Two-sided normal p-value of z-scores.

    Examples
    --------
    >>> round(float(two_sided_from_z(np.array([1.96]))[0]), 3)
    0.05
    """
    return 2.0 * stats.norm.sf(np.abs(z))


def confidence_bins(p: np.ndarray, direction: np.ndarray, *, fdr: bool) -> np.ndarray:
    """Gi_Bin-style classes −3..3 from two-sided p-values and a direction sign.

    Parameters
    ----------
    p : ndarray
        Two-sided p-values (NaN: never significant).
    direction : ndarray
        Positive for high values (hot), negative for low (cold); 0 gives class 0.
    fdr : bool
        Compare BH q-values instead of raw p-values with each level's alpha.

    Examples
    --------
    >>> p, sign = np.array([0.001, 0.03, 0.07, 0.5]), np.array([1, -1, 1, 1])
    >>> confidence_bins(p, sign, fdr=False).tolist()
    [3, -2, 1, 0]
    """
    test = fdr_adjust(p) if fdr else p
    level = np.zeros(p.shape, dtype=np.int8)
    for cls, alpha in reversed(LEVELS):
        level[np.nan_to_num(test, nan=1.0) <= alpha] = cls
    return (level * np.sign(direction)).astype(np.int8)


def bin_labels(bins: np.ndarray) -> np.ndarray:
    """Text labels ("hot 95%", ...) of Gi_Bin classes."""
    return np.array([LABELS[int(b)] for b in bins], dtype=object)
