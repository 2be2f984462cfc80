"""The starting partition: METIS on a shuffled vertex order, then contiguity repair.

METIS (through pymetis) balances well and cuts little. Recursive bisection is
used: with a few buildings per grid it was both faster and better balanced here
than k-way with ``contig`` (about 25 ms against 50 ms for 1,000 units in 161
parts). METIS follows the vertex order more than its seed on small graphs, so
restarts shuffle the order; and bisection may leave a part in pieces, which
:func:`make_contiguous` hands to the neighbouring parts.
"""

from __future__ import annotations

import warnings

import numpy as np
import pymetis
import scipy.sparse as sp
from numpy.typing import NDArray
from scipy.sparse.csgraph import connected_components

_METIS_UFACTOR = 30  # 3 % imbalance allowed to METIS; the refinement does the rest


def metis_labels(
    w: NDArray, graph: sp.csr_matrix, k: int, rng: np.random.Generator
) -> NDArray[np.int64]:
    """METIS on the graph with its vertices shuffled: METIS follows vertex order, not its seed."""
    n = w.shape[0]
    perm = rng.permutation(n)
    inv = np.empty(n, dtype=np.int64)
    inv[perm] = np.arange(n)
    g = graph[perm][:, perm].tocsr()
    g.sort_indices()
    # METIS wants positive integer edge weights; keep their ratios to a decimetre or so.
    ew = np.maximum(np.rint(10.0 * g.data), 1).astype(np.int64)
    options = pymetis.Options(seed=int(rng.integers(2**31)), ufactor=_METIS_UFACTOR, contig=0)
    adjacency = pymetis.CSRAdjacency(g.indptr.astype(np.int64), g.indices.astype(np.int64))
    vw = np.rint(w[perm]).astype(np.int64)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        _, parts = pymetis.part_graph(
            k, adjacency, vweights=vw, eweights=ew, options=options, recursive=True
        )
    return np.asarray(parts, dtype=np.int64)[inv]


def make_contiguous(labels: NDArray[np.int64], graph: sp.csr_matrix, w: NDArray) -> NDArray:
    """Hand every stray piece of a part to the neighbouring part it touches most."""
    labels = labels.copy()
    coo = graph.tocoo()
    for _ in range(len(labels)):
        same = labels[coo.row] == labels[coo.col]
        inner = sp.csr_matrix((np.ones(same.sum()), (coo.row[same], coo.col[same])), graph.shape)
        n_comp, comp = connected_components(inner, directed=False)
        k = int(labels.max()) + 1
        if n_comp == np.unique(labels).size:
            return labels
        # Keep, for each part, its heaviest piece (lowest index on ties).
        cw = np.bincount(comp, weights=w + 1e-6, minlength=n_comp)
        part_of = np.zeros(n_comp, dtype=np.int64)
        part_of[comp] = labels
        order = np.lexsort((np.arange(n_comp), -cw, part_of))
        keep = np.zeros(n_comp, dtype=bool)
        keep[order[np.r_[True, part_of[order][1:] != part_of[order][:-1]]]] = True
        stray = ~keep[comp]
        # Strays touching a kept piece move to the part with the most shared affinity.
        edge = stray[coo.row] & ~stray[coo.col]
        if not edge.any():
            edge = stray[coo.row] & (labels[coo.row] != labels[coo.col])
        pairs = (comp[coo.row[edge]], labels[coo.col[edge]])
        gain = sp.csr_matrix((coo.data[edge] + 1e-9, pairs), shape=(n_comp, k)).toarray()
        movable = gain.sum(axis=1) > 0
        dest = np.argmax(gain, axis=1)
        move = stray & movable[comp]
        labels[move] = dest[comp[move]]
    return labels
