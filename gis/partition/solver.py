"""The numeric core: split a weighted unit graph into connected, bounded parts.

Nothing here knows of geometry. A unit is a node with a household weight (and
optionally an area); an edge says two units touch, and its weight is how much
they belong together (shared boundary length, lowered across a barrier).
:func:`solve_graph` handles what METIS cannot: disconnected graphs (each
component is solved on its own), units above the ceiling (each becomes its own
part), and hard floors and ceilings (METIS balances to a tolerance, then
:func:`gis.partition.refine.refine` repairs and evens out the result).

Examples
--------
>>> import scipy.sparse as sp
>>> path = sp.diags([np.ones(5), np.ones(5)], [-1, 1], shape=(6, 6), format="csr")
>>> solve_graph([100] * 6, path, bounds=(200, 300)).tolist()
[0, 0, 0, 1, 1, 1]
"""

from __future__ import annotations

import math

import numpy as np
import scipy.sparse as sp
from numpy.typing import ArrayLike, NDArray
from scipy.sparse.csgraph import connected_components

from gis.partition.exact import MAX_UNITS, exact_labels
from gis.partition.metis import make_contiguous, metis_labels
from gis.partition.refine import refine_labels

# Weight of boundary length against household balance in the refinement, with
# lengths measured in grid sides (sqrt of the mean grid area).
_MU = 0.05
_MOVES_PER_UNIT = 20
_ATTEMPTS = 32  # restarts from shuffled vertex orders while a bound still fails...
_ATTEMPT_UNITS = 4000  # ...fewer on large graphs: at most this many units over all restarts


def choose_k(
    households: float,
    lo: float,
    hi: float,
    target: float | None = None,
    *,
    area: float = 0.0,
    max_area: float | None = None,
) -> int:
    """Number of grids for ``households``: nearest ``households / target`` within the bounds.

    When no count satisfies both bounds (the total is below the floor, or between
    ``k * hi`` and ``(k + 1) * lo``), the ceilings win: the fewest parts that keep
    every part at or below ``hi`` and ``max_area``.

    Examples
    --------
    >>> choose_k(1000, 240, 360, 300), choose_k(100, 240, 360), choose_k(400, 240, 360)
    (3, 1, 2)
    """
    target = target or (lo + hi) / 2.0
    k_lo = max(1, math.ceil(households / hi - 1e-9))
    if max_area:
        k_lo = max(k_lo, math.ceil(area / max_area - 1e-9))
    k_hi = math.floor(households / lo + 1e-9) if lo > 0 else k_lo
    if k_lo > k_hi:
        return k_lo
    return min(max(round(households / target), k_lo), k_hi)


def solve_graph(
    weights: ArrayLike,
    adjacency: sp.spmatrix | sp.sparray,
    *,
    k: int | None = None,
    bounds: tuple[float, float] | None = None,
    target: float | None = None,
    areas: ArrayLike | None = None,
    max_area: float | None = None,
    seed: int = 0,
) -> NDArray[np.int64]:
    """Partition a unit graph into connected parts; return each unit's part (0..K-1).

    Parameters
    ----------
    weights : (n,) households per unit, non-negative.
    adjacency : (n, n) symmetric sparse matrix; nonzero = units touch, value =
        affinity (e.g. shared boundary length). Values <= 0 count as tiny affinities.
    k : number of parts; give this or ``bounds``.
    bounds : (min, max) households per part; ``k`` is then chosen per connected
        component with :func:`choose_k`, and a unit above ``max`` is a part alone.
    target : preferred households per part (default: middle of the bounds).
    areas, max_area : unit areas and the largest part area, in the same unit.
    seed : METIS seed; the same inputs and seed give the same labels.

    Parts are numbered in order of their lowest unit index.
    """
    w = np.asarray(weights, dtype=np.float64)
    n = w.shape[0]
    a = np.zeros(n) if areas is None else np.asarray(areas, dtype=np.float64)
    graph = _symmetric(adjacency, n)
    if (k is None) == (bounds is None):
        raise ValueError("give exactly one of k and bounds")
    if np.any(w < 0) or not np.all(np.isfinite(w)):
        raise ValueError("weights must be finite and non-negative")
    if a.shape != w.shape or np.any(a < 0):
        raise ValueError("areas must be one non-negative value per unit")
    return solve_symmetric(
        w, graph, k=k, bounds=bounds, target=target, areas=a, max_area=max_area, seed=seed
    )


def solve_symmetric(
    w: NDArray[np.float64],
    graph: sp.csr_matrix,
    *,
    k: int | None,
    bounds: tuple[float, float] | None,
    target: float | None,
    areas: NDArray[np.float64],
    max_area: float | None,
    seed: int,
) -> NDArray[np.int64]:
    """:func:`solve_graph` without its checks: ``graph`` is symmetric CSR, sorted, no diagonal."""
    n, a = w.shape[0], areas
    labels = np.full(n, -1, dtype=np.int64)
    if n == 0:
        return labels
    lo, hi = (0.0, math.inf) if bounds is None else (float(bounds[0]), float(bounds[1]))
    amax = math.inf if max_area is None else float(max_area)
    free = np.ones(n, dtype=bool)
    if bounds is not None:
        free = (w <= hi) & (a <= amax)  # oversized units stand alone
        labels[~free] = np.arange(int((~free).sum()))
    next_label = int((~free).sum())
    sub_index = np.flatnonzero(free)
    sub = _subgraph(graph, sub_index)
    n_comp, comp = connected_components(sub, directed=False)
    ks = _component_parts(w[sub_index], a[sub_index], comp, n_comp, k, lo, hi, target, amax)
    for c in range(n_comp):
        members = sub_index[comp == c]
        part = _solve_connected(
            w[members], a[members], _subgraph(graph, members), ks[c], lo, hi, amax, seed
        )
        labels[members] = part + next_label
        next_label += ks[c]
    return _renumber(labels)


