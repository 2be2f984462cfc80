"""Touching buildings: old-town blocks (胡同 courtyards, terraces) and 城中村 clusters.

Real districts are not all free-standing slabs, and a partition that only ever
sees slabs hides what breaks on real footprints (issue 11). A community drawn
this way gets blocks on a rotated lattice (a lane between blocks), wholly inside
the community and off the roads, nearest its centre first. Each block is drawn
in its own frame and set in place with one rotation and shift, so neighbours
that share a wall share its very coordinates, as OpenStreetMap footprints do.

- An old-town block (:func:`gis.synth.oldtown.courtyard_blocks`) is a ring of
  courtyard houses 6–11 m wide around a yard crossed by a terrace; where the
  houses cannot hold the community, yards get a tower of 400–800 households.
- A 城中村 block is rows of 3–6-storey rental buildings on small plots, most
  wall to wall and the rest a hand's breadth apart (握手楼), with lanes of
  irregular width between the rows and each block slightly askew.

Blocks are taken only as far as their capacity covers the community's
households (whole courtyard blocks, 城中村 rows building by building), so a small
sample city gets a small cluster, not a town of empty houses.
"""

from __future__ import annotations

import numpy as np
import shapely
from numpy.typing import NDArray
from shapely.geometry.base import BaseGeometry

from gis.synth.building_mix import (
    COURTYARD,
    SHOP,
    TERRACE,
    TOWER,
    TOWER_HOUSEHOLDS,
    URBAN_VILLAGE,
    allocate,
)
from gis.synth.oldtown import BLOCK_M, STREET_M, courtyard_blocks

VILLAGE_BLOCK_M = (60.0, 48.0)
VILLAGE_LANE_M = 4.0  # between blocks; lanes inside a block are 1.2–3.5 m
VILLAGE_TILT_DEG = 3.0  # each block turned by up to this, so lanes are not one grid
COURTYARD_HOUSEHOLDS = (1, 8)  # a 大杂院 holds several families
# A tower in an old-town yard: the upper part of the 300–800 range, above a grid's
# default maximum (360), so it is a grid of its own, the exception the rules allow.
# One of 300–360 among 1–8-household houses makes a community no split can fit.
YARD_TOWER = (400, TOWER_HOUSEHOLDS[1])
SHOP_SHARE = {"oldtown": 0.08, "urban_village": 0.05}  # street-front shops, no households
_OCCUPANCY = 0.9
# Households in one house beyond which blocks are no way to house the community.
_MOST_HOUSEHOLDS = {"oldtown": 12, "urban_village": 48}


def block_buildings(
    style: str,
    area: BaseGeometry,
    seed: NDArray[np.float64],
    angle: float,
    households: int,
    roads: shapely.STRtree,
    rng: np.random.Generator,
) -> dict[str, NDArray] | None:
    """Buildings holding exactly ``households`` in blocks of ``style`` (oldtown or
    urban_village): kind, levels, units, households, number and footprint. None if
    the community has no room for a block, or too little for its households (the
    caller draws it as an estate).
    """
    draw = _oldtown if style == "oldtown" else _village
    size = np.array(BLOCK_M if style == "oldtown" else VILLAGE_BLOCK_M)
    lane = STREET_M if style == "oldtown" else VILLAGE_LANE_M
    tilt = 0.0 if style == "oldtown" else VILLAGE_TILT_DEG
    per_block = 160 if style == "oldtown" else 280  # households a block holds, roughly
    centres, angles = _sites(area, seed, angle, size, lane, tilt, roads, rng)
    if not len(centres):
        return None
    need = min(len(centres), int(np.ceil(households / per_block)) + 1)
    centres, angles = centres[:need], angles[:need]
    plan, rects, block = draw(need, households, rng)
    crowded = np.isin(plan["kind"], [COURTYARD, TERRACE, URBAN_VILLAGE])
    if (plan["households"][crowded] > _MOST_HOUSEHOLDS[style]).any():
        return None  # far too little room for blocks: better drawn as an estate
    return _in_place(plan, rects, block, centres, angles, size)


