"""Cells from the footprints themselves: a morphological tessellation per community.

A single point per building gives Voronoi cells that cut through real, touching
footprints (55–74 % of a city centre's buildings), and merging what they cut
chains through whole blocks. Here each footprint is shrunk inward a little and
its outline sampled; the Voronoi diagram of all samples, dissolved per building,
gives one cell per building that holds the footprint, and a shared wall becomes a
cell boundary (momepy's ``morphological_tessellation`` is the same idea).

It is built for speed: outlines are sampled only as densely as the nearest other
footprint needs (``_spacing``), the two sides of a shared wall at matched
positions so that the ridges between them are the wall itself, and the cells are
read off the triangulation per building (:func:`gis.partition.voronoi.owner_cells`)
instead of being built per sample and dissolved.
"""

from __future__ import annotations

import numpy as np
import shapely
from numpy.typing import NDArray

from gis.partition.owner_cells import owner_cells
from gis.partition.voronoi import Cells

SHRINK_M = 0.4  # inward offset: the gap between touching walls the cell boundary runs in
STEP_M = 0.5  # finest outline spacing (momepy's), where footprints almost touch
STEP_TOUCH_M = 8.0  # spacing on walls that touch another: both sides are matched
STEP_FAR_M = 8.0  # spacing where nothing is near
NEAR_M = 6.0  # walls farther than this from any other get STEP_FAR_M
TOUCH_M = 0.05  # footprints closer than this touch
_PARALLEL_SIN = 0.3  # touching walls within this angle are matched by projection
_SAFETY = 0.7  # share of the largest spacing that keeps a wall in its cell
_CHUNK = 200_000  # segments per neighbour query (bounds memory at a million buildings)


def footprint_cells(
    polygons: NDArray[np.object_],
    anchors: NDArray[np.float64],
    community: NDArray[np.int64],
    footprints: NDArray[np.object_],
) -> Cells:
    """One cell per building (``community`` sorted), from its outline samples' Voronoi cells.

    ``site_cell[b]`` is building b's cell; a footprint too small to keep a sample of its
    own (all its samples fell on another's) gets the cell holding its anchor.
    """
    xy, owner = _samples(anchors, footprints, community)
    # By position within each building: which of two samples within a millimetre is
    # kept, and the order Qhull sees, depend on the community alone.
    order = np.lexsort((xy[:, 1], xy[:, 0], owner, community[owner]))
    xy, owner = xy[order], owner[order]
    cells = owner_cells(polygons, xy, community[owner], owner)
    n_build = len(anchors)
    geometry = cells.geometry  # vertices on a millimetre grid: grids survive degrees
    real = cells.owner >= 0
    building_cell = np.full(n_build, -1, dtype=np.int64)
    building_cell[cells.owner[real]] = np.flatnonzero(real)
    cell_comm = cells.community
    anchor = np.full((len(geometry), 2), np.nan)
    anchor[real] = anchors[cells.owner[real]]
    _place_orphans(building_cell, geometry, anchors, community, cell_comm)
    # Cells in (community, x, y) order of their anchors, as point Voronoi cells came:
    # the solver's starting partition depends on the order of the units.
    key = np.round(np.nan_to_num(anchor) / 1e-3)
    perm = np.lexsort((key[:, 1], key[:, 0], cell_comm))
    rank = np.empty_like(perm)
    rank[perm] = np.arange(len(perm))
    lo, hi = rank[cells.ridge_a], rank[cells.ridge_b]
    building_cell = np.where(building_cell >= 0, rank[np.maximum(building_cell, 0)], -1)
    return Cells(
        geometry[perm],
        cell_comm[perm],
        anchor[perm],
        cells.whole[perm],
        np.minimum(lo, hi),
        np.maximum(lo, hi),
        cells.ridge,
        building_cell,
    )