def _subgraph(graph: sp.csr_matrix, members: NDArray[np.int64]) -> sp.csr_matrix:
    if len(members) == graph.shape[0]:  # the common case: everything, in order
        return graph
    return graph[members][:, members].tocsr()


def _symmetric(adjacency: sp.spmatrix | sp.sparray, n: int) -> sp.csr_matrix:
    graph = sp.csr_matrix(adjacency, dtype=np.float64)
    if graph.shape != (n, n):
        raise ValueError(f"adjacency is {graph.shape}, expected ({n}, {n})")
    graph = graph.maximum(graph.T).tocsr()
    graph.setdiag(0)
    graph.eliminate_zeros()
    graph.sort_indices()
    return graph


def _component_parts(
    w: NDArray,
    a: NDArray,
    comp: NDArray,
    n_comp: int,
    k: int | None,
    lo: float,
    hi: float,
    target: float | None,
    amax: float,
) -> list[int]:
    sizes = np.bincount(comp, minlength=n_comp)
    if k is None:
        cw = np.bincount(comp, weights=w, minlength=n_comp)
        ca = np.bincount(comp, weights=a, minlength=n_comp)
        max_area = None if math.isinf(amax) else amax
        ks = [choose_k(cw[c], lo, hi, target, area=ca[c], max_area=max_area) for c in range(n_comp)]
    else:
        # A fixed k is shared across components by weight, at least one part each.
        if k < n_comp:
            raise ValueError(f"k={k} is fewer than the graph's {n_comp} connected components")
        cw = np.bincount(comp, weights=w, minlength=n_comp) + 1e-9
        share = 1 + (k - n_comp) * cw / cw.sum()
        ks = np.floor(share).astype(int)
        order = np.lexsort((-cw, -np.round(share - ks, 9)))  # ties to the heavier
        ks[order[: k - int(ks.sum())]] += 1
        ks = ks.tolist()
    return [int(min(kc, sizes[c])) for c, kc in enumerate(ks)]


def _solve_connected(
    w: NDArray,
    a: NDArray,
    graph: sp.csr_matrix,
    k: int,
    lo: float,
    hi: float,
    amax: float,
    seed: int,
) -> NDArray[np.int64]:
    """METIS, contiguity repair and refinement; restarted from shuffled orders while bounds fail."""
    n = w.shape[0]
    if k <= 1:
        return np.zeros(n, dtype=np.int64)
    if k >= n:
        return np.arange(n, dtype=np.int64)
    # Lengths in grid sides, so one weight suits small and large grids alike.
    side = math.sqrt(a.sum() / k) if a.sum() > 0 else max(float(graph.data.mean()), 1.0)
    ew = np.maximum(graph.data, 0.0) / side
    total = w.sum()
    floor = lo if k * lo <= total else 0.0  # a floor the total cannot meet is not chased
    ceiling = hi if k * hi >= total else math.inf
    indptr, indices = graph.indptr.astype(np.int64), graph.indices.astype(np.int64)
    rng = np.random.default_rng(seed)
    best, best_key = None, (math.inf, math.inf)
    for _ in range(min(_ATTEMPTS, max(4, _ATTEMPT_UNITS // n))):
        labels = make_contiguous(metis_labels(w, graph, k, rng), graph, w)
        labels = refine_labels(
            indptr, indices, ew, w, a, labels, k, (floor, ceiling, amax), _MU, _MOVES_PER_UNIT * n
        )
        key = _score(labels, w, a, k, (floor, ceiling, amax), graph, ew)
        if key < best_key:
            best, best_key = labels, key
        if best_key[0] == 0.0:
            return best
    if n <= MAX_UNITS:  # small and stuck: search exhaustively, or prove there is no split
        exact = exact_labels(indptr, indices, w, a, k, (floor, ceiling, amax))
        if exact is not None:
            return exact
    return best


def _score(labels, w, a, k, bounds, graph, ew) -> tuple[float, float]:
    """(bound violation, balance + boundary) of a labelling: lower is better."""
    lo, hi, amax = bounds
    pw = np.bincount(labels, weights=w, minlength=k)
    pa = np.bincount(labels, weights=a, minlength=k)
    violation = np.maximum(pw - hi, 0).sum() + np.maximum(lo - pw, 0).sum()
    violation += np.maximum(pa - amax, 0).sum() / amax if math.isfinite(amax) else 0.0
    coo = graph.tocoo()
    cut = ew[labels[coo.row] != labels[coo.col]].sum() / 2
    target = max(pw.mean(), 1.0)
    return float(violation), float((((pw - target) / target) ** 2).sum() + _MU * cut)


def _renumber(labels: NDArray[np.int64]) -> NDArray[np.int64]:
    uniq, first, inverse = np.unique(labels, return_index=True, return_inverse=True)
    rank = np.empty(uniq.size, dtype=np.int64)
    rank[np.argsort(first, kind="stable")] = np.arange(uniq.size)
    return rank[inverse]
