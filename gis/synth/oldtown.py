"""An old town as real ones are drawn: blocks of touching houses, courtyards, towers.

The sample cities draw free-standing rectangles, which hide what breaks a
partition on real footprints (issue 11). Here every block is a ring of
touching houses of varied widths (6–11 m, as 胡同 courtyard houses and
老城区 terraces are) around a yard with a terrace of its own; one block in
``tower_every`` holds a tower of 300–800 households in its yard instead.
Blocks are grouped into square communities that tile the town. Coordinates are
metres in a projected CRS (Beijing's 3-degree Gauss–Krüger zone by default).

Examples
--------
>>> areas, buildings = old_town(2, 2, blocks_per_community=2, seed=0)
>>> len(areas), bool(buildings.geometry.is_valid.all())
(1, True)
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely
from numpy.typing import NDArray

BLOCK_M = (100.0, 80.0)  # a block's width and height
STREET_M = 6.0  # a hutong between blocks
DEPTH_M = 12.0  # house depth along a block's edge
WIDTH_M = (6.0, 11.0)  # house widths
HOUSEHOLDS = (1, 8)  # per house: a 大杂院 holds several families
TOWER = (300, 800)
ORIGIN = (500_000.0, 4_420_000.0)
CRS = 4550  # CGCS2000 3-degree Gauss–Krüger, central meridian 117E: Beijing


def old_town(
    nx: int,
    ny: int,
    *,
    blocks_per_community: int = 3,
    tower_every: int = 25,
    seed: int = 0,
) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """``nx`` × ``ny`` blocks: communities (code, kind) and buildings (code, households)."""
    rng = np.random.default_rng(seed)
    bw, bh = BLOCK_M
    pitch = np.array([bw + STREET_M, bh + STREET_M])
    bx, by = np.meshgrid(np.arange(nx), np.arange(ny), indexing="ij")
    corner = np.column_stack([bx.ravel(), by.ravel()]) * pitch + ORIGIN
    rects, block = _houses(corner, rng)
    tower_block = rng.random(len(corner)) < 1.0 / tower_every
    yard = _yards(corner, rng, tower_block)
    rects = np.vstack([rects, yard[0]])
    block = np.concatenate([block, yard[1]])
    hh = rng.integers(HOUSEHOLDS[0], HOUSEHOLDS[1] + 1, len(rects))
    is_tower = np.r_[np.zeros(len(rects) - len(yard[1]), bool), yard[2]]
    hh[is_tower] = rng.integers(TOWER[0], TOWER[1] + 1, int(is_tower.sum()))
    geoms = shapely.box(rects[:, 0], rects[:, 1], rects[:, 2], rects[:, 3])
    k = blocks_per_community
    comm = (bx.ravel() // k) * (-(-ny // k)) + by.ravel() // k
    areas = _communities(corner, comm, pitch)
    order = np.argsort(comm[block], kind="stable")
    buildings = gpd.GeoDataFrame(
        {"code": [f"OT{i:07d}" for i in range(len(geoms))], "households": hh[order]},
        geometry=geoms[order],
        crs=CRS,
    )
    return areas, buildings


def courtyard_blocks(
    towers: NDArray[np.bool_], rng: np.random.Generator
) -> tuple[NDArray, NDArray, NDArray]:
    """The buildings of ``len(towers)`` blocks, each in its own frame (metres from its
    south-west corner): rectangles (x0, y0, x1, y1), block index, and what each is
    (0 a courtyard house of the ring, 1 a terrace house across the yard, 2 a tower,
    drawn in the yard of each block flagged in ``towers``).

    Examples
    --------
    >>> rects, block, what = courtyard_blocks(np.array([False, True]), np.random.default_rng(0))
    >>> sorted(set(what.tolist())), int((what == 2).sum())
    ([0, 1, 2], 1)
    """
    corner = np.zeros((len(towers), 2))
    ring, ring_block = _houses(corner, rng)
    yard, yard_block, is_tower = _yards(corner, rng, towers)
    what = np.r_[np.zeros(len(ring), np.int64), np.where(is_tower, 2, 1)]
    return np.vstack([ring, yard]), np.concatenate([ring_block, yard_block]), what


def _houses(corner: NDArray, rng: np.random.Generator) -> tuple[NDArray, NDArray]:
    """The ring of each block: south and north rows full width, west and east between."""
    bw, bh = BLOCK_M
    out, owner = [], []
    for side, (length, horizontal) in enumerate(
        [(bw, True), (bw, True), (bh - 2 * DEPTH_M, False), (bh - 2 * DEPTH_M, False)]
    ):
        edges, blk = _splits(len(corner), length, rng)
        a, b = edges[:, 0], edges[:, 1]
        x0, y0 = corner[blk, 0], corner[blk, 1]
        if horizontal:
            y = y0 if side == 0 else y0 + bh - DEPTH_M
            out.append(np.column_stack([x0 + a, y, x0 + b, y + DEPTH_M]))
        else:
            x = x0 if side == 2 else x0 + bw - DEPTH_M
            out.append(np.column_stack([x, y0 + DEPTH_M + a, x + DEPTH_M, y0 + DEPTH_M + b]))
        owner.append(blk)
    return np.vstack(out), np.concatenate(owner)


def _splits(n: int, length: float, rng: np.random.Generator) -> tuple[NDArray, NDArray]:
    """Cut ``n`` edges of ``length`` into houses whose widths all lie in ``WIDTH_M``.

    Widths are drawn uniformly, then the shortfall or excess is spread over the
    houses in proportion to the room each has left within the range, so the row
    fills its edge exactly and no house ends narrower or wider than the range.
    Neighbours share the same cut, so their walls coincide.
    """
    lo, hi = WIDTH_M
    m = min(max(round(2 * length / (lo + hi)), int(np.ceil(length / hi))), int(length // lo))
    w = rng.uniform(lo, hi, (n, m))
    short = length - w.sum(axis=1, keepdims=True)
    room = np.where(short > 0, hi - w, w - lo)
    w = w + short * room / room.sum(axis=1, keepdims=True)
    cut = np.concatenate([np.zeros((n, 1)), np.cumsum(w, axis=1)], axis=1)
    cut[:, -1] = length
    blk = np.repeat(np.arange(n), m)
    return np.column_stack([cut[:, :-1].ravel(), cut[:, 1:].ravel()]), blk


def _yards(corner, rng, tower_block) -> tuple[NDArray, NDArray, NDArray]:
    """A terrace across each yard, or a tower in one block in ``tower_every``."""
    bw, bh = BLOCK_M
    gap = 5.0
    n = len(corner)
    edges, blk = _splits(n, bw - 2 * (DEPTH_M + gap), rng)
    terrace = ~tower_block[blk]
    y = corner[blk, 1] + bh / 2 - 5.0
    x = corner[blk, 0] + DEPTH_M + gap
    rows = np.column_stack([x + edges[:, 0], y, x + edges[:, 1], y + 10.0])[terrace]
    t = np.flatnonzero(tower_block)
    cx, cy = corner[t, 0] + bw / 2, corner[t, 1] + bh / 2
    towers = np.column_stack([cx - 15.0, cy - 12.0, cx + 15.0, cy + 12.0])
    rects = np.vstack([rows, towers])
    owner = np.concatenate([blk[terrace], t])
    return rects, owner, np.r_[np.zeros(len(rows), bool), np.ones(len(t), bool)]


def _communities(corner: NDArray, comm: NDArray, pitch: NDArray) -> gpd.GeoDataFrame:
    """Each community: the box around its blocks, half a street wide all round."""
    half = STREET_M / 2
    ids = np.unique(comm)
    lo = np.array([corner[comm == c].min(axis=0) for c in ids]) - half
    hi = np.array([corner[comm == c].max(axis=0) for c in ids]) + pitch - half
    codes = [f"110101{900 + i // 1000:03d}{i % 1000:03d}" for i in range(len(ids))]
    geoms = shapely.box(lo[:, 0], lo[:, 1], hi[:, 0], hi[:, 1])
    return gpd.GeoDataFrame({"code": codes, "kind": "urban"}, geometry=geoms, crs=CRS)
