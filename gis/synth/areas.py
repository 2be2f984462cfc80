"""Streets and communities that tile a district exactly.

Community seeds are spread by farthest-point sampling: densely inside an urban
zone grown around the profile's cores, sparsely in the rest. Their Voronoi
cells, clipped to the zone and to its complement, are the communities; k-means
over the seeds groups them into streets, and a street is the union of its
communities. Children therefore tile their parent by construction, and urban
communities come out small and rural villages large. Everything here works in
a metric CRS.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely
from numpy.typing import NDArray
from shapely.geometry.base import BaseGeometry

from gis.synth.names import place_names
from gis.synth.profiles import Profile
from gis.synth.sampling import kmeans, sample_in, spread

_COLUMNS = ["code", "name", "level", "parent_code", "kind", "geometry"]


@dataclass(frozen=True)
class AreaLayout:
    """Streets and communities of one district in a metric CRS, plus what shaped them.

    ``communities`` also carries ``seed_x``, ``seed_y`` and ``street_name``, which
    the later stages use; ``core_angles`` (radians) orient each core's street grid.
    """

    district: BaseGeometry
    streets: gpd.GeoDataFrame
    communities: gpd.GeoDataFrame
    urban_zone: BaseGeometry
    cores: NDArray[np.float64]
    core_angles: NDArray[np.float64]


def layout_areas(
    district: BaseGeometry, crs: pyproj.CRS, profile: Profile, rng: np.random.Generator
) -> AreaLayout:
    """Tile ``district`` (metric ``crs``) into the profile's streets and communities."""
    cores = _cores(district, crs, profile, rng)
    blob = _urban_blob(district, cores, profile, rng)
    urban_region = shapely.intersection(district, blob)
    rural_region = shapely.difference(district, blob)
    n_urban, n_rural = profile.n_urban, profile.n_communities - profile.n_urban
    urban_seeds = spread(sample_in(urban_region, 40 * n_urban, rng), n_urban, None, rng)
    rural_seeds = spread(sample_in(rural_region, 40 * n_rural, rng), n_rural, urban_seeds, rng)
    seeds = np.vstack([urban_seeds, rural_seeds])
    kind = np.array(["urban"] * n_urban + ["rural"] * n_rural)
    cells = _tile(district, blob, urban_seeds, rural_seeds)
    street_of = kmeans(seeds, profile.n_streets, rng)
    streets, street_of = _streets(cells, street_of, kind, seeds, cores[0], profile, crs)
    communities = _communities(cells, seeds, kind, street_of, streets, rng, crs)
    zone = shapely.coverage_union_all(cells[:n_urban]) if n_urban else shapely.Polygon()
    angles = rng.normal(0.0, np.radians(12.0), len(cores))
    return AreaLayout(district, streets, communities, zone, cores, angles)


def _cores(
    district: BaseGeometry, crs: pyproj.CRS, profile: Profile, rng: np.random.Generator
) -> NDArray[np.float64]:
    # Profile cores are approximate; any that fall outside the district are redrawn inside.
    to_metric = pyproj.Transformer.from_crs(4326, crs, always_xy=True)
    lon, lat = np.asarray(profile.cores, dtype=float).T
    x, y = to_metric.transform(lon, lat)
    cores = np.column_stack([x, y])
    inside = shapely.contains_xy(district, cores[:, 0], cores[:, 1])
    if not inside.all():
        interior = shapely.buffer(district, -0.1 * np.sqrt(district.area))
        region = interior if not interior.is_empty else district
        cores[~inside] = sample_in(region, int((~inside).sum()), rng)
    return cores