def _sites(
    area: BaseGeometry,
    seed: NDArray[np.float64],
    angle: float,
    size: NDArray[np.float64],
    lane: float,
    tilt_deg: float,
    roads: shapely.STRtree,
    rng: np.random.Generator,
) -> tuple[NDArray, NDArray]:
    """Centres and angles of the blocks that fit, nearest the community's seed first."""
    pitch = size + lane
    c, s = np.cos(angle), np.sin(angle)
    to_frame = np.array([[c, -s], [s, c]])
    uv = (shapely.get_coordinates(area) - seed) @ to_frame
    lo, hi = uv.min(axis=0), uv.max(axis=0)
    off = rng.random(2) * pitch
    iu = np.arange(np.floor((lo[0] - off[0]) / pitch[0]), np.ceil((hi[0] - off[0]) / pitch[0]) + 1)
    iv = np.arange(np.floor((lo[1] - off[1]) / pitch[1]), np.ceil((hi[1] - off[1]) / pitch[1]) + 1)
    gu, gv = np.meshgrid(iu, iv)
    local = np.column_stack([gu.ravel() * pitch[0], gv.ravel() * pitch[1]]) + off
    xy = seed + local @ to_frame.T
    turn = angle + np.radians(rng.uniform(-tilt_deg, tilt_deg, len(xy)))
    boxes = rectangles(
        xy[:, 0], xy[:, 1], np.full(len(xy), size[0]), np.full(len(xy), size[1]), turn
    )
    ok = shapely.contains(area, boxes)
    ok[roads.query(boxes, predicate="intersects")[0]] = False
    dist = np.hypot(*local[ok].T) * rng.uniform(0.9, 1.1, int(ok.sum()))
    order = np.argsort(dist, kind="stable")
    return xy[ok][order], turn[ok][order]


def rectangles(
    x: NDArray[np.float64],
    y: NDArray[np.float64],
    w: NDArray[np.float64],
    d: NDArray[np.float64],
    angle: float | NDArray[np.float64],
) -> NDArray[np.object_]:
    """Rectangles centred at (x, y), ``w`` wide along ``angle`` (radians) and ``d`` deep."""
    corner = np.array([[-0.5, -0.5], [0.5, -0.5], [0.5, 0.5], [-0.5, 0.5], [-0.5, -0.5]])
    local = corner[None, :, :] * np.column_stack([w, d])[:, None, :]
    a = np.broadcast_to(np.asarray(angle, dtype=float), np.shape(x))[:, None]
    c, s = np.cos(a), np.sin(a)
    xs = x[:, None] + local[..., 0] * c - local[..., 1] * s
    ys = y[:, None] + local[..., 0] * s + local[..., 1] * c
    return shapely.polygons(np.stack([xs, ys], axis=2))


def _oldtown(
    n: int, households: int, rng: np.random.Generator
) -> tuple[dict[str, NDArray], NDArray, NDArray]:
    """Courtyard blocks; towers in as many yards as the houses fall short by 400 or more."""
    towers = np.zeros(n, dtype=bool)
    rects, block, what = _by_block(*courtyard_blocks(towers, rng))
    weight = rng.integers(COURTYARD_HOUSEHOLDS[0], COURTYARD_HOUSEHOLDS[1] + 1, len(rects))
    tower_hh = np.zeros(0, np.int64)
    short = households - int(weight.sum())
    if short >= YARD_TOWER[0]:
        n_towers = min(n, int(np.ceil(short / YARD_TOWER[1])))
        share = allocate(short, rng.uniform(0.8, 1.2, n_towers))
        tower_hh = np.clip(share, *YARD_TOWER)
        towers[rng.permutation(n)[:n_towers]] = True
        rects, block, what = _by_block(*courtyard_blocks(towers, rng))
        weight = rng.integers(COURTYARD_HOUSEHOLDS[0], COURTYARD_HOUSEHOLDS[1] + 1, len(rects))
    keep = _enough(weight * (what < 2), households - int(tower_hh.sum()), what == 2)
    keep = np.isin(block, block[keep])  # whole blocks: half a courtyard ring is no block
    rects, block, what, weight = rects[keep], block[keep], what[keep], weight[keep]
    m = len(rects)
    shop = (what == 0) & (rng.random(m) < SHOP_SHARE["oldtown"])
    house = what < 2
    held = np.zeros(m, np.int64)
    tower = np.flatnonzero(what == 2)
    held[tower] = tower_hh[: len(tower)]
    shop[np.argmax(house)] = False  # somewhere for the households to live
    homes = house & ~shop
    held[homes] = allocate(households - int(held.sum()), weight[homes].astype(float))
    levels = np.where(house, rng.choice([1, 2], m, p=[0.8, 0.2]), rng.integers(26, 34, m))
    kind = np.select([what == 2, shop, what == 1], [TOWER, SHOP, TERRACE], COURTYARD)
    return _columns(kind, levels, held), rects, block


