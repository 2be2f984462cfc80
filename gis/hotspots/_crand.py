"""Conditional permutation for Gi*, drawn exactly as esda's ``crand`` draws.

esda (``esda/crand.py``) seeds numba's legacy Mersenne Twister with
``np.random.seed(seed)`` and then, for each of the ``permutations`` replications,
takes ``np.random.choice(n - 1, size=max_card, replace=False)``. Inside numba that
is a full Fisher–Yates shuffle of ``arange(n - 1)`` calling
``np.random.randint(i + 1)`` for ``i = n - 2 .. 1``, keeping the first
``max_card`` entries. :func:`esda_draws` makes the same calls in the same order
(with a 32-bit work buffer), so the ids are identical; the tests check it against
``esda.crand.vec_permutations``. Replication ``p`` gives site ``i`` the values
``z_without_i[ids[p, :card_i]]``, where ``z_without_i`` is ``z`` with entry ``i``
removed — as esda's ``_prepare_univariate`` does.

The Gi* kernel then counts, per site, the replications whose statistic is at
least the observed one, from a CSR neighbour array instead of esda's per-site
matrix products; both are compiled once and cached on disk.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange


@njit(cache=True)
def esda_draws(max_card: int, n: int, permutations: int, seed: int) -> np.ndarray:
    """Permuted ids equal to ``esda.crand.vec_permutations(max_card, n, permutations, seed)``."""
    np.random.seed(seed)
    out = np.empty((permutations, max_card), np.int64)
    m = n - 1
    buf = np.empty(m, np.int32)
    for k in range(permutations):
        for q in range(m):
            buf[q] = q
        i = m - 1
        while i > 0:
            j = np.random.randint(i + 1)
            t = buf[j]
            buf[j] = buf[i]
            buf[i] = t
            i -= 1
        for c in range(max_card):
            out[k, c] = buf[c]
    return out


@njit(parallel=True, cache=True)
def gi_star_permute(
    y: np.ndarray,
    indptr: np.ndarray,
    indices: np.ndarray,
    observed: np.ndarray,
    ids: np.ndarray,
    scaling: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per site: replications with G* >= observed, and the mean and std of the G* draws.

    Binary weights with self-weight 1; ``observed`` is ``(W + I) y / scaling``. An
    island (no neighbours) gets all-zero draws, as esda gives it (island weight 0).
    """
    n = y.shape[0]
    permutations = ids.shape[0]
    larger = np.zeros(n, np.int64)
    mean = np.zeros(n)
    std = np.zeros(n)
    # esda's stat function divides with fastmath on, which LLVM turns into a product
    # with the reciprocal. For counts that differs from the observed G* (a true
    # division) by at most an ulp, and exactly that decides ties between a draw and
    # the observation; multiplying the same way reproduces esda's p-values.
    inverse = 1.0 / scaling
    for i in prange(n):
        start = indptr[i]
        card = indptr[i + 1] - start
        self_part = y[i] if card > 0 else 0.0
        count = 0
        total = 0.0
        total_sq = 0.0
        for p in range(permutations):
            s = 0.0
            for m in range(card):
                q = ids[p, m]
                if q >= i:
                    q += 1
                s += y[q]
            r = (s + self_part) * inverse
            if r >= observed[i]:
                count += 1
            total += r
            total_sq += r * r
        larger[i] = count
        mu = total / permutations
        mean[i] = mu
        std[i] = np.sqrt(max(total_sq / permutations - mu * mu, 0.0))
    return larger, mean, std


def directed_p(larger: np.ndarray, permutations: int) -> np.ndarray:
    """esda's "directed" pseudo p-value: the nearer tail, ``(min(L, P - L) + 1) / (P + 1)``."""
    folded = np.minimum(larger, permutations - larger)
    return (folded + 1.0) / (permutations + 1.0)


_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)


@njit(cache=True)
def _splitmix(state: np.uint64) -> tuple[np.uint64, np.uint64]:
    state = state + _GOLDEN
    z = state
    z = (z ^ (z >> np.uint64(30))) * _MIX1
    z = (z ^ (z >> np.uint64(27))) * _MIX2
    return state, z ^ (z >> np.uint64(31))


@njit(parallel=True, cache=True)
def gi_star_sequential(
    y: np.ndarray,
    indptr: np.ndarray,
    indices: np.ndarray,
    observed_sum: np.ndarray,
    sites: np.ndarray,
    upper: np.ndarray,
    max_draws: int,
    stop_after: int,
    seed: int,
) -> tuple[np.ndarray, np.ndarray]:
    """One-sided sequential Monte Carlo p-values (Besag & Clifford 1991) of G*.

    Each site draws conditional permutations (its neighbours' values drawn without
    replacement from the other sites) from its own splitmix64 stream, seeded by
    ``seed`` and the site's position so that threads do not matter, until
    ``stop_after`` draws are at least as extreme as the observation on its side
    (``upper``: ``r >= obs``; else ``r <= obs`` — ties count as extreme in both
    tails) or ``max_draws`` are made. The p-value is ``h / l`` when stopped at
    ``h`` extreme draws out of ``l``, else ``(h + 1) / (l + 1)``. Returns the
    p-values and the numbers of draws. Sums are compared unscaled (``observed_sum``
    is ``(W + I) y``), so ties between integer counts are exact.
    """
    n = y.shape[0]
    p_out = np.empty(sites.shape[0])
    draws_out = np.empty(sites.shape[0], np.int64)
    for c in prange(sites.shape[0]):
        i = sites[c]
        start = indptr[i]
        card = indptr[i + 1] - start
        self_part = y[i] if card > 0 else 0.0
        state = np.uint64(seed) * _GOLDEN + np.uint64(i) + np.uint64(1)
        picked = np.empty(max(card, 1), np.int64)
        extreme = 0
        draws = 0
        while draws < max_draws and extreme < stop_after:
            s = 0.0
            m = 0
            while m < card:
                state, bits = _splitmix(state)
                q = np.int64((bits >> np.uint64(11)) * (1.0 / 9007199254740992.0) * (n - 1))
                if q >= i:
                    q += 1
                fresh = True
                for u in range(m):
                    if picked[u] == q:
                        fresh = False
                        break
                if fresh:
                    picked[m] = q
                    s += y[q]
                    m += 1
            r = s + self_part
            draws += 1
            if (upper[c] and r >= observed_sum[i]) or (not upper[c] and r <= observed_sum[i]):
                extreme += 1
        if extreme >= stop_after:
            p_out[c] = extreme / draws
        else:
            p_out[c] = (extreme + 1.0) / (draws + 1.0)
        draws_out[c] = draws
    return p_out, draws_out
