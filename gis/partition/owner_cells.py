"""Voronoi cells of points dissolved per owner (a building's outline samples).

The boundaries between owners are chained into rings straight from the Delaunay
triangulation, so neither a per-point polygon nor a union is ever built
(gis.partition.outline builds the footprint cells on it; gis.partition.voronoi has the
per-point cells).
"""

from __future__ import annotations

from dataclasses import dataclass

import numba
import numpy as np
import shapely
from numpy.typing import NDArray
from scipy.spatial import Delaunay, QhullError

from gis.partition.voronoi import SNAP_M, circumcentres

_GRID_M = 1e-3  # precision of dissolved cells' vertices
_JITTER_M = 1e-5
_SLIVER_M2 = 1e-4  # a repaired cell's lobes smaller than this are dropped
_FLAT_SIN = 1e-7  # triangles flatter than this are collinear sites
_BATCH_SITES = 2_000  # communities whose triangles are handled at once
_DUMMIES = 8.0 * np.array([[-1.0, -1.0], [1.0, -1.0], [1.0, 1.0], [-1.0, 1.0]])  # in spans


@dataclass(frozen=True)
class OwnerCells:
    """Voronoi cells of points dissolved per owner, built straight from the ridges.

    ``geometry[i]`` is the union of the cells of owner ``owner[i]``'s points in
    community ``community[i]`` (the whole community polygon where it holds one owner
    or none: then ``whole[i]``, and ``owner[i]`` is -1 for none). ``ridge_a``/``ridge_b``
    are cell indices and ``ridge`` the (multi-)line between them, before clipping.
    """

    geometry: NDArray[np.object_]
    owner: NDArray[np.int64]
    community: NDArray[np.int64]
    whole: NDArray[np.bool_]
    ridge_a: NDArray[np.int64]
    ridge_b: NDArray[np.int64]
    ridge: NDArray[np.object_]


def owner_cells(
    polygons: NDArray[np.object_],
    points: NDArray[np.float64],
    community: NDArray[np.int64],
    owner: NDArray[np.int64],
) -> OwnerCells:
    """Cells of ``points`` (sorted by ``community``, then ``owner`` ≥ 0) dissolved per owner.

    Only the Voronoi ridges that separate two owners are kept, and they are chained
    into rings by triangle (each owner's boundary enters and leaves a Delaunay
    triangle once), so no per-point polygon is built and nothing is dissolved: the
    per-point cells and their union took two thirds of the time on dense outlines.
    Points closer than a millimetre are one site, owned by the first of them.
    Communities are triangulated one by one (each in its own frame), and the rest is
    done in batches of about ``_BATCH_SITES`` sites.
    """
    n_comm = len(polygons)
    first = _snap_first(points, community)
    sites, site_owner, site_comm = points[first], owner[first], community[first]
    ptr = np.searchsorted(site_comm, np.arange(n_comm + 1))
    change = np.r_[True, (site_owner[1:] != site_owner[:-1]) | (site_comm[1:] != site_comm[:-1])]
    change = change[: len(sites)]
    n_owner = np.bincount(site_comm[change], minlength=n_comm)
    split = n_owner >= 2  # the others: nothing to separate, the community is the cell
    centre, span = _frames(polygons, sites, ptr)
    shift = np.zeros((int(owner.max(initial=-1)) + 1, 2))
    tri_owner, tri_nb, centres = [], [], []
    offset = 0
    for batch in _batches(np.flatnonzero(split), np.diff(ptr)):
        simplices, nb, cc = _triangles(sites, ptr, batch, centre, span)
        n_dummy = len(_DUMMIES) * len(batch)
        so = np.r_[site_owner[_take(ptr, batch)], np.full(n_dummy, -1, dtype=np.int64)]
        tri_owner.append(so[simplices])
        tri_nb.append(np.where(nb >= 0, nb + offset, -1))
        centres.append(cc)
        offset += len(simplices)
        for c in batch:
            shift[site_owner[ptr[c] : ptr[c + 1]]] = centre[c]
    if tri_owner:
        t_owner, t_nb, cc = np.vstack(tri_owner), np.vstack(tri_nb), np.vstack(centres)
    else:
        t_owner, t_nb, cc = (np.empty((0, 3), np.int64), np.empty((0, 3), np.int64),
                             np.empty((0, 2)))  # fmt: skip
    geometry, cell_owner, ra, rb, ridge = _rings(t_owner, t_nb, cc, shift)
    whole_comm = np.flatnonzero(~split)
    whole_owner = np.full(len(whole_comm), -1, dtype=np.int64)
    lone = ptr[whole_comm] < ptr[whole_comm + 1]  # one building's sites
    whole_owner[lone] = site_owner[ptr[whole_comm[lone]]]
    n_ring_cells = len(cell_owner)
    geometry = np.r_[geometry, polygons[whole_comm]]
    cell_owner = np.r_[cell_owner, whole_owner].astype(np.int64)
    comm_of_owner = np.full(len(shift) + 1, -1, dtype=np.int64)
    comm_of_owner[owner] = community
    cell_comm = np.r_[comm_of_owner[cell_owner[:n_ring_cells]], whole_comm].astype(np.int64)
    whole = np.r_[np.zeros(n_ring_cells, bool), np.ones(len(whole_comm), bool)]
    same = cell_comm[ra] == cell_comm[rb]  # (always: each community is triangulated alone)
    return OwnerCells(geometry, cell_owner, cell_comm, whole, ra[same], rb[same], ridge[same])


