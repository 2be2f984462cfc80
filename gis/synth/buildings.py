"""Building footprints: apartment compounds in urban communities, clustered houses
in villages, and the shops, offices, schools and workshops between them; old towns
and 城中村 are blocks of touching buildings (:mod:`gis.synth.blocks`).

Free-standing footprints sit on a jittered, rotated lattice inside each community
(shrunk by a margin) and off the road buffers, one building per lattice cell, so
they never overlap or straddle a community boundary and no pairwise test is needed.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from numpy.typing import NDArray
from shapely.geometry.base import BaseGeometry

from gis.synth.blocks import block_buildings, rectangles
from gis.synth.building_mix import KINDS, plan_rural, plan_urban
from gis.synth.sampling import sample_in

_CELL_M = {"urban": 50.0, "rural": 22.0}
_GAP_M = {"urban": 8.0, "rural": 4.0}  # a footprint keeps half of this from its cell edge
_MARGIN_M = 3.0  # communities are shrunk by this before placing buildings
_ATTEMPTS = 14


@dataclass(frozen=True)
class Buildings:
    """Footprints (metric CRS, sorted by code) and each one's units per floor."""

    frame: gpd.GeoDataFrame
    units: NDArray[np.int64]


def build_buildings(
    communities: gpd.GeoDataFrame,
    households: NDArray[np.int64],
    angles: NDArray[np.float64],
    road_buffers: NDArray[np.object_],
    rng: np.random.Generator,
    styles: NDArray[np.str_] | None = None,
    tower_share: float = 0.0,
) -> Buildings:
    """Place buildings holding exactly ``households[i]`` households in community ``i``.

    ``angles`` (radians) orient each community's lattice, e.g. along the street grid.
    ``styles`` (:func:`gis.synth.building_mix.community_styles`) draws old towns and
    城中村 as blocks of touching buildings (:mod:`gis.synth.blocks`); estates put
    ``tower_share`` of their households in towers.
    """
    roads = shapely.STRtree(road_buffers)
    shrunk = shapely.buffer(communities.geometry.values, -_MARGIN_M)
    pieces = []
    for i, row in enumerate(communities.itertuples()):
        if households[i] == 0:
            continue
        seed = np.array([row.seed_x, row.seed_y])
        style = styles[i] if styles is not None else "estate"
        if style in ("oldtown", "urban_village"):
            drawn = block_buildings(
                style, shrunk[i], seed, angles[i], int(households[i]), roads, rng
            )
            if drawn is not None:
                pieces.append(drawn | {"community": np.full(len(drawn["kind"]), i)})
                continue
        if row.kind == "urban":
            plan = plan_urban(int(households[i]), rng, tower_share)
        else:
            plan = plan_rural(int(households[i]), rng)
        cells = _cells_for(shrunk[i], seed, angles[i], row.kind, len(plan["kind"]), roads, rng)
        pieces.append(_fit(plan, cells, i, row.kind, angles[i], rng))
    keys = ("kind", "levels", "units", "households", "number", "community", "geometry")
    data = {k: np.concatenate([p[k] for p in pieces]) for k in keys} if pieces else {}
    return _frame(communities, data)


def _cells_for(
    area: BaseGeometry,
    seed: NDArray[np.float64],
    angle: float,
    kind: str,
    need: int,
    roads: shapely.STRtree,
    rng: np.random.Generator,
) -> dict[str, NDArray]:
    """At least ``need`` free lattice cells, ranked from the cluster centre(s) outwards."""
    if area.is_empty:
        raise RuntimeError(f"no room for {need} buildings in a community thinner than 6 m")
    cell = _CELL_M[kind]
    shapely.prepare(area)
    centres = seed[None, :]
    if kind == "rural":
        n_clusters = 1 + int(need > 60) + int(need > 200)
        centres = np.vstack([centres, sample_in(area, n_clusters - 1, rng)])
    radius = np.sqrt(2.5 * need * cell**2 / (np.pi * len(centres))) + cell
    span = np.sqrt(shapely.area(shapely.envelope(area)))
    for _ in range(_ATTEMPTS):
        found = _lattice(
            area, seed, angle, cell, centres if kind == "rural" else None, radius, roads, rng
        )
        if len(found["x"]) >= need:
            score = found["dist"] * rng.uniform(0.75, 1.25, len(found["x"]))
            pick = np.argsort(score, kind="stable")[:need]
            return {k: v[pick] for k, v in found.items()} | {"cell": np.full(need, cell)}
        if kind == "rural" and radius < span:
            radius *= 1.6
        else:
            cell *= 0.85
    raise RuntimeError(f"no room for {need} buildings in a community of {area.area:.0f} m²")


