"""Point sampling and clustering used to lay out a district.

Farthest-point sampling spreads seeds evenly (well-shaped Voronoi cells) and
k-means groups them into streets; both are plain numpy.
"""

from __future__ import annotations

import numpy as np
import shapely
from numpy.typing import NDArray
from shapely.geometry.base import BaseGeometry


def sample_in(region: BaseGeometry, n: int, rng: np.random.Generator) -> NDArray[np.float64]:
    """Uniform random points inside ``region`` by rejection from its bounding box.

    Examples
    --------
    >>> pts = sample_in(shapely.box(0, 0, 10, 10), 3, np.random.default_rng(0))
    >>> pts.shape, bool(((pts >= 0) & (pts <= 10)).all())
    ((3, 2), True)
    """
    if n == 0:
        return np.empty((0, 2))
    if region.is_empty or region.area <= 0:
        raise ValueError(f"cannot sample {n} points in an empty region")
    out: list[NDArray[np.float64]] = []
    have = 0
    minx, miny, maxx, maxy = region.bounds
    fill = max(region.area / ((maxx - minx) * (maxy - miny)), 0.01)
    while have < n:
        k = int(1.2 * (n - have) / fill) + 16
        pts = rng.uniform([minx, miny], [maxx, maxy], (k, 2))
        pts = pts[shapely.contains_xy(region, pts[:, 0], pts[:, 1])]
        out.append(pts)
        have += len(pts)
    return np.vstack(out)[:n]


def spread(
    candidates: NDArray[np.float64],
    n: int,
    fixed: NDArray[np.float64] | None,
    rng: np.random.Generator,
) -> NDArray[np.float64]:
    """Pick ``n`` well-spread candidates by farthest-point sampling, keeping clear of ``fixed``."""
    if n == 0:
        return np.empty((0, 2))
    if fixed is not None and len(fixed):
        d = np.full(len(candidates), np.inf)
        for chunk in np.array_split(fixed, max(1, len(fixed) // 256)):
            gap = np.linalg.norm(candidates[:, None, :] - chunk[None, :, :], axis=2)
            d = np.minimum(d, gap.min(axis=1))
        first = int(np.argmax(d))
    else:
        d = np.full(len(candidates), np.inf)
        first = int(rng.integers(len(candidates)))
    chosen = [first]
    for _ in range(n - 1):
        d = np.minimum(d, np.linalg.norm(candidates - candidates[chosen[-1]], axis=1))
        chosen.append(int(np.argmax(d)))
    return candidates[chosen]


def kmeans(points: NDArray[np.float64], k: int, rng: np.random.Generator) -> NDArray[np.intp]:
    """Cluster labels 0..k-1 (Lloyd's k-means) with every cluster non-empty.

    Examples
    --------
    >>> pts = np.array([[0.0, 0.0], [0.0, 1.0], [10.0, 0.0], [10.0, 1.0]])
    >>> labels = kmeans(pts, 2, np.random.default_rng(0))
    >>> bool(labels[0] == labels[1] != labels[2] == labels[3])
    True
    """
    centres = spread(points, k, None, rng).copy()
    label = np.zeros(len(points), dtype=np.intp)
    for _ in range(50):
        dist = np.linalg.norm(points[:, None, :] - centres[None, :, :], axis=2)
        new = dist.argmin(axis=1)
        counts = np.bincount(new, minlength=k)
        for empty in np.flatnonzero(counts == 0):
            # Hand an empty cluster the point farthest from its centre among clusters
            # that can spare one.
            own = np.where(counts[new] > 1, dist[np.arange(len(points)), new], -1.0)
            far = int(np.argmax(own))
            counts[new[far]] -= 1
            new[far], counts[empty] = empty, 1
        if np.array_equal(new, label):
            break
        label = new
        for c in range(k):
            centres[c] = points[label == c].mean(axis=0)
    return label
