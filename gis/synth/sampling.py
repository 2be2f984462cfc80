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
    """Uniform random points inside ``region`` by rejection from its bounding box."""
    out: list[NDArray[np.float64]] = []
    have = 0
    minx, miny, maxx, maxy = region.bounds if n else (0, 0, 0, 0)
    fill = max(region.area / ((maxx - minx) * (maxy - miny)), 0.01) if n else 1.0
    while have < n:
        k = int(1.2 * (n - have) / fill) + 16
        pts = rng.uniform([minx, miny], [maxx, maxy], (k, 2))
        pts = pts[shapely.contains_xy(region, pts[:, 0], pts[:, 1])]
        out.append(pts)
        have += len(pts)
    return np.vstack(out)[:n] if n else np.empty((0, 2))


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
    """Cluster labels 0..k-1 with every cluster non-empty."""
    centres = spread(points, k, None, rng).copy()
    label = np.zeros(len(points), dtype=np.intp)
    for _ in range(50):
        dist = np.linalg.norm(points[:, None, :] - centres[None, :, :], axis=2)
        new = dist.argmin(axis=1)
        counts = np.bincount(new, minlength=k)
        for empty in np.flatnonzero(counts == 0):
            # Hand an empty cluster the point farthest from its own centre.
            far = int(np.argmax(dist[np.arange(len(points)), new]))
            new[far] = empty
            dist[far] = 0.0
        if np.array_equal(new, label):
            break
        label = new
        for c in range(k):
            centres[c] = points[label == c].mean(axis=0)
    return label