def _lattice(
    area: BaseGeometry,
    seed: NDArray[np.float64],
    angle: float,
    cell: float,
    centres: NDArray[np.float64] | None,
    radius: float,
    roads: shapely.STRtree,
    rng: np.random.Generator,
) -> dict[str, NDArray]:
    c, s = np.cos(angle), np.sin(angle)
    to_frame = np.array([[c, -s], [s, c]])
    uv = (shapely.get_coordinates(area) - seed) @ to_frame
    lo, hi = uv.min(axis=0), uv.max(axis=0)
    if centres is not None:
        cuv = (centres - seed) @ to_frame
        lo = np.maximum(lo, cuv.min(axis=0) - radius)
        hi = np.minimum(hi, cuv.max(axis=0) + radius)
    off = rng.random(2)
    iu = np.arange(np.floor(lo[0] / cell) - 1, np.ceil(hi[0] / cell) + 1)
    iv = np.arange(np.floor(lo[1] / cell) - 1, np.ceil(hi[1] / cell) + 1)
    gu, gv = np.meshgrid(iu, iv)
    u, v = (gu.ravel() + off[0]) * cell, (gv.ravel() + off[1]) * cell
    ref = (centres - seed) @ to_frame if centres is not None else np.zeros((1, 2))
    dist = np.min(np.hypot(u[:, None] - ref[:, 0], v[:, None] - ref[:, 1]), axis=1)
    near = dist <= radius if centres is not None else np.ones(len(u), dtype=bool)
    u, v, dist = u[near], v[near], dist[near]
    xy = seed + np.column_stack([u, v]) @ to_frame.T
    size = np.full(len(u), cell)
    boxes = rectangles(xy[:, 0], xy[:, 1], size, size, angle)
    ok = shapely.contains(area, boxes)
    ok[roads.query(boxes, predicate="intersects")[0]] = False
    return {"x": xy[ok, 0], "y": xy[ok, 1], "u": u[ok], "v": v[ok], "dist": dist[ok]}


def _fit(
    plan: dict[str, NDArray],
    cells: dict[str, NDArray],
    community: int,
    kind: str,
    angle: float,
    rng: np.random.Generator,
) -> dict[str, NDArray]:
    """Footprint centre, size and rotation of each planned building inside its cell."""
    n = len(plan["kind"])
    cell = cells["cell"]
    inner = cell - _GAP_M[kind] * cell / _CELL_M[kind]
    tilt = np.radians(rng.uniform(-3.0, 3.0, n) if kind == "rural" else rng.uniform(-1, 1, n))
    w, d = plan["w"] * cell / _CELL_M[kind], plan["d"] * cell / _CELL_M[kind]
    ext_u = w * np.abs(np.cos(tilt)) + d * np.abs(np.sin(tilt))
    ext_v = w * np.abs(np.sin(tilt)) + d * np.abs(np.cos(tilt))
    shrink = np.minimum(1.0, inner / np.maximum(ext_u, ext_v))
    w, d, ext_u, ext_v = w * shrink, d * shrink, ext_u * shrink, ext_v * shrink
    du = rng.uniform(-1, 1, n) * (inner - ext_u) / 2
    dv = rng.uniform(-1, 1, n) * (inner - ext_v) / 2
    order = np.lexsort((cells["u"], -cells["v"]))  # numbered row by row, north first
    number = np.empty(n, dtype=np.int64)
    number[order] = np.arange(1, n + 1)
    c, s = np.cos(angle), np.sin(angle)
    x, y = cells["x"] + du * c - dv * s, cells["y"] + du * s + dv * c
    return plan | {
        "geometry": rectangles(x, y, w, d, angle + tilt),
        "number": number,
        "community": np.full(n, community),
    }


def _frame(communities: gpd.GeoDataFrame, data: dict[str, NDArray]) -> Buildings:
    ints = ("kind", "levels", "units", "households", "number", "community")
    if not data:  # no households at all (a tiny scale): typed, empty columns
        data = {k: np.zeros(0, np.int64) for k in ints} | {"geometry": np.zeros(0, object)}
    if len(data["number"]) and data["number"].max() > 9999:
        raise ValueError("more than 9,999 buildings in one community: lower the scale")
    geoms = data["geometry"]
    com = communities.iloc[data["community"]]
    number = pd.Series(data["number"], dtype=np.int64)
    suffix = np.where(com["kind"].to_numpy() == "urban", "幢", "号")
    frame = gpd.GeoDataFrame(
        {
            "code": com["code"].to_numpy() + number.map("{:04d}".format).to_numpy(dtype=str),
            "community_code": com["code"].to_numpy(),
            "address": com["street_name"].to_numpy()
            + com["name"].to_numpy()
            + number.astype(str).to_numpy()
            + suffix,
            "levels": data["levels"].astype(np.int64),
            "kind": np.asarray(KINDS)[data["kind"]],
            "households": data["households"].astype(np.int64),
        },
        geometry=geoms,
        crs=communities.crs,
    )
    order = np.argsort(frame["code"].to_numpy(), kind="stable")
    return Buildings(frame.iloc[order].reset_index(drop=True), data["units"][order])