def _samples(
    anchors: NDArray[np.float64], footprints: NDArray[np.object_], community: NDArray[np.int64]
) -> tuple[NDArray[np.float64], NDArray[np.int64]]:
    """Points on every footprint's shrunk outline, dense only where another is near.

    A footprint lies in its own cell when each of its points is nearer to one of its
    own samples than to any other building's. Across a gap the samples may be as far
    apart as the gap allows (``_spacing``); across a shared wall no spacing is enough
    unless the two sides are sampled at matched positions, which makes the ridges
    between them the wall itself: a wall's samples are its corners, points on a
    lattice common to all walls of that direction, and the projections of the samples
    of the walls touching it. A building left without samples keeps its anchor.
    Cells are made per community, so only walls of the same community count, and the
    lattice is anchored at the community's own corner: a community gets the same
    samples whichever communities share the call (chunks can be built apart).
    """
    n = len(anchors)
    poly = shapely.get_type_id(footprints) >= 3
    shrunk = np.full(n, None, dtype=object)
    shrunk[poly] = shapely.buffer(footprints[poly], -SHRINK_M, quad_segs=1, join_style="mitre")
    ok = poly & ~shapely.is_empty(shrunk)
    ok[ok] = shapely.area(shrunk[ok]) > 0
    rings, ring_b = shapely.get_rings(shrunk[ok], return_index=True)
    xy, ring = shapely.get_coordinates(rings, return_index=True)
    ring_owner = np.flatnonzero(ok)[ring_b]
    seg = np.flatnonzero(ring[1:] == ring[:-1])
    p0, p1, seg_owner = xy[seg], xy[seg + 1], ring_owner[ring[seg]]
    real = np.any(p0 != p1, axis=1)
    p0, p1, seg_owner = p0[real], p1[real], seg_owner[real]
    if len(xy) == 0:  # points, or footprints too small to shrink
        return anchors, np.arange(n)
    corners = np.r_[ring[1:] == ring[:-1], False]  # all but each ring's closing point
    # Per community, its lowest corner: differences of nearby walls stay exact.
    xy_comm = community[ring_owner[ring]]  # buildings come sorted by community
    start = np.flatnonzero(np.r_[True, xy_comm[1:] != xy_comm[:-1]])
    origin = np.zeros((int(community.max(initial=0)) + 1, 2))
    origin[xy_comm[start]] = np.minimum.reduceat(xy, start)
    seg_comm = community[seg_owner]
    l0, l1 = p0 - origin[seg_comm], p1 - origin[seg_comm]
    gap, touch_a, touch_b = _gaps(p0, p1, l0, l1, seg_owner, seg_comm)
    p0, p1 = l0, l1
    lat, lat_seg = _lattice(p0, p1, _spacing(gap))
    # A touching wall also gets the corners and lattice points of the walls it touches.
    src = np.r_[p0, p1, lat]
    src_seg = np.r_[np.arange(len(p0)), np.arange(len(p0)), lat_seg]
    proj, proj_seg = _projected(p0, p1, src, src_seg, touch_a, touch_b)
    pts = np.vstack(
        [xy[corners], lat + origin[seg_comm[lat_seg]], proj + origin[seg_comm[proj_seg]]]
    )
    own = np.r_[ring_owner[ring[corners]], seg_owner[lat_seg], seg_owner[proj_seg]]
    lone = np.setdiff1d(np.arange(n), own)
    return np.vstack([pts, anchors[lone]]), np.r_[own, lone]


def _gaps(
    a0: NDArray[np.float64],
    a1: NDArray[np.float64],
    p0: NDArray[np.float64],
    p1: NDArray[np.float64],
    owner: NDArray[np.int64],
    comm: NDArray[np.int64],
) -> tuple[NDArray[np.float64], NDArray[np.int64], NDArray[np.int64]]:
    """Distance from each segment to the nearest other building's of its community, and
    touching pairs: candidates by position (``a0``/``a1``), distances in the community's
    frame (``p0``/``p1``)."""
    lines = shapely.linestrings(np.stack([a0, a1], axis=1))
    tree = shapely.STRtree(lines)
    lo, hi = np.minimum(a0, a1), np.maximum(a0, a1)
    gap = np.full(len(p0), np.inf)
    ta, tb = [], []
    for s in range(0, len(p0), _CHUNK):
        e = min(s + _CHUNK, len(p0))
        boxes = shapely.box(*(lo[s:e] - NEAR_M).T, *(hi[s:e] + NEAR_M).T)
        a, b = tree.query(boxes)
        a += s
        other = (owner[a] != owner[b]) & (comm[a] == comm[b])
        a, b = a[other], b[other]
        d = _segment_distance(p0[a], p1[a], p0[b], p1[b])
        np.minimum.at(gap, a, d)
        ua, ub = p1[a] - p0[a], p1[b] - p0[b]
        sin = np.abs(_cross(ua, ub)) / (np.hypot(*ua.T) * np.hypot(*ub.T))
        t = (d <= 2 * SHRINK_M + TOUCH_M) & (sin < _PARALLEL_SIN)
        ta.append(a[t])
        tb.append(b[t])
    cat = np.concatenate if ta else (lambda _: np.empty(0, dtype=np.int64))
    return gap, cat(ta), cat(tb)


def _segment_distance(a0, a1, b0, b1) -> NDArray[np.float64]:
    """Distance between segments a0a1 and b0b1, row by row (0 where they cross)."""
    d = np.minimum.reduce(
        [_point_segment(a0, b0, b1), _point_segment(a1, b0, b1),
         _point_segment(b0, a0, a1), _point_segment(b1, a0, a1)]
    )  # fmt: skip

    def side(p, q, r):
        return np.sign(_cross(q - p, r - p))

    cross = (side(a0, a1, b0) * side(a0, a1, b1) < 0) & (side(b0, b1, a0) * side(b0, b1, a1) < 0)
    return np.where(cross, 0.0, d)


