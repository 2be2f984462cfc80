"""Exhaustive search for small graphs the local search could not fit into the bounds.

A village of a dozen large buildings whose total sits just above ``k * min``
may allow a split that no sequence of single moves and swaps reaches, or none
at all. With at most :data:`MAX_UNITS` units every connected subset within the
bounds is enumerated (bit masks), and a depth-first exact cover finds the
most balanced split, or proves there is none.
"""

from __future__ import annotations

import numba
import numpy as np
from numpy.typing import NDArray

MAX_UNITS = 20
_BUDGET = 2_000_000  # search nodes; beyond this the best split found so far is kept


@numba.njit(cache=True)
def _connected(mask, nbr):
    start = mask & -mask
    reach = start
    while True:
        grow = reach
        m = reach
        while m:
            low = m & -m
            v = 0
            while (low >> v) != 1:
                v += 1
            grow |= nbr[v] & mask
            m ^= low
        if grow == reach:
            return reach == mask
        reach = grow


@numba.njit(cache=True)
def _search(indptr, indices, w, area, k, lo, hi, amax):
    n = w.shape[0]
    nbr = np.zeros(n, dtype=np.int64)
    for u in range(n):
        for j in range(indptr[u], indptr[u + 1]):
            nbr[u] |= np.int64(1) << indices[j]
    full = (np.int64(1) << n) - 1
    weight = np.zeros(full + 1)
    size = np.zeros(full + 1)
    valid = np.zeros(full + 1, dtype=np.bool_)
    for mask in range(1, full + 1):
        low = mask & -mask
        v = 0
        while (low >> v) != 1:
            v += 1
        weight[mask] = weight[mask ^ low] + w[v]
        size[mask] = size[mask ^ low] + area[v]
        if lo <= weight[mask] <= hi and size[mask] <= amax:
            valid[mask] = _connected(mask, nbr)
    target = weight[full] / k
    best_cost = np.inf
    best = np.full(k, -1, dtype=np.int64)
    chosen = np.zeros(k, dtype=np.int64)
    nodes = 0
    # Iterative DFS: at depth d, cover the lowest uncovered unit with a valid subset.
    cursor = np.zeros(k + 1, dtype=np.int64)  # next submask to try at each depth
    remaining = np.zeros(k + 1, dtype=np.int64)
    remaining[0] = full
    cursor[0] = full
    d = 0
    while d >= 0 and nodes < _BUDGET:
        rest = remaining[d]
        if d == k - 1:
            if valid[rest]:
                chosen[d] = rest
                cost = 0.0
                for i in range(k):
                    cost += (weight[chosen[i]] - target) ** 2
                if cost < best_cost:
                    best_cost = cost
                    best[:] = chosen
            d -= 1
            continue
        low = rest & -rest
        sub, cand, found = cursor[d], 0, False
        while sub > 0:
            nodes += 1
            cand = sub
            sub = (sub - 1) & rest
            if (cand & low) and valid[cand]:
                parts = k - d - 1
                if parts * lo <= weight[rest] - weight[cand] <= parts * hi:
                    found = True
                    break
        if not found:
            d -= 1
            continue
        chosen[d] = cand
        cursor[d] = sub
        remaining[d + 1] = rest ^ cand
        cursor[d + 1] = rest ^ cand
        d += 1
    return best


def exact_labels(
    indptr: NDArray[np.int64],
    indices: NDArray[np.int64],
    w: NDArray[np.float64],
    area: NDArray[np.float64],
    k: int,
    bounds: tuple[float, float, float],
) -> NDArray[np.int64] | None:
    """The most balanced split into ``k`` connected parts within ``bounds``, or None.

    ``bounds`` is (floor, ceiling, largest area). Only for graphs of at most
    :data:`MAX_UNITS` units.

    Examples
    --------
    >>> ptr, idx = np.array([0, 1, 3, 5, 6]), np.array([1, 0, 2, 1, 3, 2])
    >>> exact_labels(ptr, idx, np.array([5.0, 5, 5, 5]), np.zeros(4), 2, (9, 11, np.inf))
    array([0, 0, 1, 1])
    >>> exact_labels(ptr, idx, np.array([8.0, 4, 4, 4]), np.zeros(4), 2, (9, 11, np.inf)) is None
    True
    """
    n = len(w)
    if n > MAX_UNITS or k < 1:
        raise ValueError(f"exact search takes 1..{MAX_UNITS} units and k >= 1")
    lo, hi, amax = (float(b) for b in bounds)
    masks = _search(
        indptr.astype(np.int64),
        indices.astype(np.int64),
        np.asarray(w, dtype=np.float64),
        np.asarray(area, dtype=np.float64),
        int(k),
        lo,
        hi,
        amax,
    )
    if masks[0] < 0:
        return None
    labels = np.empty(n, dtype=np.int64)
    for part, mask in enumerate(masks):
        labels[(int(mask) >> np.arange(n)) & 1 == 1] = part
    return labels
