"""The Mann–Kendall trend test, vectorised over the rows of a matrix.

For a series ``x_1..x_n``: ``S = sum_{i<j} sign(x_j - x_i)``; with ties grouped in
sizes ``t_k``, ``Var(S) = (n(n-1)(2n+5) - sum t_k(t_k-1)(2t_k+5)) / 18``;
``Z = (S - sign(S)) / sqrt(Var(S))`` (continuity correction); two-sided
``p = 2 (1 - Phi(|Z|))``; Kendall's tau ``= S / (n(n-1)/2)``. These are the
numbers ``pymannkendall.original_test`` reports (the tests check that).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats

from gis.errors import InvalidInput


@dataclass(frozen=True)
class TrendTest:
    """Mann–Kendall results per row; ``direction`` is +1/−1 where ``p <= alpha``, else 0."""

    s: np.ndarray
    var_s: np.ndarray
    z: np.ndarray
    p: np.ndarray
    tau: np.ndarray
    direction: np.ndarray
    alpha: float


def mann_kendall(series: np.ndarray, alpha: float = 0.05) -> TrendTest:
    """Mann–Kendall test of each row of ``series`` (shape ``(m, n)``, n ≥ 3 steps).

    Examples
    --------
    >>> t = mann_kendall(np.array([[1, 2, 3, 4, 5, 6], [3, 1, 3, 1, 3, 1]]))
    >>> t.s.tolist(), t.direction.tolist()
    ([15.0, -3.0], [1, 0])
    """
    x = np.atleast_2d(np.asarray(series, dtype=np.float64))
    m, n = x.shape
    if n < 3:
        raise InvalidInput(f"a trend test needs at least 3 time steps, got {n}")
    if not np.isfinite(x).all():
        raise InvalidInput("the series for the trend test contain NaN or infinity")
    s = np.zeros(m)
    for lag in range(1, n):
        s += np.sign(x[:, lag:] - x[:, :-lag]).sum(axis=1)
    var_s = (n * (n - 1) * (2 * n + 5) - _tie_term(x)) / 18.0
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(var_s > 0, (s - np.sign(s)) / np.sqrt(var_s), 0.0)
    p = 2.0 * stats.norm.sf(np.abs(z))
    direction = np.where(p <= alpha, np.sign(s), 0.0).astype(np.int8)
    tau = s / (n * (n - 1) / 2.0)
    return TrendTest(s, var_s, z, p, tau, direction, float(alpha))


def _tie_term(x: np.ndarray) -> np.ndarray:
    m, n = x.shape
    ordered = np.sort(x, axis=1)
    starts_group = np.ones((m, n), dtype=bool)
    starts_group[:, 1:] = ordered[:, 1:] != ordered[:, :-1]
    starts = np.flatnonzero(starts_group.ravel())
    sizes = np.diff(np.append(starts, m * n)).astype(np.float64)
    rows = starts // n
    return np.bincount(rows, weights=sizes * (sizes - 1) * (2 * sizes + 5), minlength=m)
