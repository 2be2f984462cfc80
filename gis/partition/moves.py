"""Shared numba kernels of the local search: part bookkeeping, move deltas, connectivity.

A labelling is kept with per-part households and area (``st``) and unit counts
(``size``); every candidate move is priced by its change in bound violation and
in balance plus boundary length, and allowed only if its part stays connected.
"""

from __future__ import annotations

import numba

EPS = 1e-9


@numba.njit(cache=True)
def violation(x, a, lo, hi, amax, scale):
    # Households beyond either bound, in mean parts, plus relative area excess.
    v = 0.0
    if x > hi:
        v += (x - hi) / scale
    elif x < lo:
        v += (lo - x) / scale
    if a > amax:
        v += (a - amax) / amax
    return v


@numba.njit(cache=True)
def stays_connected(u, p, labels, indptr, indices, seen, stamp, queue):
    """Whether part ``p`` stays connected once ``u`` leaves it (u is no cut vertex)."""
    stamp[0] += 1
    s = stamp[0]
    targets, first = 0, -1
    for j in range(indptr[u], indptr[u + 1]):
        v = indices[j]
        if labels[v] == p and seen[v] != -s:
            seen[v] = -s  # a neighbour the search must reach
            targets += 1
            if first < 0:
                first = v
    if targets <= 1:
        return True
    stamp[0] += 1
    t = stamp[0]
    head, tail, found = 0, 1, 1
    queue[0] = first
    seen[first] = t
    while head < tail:
        x = queue[head]
        head += 1
        for j in range(indptr[x], indptr[x + 1]):
            v = indices[j]
            if v == u or labels[v] != p or seen[v] == t:
                continue
            if seen[v] == -s:
                found += 1
                if found == targets:
                    return True
            seen[v] = t
            queue[tail] = v
            tail += 1
    return False


@numba.njit(cache=True)
def gather(u, labels, indptr, indices, ew, conn, touched):
    # conn[q] = affinity of u to part q; the epsilon marks zero-affinity contacts too.
    nt = 0
    for j in range(indptr[u], indptr[u + 1]):
        q = labels[indices[j]]
        if conn[q] == 0.0:
            touched[nt] = q
            nt += 1
        conn[q] += ew[j] + 1e-12
    return nt


@numba.njit(cache=True)
def deltas(u, p, q, st, w, area, conn, lo, hi, amax, target, mu):
    pw, pa = st[0], st[1]
    dv = (
        violation(pw[p] - w[u], pa[p] - area[u], lo, hi, amax, target)
        + violation(pw[q] + w[u], pa[q] + area[u], lo, hi, amax, target)
        - violation(pw[p], pa[p], lo, hi, amax, target)
        - violation(pw[q], pa[q], lo, hi, amax, target)
    )
    before = (pw[p] - target) ** 2 + (pw[q] - target) ** 2
    after = (pw[p] - w[u] - target) ** 2 + (pw[q] + w[u] - target) ** 2
    return dv, (after - before) / (target * target) + mu * (conn[p] - conn[q])


@numba.njit(cache=True)
def apply(u, q, labels, st, size, w, area):
    p = labels[u]
    st[0, p] -= w[u]
    st[1, p] -= area[u]
    size[p] -= 1
    st[0, q] += w[u]
    st[1, q] += area[u]
    size[q] += 1
    labels[u] = q


@numba.njit(cache=True)
def apply_new(u, p, st, size, w, area):
    st[0, p] += w[u]
    st[1, p] += area[u]
    size[p] += 1


@numba.njit(cache=True)
def total(st, k, lo, hi, amax, target):
    v = 0.0
    for p in range(k):
        v += violation(st[0, p], st[1, p], lo, hi, amax, target)
    return v
