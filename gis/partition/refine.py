"""Local search that turns a near-balanced partition into one within the bounds.

METIS balances to a few percent of the mean but knows nothing of a floor and a
ceiling, and units (buildings) are lumpy: one apartment block may hold half a
grid. :func:`refine` moves boundary units between adjacent parts, never cutting
a part in two: a tabu search (:mod:`gis.partition.tabu`) removes bound
violations, then first-improvement sweeps even out households while keeping
boundaries short. The kernels are compiled with numba because they walk the
graph move by move, which is hopeless in Python at a million units.
"""

from __future__ import annotations

import numba
import numpy as np
from numpy.typing import NDArray

from gis.partition.moves import EPS, apply, apply_new, deltas, gather, stays_connected
from gis.partition.tabu import tabu


@numba.njit(cache=True)
def refine(indptr, indices, ew, w, area, labels, k, lo, hi, amax, mu, max_moves):
    """Move boundary units to satisfy ``lo <= part weight <= hi`` and ``part area <= amax``.

    ``ew`` are edge affinities already scaled to the grid side; the second goal is
    ``sum(((W_p - T) / T)**2) + mu * cut``. Returns new labels, every part connected
    if it was.
    """
    n = w.shape[0]
    labels = labels.copy()
    st = np.zeros((2, k))  # part households, part area
    size = np.zeros(k, dtype=np.int64)
    for u in range(n):
        apply_new(u, labels[u], st, size, w, area)
    target = st[0].sum() / k if st[0].sum() > 0 else 1.0
    seen = np.zeros(n, dtype=np.int64)
    stamp = np.zeros(1, dtype=np.int64)
    queue = np.empty(n, dtype=np.int64)
    conn = np.zeros(k)
    touched = np.empty(k, dtype=np.int64)
    _seed_empty(labels, st, size, w, area, indptr, indices, seen, stamp, queue)
    g = (indptr, indices, ew, w, area)
    lim = (lo, hi, amax, target, mu)
    work = (conn, touched, seen, stamp, queue)
    best = tabu(g, labels, st, size, lim, max_moves, work)
    labels[:] = best
    st[:] = 0.0
    size[:] = 0
    for u in range(n):
        apply_new(u, labels[u], st, size, w, area)
    _sweep(g, labels, st, size, lim, max_moves, work)
    return labels


@numba.njit(cache=True)
def _sweep(g, labels, st, size, lim, max_moves, work):
    """First-improvement sweeps on balance and boundary length; never adds violation."""
    indptr, indices, ew, w, area = g
    lo, hi, amax, target, mu = lim
    conn, touched, seen, stamp, queue = work
    improved, moves = True, 0
    while improved and moves < max_moves:
        improved = False
        for u in range(w.shape[0]):
            p = labels[u]
            if size[p] <= 1:
                continue
            nt = gather(u, labels, indptr, indices, ew, conn, touched)
            bq, bdo = -1, -1e-9
            for t in range(nt):
                q = touched[t]
                if q == p:
                    continue
                dv, do = deltas(u, p, q, st, w, area, conn, lo, hi, amax, target, mu)
                if dv <= EPS and do < bdo:
                    bq, bdo = q, do
            for t in range(nt):
                conn[touched[t]] = 0.0
            if bq >= 0 and stays_connected(u, p, labels, indptr, indices, seen, stamp, queue):
                apply(u, bq, labels, st, size, w, area)
                moves += 1
                improved = True


@numba.njit(cache=True)
def _seed_empty(labels, st, size, w, area, indptr, indices, seen, stamp, queue):
    """Give each empty part one unit of the largest part that can spare it."""
    k = size.shape[0]
    for p in range(k):
        if size[p] > 0:
            continue
        donor = np.argmax(st[0] + 1e-9 * size)
        for u in range(w.shape[0]):
            if (
                labels[u] == donor
                and size[donor] > 1
                and stays_connected(u, donor, labels, indptr, indices, seen, stamp, queue)
            ):
                apply(u, p, labels, st, size, w, area)
                break


def refine_labels(
    indptr: NDArray[np.int64],
    indices: NDArray[np.int64],
    ew: NDArray[np.float64],
    w: NDArray[np.float64],
    area: NDArray[np.float64],
    labels: NDArray[np.int64],
    k: int,
    bounds: tuple[float, float, float],
    mu: float,
    max_moves: int,
) -> NDArray[np.int64]:
    """Typed entry point: ``bounds`` is (floor, ceiling, largest area), inf for none."""
    lo, hi, amax = (float(b) for b in bounds)
    return refine(indptr, indices, ew, w, area, labels, k, lo, hi, amax, mu, max_moves)