def _village(
    n: int, households: int, rng: np.random.Generator
) -> tuple[dict[str, NDArray], NDArray, NDArray]:
    """Rows of small rental buildings, wall to wall or a hand's breadth apart."""
    rects, block = _village_rows(n, rng)
    m = len(rects)
    levels = rng.choice([3, 4, 5, 6], m, p=[0.15, 0.3, 0.3, 0.25])
    units = rng.integers(2, 7, m)
    cap = (levels * units).astype(float)
    keep = _enough(cap * _OCCUPANCY, households, np.zeros(m, bool))
    rects, block, levels, cap = rects[keep], block[keep], levels[keep], cap[keep]
    m = len(rects)
    shop = rng.random(m) < SHOP_SHARE["urban_village"]
    shop[np.argmax(cap)] = False  # somewhere for the households to live
    held = np.zeros(m, np.int64)
    held[~shop] = allocate(households, cap[~shop])
    kind = np.where(shop, SHOP, URBAN_VILLAGE)
    return _columns(kind, levels, held), rects, block


def _by_block(rects: NDArray, block: NDArray, what: NDArray) -> tuple[NDArray, NDArray, NDArray]:
    """Rows sorted block by block (nearest block first), so a prefix is whole blocks."""
    order = np.argsort(block, kind="stable")
    return rects[order], block[order], what[order]


def _village_rows(n: int, rng: np.random.Generator) -> tuple[NDArray, NDArray]:
    """Plots along rows of 9–13 m, lanes of 1.2–3.5 m between rows, in ``n`` blocks."""
    bw, bh = VILLAGE_BLOCK_M
    out, owner = [], []
    for b in range(n):
        y = 0.0
        while True:
            depth = rng.uniform(9.0, 13.0)
            if y + depth > bh:
                break
            x = rng.uniform(0.0, 3.0)  # rows start and end unevenly
            end = bw - rng.uniform(0.0, 3.0)
            while x + 6.0 <= end:
                w = min(rng.uniform(6.0, 11.0), end - x)
                if w < 6.0:
                    break
                d = depth - rng.uniform(0.0, 2.0)  # ragged lane edge
                out.append((x, y, x + w, y + d))
                owner.append(b)
                touching = rng.random() < 0.6
                x += w + (0.0 if touching else rng.uniform(0.4, 1.2))
            y += depth + rng.uniform(1.2, 3.5)
    return np.array(out).reshape(-1, 4), np.array(owner, dtype=np.int64)


def _enough(cap: NDArray, households: int, always: NDArray[np.bool_]) -> NDArray[np.bool_]:
    """The first buildings whose capacity covers ``households`` (all if none do), plus
    those flagged ``always``: blocks are taken in order, nearest the centre first."""
    covered = np.cumsum(cap) >= households
    last = int(np.argmax(covered)) if covered.any() else len(cap) - 1
    return (np.arange(len(cap)) <= last) | always


def _columns(kind: NDArray, levels: NDArray, held: NDArray) -> dict[str, NDArray]:
    levels = levels.astype(np.int64)
    units = np.maximum(1, -(-held // levels)).astype(np.int64)
    return {"kind": kind.astype(np.int64), "levels": levels, "units": units, "households": held}


def _in_place(
    plan: dict[str, NDArray],
    rects: NDArray,
    block: NDArray,
    centres: NDArray,
    angles: NDArray,
    size: NDArray,
) -> dict[str, NDArray]:
    """Footprints in the community's CRS of each block-frame rectangle.

    Corners go through one rotation and shift per block, so a cut two houses share
    lands on the very same coordinates in both: their walls coincide exactly.
    """
    x0, y0, x1, y1 = (rects - np.tile(size / 2, 2)).T
    u = np.column_stack([x0, x1, x1, x0, x0])
    v = np.column_stack([y0, y0, y1, y1, y0])
    a = angles[block][:, None]
    c, s = np.cos(a), np.sin(a)
    x = centres[block, 0, None] + u * c - v * s
    y = centres[block, 1, None] + u * s + v * c
    mid_u, mid_v = (x0 + x1) / 2, (y0 + y1) / 2
    ring = np.lexsort((mid_u, -mid_v, block))  # numbered block by block, north first
    number = np.empty(len(rects), np.int64)
    number[ring] = np.arange(1, len(rects) + 1)
    return plan | {"geometry": shapely.polygons(np.stack([x, y], axis=2)), "number": number}