def _snap_first(points: NDArray[np.float64], community: NDArray[np.int64]) -> NDArray[np.int64]:
    """Index of the first point of each distinct site (to ``SNAP_M``) of each community."""
    if len(points) == 0:
        return np.empty(0, dtype=np.int64)
    keys = np.round(points / SNAP_M).astype(np.int64)  # a fixed grid: the same in any call
    order = np.lexsort((keys[:, 1], keys[:, 0], community))
    k, c = keys[order], community[order]
    new = np.r_[True, np.any(k[1:] != k[:-1], axis=1) | (c[1:] != c[:-1])]
    first = np.minimum.reduceat(order, np.flatnonzero(new))
    return np.sort(first)


def _frames(polygons, sites, ptr) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Centre and span of each community's box around its polygon and sites."""
    bounds = shapely.bounds(polygons).reshape(-1, 4)
    lo, hi = bounds[:, :2].copy(), bounds[:, 2:].copy()
    has = ptr[1:] > ptr[:-1]
    if has.any():
        at = ptr[:-1][has]
        lo[has] = np.minimum(lo[has], np.minimum.reduceat(sites, at)[: has.sum()])
        hi[has] = np.maximum(hi[has], np.maximum.reduceat(sites, at)[: has.sum()])
    return (lo + hi) / 2.0, np.max(hi - lo, axis=1) + 1.0


def _batches(comms: NDArray[np.int64], size: NDArray[np.int64]) -> list[NDArray[np.int64]]:
    """Consecutive communities in groups of about ``_BATCH_SITES`` sites."""
    if comms.size == 0:
        return []
    total = np.cumsum(size[comms])
    group = (total - size[comms]) // _BATCH_SITES
    cut = np.flatnonzero(np.diff(group)) + 1
    return np.split(comms, cut)


def _take(ptr: NDArray[np.int64], comms: NDArray[np.int64]) -> NDArray[np.int64]:
    """Indices of the sites of ``comms``, community by community."""
    count = ptr[comms + 1] - ptr[comms]
    return np.repeat(ptr[comms], count) + (
        np.arange(count.sum()) - np.repeat(np.cumsum(count) - count, count)
    )


