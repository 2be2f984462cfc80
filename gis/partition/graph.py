"""The unit graph of a whole plan: units of every chunk of communities, merged.

Units are built per chunk of communities of one CRS (:mod:`gis.partition.chunks`), then
renumbered so each community's units form one contiguous block; a community's
graph is that diagonal block of the merged matrix.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

from gis.partition.chunks import Part, unit_parts
from gis.partition.inputs import Inputs
from gis.partition.units import Units


def unit_graph(
    inputs: Inputs,
    barriers: tuple,
    *,
    workers: int | None = None,
    chunk_buildings: int | None = None,
) -> Units:
    """Units per chunk of communities (:mod:`gis.partition.chunks`: ``chunk_buildings``
    buildings, ``workers`` processes), merged and ordered by community."""
    parts = unit_parts(inputs, barriers, workers=workers, chunk_buildings=chunk_buildings)
    return _merge_units(parts, len(inputs.codes), len(inputs.ids))


def _merge_units(parts: list[Part], n_comm: int, n_build: int) -> Units:
    pieces, piece_unit, unit_comm, areas, graphs = [], [], [], [], []
    building_unit = np.full(n_build, -1, dtype=np.int64)
    offset = 0
    for part in parts:
        comms, mine, u = part.comms, part.mine, part.units
        n = len(u.unit_area)
        pieces.append(u.pieces)
        piece_unit.append(u.piece_unit + offset)
        unit_comm.append(comms[np.repeat(np.arange(len(comms)), np.diff(u.unit_ptr))])
        areas.append(u.unit_area)
        graphs.append(u.graph)
        building_unit[mine] = u.building_unit + offset
        offset += n
    unit_comm = np.concatenate(unit_comm) if unit_comm else np.empty(0, dtype=np.int64)
    perm = np.argsort(unit_comm, kind="stable")  # community-major across CRS groups
    rank = np.empty_like(perm)
    rank[perm] = np.arange(len(perm))
    graph = sp.block_diag(graphs, format="csr") if graphs else sp.csr_matrix((0, 0))
    pu = rank[np.concatenate(piece_unit)]
    return Units(
        pieces=np.concatenate(pieces),
        piece_unit=pu,
        unit_ptr=np.searchsorted(unit_comm[perm], np.arange(n_comm + 1)),
        unit_area=np.concatenate(areas)[perm],
        graph=_permuted(graph, perm),
        building_unit=np.where(building_unit >= 0, rank[np.maximum(building_unit, 0)], -1),
    )


def _permuted(graph: sp.csr_matrix, perm: NDArray[np.int64]) -> sp.csr_matrix:
    if np.array_equal(perm, np.arange(len(perm))):
        return graph.tocsr()
    out = graph.tocsr()[perm][:, perm].tocsr()
    out.sort_indices()
    return out


def unit_households(inputs: Inputs, units: Units) -> NDArray[np.float64]:
    ok = units.building_unit >= 0
    n = len(units.unit_area)
    return np.bincount(units.building_unit[ok], inputs.households[ok], minlength=n)


def community_graph(units: Units, c: int) -> sp.csr_matrix:
    """The unit graph of community ``c``: a diagonal block, cut out without a column search."""
    u0, u1 = units.unit_ptr[c], units.unit_ptr[c + 1]
    g = units.graph
    s, e = g.indptr[u0], g.indptr[u1]
    block = (g.data[s:e], g.indices[s:e] - u0, g.indptr[u0 : u1 + 1] - s)
    return sp.csr_matrix(block, shape=(u1 - u0, u1 - u0))
