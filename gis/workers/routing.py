"""Travel distance along roads: a graph from road lines, and Dijkstra from one point.

The graph's nodes are the lines' ends and crossings (``union_all`` splits lines where
they cross or touch), its edges the pieces between them, weighted by length. A point
off the network joins it at its nearest piece: the walk to the road (straight) plus the
way along the piece to either end. Lengths are in the units of the coordinates given:
callers pass metres (a local metric CRS), never degrees.

Examples
--------
An L-shaped road: the point at its far end is 20 along it, though 14.1 away as the crow
flies.

>>> import shapely
>>> graph = RoadGraph.from_lines([shapely.LineString([(0, 0), (10, 0), (10, 10)])])
>>> [round(float(d), 1) for d in graph.distances((0, 0), [(10, 10), (10, 0)])]
[20.0, 10.0]
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import shapely
from numpy.typing import NDArray
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra

MAX_SNAP = 500.0  # further than this from every road, a point is not on the network
_KEY = 0.01  # ends closer than this (1 cm in metres) are one node
_EPS = 1e-9  # scipy drops zero-weight edges; a zero-length join still joins


@dataclass(frozen=True)
class RoadGraph:
    """The noded pieces of a road network, their end nodes and lengths."""

    pieces: NDArray[np.object_]
    start: NDArray[np.int64]
    end: NDArray[np.int64]
    length: NDArray[np.float64]
    nodes: int
    tree: shapely.STRtree

    @classmethod
    def from_lines(cls, lines: Sequence[shapely.Geometry] | NDArray[np.object_]) -> RoadGraph:
        """The graph of ``lines`` (LineStrings or MultiLineStrings), noded where they meet."""
        parts = shapely.get_parts(np.asarray(lines, dtype=object))
        pieces = shapely.get_parts(shapely.union_all(parts)) if len(parts) else parts
        pieces = pieces[shapely.get_type_id(pieces) == 1]  # LineStrings; no stray points
        pieces = pieces[shapely.length(pieces) > 0]
        ends = np.vstack([
            shapely.get_coordinates(shapely.get_point(pieces, 0)),
            shapely.get_coordinates(shapely.get_point(pieces, -1)),
        ]) if len(pieces) else np.empty((0, 2))  # fmt: skip
        _, node = np.unique(np.round(ends / _KEY).astype(np.int64), axis=0, return_inverse=True)
        node = node.ravel()
        n = len(pieces)
        return cls(pieces, node[:n], node[n:], shapely.length(pieces),
                   int(node.max()) + 1 if n else 0, shapely.STRtree(pieces))  # fmt: skip

    def __len__(self) -> int:
        return len(self.pieces)

    def snap(self, points: NDArray[np.float64]) -> tuple[NDArray, NDArray, NDArray]:
        """For each point: its nearest piece (-1 beyond MAX_SNAP), the distance to it,
        and how far along the piece the nearest spot is."""
        geoms = shapely.points(np.asarray(points, dtype=float).reshape(-1, 2))
        piece = np.full(len(geoms), -1, dtype=np.int64)
        gap = np.full(len(geoms), np.inf)
        along = np.zeros(len(geoms))
        if len(self) == 0 or len(geoms) == 0:
            return piece, gap, along
        (which, nearest), dist = self.tree.query_nearest(
            geoms, max_distance=MAX_SNAP, return_distance=True, all_matches=False
        )
        piece[which] = nearest
        gap[which] = dist
        along[which] = shapely.line_locate_point(self.pieces[nearest], geoms[which])
        return piece, gap, along

    def distances(
        self, origin: Sequence[float], targets: Sequence[Sequence[float]] | NDArray
    ) -> NDArray[np.float64]:
        """The travel distance from ``origin`` to each target: to the road, along it,
        and off it again; ``inf`` where either is off the network or none joins them."""
        pts = np.vstack([np.asarray(origin, dtype=float).reshape(1, 2),
                         np.asarray(targets, dtype=float).reshape(-1, 2)])  # fmt: skip
        piece, gap, along = self.snap(pts)
        out = np.full(len(pts) - 1, np.inf)
        if piece[0] < 0:
            return out
        reach = self._from(piece[0], along[0])
        t_piece, t_along = piece[1:], along[1:]
        ok = t_piece >= 0
        p = t_piece[ok]
        via_start = reach[self.start[p]] + t_along[ok]
        via_end = reach[self.end[p]] + (self.length[p] - t_along[ok])
        best = np.minimum(via_start, via_end)
        same = p == piece[0]  # on the origin's own piece: straight along it, too
        best[same] = np.minimum(best[same], np.abs(t_along[ok][same] - along[0]))
        out[ok] = gap[0] + best + gap[1:][ok]
        return out

    def _from(self, piece: int, along: float) -> NDArray[np.float64]:
        """Dijkstra from a spot ``along`` piece ``piece``: the distance to every node."""
        source = self.nodes  # one node more: the spot itself
        rows = np.r_[self.start, source, source]
        cols = np.r_[self.end, self.start[piece], self.end[piece]]
        weights = np.r_[self.length, along, self.length[piece] - along] + _EPS
        # Two pieces between the same nodes: keep the shorter (a CSR matrix would add them).
        order = np.lexsort((weights, cols, rows))
        rows, cols, weights = rows[order], cols[order], weights[order]
        first = np.r_[True, (rows[1:] != rows[:-1]) | (cols[1:] != cols[:-1])]
        size = self.nodes + 1
        matrix = csr_matrix((weights[first], (rows[first], cols[first])), shape=(size, size))
        return dijkstra(matrix, directed=False, indices=source)[: self.nodes]