def _triangles(sites, ptr, batch, centre, span):
    """Counter-clockwise Delaunay triangles of a batch of communities, one Qhull call each.

    Each community is triangulated alone, centred on its box, with four dummies at 8
    spans around it so that no point of the community is nearer to them than to a
    site: its triangles, jitter and circumcentres are the same whatever else is built
    in the call (side by side in one call, far-off slots cost Qhull the precision that
    keeps a triangulation Delaunay, and a call costs only some 30 µs).
    Returns triangles over the batch's sites then dummies (community by community),
    their neighbours (``nb[t, k]`` across the edge opposite vertex k, -1 on the hull)
    and circumcentres relative to each triangle's community centre.
    """
    idx = _take(ptr, batch)
    count = ptr[batch + 1] - ptr[batch]
    local = sites[idx] - np.repeat(centre[batch], count, axis=0)
    dummies = (span[batch, None, None] * _DUMMIES).reshape(-1, 2)
    pts = np.vstack([local, dummies])
    # Walls sampled at matched positions are cocircular by the thousand, and Qhull's
    # merging of such facets made it 4× slower; a jitter far below the 1 mm grid of the
    # sites only picks one of the equally valid triangulations. Circumcentres come from
    # the exact sites, so cocircular triangles still share one Voronoi vertex. It is
    # drawn per community (by rank within it), so a community's triangulation is its own.
    n_dummy = len(_DUMMIES)
    table = np.random.default_rng(0).normal(0.0, _JITTER_M, (n_dummy + int(count.max()), 2))
    rank = np.arange(len(idx)) - np.repeat(np.cumsum(count) - count, count)
    moved = pts + np.vstack([table[n_dummy + rank], np.tile(table[:n_dummy], (len(batch), 1))])
    first = np.cumsum(count) - count
    simplices, neighbours = [], []
    n_tri = 0
    for i, (s0, n) in enumerate(zip(first, count, strict=True)):
        rows = np.r_[s0 : s0 + n, len(idx) + i * n_dummy + np.arange(n_dummy)]
        try:
            tri = Delaunay(moved[rows])
        except QhullError:  # pragma: no cover - dummies make the input full-dimensional
            tri = Delaunay(moved[rows], qhull_options="QJ")
        simplices.append(rows[tri.simplices])
        neighbours.append(np.where(tri.neighbors >= 0, tri.neighbors + n_tri, -1))
        n_tri += len(tri.simplices)
    s = np.vstack(simplices).astype(np.int64)
    nb = np.vstack(neighbours).astype(np.int64)
    cw = _orientation(moved[s]) < 0
    s[cw] = s[cw][:, [0, 2, 1]]
    nb[cw] = nb[cw][:, [0, 2, 1]]
    return s, nb, _centres(pts[s], moved[s], nb)


