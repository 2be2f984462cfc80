"""Cells from the footprints themselves: a morphological tessellation per community.

A single point per building gives Voronoi cells that cut through real, touching
footprints (55–74 % of a city centre's buildings), and merging what they cut
chains through whole blocks. Here each footprint is shrunk inward a little and
its outline sampled; one Voronoi diagram of all samples per community, its cells
dissolved per building, gives one cell per building that holds the footprint,
and a shared wall becomes a cell boundary (momepy's ``morphological_tessellation``
is the same idea; this build is vectorised and samples densely only where
footprints are near one another).
"""

from __future__ import annotations

import numpy as np
import shapely
from numpy.typing import NDArray

from gis.partition.voronoi import Cells, voronoi_cells

SHRINK_M = 0.4  # inward offset: the gap between touching walls the cell boundary runs in
STEP_M = 1.0  # outline spacing where another footprint is near (keeps ridges in the gap)
NEAR_M = 6.0  # beyond this from any other footprint, a sparse outline suffices
_GRID_M = 1e-3  # precision of the cells' vertices
SPARSE_EVERY = 8  # keep one sample in this many where no footprint is near


def footprint_cells(
    polygons: NDArray[np.object_],
    anchors: NDArray[np.float64],
    community: NDArray[np.int64],
    footprints: NDArray[np.object_],
) -> Cells:
    """One cell per building (``community`` sorted), dissolved from its outline samples' cells.

    ``site_cell[b]`` is building b's cell; a footprint too small to keep a sample of its
    own (all its samples fell on another's) gets the cell holding its anchor.
    """
    xy, owner = _samples(anchors, footprints)
    order = np.lexsort((owner, community[owner]))
    xy, owner = xy[order], owner[order]
    sites = voronoi_cells(polygons, xy, community[owner])
    n_sites, n_build = len(sites.geometry), len(anchors)
    site_b = np.full(n_sites, -1, dtype=np.int64)
    site_b[sites.site_cell[::-1]] = owner[::-1]  # a snapped site belongs to its first building
    # A community without buildings keeps its one site-less cell (the whole polygon).
    group = np.where(site_b >= 0, site_b, n_build + np.arange(n_sites))
    kept, site_c = np.unique(group, return_inverse=True)
    site_c = site_c.ravel()
    # Dense samples give Voronoi vertices micrometres apart; snapped to a millimetre grid
    # (identically on both sides of a shared edge), grids survive a round trip to degrees.
    geometry = shapely.set_precision(_dissolve(sites.geometry, site_c, len(kept)), _GRID_M)
    whole = np.zeros(len(kept), dtype=bool)
    whole[site_c[sites.whole]] = True
    first = np.full(len(kept), -1, dtype=np.int64)
    first[site_c[::-1]] = np.arange(n_sites)[::-1]
    ra, rb, ridge = _building_ridges(sites, site_c)
    building_cell = np.full(n_build, -1, dtype=np.int64)
    real = kept < n_build
    building_cell[kept[real]] = np.flatnonzero(real)
    cell_comm = sites.community[first]
    anchor = np.full((len(kept), 2), np.nan)
    anchor[real] = anchors[kept[real]]
    _place_orphans(building_cell, geometry, anchors, community, cell_comm)
    # Cells in (community, x, y) order of their anchors, as point Voronoi cells came:
    # the solver's starting partition depends on the order of the units.
    key = np.round(np.nan_to_num(anchor) / 1e-3)
    perm = np.lexsort((key[:, 1], key[:, 0], cell_comm))
    rank = np.empty_like(perm)
    rank[perm] = np.arange(len(perm))
    lo, hi = rank[ra], rank[rb]
    building_cell = np.where(building_cell >= 0, rank[np.maximum(building_cell, 0)], -1)
    return Cells(
        geometry[perm],
        cell_comm[perm],
        anchor[perm],
        whole[perm],
        np.minimum(lo, hi),
        np.maximum(lo, hi),
        ridge,
        building_cell,
    )


def _samples(
    anchors: NDArray[np.float64], footprints: NDArray[np.object_]
) -> tuple[NDArray[np.float64], NDArray[np.int64]]:
    """Outline points of every footprint, shrunk inward, plus each building's anchor."""
    n = len(anchors)
    poly = shapely.get_type_id(footprints) >= 3
    shrunk = np.full(n, None, dtype=object)
    shrunk[poly] = shapely.buffer(footprints[poly], -SHRINK_M, quad_segs=1, join_style="mitre")
    ok = poly & ~shapely.is_empty(shrunk)
    ok[ok] = shapely.area(shrunk[ok]) > 0
    lines = shapely.segmentize(shapely.boundary(shrunk[ok]), STEP_M)
    xy, idx = shapely.get_coordinates(lines, return_index=True)
    owner = np.flatnonzero(ok)[idx]
    keep = _near_or_sparse(xy, owner, footprints)
    xy, owner = xy[keep], owner[keep]
    return np.vstack([xy, anchors]), np.concatenate([owner, np.arange(n)])


def _near_or_sparse(
    xy: NDArray[np.float64], owner: NDArray[np.int64], footprints: NDArray[np.object_]
) -> NDArray[np.bool_]:
    """Samples within ``NEAR_M`` of another footprint, and every ``SPARSE_EVERY``-th other."""
    if len(xy) == 0:
        return np.zeros(0, dtype=bool)
    tree = shapely.STRtree(footprints)
    p, f = tree.query(shapely.points(xy), predicate="dwithin", distance=NEAR_M)
    near = np.zeros(len(xy), dtype=bool)
    near[p[f != owner[p]]] = True
    start = np.r_[0, np.flatnonzero(owner[1:] != owner[:-1]) + 1]
    rank = np.arange(len(xy)) - np.repeat(start, np.diff(np.r_[start, len(xy)]))
    return near | (rank % SPARSE_EVERY == 0)


def _dissolve(geoms: NDArray[np.object_], group: NDArray[np.int64], n: int) -> NDArray[np.object_]:
    """Union of the site cells of each building; Voronoi cells share exact vertices."""
    use = group >= 0
    order = np.argsort(group[use], kind="stable")
    parts, idx = geoms[use][order], group[use][order]
    out = np.empty(n, dtype=object)
    bags = shapely.geometrycollections(parts, indices=idx)
    single = np.bincount(idx, minlength=n) == 1
    first = np.searchsorted(idx, np.arange(n))
    out[single] = parts[first[single]]
    several = ~single
    try:
        # shapely's coverage_union_all is this ufunc over one collection per building.
        out[several] = shapely.lib.coverage_union(bags[several])
    except shapely.errors.GEOSException:  # pragma: no cover - non-matching edges
        out[several] = shapely.lib.unary_union(bags[several])
    return out


def _building_ridges(
    sites: Cells, site_c: NDArray[np.int64]
) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.object_]]:
    """Ridges between two buildings' cells, one multi-line per pair of cells."""
    a, b = site_c[sites.ridge_a], site_c[sites.ridge_b]
    keep = (a != b) & (a >= 0) & (b >= 0)
    lo, hi, ridge = np.minimum(a, b)[keep], np.maximum(a, b)[keep], sites.ridge[keep]
    if lo.size == 0:
        return lo, hi, ridge
    pair, inv = np.unique(np.column_stack([lo, hi]), axis=0, return_inverse=True)
    inv = inv.ravel()
    order = np.argsort(inv, kind="stable")
    merged = shapely.multilinestrings(ridge[order], indices=inv[order])
    return pair[:, 0].copy(), pair[:, 1].copy(), shapely.line_merge(merged)


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
