"""Binary spatial weights as a CSR neighbour array, built from an aggregation.

Neighbours exclude the place itself; Gi* adds the self-weight of 1 on top, as
esda's ``G_Local(..., transform="B", star=True)`` does.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp
import shapely

from gis.errors import InvalidInput
from gis.hotspots import h3cells
from gis.hotspots.aggregation import Aggregation


@dataclass(frozen=True)
class SpatialWeights:
    """Symmetric binary neighbours of ``n`` places in CSR form (no self-pairs).

    Attributes
    ----------
    indptr, indices : ndarray of int64
        Row ``i``'s neighbours are ``indices[indptr[i]:indptr[i + 1]]`` (sorted).
    rule : str
        How they were built, e.g. ``"h3 ring k=1"``.
    """

    indptr: np.ndarray
    indices: np.ndarray
    rule: str

    @property
    def n(self) -> int:
        """Number of places."""
        return len(self.indptr) - 1

    @property
    def cardinalities(self) -> np.ndarray:
        """Neighbour count of each place."""
        return np.diff(self.indptr)

    def sparse(self) -> sp.csr_array:
        """The binary weights as a SciPy CSR array."""
        data = np.ones(len(self.indices))
        return sp.csr_array((data, self.indices, self.indptr), shape=(self.n, self.n))

    def to_libpysal(self) -> Any:
        """The same weights as a ``libpysal.weights.W`` (for esda)."""
        from libpysal.weights import WSP

        return WSP(sp.csr_matrix(self.sparse())).to_W(silence_warnings=True)

    def as_dict(self) -> dict[str, Any]:
        """Summary for a result's parameters."""
        card = self.cardinalities
        return {"rule": self.rule, "mean_neighbours": float(card.mean()) if self.n else 0.0}


def from_pairs(n: int, rows: np.ndarray, cols: np.ndarray, rule: str) -> SpatialWeights:
    """Weights from (row, col) neighbour pairs; made symmetric, duplicates dropped.

    Examples
    --------
    >>> w = from_pairs(3, np.array([0, 1]), np.array([1, 2]), "chain")
    >>> w.cardinalities.tolist()
    [1, 2, 1]
    """
    r = np.concatenate([rows, cols]).astype(np.int64)
    c = np.concatenate([cols, rows]).astype(np.int64)
    keep = r != c
    key = np.unique(r[keep] * n + c[keep])
    r, c = np.divmod(key, n)
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(r, minlength=n), out=indptr[1:])
    return SpatialWeights(indptr, c.astype(np.int64), rule)


def contiguity(agg: Aggregation, k: int = 1) -> SpatialWeights:
    """Neighbours of an aggregation's places.

    H3 cells: cells within ``k`` grid steps. Grid cells: queen contiguity widened
    to ``k`` rings (the (2k+1)² block). Polygons: polygons that touch or overlap
    (queen contiguity; ``k`` must be 1).

    Examples
    --------
    >>> from gis.hotspots.aggregation import h3_counts
    >>> from gis.hotspots.selection import DataWindow
    >>> import h3.api.numpy_int as h3i
    >>> disk = np.sort(h3i.grid_disk(h3i.latlng_to_cell(28.5, 121.4, 9), 1).astype(np.int64))
    >>> win = DataWindow(None, None, None, None, None, 0, (0, 0, 0, 0))
    >>> w = contiguity(h3_counts(disk, 9, None, win))
    >>> sorted(w.cardinalities.tolist())
    [3, 3, 3, 3, 3, 3, 6]
    """
    if isinstance(k, bool) or not isinstance(k, int | np.integer) or k < 1:
        raise InvalidInput(f"neighbourhood order k must be a positive integer, not {k!r}")
    n = len(agg.ids)
    if agg.kind == "h3":
        rows, cols = h3cells.ring_pairs(agg.ids, int(k))
        return from_pairs(n, rows, cols, f"h3 ring k={k}")
    if agg.kind == "grid":
        return _grid_queen(agg.ids, agg.params["n_cols"], int(k))
    if k != 1:
        raise InvalidInput("polygon contiguity has no order k other than 1")
    tree = shapely.STRtree(agg.polygons)
    rows, cols = tree.query(agg.polygons, predicate="intersects")
    return from_pairs(n, rows, cols, "polygon queen contiguity")


def _grid_queen(ids: np.ndarray, n_cols: int, k: int) -> SpatialWeights:
    row, col = np.divmod(ids, n_cols)
    rows_out, cols_out = [], []
    for dr in range(-k, k + 1):
        for dc in range(-k, k + 1):
            if (dr, dc) == (0, 0):
                continue
            nc = col + dc
            target = (row + dr) * n_cols + nc
            pos = np.searchsorted(ids, target)
            ok = (pos < len(ids)) & (nc >= 0) & (nc < n_cols)
            ok[ok] = ids[pos[ok]] == target[ok]
            rows_out.append(np.flatnonzero(ok))
            cols_out.append(pos[ok])
    return from_pairs(
        len(ids), np.concatenate(rows_out), np.concatenate(cols_out), f"grid queen k={k}"
    )