def _centres(exact, moved, nb) -> NDArray[np.float64]:
    """Circumcentres of the exact sites, but for slivers that only the jitter made.

    Collinear sites (a wall's corners in one line) can form such a sliver. Exactly,
    its circumcentre is at infinity beyond the long edge, where the triangle across
    that edge has its own: the sliver takes that one (the ridge along the long edge
    has no length), or the jittered one if it is a sliver too.
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        centres = circumcentres(exact)
    edge = np.stack([np.hypot(*(exact[:, (k + 2) % 3] - exact[:, (k + 1) % 3]).T)
                     for k in range(3)], axis=1)  # fmt: skip
    # about the sine of the angle at the middle vertex, as flat as rounding leaves it
    flat = _orientation(exact) <= _FLAT_SIN * np.max(edge, axis=1) * np.median(edge, axis=1)
    bad = ~np.all(np.isfinite(centres), axis=1) | flat
    if bad.any():
        t = np.flatnonzero(bad)
        other = nb[t, np.argmax(edge[t], axis=1)]
        good = (other >= 0) & ~bad[np.maximum(other, 0)]
        centres[t[good]] = centres[other[good]]
        centres[t[~good]] = circumcentres(moved[t[~good]])
    return centres


def _orientation(t: NDArray[np.float64]) -> NDArray[np.float64]:
    """Twice the signed area of each triangle (positive: counter-clockwise)."""
    return (t[:, 1, 0] - t[:, 0, 0]) * (t[:, 2, 1] - t[:, 0, 1]) - (t[:, 1, 1] - t[:, 0, 1]) * (
        t[:, 2, 0] - t[:, 0, 0]
    )


def _rings(t_owner, t_nb, centres, shift):
    """Owner cells from the ridges between owners, chained triangle by triangle.

    Edge i of triangle t runs from vertex i to vertex i+1 (counter-clockwise); where
    the two owners differ, its Voronoi ridge runs from t's circumcentre to that of the
    triangle across, with the head vertex's owner on its left. The next ridge of that
    owner's ring is the one edge of the triangle across whose head it owns and whose
    tail it does not. ``shift[o]`` moves owner o's ring from batch to true coordinates.
    """
    n_t = len(t_owner)
    head = t_owner[:, [1, 2, 0]]
    tail = t_owner
    across = t_nb[:, [2, 0, 1]]  # the edge i -> i+1 is opposite vertex i+2
    bound = (head != tail) & (head >= 0)
    rec = np.flatnonzero(bound.ravel())
    t = rec // 3
    o, n = head.ravel()[rec], across.ravel()[rec]
    # In triangle n, the record owned by o: exactly one of its three edges.
    cand = bound[n] & (head[n] == o[:, None])
    nxt_flat = 3 * n + np.argmax(cand, axis=1)
    compact = np.full(3 * n_t, -1, dtype=np.int64)
    compact[rec] = np.arange(rec.size)
    nxt = compact[nxt_flat]
    ring, order = _cycles(nxt)
    # Cocircular sites (walls sampled at matched positions) share a Voronoi vertex that
    # rounding splits into micrometre zigzags: one grid makes them one point again.
    xy = np.round((centres[t[order]] + shift[o[order]]) / _GRID_M) * _GRID_M
    ring_o = ring[order]
    n_ring = int(ring.max()) + 1 if ring.size else 0
    start = np.searchsorted(ring_o, np.arange(n_ring + 1))
    size = np.diff(start)
    ring_owner = o[order][start[:-1]] if n_ring else np.empty(0, np.int64)
    x, y = xy[:, 0], xy[:, 1]
    x2, y2 = np.roll(x, -1), np.roll(y, -1)
    last = start[1:] - 1
    x2[last], y2[last] = x[start[:-1]], y[start[:-1]]
    cross = x * y2 - x2 * y
    area = np.add.reduceat(cross, start[:-1]) / 2.0 if n_ring else np.empty(0)
    ok = size >= 3  # fewer ridges enclose nothing
    keep = ok[ring_o]
    dense = np.cumsum(ok) - 1
    rings = shapely.linearrings(xy[keep], indices=dense[ring_o[keep]])
    geometry, cell_owner = _assemble(rings, ring_owner[ok], area[ok] > 0)
    end = centres[n] + shift[o]
    ra, rb, ridge = _ridge_lines(order, ring_o, o, tail.ravel()[rec], xy, end, cell_owner)
    return geometry, cell_owner, ra, rb, ridge


def _assemble(rings, ring_owner, exterior):
    """One polygon per owner: its exterior ring and the holes other owners make in it."""
    order = np.lexsort((~exterior, ring_owner))  # per owner, exteriors first
    rings, ring_owner, exterior = rings[order], ring_owner[order], exterior[order]
    owners, first, count = np.unique(ring_owner, return_index=True, return_counts=True)
    n_ext = np.add.reduceat(exterior.astype(np.int64), first) if len(first) else first
    out = np.empty(len(owners), dtype=object)
    simple = n_ext == 1
    ring_cell = np.repeat(np.arange(len(owners)), count)
    use = simple[ring_cell]
    if use.any():
        dense = np.unique(ring_cell[use], return_inverse=True)[1].ravel()
        out[simple] = shapely.polygons(rings[use], indices=dense)
    for k in np.flatnonzero(~simple):  # rare: an owner in several pieces
        mine = slice(first[k], first[k] + count[k])
        polys = shapely.polygons(rings[mine])
        ext = shapely.union_all(polys[exterior[mine]])
        out[k] = shapely.difference(ext, shapely.union_all(polys[~exterior[mine]]))
    bad = np.flatnonzero(~shapely.is_valid(out))
    if bad.size:  # rare: a ring pinched, or crossing itself within the 1 mm grid
        out[bad] = _repaired(out[bad])
    return out, owners.astype(np.int64)


def _repaired(geoms: NDArray[np.object_]) -> NDArray[np.object_]:
    """Valid cells, without the sub-millimetre lobes that repairing a ring can leave
    (each would become a unit of its own and a grid in two pieces)."""
    # make_valid puts the crossing of two edges off the grid, on the neighbour's edge
    # but not a vertex of it: units.py sews the two (it snaps the neighbour to it).
    # Not set_precision: snap rounding also bends every edge passing within half a
    # millimetre of a vertex, and a long ridge then left its neighbour's by 32 µm.
    fixed = shapely.make_valid(geoms)
    parts, idx = shapely.get_parts(shapely.get_parts(fixed), return_index=True)
    _, outer = shapely.get_parts(fixed, return_index=True)
    idx = outer[idx]
    area = np.where(shapely.get_type_id(parts) == 3, shapely.area(parts), -1.0)
    biggest = np.zeros(len(geoms))
    np.maximum.at(biggest, idx, area)
    keep = (area >= _SLIVER_M2) | ((area > 0) & (area == biggest[idx]))
    out = shapely.multipolygons(parts[keep], indices=idx[keep])
    single = np.bincount(idx[keep], minlength=len(geoms)) == 1
    out[single] = shapely.get_geometry(out[single], 0)
    return out


def _ridge_lines(order, ring_o, head_o, tail_o, xy, end_xy, cell_owner):
    """The boundary between two owners as lines: runs of one ring along one neighbour.

    Taken from the ring of the lower owner only, so each boundary comes once; a run
    is its records' start vertices plus the end of its last record.
    """
    o, q = head_o[order], tail_o[order]
    idx = np.flatnonzero((q >= 0) & (o < q))
    if idx.size == 0:
        empty = np.empty(0, dtype=np.int64)
        return empty, empty, np.empty(0, dtype=object)
    # A run breaks where the records skip (another neighbour between), or the ring or
    # the neighbour changes.
    brk = np.r_[True, (np.diff(idx) != 1) | (q[idx][1:] != q[idx][:-1])
                | (ring_o[idx][1:] != ring_o[idx][:-1])]  # fmt: skip
    run = np.cumsum(brk) - 1
    last = np.r_[brk[1:], True]
    end = np.round(end_xy[order[idx[last]]] / _GRID_M) * _GRID_M
    key = np.r_[np.arange(idx.size), np.flatnonzero(last) + 0.5]
    srt = np.argsort(key, kind="stable")
    which = np.r_[run, np.arange(int(run[-1]) + 1)]
    lines = shapely.linestrings(np.vstack([xy[idx], end])[srt], indices=which[srt])
    keep = shapely.length(lines) > 0
    cell_of = np.full(int(cell_owner.max(initial=0)) + 1, -1, dtype=np.int64)
    cell_of[cell_owner] = np.arange(len(cell_owner))
    a, b = cell_of[o[idx][brk]][keep], cell_of[q[idx][brk]][keep]
    lines = lines[keep]
    lo, hi = np.minimum(a, b), np.maximum(a, b)
    width = int(hi.max(initial=0)) + 1
    pair, inv = np.unique(lo * width + hi, return_inverse=True)
    inv = inv.ravel()
    by = np.argsort(inv, kind="stable")
    inv_s, lines_s = inv[by], lines[by]
    first = np.searchsorted(inv_s, np.arange(len(pair)))
    single = np.bincount(inv, minlength=len(pair)) == 1
    out = np.empty(len(pair), dtype=object)
    out[single] = lines_s[first[single]]
    many = ~single[inv_s]  # a neighbour met along two stretches: one multi-line
    if many.any():
        dense = np.unique(inv_s[many], return_inverse=True)[1].ravel()
        out[~single] = shapely.multilinestrings(lines_s[many], indices=dense)
    return pair // width, pair % width, out


@numba.njit(cache=True)
def _cycles(nxt):  # pragma: no cover - compiled
    """Rings of the permutation ``nxt``: ring id per record, and records in ring order."""
    n = len(nxt)
    ring = np.full(n, -1, dtype=np.int64)
    order = np.empty(n, dtype=np.int64)
    pos, r = 0, 0
    for s in range(n):
        if ring[s] >= 0:
            continue
        j = s
        while ring[j] < 0:
            ring[j] = r
            order[pos] = j
            pos += 1
            j = nxt[j]
        r += 1
    return ring, order
