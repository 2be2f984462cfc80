"""Units: the indivisible pieces a grid is made of, and the graph between them.

A unit is a building's cell of the community's morphological tessellation
(:mod:`gis.partition.outline`: Voronoi cells of the footprint's shrunk outline,
dissolved per building) clipped to its community, so the units of a community
tile it exactly, each footprint lies in its own cell, and a grid is the union of
its units. A shared wall is a legal grid boundary: touching buildings stay
separate units. Three things need care:

- clipping a convex cell to a concave community can leave pieces across a notch
  (a C-shaped community): such *orphan* pieces become household-free units of
  their own, with adjacency measured on the geometry;
- footprints that genuinely overlap (more than ``_OVERLAP_M2``) are one unit
  (*must-link*), as is a footprint still reaching more than ``_MUST_LINK_M2``
  into another cell (rule 2 allows 1 m² outside the grid);
- parts of a community that touch nothing (an island without buildings, or with
  them) are linked to the nearest piece so each community's graph is connected;
  a grid may then span the water, as rule 4 allows for such communities.

Edge affinity is the shared boundary length, divided by ``BARRIER_FACTOR`` when
the segment joining the two anchors crosses a barrier, so cuts prefer barriers.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
import shapely
from numpy.typing import NDArray
from scipy.sparse.csgraph import connected_components

from gis.partition.outline import footprint_cells
from gis.partition.voronoi import Cells

BARRIER_FACTOR = 20.0
_MIN_EDGE_M = 1e-6  # shorter shared boundaries are corners, not adjacency
_MUST_LINK_M2 = 0.5  # footprint area reaching into another cell that forces a merge
_OVERLAP_M2 = 1.0  # two footprints sharing more than this are one building in practice
_INSET_M = 2e-3  # beyond the 1 mm grid of the cells' vertices
_LINK_AFFINITY = 1e-3  # islands are tied to the mainland by a nearly free edge
_GRID_M = 1e-3  # cells' own vertices lie on this absolute grid
_SEAM_M = 1e-5  # computed vertices (clip, repair) this close are one point, or on an edge


@dataclass(frozen=True)
class Units:
    """Pieces (metric polygons), the units they form, and the unit graph.

    Units of community ``c`` are ``unit_ptr[c]:unit_ptr[c + 1]``; ``graph`` is
    block-diagonal by community with shared-length affinities.
    """

    pieces: NDArray[np.object_]
    piece_unit: NDArray[np.int64]
    unit_ptr: NDArray[np.int64]
    unit_area: NDArray[np.float64]
    graph: sp.csr_matrix
    building_unit: NDArray[np.int64]


def build_units(
    polygons: NDArray[np.object_],
    points: NDArray[np.float64],
    community: NDArray[np.int64],
    footprints: NDArray[np.object_],
    barriers: NDArray[np.object_] | None = None,
) -> Units:
    """Units of buildings (anchor ``points``, sorted by ``community``) in metric ``polygons``."""
    shapely.prepare(polygons)
    cells = footprint_cells(polygons, points, community, footprints)
    clipped = _clip(cells, polygons)
    pieces, piece_cell, orphan = _explode(clipped, cells)
    order = np.lexsort((np.arange(len(pieces)), orphan, cells.community[piece_cell]))
    pieces, piece_cell, orphan = pieces[order], piece_cell[order], orphan[order]
    piece_comm = cells.community[piece_cell]
    main = np.full(len(cells.geometry), -1, dtype=np.int64)
    main[piece_cell[~orphan]] = np.flatnonzero(~orphan)
    _adopt(main, cells, pieces, piece_comm)
    anchors = np.where(orphan[:, None], _surface_xy(pieces), cells.anchor[piece_cell])
    ea, eb, length = _piece_edges(cells, polygons, clipped, pieces, piece_cell, orphan, main)
    ea, eb, length = _link_islands(pieces, piece_comm, ea, eb, length)
    affinity = _barrier_affinity(anchors, ea, eb, length, barriers)
    n = len(pieces)
    sc = cells.site_cell
    building_piece = np.where(sc >= 0, main[np.maximum(sc, 0)], -1)
    piece_unit = _must_link(pieces, piece_comm, community, footprints, building_piece)
    n_units = int(piece_unit.max()) + 1 if n else 0
    to_unit = sp.csr_matrix((np.ones(n), (np.arange(n), piece_unit)), shape=(n, n_units))
    adj = sp.csr_matrix((affinity, (ea, eb)), shape=(n, n))
    graph = (to_unit.T @ (adj + adj.T) @ to_unit).tocsr()
    graph.setdiag(0)
    graph.eliminate_zeros()
    graph.sort_indices()
    unit_comm = np.zeros(n_units, dtype=np.int64)
    unit_comm[piece_unit] = piece_comm
    unit_ptr = np.searchsorted(unit_comm, np.arange(len(polygons) + 1))
    unit_area = np.bincount(piece_unit, weights=shapely.area(pieces), minlength=n_units)
    building_unit = np.where(building_piece >= 0, piece_unit[np.maximum(building_piece, 0)], -1)
    return Units(pieces, piece_unit, unit_ptr, unit_area, graph, building_unit)


def _clip(cells: Cells, polygons: NDArray[np.object_]) -> NDArray[np.object_]:
    owner = polygons[cells.community]
    inside = ~cells.whole & shapely.contains_properly(owner, cells.geometry)
    out = cells.geometry.copy()
    todo = ~inside & ~cells.whole
    out[todo] = shapely.intersection(cells.geometry[todo], owner[todo])
    return _sew(out, cells)


def _sew(out: NDArray[np.object_], cells: Cells) -> NDArray[np.object_]:
    """Cells whose computed vertices agree with their neighbours'.

    Vertices off the 1 mm grid were computed: where clipping crosses a ridge with the
    community's boundary (each of the two cells computes it, and they can differ in
    the last bit), or where a repair puts the crossing of two edges (on the
    neighbour's edge, but not a vertex of it). Two cells then share an edge only up
    to 1e-10 m: a hair-thin gap open to the outside, and the union of both touches
    at a point only (a grid in two pieces). Such vertices within ``_SEAM_M`` become
    one point (the first in coordinate order), and every cell of the community that
    comes that close to it is snapped to it: vertex moved, or inserted in the edge.
    """
    xy, idx = shapely.get_coordinates(out, return_index=True)
    k = xy / _GRID_M
    off = (np.abs(k - np.round(k)) > 1e-3).any(axis=1) & ~cells.whole[idx]
    if not off.any():
        return out
    comm = cells.community[idx[off]]
    rows = np.unique(np.column_stack([comm, xy[off]]), axis=0)  # by community, x, y
    comm, pts = rows[:, 0].astype(np.int64), shapely.points(rows[:, 1:])
    a, b = shapely.STRtree(pts).query(pts, predicate="dwithin", distance=_SEAM_M)
    same = comm[a] == comm[b]
    n = len(pts)
    _, group = connected_components(
        sp.csr_matrix((np.ones(same.sum()), (a[same], b[same])), (n, n))
    )
    first = np.full(group.max() + 1, n)
    np.minimum.at(first, group, np.arange(n))
    canon = np.unique(first)
    pts, comm = pts[canon], comm[canon]
    p, c = shapely.STRtree(out).query(pts, predicate="dwithin", distance=_SEAM_M)
    keep = (cells.community[c] == comm[p]) & ~cells.whole[c]
    c, p = c[keep], p[keep]
    if not c.size:
        return out
    order = np.argsort(c, kind="stable")
    c, p = c[order], p[order]
    cell, start = np.unique(c, return_index=True)
    refs = shapely.multipoints(
        shapely.get_coordinates(pts[p]),
        indices=np.repeat(np.arange(len(cell)), np.diff(np.r_[start, len(c)])),
    )
    snapped = shapely.snap(out[cell], refs, _SEAM_M)
    ok = shapely.is_valid(snapped) & ~shapely.is_empty(snapped)
    out = out.copy()
    out[cell[ok]] = snapped[ok]
    return out


def _explode(clipped: NDArray[np.object_], cells: Cells) -> tuple[NDArray, NDArray, NDArray]:
    """Polygon parts of every clipped cell; the part holding the anchor is the main one."""
    parts, cell = shapely.get_parts(clipped, return_index=True)
    keep = (shapely.get_type_id(parts) == 3) & (shapely.area(parts) > 0)
    parts, cell = parts[keep], cell[keep]
    anchor = shapely.points(cells.anchor[cell])
    with np.errstate(invalid="ignore"):  # NaN anchors: communities without buildings
        dist = shapely.distance(parts, anchor)
    # Buildingless communities have no anchor: their largest part is the main one.
    dist = np.where(np.isnan(dist), -shapely.area(parts), dist)
    order = np.lexsort((dist, cell))
    first = np.r_[True, cell[order][1:] != cell[order][:-1]]
    orphan = np.ones(len(parts), dtype=bool)
    orphan[order[first]] = False
    return parts, cell, orphan


def _adopt(main: NDArray[np.int64], cells: Cells, pieces: NDArray, piece_comm: NDArray) -> None:
    """A cell left with no area (a site on a sliver of its community) joins the nearest piece."""
    for cell in np.flatnonzero(main < 0):  # practically never: a site inside has a cell
        mine = np.flatnonzero(piece_comm == cells.community[cell])
        if mine.size:
            dist = shapely.distance(pieces[mine], shapely.points(cells.anchor[cell]))
            main[cell] = mine[np.nanargmin(np.nan_to_num(dist, nan=np.inf))]


def _surface_xy(geoms: NDArray[np.object_]) -> NDArray[np.float64]:
    return shapely.get_coordinates(shapely.point_on_surface(geoms))


def _piece_edges(cells, polygons, clipped, pieces, piece_cell, orphan, main):
    """Shared boundary length between touching pieces, from the Voronoi ridges."""
    ra, rb, ridge = cells.ridge_a, cells.ridge_b, cells.ridge
    owner = polygons[cells.community[ra]]
    simple = np.bincount(piece_cell, minlength=len(clipped)) == 1
    easy = simple[ra] & simple[rb]
    length = shapely.length(ridge)
    inside = shapely.contains_properly(owner, ridge)
    clip = easy & ~inside
    length[clip] = shapely.length(shapely.intersection(ridge[clip], owner[clip]))
    ea, eb, el = [main[ra[easy]]], [main[rb[easy]]], [length[easy]]
    hard = np.flatnonzero(~easy)
    if hard.size:
        # Ridges of cells in several pieces: find which pieces each clipped part borders.
        parts, r = shapely.get_parts(
            shapely.intersection(ridge[hard], owner[hard]), return_index=True
        )
        lines = shapely.get_type_id(parts) == 1
        parts, r = parts[lines], hard[r[lines]]
        mid = shapely.line_interpolate_point(parts, 0.5, normalized=True)
        pa = _nearest_piece(mid, ra[r], pieces, piece_cell)
        pb = _nearest_piece(mid, rb[r], pieces, piece_cell)
        ea.append(pa)
        eb.append(pb)
        el.append(shapely.length(parts))
    ea, eb, el = np.concatenate(ea), np.concatenate(eb), np.concatenate(el)
    keep = (el > _MIN_EDGE_M) & (ea >= 0) & (eb >= 0)
    return ea[keep], eb[keep], el[keep]


def _nearest_piece(points, cell, pieces, piece_cell) -> NDArray[np.int64]:
    """For each point, the piece of ``cell`` nearest to it (the one its ridge part borders)."""
    by_cell = np.argsort(piece_cell, kind="stable")
    start = np.searchsorted(piece_cell[by_cell], cell)
    count = np.searchsorted(piece_cell[by_cell], cell, side="right") - start
    row = np.repeat(np.arange(len(cell)), count)
    cand = by_cell[np.repeat(start - np.cumsum(np.r_[0, count[:-1]]), count) + np.arange(row.size)]
    dist = shapely.distance(pieces[cand], points[row])
    order = np.lexsort((dist, row))
    first = np.r_[True, row[order][1:] != row[order][:-1]]
    out = np.full(len(cell), -1, dtype=np.int64)
    out[row[order][first]] = cand[order][first]
    return out


def _link_islands(pieces, piece_comm, ea, eb, length):
    """Tie every stray component of a community's piece graph to its nearest piece."""
    n = len(pieces)
    graph = sp.csr_matrix((np.ones(len(ea)), (ea, eb)), shape=(n, n))
    _, comp = connected_components(graph, directed=False)
    pairs = np.unique(np.column_stack([piece_comm, comp]), axis=0)
    several = np.unique(pairs[:-1, 0][pairs[:-1, 0] == pairs[1:, 0]])
    new_a, new_b = [], []
    for c in several:  # rare: islands and pinched communities
        idx = np.flatnonzero(piece_comm == c)
        labels = comp[idx]
        while np.unique(labels).size > 1:
            mine = labels == labels[0]
            tree = shapely.STRtree(pieces[idx[~mine]])
            (src, dst), dist = tree.query_nearest(pieces[idx[mine]], return_distance=True)
            best = np.lexsort((dst, src, dist))[0]
            a, b = idx[mine][src[best]], idx[~mine][dst[best]]
            new_a.append(a)
            new_b.append(b)
            labels[labels == comp[b]] = labels[0]
    link = np.full(len(new_a), _LINK_AFFINITY)
    ea, eb = np.r_[ea, np.asarray(new_a, dtype=np.int64)], np.r_[eb, np.asarray(new_b, np.int64)]
    return ea, eb, np.r_[length, link]


def _barrier_affinity(anchors, ea, eb, length, barriers) -> NDArray[np.float64]:
    if barriers is None or len(barriers) == 0 or len(ea) == 0:
        return length
    segments = shapely.linestrings(np.stack([anchors[ea], anchors[eb]], axis=1))
    hit, _ = shapely.STRtree(barriers).query(segments, predicate="intersects")
    crossing = np.zeros(len(ea), dtype=bool)
    crossing[hit] = True
    return np.where(crossing, length / BARRIER_FACTOR, length)


def _must_link(pieces, piece_comm, community, footprints, building_piece) -> NDArray[np.int64]:
    """Units: pieces joined where footprints overlap, or one reaches into another piece."""
    n = len(pieces)
    area = shapely.area(footprints)
    polygonal = np.flatnonzero(area > 0)
    # Only a footprint with more than the threshold outside its own piece can reach
    # that far into another: one intersection per building instead of one per neighbour.
    is_placed = building_piece[polygonal] >= 0
    placed = polygonal[is_placed]
    # Cells hold their footprints to the millimetre: a footprint shrunk by _INSET_M that
    # its piece covers has at most perimeter × _INSET_M outside, so only the others
    # (and long outlines) need the exact area.
    home = pieces[building_piece[placed]]
    shapely.prepare(home)
    insets = shapely.buffer(footprints[polygonal], -_INSET_M, quad_segs=1, join_style="mitre")
    perimeter = shapely.length(footprints[polygonal])
    inset = insets[is_placed]
    sure = shapely.covered_by(inset, home) & (perimeter[is_placed] * _INSET_M < _MUST_LINK_M2)
    check = placed[~sure]
    own = shapely.area(shapely.intersection(footprints[check], home[~sure]))
    reach = check[area[check] - own > _MUST_LINK_M2]
    shapely.destroy_prepared(home)
    b, p = shapely.STRtree(pieces).query(footprints[reach], predicate="intersects")
    b = reach[b]
    other = (p != building_piece[b]) & (piece_comm[p] == community[b]) & (building_piece[b] >= 0)
    b, p = b[other], p[other]
    if b.size:
        overlap = shapely.area(shapely.intersection(footprints[b], pieces[p]))
        big = overlap > _MUST_LINK_M2
        b, p = b[big], p[big]
    fa, fb = _overlapping(footprints[polygonal], insets, perimeter)
    fa, fb = polygonal[fa], polygonal[fb]
    pair = (fa < fb) & (community[fa] == community[fb])
    fa, fb = fa[pair], fb[pair]
    if fa.size:
        shared = shapely.area(shapely.intersection(footprints[fa], footprints[fb]))
        fa, fb = fa[shared > _OVERLAP_M2], fb[shared > _OVERLAP_M2]
    placed = (building_piece[fa] >= 0) & (building_piece[fb] >= 0)
    fa, fb = fa[placed], fb[placed]
    rows = np.r_[building_piece[b], building_piece[fa]]
    cols = np.r_[p, building_piece[fb]]
    links = sp.csr_matrix((np.ones(rows.size), (rows, cols)), shape=(n, n))
    _, unit = connected_components(links, directed=False)
    return unit.astype(np.int64)


def _overlapping(footprints, insets, perimeter) -> tuple[NDArray, NDArray]:
    """Pairs of footprints that overlap, as ``STRtree.query(predicate="overlaps")`` finds
    those that can share more than ``_OVERLAP_M2``, without a relate per touching pair.

    Where the two footprints shrunk by ``_INSET_M`` do not meet, their common part lies
    within ``_INSET_M`` of either outline: less than (sum of perimeters) × ``_INSET_M``.
    So only pairs whose insets meet, or with long outlines, can share more; in an old
    town most pairs touch and need no relate at all (0.64 s → 0.25 s on 66,088).
    """
    a, b = shapely.STRtree(footprints).query(footprints)
    a, b = a[a != b], b[a != b]
    long = (perimeter[a] + perimeter[b]) * _INSET_M >= _OVERLAP_M2
    tree = shapely.STRtree(insets)
    ia, ib = tree.query(insets, predicate="intersects")
    meet = np.zeros(len(a), dtype=bool)
    if ia.size:
        width = len(footprints)
        meet = np.isin(a * width + b, ia * width + ib)
    cand = long | meet
    a, b = a[cand], b[cand]
    hit = shapely.overlaps(footprints[a], footprints[b])
    return a[hit], b[hit]
