"""Tabu search on bound violations: single moves and swaps, uphill steps allowed.

A greedy repair stops where every single move makes things worse, yet households
often have to pass along a chain of full grids, or two similar buildings have
to change places. The tabu search walks through such states, forbidding a moved
unit to move again for a few steps, and keeps the best labelling it met.
"""

from __future__ import annotations

import numba
import numpy as np

from gis.partition.moves import EPS, apply, deltas, gather, stays_connected, total, violation

_BIG = 1000.0  # one mean-part of violation outweighs any balance or boundary gain
_TENURE = 7


@numba.njit(cache=True)
def tabu(g, labels, st, size, lim, max_moves, work):
    """Tabu search on violation: single moves and swaps, uphill allowed; returns the best.

    ``g`` is (indptr, indices, ew, w, area), ``lim`` (lo, hi, amax, target, mu) and
    ``work`` the scratch arrays (conn, touched, seen, stamp, queue).
    """
    indptr, indices, ew, w, area = g
    lo, hi, amax, target, mu = lim
    conn, touched, seen, stamp, queue = work
    n, k = w.shape[0], size.shape[0]
    tabu = np.full(n, -1, dtype=np.int64)
    best = labels.copy()
    best_v = total(st, k, lo, hi, amax, target)
    current = best_v
    stall, it = 0, 0
    limit = 100 + n // 2
    near = np.zeros(k, dtype=np.bool_)
    area_matters = amax < np.inf
    while current > EPS and it < max_moves and stall < limit:
        bu, bv, bq, bkey, bdv = -1, -1, -1, np.inf, 0.0
        _near_violation(near, labels, st, indptr, indices, lo, hi, amax, target)
        for u in range(n):
            p = labels[u]
            if not near[p] or (w[u] == 0.0 and not area_matters):
                continue  # moving an empty unit cannot change a household violation
            nt = gather(u, labels, indptr, indices, ew, conn, touched)
            free_u = tabu[u] <= it
            for t in range(nt if size[p] > 1 else 0):
                q = touched[t]
                if q == p:
                    continue
                dv, do = deltas(u, p, q, st, w, area, conn, lo, hi, amax, target, mu)
                key = _BIG * dv + do
                if key >= bkey or (not free_u and current + dv >= best_v - EPS):
                    continue
                if stays_connected(u, p, labels, indptr, indices, seen, stamp, queue):
                    bu, bv, bq, bkey, bdv = u, -1, q, key, dv
            for t in range(nt):
                conn[touched[t]] = 0.0
            # Swaps along cut edges fine-tune by the difference of two buildings.
            for j in range(indptr[u], indptr[u + 1]):
                v = indices[j]
                q = labels[v]
                if v < u or q == p or w[v] == w[u]:
                    continue
                dv, db = _swap_deltas(u, v, p, q, st, w, area, lo, hi, amax, target)
                key = _BIG * dv + db
                if key >= bkey:
                    continue
                if (not free_u or tabu[v] > it) and current + dv >= best_v - EPS:
                    continue
                if _swap_keeps(u, v, p, q, labels, size, indptr, indices, seen, stamp, queue):
                    bu, bv, bq, bkey, bdv = u, v, q, key, dv
        if bu < 0:
            break
        if bv >= 0:
            p = labels[bu]
            apply(bu, bq, labels, st, size, w, area)
            apply(bv, p, labels, st, size, w, area)
            tabu[bv] = it + _TENURE + (it % 5)
        else:
            apply(bu, bq, labels, st, size, w, area)
        tabu[bu] = it + _TENURE + (it % 5)  # a varying tenure avoids short cycles
        current += bdv
        it += 1
        if current < best_v - EPS:
            best_v, stall = current, 0
            best[:] = labels
        else:
            stall += 1
    return best


@numba.njit(cache=True)
def _swap_deltas(u, v, p, q, st, w, area, lo, hi, amax, target):
    d, da = w[v] - w[u], area[v] - area[u]
    pw, pa = st[0], st[1]
    dv = (
        violation(pw[p] + d, pa[p] + da, lo, hi, amax, target)
        + violation(pw[q] - d, pa[q] - da, lo, hi, amax, target)
        - violation(pw[p], pa[p], lo, hi, amax, target)
        - violation(pw[q], pa[q], lo, hi, amax, target)
    )
    before = (pw[p] - target) ** 2 + (pw[q] - target) ** 2
    after = (pw[p] + d - target) ** 2 + (pw[q] - d - target) ** 2
    return dv, (after - before) / (target * target)


@numba.njit(cache=True)
def _swap_keeps(u, v, p, q, labels, size, indptr, indices, seen, stamp, queue):
    """Whether p - u + v and q - v + u are both connected."""
    return _joined(p, u, v, labels, size, indptr, indices, seen, stamp, queue) and _joined(
        q, v, u, labels, size, indptr, indices, seen, stamp, queue
    )


@numba.njit(cache=True)
def _joined(p, out, into, labels, size, indptr, indices, seen, stamp, queue):
    stamp[0] += 1
    t = stamp[0]
    head, tail = 0, 1
    queue[0] = into
    seen[into] = t
    while head < tail:
        x = queue[head]
        head += 1
        for j in range(indptr[x], indptr[x + 1]):
            y = indices[j]
            if seen[y] == t or y == out or (labels[y] != p and y != into):
                continue
            seen[y] = t
            queue[tail] = y
            tail += 1
    return tail == size[p]


@numba.njit(cache=True)
def _near_violation(near, labels, st, indptr, indices, lo, hi, amax, target):
    """Mark parts within two steps of a violating part: where a chain of moves starts."""
    k = near.shape[0]
    for p in range(k):
        near[p] = violation(st[0, p], st[1, p], lo, hi, amax, target) > 0.0
    for _ in range(2):
        grow = near.copy()
        for u in range(labels.shape[0]):
            if near[labels[u]]:
                for j in range(indptr[u], indptr[u + 1]):
                    grow[labels[indices[j]]] = True
        near[:] = grow