def _urban_blob(
    district: BaseGeometry, cores: NDArray[np.float64], profile: Profile, rng: np.random.Generator
) -> BaseGeometry:
    """The urban zone's outline, not clipped: a blob of discs around each core."""
    n_urban, n_rural = profile.n_urban, profile.n_communities - profile.n_urban
    if n_urban == 0:
        return shapely.Polygon()
    if n_rural == 0:
        return shapely.buffer(shapely.envelope(district), 1000.0)
    target = min(n_urban * profile.urban_community_km2 * 1e6, 0.85 * district.area)
    # Seven overlapping discs per core (the main core weighted double), scaled by
    # bisection until the blob's part inside the district has the target area.
    weights = np.where(np.arange(len(cores)) == 0, 1.0, 0.5)
    m = 7
    centre = np.repeat(cores, m, axis=0)
    offset = rng.normal(0.0, 0.45, (len(cores) * m, 2))
    offset[::m] = 0.0
    radius = rng.uniform(0.45, 0.8, len(cores) * m)
    radius[::m] = 0.8
    size = np.repeat(np.sqrt(weights), m)

    def blob(scale: float) -> BaseGeometry:
        r = scale * size
        discs = shapely.buffer(shapely.points(centre + offset * r[:, None]), radius * r)
        return shapely.union_all(discs)

    lo, hi = 0.0, 2.0 * np.sqrt(district.area)
    while hi - lo > 1.0:
        mid = 0.5 * (lo + hi)
        if shapely.intersection(blob(mid), district).area < target:
            lo = mid
        else:
            hi = mid
    return blob(hi)


def _tile(
    district: BaseGeometry,
    blob: BaseGeometry,
    urban_seeds: NDArray[np.float64],
    rural_seeds: NDArray[np.float64],
) -> NDArray[np.object_]:
    """One cell per seed (urban first): its Voronoi cell within the blob or outside it.

    All cutting lines (both Voronoi diagrams, the blob outline, the district
    boundary) are noded together and polygonised once, so neighbouring cells share
    their edges exactly and the cells tile the district with no slivers between them.
    """
    minx, miny, maxx, maxy = district.bounds
    pad = max(maxx - minx, maxy - miny)
    frame = shapely.box(minx - pad, miny - pad, maxx + pad, maxy + pad)
    lines = [shapely.boundary(district), shapely.boundary(blob)]
    for seeds in (urban_seeds, rural_seeds):
        if len(seeds) > 1:
            pts = shapely.multipoints(seeds)
            lines.append(shapely.voronoi_polygons(pts, extend_to=frame, only_edges=True))
    parts = shapely.get_parts(shapely.get_parts(np.array(lines, dtype=object)))
    faces = shapely.get_parts(
        shapely.polygonize(shapely.get_parts(shapely.node(shapely.multilinestrings(parts))))
    )
    inside = shapely.point_on_surface(faces)
    x, y = shapely.get_x(inside), shapely.get_y(inside)
    keep = shapely.contains_xy(district, x, y)
    faces, x, y = faces[keep], x[keep], y[keep]
    urban = shapely.contains_xy(blob, x, y) if len(urban_seeds) else np.zeros(len(x), bool)
    owner = np.empty(len(faces), dtype=np.intp)
    for mask, seeds, base in ((urban, urban_seeds, 0), (~urban, rural_seeds, len(urban_seeds))):
        if mask.any():
            owner[mask] = base + _nearest(np.column_stack([x[mask], y[mask]]), seeds)
    n = len(urban_seeds) + len(rural_seeds)
    cells = np.array([shapely.coverage_union_all(faces[owner == i]) for i in range(n)])
    return _polygonal(cells)


def _nearest(points: NDArray[np.float64], seeds: NDArray[np.float64]) -> NDArray[np.intp]:
    tree = shapely.STRtree(shapely.points(seeds))
    return tree.query_nearest(shapely.points(points), all_matches=False)[1]


def _polygonal(geoms: NDArray[np.object_]) -> NDArray[np.object_]:
    """MultiPolygons of the polygon parts of each geometry (drops slivers of lines/points)."""
    parts, index = shapely.get_parts(geoms, return_index=True)
    nested = shapely.get_type_id(parts) == 7  # GeometryCollection inside a collection
    if nested.any():
        sub, sub_index = shapely.get_parts(parts[nested], return_index=True)
        parts = np.concatenate([parts[~nested], sub])
        index = np.concatenate([index[~nested], index[nested][sub_index]])
    flat, flat_index = shapely.get_parts(parts, return_index=True)
    flat_index = index[flat_index]
    keep = (shapely.get_type_id(flat) == 3) & (shapely.area(flat) > 0)
    return shapely.multipolygons(flat[keep], indices=flat_index[keep])


