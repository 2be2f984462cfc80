"""The union of each group of geometries, as array operations.

shapely unions along an axis of a 2-D array in one call; groups of very different sizes
would pad that array to the largest, so groups go into buckets of similar size (sizes
up to the next power of two) and each bucket is one call: a loop over a dozen bucket
sizes, never over groups.
"""

from __future__ import annotations

import numpy as np
import shapely
from numpy.typing import NDArray


def grouped_union(
    geoms: NDArray[np.object_], groups: NDArray[np.int64], n: int
) -> NDArray[np.object_]:
    """Union of ``geoms`` per group id in ``0..n-1``; None for a group with none.

    Examples
    --------
    >>> boxes = np.array([shapely.box(0, 0, 1, 1), shapely.box(1, 0, 2, 1),
    ...                   shapely.box(5, 5, 6, 6)])
    >>> [None if g is None else g.area for g in grouped_union(boxes, np.array([2, 2, 0]), 3)]
    [1.0, None, 2.0]
    """
    out = np.full(n, None, dtype=object)
    if len(geoms) == 0:
        return out
    order = np.argsort(groups, kind="stable")
    groups, geoms = np.asarray(groups)[order], np.asarray(geoms, dtype=object)[order]
    ids, start, counts = np.unique(groups, return_index=True, return_counts=True)
    rank = np.arange(len(groups)) - np.repeat(start, counts)
    width = 1 << np.ceil(np.log2(counts)).astype(np.int64)
    bucket_of_member = np.repeat(width, counts)
    for w in np.unique(width):
        members = bucket_of_member == w
        rows = np.repeat(np.arange(int((width == w).sum())), counts[width == w])
        table = np.full((rows[-1] + 1, int(w)), None, dtype=object)
        table[rows, rank[members]] = geoms[members]
        out[ids[width == w]] = shapely.union_all(table, axis=1)
    return out