def _cross(u: NDArray[np.float64], v: NDArray[np.float64]) -> NDArray[np.float64]:
    return u[:, 0] * v[:, 1] - u[:, 1] * v[:, 0]


def _point_segment(p, a, b) -> NDArray[np.float64]:
    ab = b - a
    t = np.clip(np.einsum("ij,ij->i", p - a, ab) / np.einsum("ij,ij->i", ab, ab), 0.0, 1.0)
    return np.hypot(*(a + t[:, None] * ab - p).T)


def _spacing(gap: NDArray[np.float64]) -> NDArray[np.float64]:
    """Sample spacing on a wall ``gap`` (between shrunk outlines) from the nearest other.

    A neighbour's sample may come nearer than the wall's own by about s²/(4·gap), so
    with the footprint gap d = gap − 2·shrink the wall stays in its cell while
    s < 2·sqrt(gap·d); touching walls are matched instead, and get ``STEP_TOUCH_M``.
    Spacings are powers of two of ``STEP_M`` so that coarser lattices nest in finer.
    """
    d = np.maximum(gap - 2 * SHRINK_M, 0.0)
    s = np.clip(_SAFETY * 2.0 * np.sqrt(gap * d), STEP_M, STEP_FAR_M)
    s = STEP_M * 2.0 ** np.floor(np.log2(s / STEP_M))
    return np.where(d <= TOUCH_M, STEP_TOUCH_M, s)


def _lattice(
    p0: NDArray[np.float64], p1: NDArray[np.float64], step: NDArray[np.float64]
) -> tuple[NDArray[np.float64], NDArray[np.int64]]:
    """Points of each segment where the position along its direction is a multiple of
    ``step``; the direction is made canonical so that the two sides of a wall agree."""
    u = p1 - p0
    flip = (u[:, 0] < 0) | ((u[:, 0] == 0) & (u[:, 1] < 0))
    u[flip] *= -1
    u /= np.hypot(*u.T)[:, None]
    t0, t1 = np.einsum("ij,ij->i", p0, u), np.einsum("ij,ij->i", p1, u)
    lo, hi = np.minimum(t0, t1), np.maximum(t0, t1)
    k0 = np.floor(lo / step) + 1  # strictly inside: the corners are samples already
    k1 = np.ceil(hi / step) - 1
    count = np.maximum(k1 - k0 + 1, 0).astype(np.int64)
    seg = np.repeat(np.arange(len(p0)), count)
    k = _ranges(k0, count)
    lam = (k * step[seg] - t0[seg]) / (t1 - t0)[seg]
    return p0[seg] + lam[:, None] * (p1 - p0)[seg], seg


def _projected(p0, p1, src, src_seg, ta, tb) -> tuple[NDArray[np.float64], NDArray[np.int64]]:
    """Samples of segment ``tb`` projected onto the touching segment ``ta``."""
    by = np.argsort(src_seg, kind="stable")
    start = np.searchsorted(src_seg[by], np.arange(len(p0) + 1))
    count = start[tb + 1] - start[tb]
    pair = np.repeat(np.arange(len(ta)), count)
    idx = by[_ranges(start[tb], count)]
    a = ta[pair]
    ab = p1[a] - p0[a]
    t = np.einsum("ij,ij->i", src[idx] - p0[a], ab) / np.einsum("ij,ij->i", ab, ab)
    inside = (t > 0.0) & (t < 1.0)
    return p0[a][inside] + t[inside, None] * ab[inside], a[inside]


def _ranges(start: NDArray, count: NDArray[np.int64]) -> NDArray:
    """``start[i], start[i] + 1, …`` (``count[i]`` values) for every i, concatenated."""
    offset = np.arange(count.sum()) - np.repeat(np.cumsum(count) - count, count)
    return np.repeat(start, count) + offset


def _place_orphans(building_cell, geometry, anchors, community, cell_comm) -> None:
    """A building without a sample of its own takes the cell of its community holding it."""
    lost = np.flatnonzero(building_cell < 0)
    if lost.size == 0 or len(geometry) == 0:
        return
    pts = shapely.points(anchors[lost])
    tree = shapely.STRtree(geometry)
    (src, dst), dist = tree.query_nearest(pts, return_distance=True, all_matches=True)
    same = cell_comm[dst] == community[lost[src]]
    src, dst, dist = src[same], dst[same], dist[same]
    order = np.lexsort((dst, dist, src))
    first = np.r_[True, src[order][1:] != src[order][:-1]] if src.size else np.zeros(0, bool)
    building_cell[lost[src[order][first]]] = dst[order][first]