def _streets(
    cells: NDArray[np.object_],
    street_of: NDArray[np.intp],
    kind: NDArray[np.str_],
    seeds: NDArray[np.float64],
    main_core: NDArray[np.float64],
    profile: Profile,
    crs: pyproj.CRS,
) -> tuple[gpd.GeoDataFrame, NDArray[np.intp]]:
    k = profile.n_streets
    urban = np.bincount(street_of, weights=kind == "urban", minlength=k)
    share = urban / np.bincount(street_of, minlength=k)
    centre = np.array([seeds[street_of == s].mean(axis=0) for s in range(k)])
    # Most urban streets (街道) first, the rest by distance from the main core.
    order = np.lexsort((np.linalg.norm(centre - main_core, axis=1), -np.round(share, 2)))
    rank = np.empty(k, dtype=np.intp)
    rank[order] = np.arange(k)
    names = np.asarray(profile.street_names or _street_names(share[order]))
    codes = _street_codes(names, profile.adcode)
    geoms = np.array([shapely.coverage_union_all(cells[street_of == s]) for s in order])
    frame = gpd.GeoDataFrame(
        {
            "code": codes,
            "name": names,
            "level": "street",
            "parent_code": f"{profile.adcode}000000",
            "kind": None,
        },
        geometry=_polygonal(geoms),
        crs=crs,
    )
    return frame[_COLUMNS], rank[street_of]


def _street_names(share: NDArray[np.float64]) -> list[str]:
    base = place_names(len(share), "urban", np.random.default_rng(len(share)))
    return [f"{b[:2]}{'街道' if s >= 0.5 else '镇'}" for b, s in zip(base, share, strict=True)]


def _street_codes(names: NDArray[np.str_], adcode: str) -> list[str]:
    # GB/T 10114 style: 街道 001-099, 镇 100-199, 乡 200-399; sequential if they overflow.
    start = {"街道": 1, "镇": 100, "乡": 200}
    group = ["街道" if n.endswith("街道") else n[-1] if n[-1] in "镇乡" else "街道" for n in names]
    counts = pd.Series(group).groupby(group).cumcount().to_numpy()
    numbers = np.array([start[g] for g in group]) + counts
    limit = {"街道": 99, "镇": 199, "乡": 399}
    if any(num > limit[g] for num, g in zip(numbers, group, strict=True)):
        numbers = np.arange(1, len(names) + 1)
    return [f"{adcode}{num:03d}000" for num in numbers]


def _communities(
    cells: NDArray[np.object_],
    seeds: NDArray[np.float64],
    kind: NDArray[np.str_],
    street_of: NDArray[np.intp],
    streets: gpd.GeoDataFrame,
    rng: np.random.Generator,
    crs: pyproj.CRS,
) -> gpd.GeoDataFrame:
    n_urban = int((kind == "urban").sum())
    names = np.concatenate(
        [place_names(n_urban, "urban", rng), place_names(len(kind) - n_urban, "rural", rng)]
    )
    # Within a street, urban communities first (居委会 001-), then villages (村委会 200-),
    # each north to south.
    frame = pd.DataFrame({"street": street_of, "rural": kind == "rural", "y": -seeds[:, 1]})
    order = frame.sort_values(["street", "rural", "y"], kind="stable").index.to_numpy()
    number = frame.loc[order].groupby(["street", "rural"]).cumcount().to_numpy() + 1
    rural = frame["rural"].to_numpy()[order]
    per_group = frame.groupby(["street", "rural"]).size()
    if per_group.max() <= 199:
        number = np.where(rural, number + 199, number)
    else:
        number = frame.loc[order].groupby("street").cumcount().to_numpy() + 1
    street_codes = streets["code"].to_numpy()[street_of[order]]
    codes = [f"{s[:9]}{n:03d}" for s, n in zip(street_codes, number, strict=True)]
    out = gpd.GeoDataFrame(
        {
            "code": codes,
            "name": names[order],
            "level": "community",
            "parent_code": street_codes,
            "kind": kind[order],
            "seed_x": seeds[order, 0],
            "seed_y": seeds[order, 1],
            "street_name": streets["name"].to_numpy()[street_of[order]],
        },
        geometry=cells[order],
        crs=crs,
    )
    return out.sort_values("code", ignore_index=True)
