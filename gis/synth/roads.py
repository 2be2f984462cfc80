"""A road network: arterials between street centres, secondary roads between
villages, and a local street grid in the urban zone.

Roads are drawn in the metric CRS as gently wiggling polylines, clipped to the
district. Their buffers (:func:`road_buffers`) keep buildings off the carriageway.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely
from numpy.typing import NDArray
from shapely.geometry.base import BaseGeometry

from gis.synth.areas import AreaLayout
from gis.synth.names import road_names

# Half the carriageway width plus a setback, in metres: buildings stay outside.
HALF_WIDTH = {"arterial": 20.0, "secondary": 11.0, "local": 9.0}
_LOCAL_SPACING_M = 320.0
_MIN_PIECE_M = 80.0


def build_roads(layout: AreaLayout, adcode: str, rng: np.random.Generator) -> gpd.GeoDataFrame:
    """Roads of the district as a metric GeoDataFrame (code, name, kind, geometry).

    Examples
    --------
    >>> HALF_WIDTH["arterial"] > HALF_WIDTH["local"]
    True
    """
    communities = layout.communities
    crs = communities.crs
    centres = shapely.get_coordinates(shapely.point_on_surface(layout.streets.geometry.values))
    hubs = np.vstack([layout.cores, centres])
    arterial = _links(hubs, rng, extra_share=1.0, max_ratio=1.6, wiggle=0.03)
    seeds = communities[["seed_x", "seed_y"]].to_numpy()
    rural = communities["kind"].to_numpy() == "rural"
    secondary = _links(seeds, rng, extra_share=0.3, max_ratio=1.3, wiggle=0.06, skip=~rural)
    local = _grid(layout, rng)
    parts, kinds = [], []
    for kind, lines in (("arterial", arterial), ("secondary", secondary), ("local", local)):
        pieces = _clip(lines, layout.district)
        parts.append(pieces)
        kinds += [kind] * len(pieces)
    geoms = np.concatenate(parts)
    kind_arr = np.array(kinds, dtype=str)
    codes = [f"R{adcode}{i:05d}" for i in range(1, len(geoms) + 1)]
    frame = gpd.GeoDataFrame(
        {"code": codes, "name": road_names(kind_arr, rng), "kind": kind_arr},
        geometry=geoms,
        crs=crs,
    )
    return frame


def road_buffers(roads: gpd.GeoDataFrame) -> NDArray[np.object_]:
    """Polygons each road occupies, including the setback buildings keep from it."""
    width = roads["kind"].map(HALF_WIDTH).to_numpy(dtype=float)
    return shapely.buffer(roads.geometry.values, width, cap_style="flat")


def _links(
    points: NDArray[np.float64],
    rng: np.random.Generator,
    *,
    extra_share: float,
    max_ratio: float,
    wiggle: float,
    skip: NDArray[np.bool_] | None = None,
) -> NDArray[np.object_]:
    """Minimum spanning tree of ``points`` plus short Delaunay edges, as wiggly lines.

    Edges whose both ends are flagged in ``skip`` are left out (the urban grid serves
    them).
    """
    if len(points) < 2:
        return np.empty(0, dtype=object)
    edges = shapely.get_parts(
        shapely.delaunay_triangles(shapely.multipoints(points), only_edges=True)
    )
    if len(edges) == 0:  # collinear points have no triangles
        order = np.argsort(points[:, 0])
        pairs = np.column_stack([order[:-1], order[1:]])
    else:
        ends = shapely.get_coordinates(edges).reshape(-1, 2, 2)
        tree = shapely.STRtree(shapely.points(points))
        pairs = tree.query_nearest(shapely.points(ends.reshape(-1, 2)))[1].reshape(-1, 2)
    length = np.linalg.norm(points[pairs[:, 0]] - points[pairs[:, 1]], axis=1)
    tree_edges = _mst(points, pairs, length)
    keep = tree_edges | (
        (length <= max_ratio * np.median(length)) & (rng.random(len(pairs)) < extra_share)
    )
    if skip is not None:
        keep &= ~(skip[pairs[:, 0]] & skip[pairs[:, 1]])
    pairs = pairs[keep]
    return _wiggle(points[pairs[:, 0]], points[pairs[:, 1]], wiggle, rng)


def _mst(
    points: NDArray[np.float64], pairs: NDArray[np.intp], length: NDArray[np.float64]
) -> NDArray[np.bool_]:
    """Kruskal over the candidate edges; returns which edges are in the tree."""
    parent = np.arange(len(points))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    chosen = np.zeros(len(pairs), dtype=bool)
    for e in np.argsort(length, kind="stable"):
        a, b = find(int(pairs[e, 0])), find(int(pairs[e, 1]))
        if a != b:
            parent[a] = b
            chosen[e] = True
    return chosen


def _wiggle(
    start: NDArray[np.float64], end: NDArray[np.float64], amp: float, rng: np.random.Generator
) -> NDArray[np.object_]:
    """Polylines from ``start`` to ``end`` bowed sideways by up to ``amp`` of their length."""
    k = 9
    t = np.linspace(0.0, 1.0, k)
    vec = end - start
    normal = np.column_stack([-vec[:, 1], vec[:, 0]])
    bow = rng.uniform(-amp, amp, len(start))[:, None] * np.sin(np.pi * t)[None, :]
    bow += rng.normal(0.0, amp / 4, (len(start), k)) * np.sin(np.pi * t)[None, :]
    coords = (
        start[:, None, :]
        + t[None, :, None] * vec[:, None, :]
        + bow[:, :, None] * normal[:, None, :]
    )
    return shapely.linestrings(coords)


def _grid(layout: AreaLayout, rng: np.random.Generator) -> NDArray[np.object_]:
    """Local streets: one rotated grid per core over the part of the zone nearest to it."""
    zone = layout.urban_zone
    if zone.is_empty:
        return np.empty(0, dtype=object)
    cores = layout.cores
    if len(cores) > 1:
        minx, miny, maxx, maxy = zone.bounds
        frame = shapely.box(minx - 1e4, miny - 1e4, maxx + 1e4, maxy + 1e4)
        cells = shapely.get_parts(
            shapely.voronoi_polygons(shapely.multipoints(cores), extend_to=frame, ordered=True)
        )
    else:
        cells = np.array([zone.envelope.buffer(10.0)])
    out = []
    for core, angle, cell in zip(cores, layout.core_angles, cells, strict=True):
        region = shapely.intersection(zone, cell)
        if region.is_empty:
            continue
        out.append(shapely.intersection(_lines(core, angle, region, rng), region))
    return np.array(out, dtype=object)


def _lines(
    core: NDArray[np.float64], angle: float, region: BaseGeometry, rng: np.random.Generator
) -> BaseGeometry:
    coords = shapely.get_coordinates(region) - core
    c, s = np.cos(angle), np.sin(angle)
    u, v = (coords @ np.array([[c, -s], [s, c]])).T  # into the grid's frame
    lines = []
    for lo, hi, along_lo, along_hi, flip in (
        (u.min(), u.max(), v.min(), v.max(), False),
        (v.min(), v.max(), u.min(), u.max(), True),
    ):
        offs = np.arange(np.floor(lo / _LOCAL_SPACING_M), np.ceil(hi / _LOCAL_SPACING_M) + 1)
        offs = offs * _LOCAL_SPACING_M + rng.uniform(-40, 40, len(offs))
        a = np.column_stack([offs, np.full_like(offs, along_lo - 10)])
        b = np.column_stack([offs, np.full_like(offs, along_hi + 10)])
        if flip:
            a, b = a[:, ::-1], b[:, ::-1]
        seg = np.stack([a, b], axis=1)
        rot = np.array([[c, s], [-s, c]])  # back to map axes
        lines.append(seg @ rot + core)
    return shapely.multilinestrings(shapely.linestrings(np.concatenate(lines)))


def _clip(lines: NDArray[np.object_], district: BaseGeometry) -> NDArray[np.object_]:
    if len(lines) == 0:
        return np.empty(0, dtype=object)
    parts = shapely.get_parts(shapely.line_merge(shapely.intersection(lines, district)))
    parts = shapely.get_parts(parts[shapely.get_type_id(parts) != 7])
    parts = parts[np.isin(shapely.get_type_id(parts), [1, 2])]
    return parts[shapely.length(parts) >= _MIN_PIECE_M]
