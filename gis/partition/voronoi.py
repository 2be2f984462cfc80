"""Voronoi cells of building points, one tessellation per community, as flat arrays.

The cells are built from a Delaunay triangulation (circumcentres of the
triangles around a point, sorted by angle) rather than from scipy's ``Voronoi``
region lists, so every step after the triangulation is a numpy operation over
all communities at once. Four far-away dummy points close every real cell, and
each community is triangulated on its own, so a community's cells never depend
on another community's buildings.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely
from numpy.typing import NDArray
from scipy.spatial import Delaunay, QhullError

# Anchors closer than this are one point: Voronoi needs distinct sites.
SNAP_M = 1e-3


@dataclass(frozen=True)
class Cells:
    """Raw (unclipped) cells of all communities and the ridges between them.

    ``geometry[i]`` is the Voronoi cell of ``anchor[i]`` in community ``community[i]``,
    or the whole community polygon where it has fewer than two sites (then
    ``whole[i]``). ``ridge_a``/``ridge_b`` are cell indices and ``ridge`` the
    shared segment, before clipping. ``site_cell[j]`` is the cell of input point j.
    """

    geometry: NDArray[np.object_]
    community: NDArray[np.int64]
    anchor: NDArray[np.float64]
    whole: NDArray[np.bool_]
    ridge_a: NDArray[np.int64]
    ridge_b: NDArray[np.int64]
    ridge: NDArray[np.object_]
    site_cell: NDArray[np.int64]


def voronoi_cells(
    polygons: NDArray[np.object_], points: NDArray[np.float64], community: NDArray[np.int64]
) -> Cells:
    """Voronoi cells of ``points`` (sorted by ``community``) per community polygon.

    A community without points gets one cell, the polygon itself, with a NaN anchor.
    """
    n_comm = len(polygons)
    starts = np.searchsorted(community, np.arange(n_comm + 1))
    site_cell = np.empty(len(points), dtype=np.int64)
    sites, site_comm, tris = [], [], []
    offset = 0
    for c in range(n_comm):
        pts = points[starts[c] : starts[c + 1]]
        uniq, inverse = _snap(pts)
        site_cell[starts[c] : starts[c + 1]] = offset + inverse
        if len(uniq) == 0:
            uniq = np.full((1, 2), np.nan)
        sites.append(uniq)
        site_comm.append(np.full(len(uniq), c, dtype=np.int64))
        if len(uniq) >= 2:
            tris.append(_triangulate(uniq, polygons[c], offset))
        offset += len(uniq)
    anchor = np.vstack(sites) if sites else np.empty((0, 2))
    comm = np.concatenate(site_comm) if site_comm else np.empty(0, dtype=np.int64)
    simplices, centres = _merge(tris)
    geometry, whole = _cell_polygons(anchor, comm, polygons, simplices, centres)
    ra, rb, ridge = _ridges(simplices, centres, len(anchor))
    return Cells(geometry, comm, anchor, whole, ra, rb, ridge, site_cell)


def _snap(pts: NDArray[np.float64]) -> tuple[NDArray[np.float64], NDArray[np.int64]]:
    if len(pts) == 0:
        return pts.reshape(0, 2), np.empty(0, dtype=np.int64)
    keys = np.round(pts / SNAP_M).astype(np.int64)
    _, first, inverse = np.unique(keys, axis=0, return_index=True, return_inverse=True)
    return pts[first], inverse.ravel()


def _triangulate(
    sites: NDArray[np.float64], polygon: shapely.Geometry, offset: int
) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
    """Delaunay triangles (global site indices, dummies negative) and their circumcentres."""
    minx, miny, maxx, maxy = shapely.bounds(polygon)
    lo = np.minimum(sites.min(axis=0), (minx, miny))
    hi = np.maximum(sites.max(axis=0), (maxx, maxy))
    centre, span = (lo + hi) / 2.0, float(np.max(hi - lo)) + 1.0
    # Dummies far enough out that no community point is nearer to them than to a site.
    far = 8.0 * span
    dummies = centre + far * np.array([[-1.0, -1.0], [1.0, -1.0], [1.0, 1.0], [-1.0, 1.0]])
    local = np.vstack([sites, dummies]) - centre  # centred, for better-conditioned circumcentres
    try:
        tri = Delaunay(local)
    except QhullError:  # pragma: no cover - dummies make the input full-dimensional
        tri = Delaunay(local, qhull_options="QJ")
    simplices = tri.simplices.astype(np.int64)
    centres = circumcentres(local[simplices]) + centre
    n = len(sites)
    return np.where(simplices < n, simplices + offset, -1), centres


def circumcentres(t: NDArray[np.float64]) -> NDArray[np.float64]:
    """Circumcentres of triangles ``t`` (n × 3 × 2): the Voronoi vertices."""
    a, b, c = t[:, 0], t[:, 1], t[:, 2]
    bx, by = b[:, 0] - a[:, 0], b[:, 1] - a[:, 1]
    cx, cy = c[:, 0] - a[:, 0], c[:, 1] - a[:, 1]
    d = 2.0 * (bx * cy - by * cx)
    b2, c2 = bx * bx + by * by, cx * cx + cy * cy
    ux = (cy * b2 - by * c2) / d
    uy = (bx * c2 - cx * b2) / d
    return np.column_stack([a[:, 0] + ux, a[:, 1] + uy])


def _merge(tris: list) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
    if not tris:
        return np.empty((0, 3), dtype=np.int64), np.empty((0, 2))
    return np.vstack([t[0] for t in tris]), np.vstack([t[1] for t in tris])


def _cell_polygons(
    anchor: NDArray, comm: NDArray, polygons: NDArray, simplices: NDArray, centres: NDArray
) -> tuple[NDArray[np.object_], NDArray[np.bool_]]:
    """Each site's cell: the circumcentres of its triangles, ordered by angle."""
    n = len(anchor)
    site = simplices.ravel()
    tri = np.repeat(np.arange(len(simplices)), 3)
    keep = site >= 0
    site, tri = site[keep], tri[keep]
    vec = centres[tri] - anchor[site]
    order = np.lexsort((np.arctan2(vec[:, 1], vec[:, 0]), site))
    site, tri = site[order], tri[order]
    geometry = np.empty(n, dtype=object)
    has = np.bincount(site, minlength=n) >= 3
    use = has[site]
    if use.any():
        ids, dense = np.unique(site[use], return_inverse=True)
        geometry[ids] = shapely.polygons(shapely.linearrings(centres[tri[use]], indices=dense))
    whole = ~has
    geometry[whole] = polygons[comm[whole]]
    return geometry, whole


def _ridges(
    simplices: NDArray[np.int64], centres: NDArray[np.float64], n: int
) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.object_]]:
    """Voronoi ridges between real sites: the segment joining the two triangles' centres."""
    if len(simplices) == 0:
        empty = np.empty(0, dtype=np.int64)
        return empty, empty, np.empty(0, dtype=object)
    a = simplices[:, [0, 1, 2]].ravel()
    b = simplices[:, [1, 2, 0]].ravel()
    tri = np.repeat(np.arange(len(simplices)), 3)
    real = (a >= 0) & (b >= 0)
    lo, hi, tri = np.minimum(a, b)[real], np.maximum(a, b)[real], tri[real]
    order = np.lexsort((tri, hi, lo))
    lo, hi, tri = lo[order], hi[order], tri[order]
    # An edge between two real sites lies in exactly two triangles (dummies close the hull).
    pair = np.flatnonzero((lo[:-1] == lo[1:]) & (hi[:-1] == hi[1:]))
    p, q = centres[tri[pair]], centres[tri[pair + 1]]
    segments = shapely.linestrings(np.stack([p, q], axis=1))
    return lo[pair], hi[pair], segments
