"""What the cameras see, for a whole district: visibility polygons of all 21,260 cameras
of the Luqiao sample against its 60,113 buildings, and the coverage of its public space.

    .venv/bin/python bench/bench_cameras.py              # in memory, the sample generated
    .venv/bin/python bench/bench_cameras.py --database   # and gis.cameras.refresh on the
                                                         # configured database (make demo's)

The issue names no peer, so beside the set-based computation it times the plain way, a
shapely loop per camera (its sector minus, per footprint edge in range, the quadrilateral
the edge hides), on a random subset, and checks both give the same polygons. The sample
has no published plan, so coverage is per community (333), not per grid.
"""

from __future__ import annotations

import argparse
import itertools
import sys
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from gis.cameras.coverage import coverage  # noqa: E402
from gis.cameras.visibility import (  # noqa: E402
    _view_parameters,
    sector_polygons,
    visibility_polygons,
)
from gis.crs import metric_crs_for  # noqa: E402
from gis.synth import generate_city  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subset", type=int, default=500, help="cameras for the naive loop")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--scale", type=float, default=1.0,
        help="sample city scale (1.6 draws over 60,000 buildings, and more cameras)",
    )  # fmt: skip
    parser.add_argument("--database", action="store_true", help="also refresh the database")
    args = parser.parse_args()
    t = time.perf_counter()
    city = generate_city("331004", seed=args.seed, scale=args.scale)
    print(f"Luqiao sample generated in {time.perf_counter() - t:.1f} s: "
          f"{len(city.cameras):,} cameras, {len(city.buildings):,} buildings, "
          f"{int((city.areas['level'] == 'community').sum())} communities")  # fmt: skip
    in_memory(city, args.subset, args.seed)
    if args.database:
        database()


def in_memory(city, subset: int, seed: int) -> None:
    started = time.perf_counter()
    crs = metric_crs_for(city.buildings)
    cams, builds = city.cameras.to_crs(crs), city.buildings.to_crs(crs)
    communities = city.areas[city.areas["level"] == "community"].to_crs(crs)
    projected = time.perf_counter()
    views = visibility_polygons(cams, builds)
    seen = time.perf_counter()
    online = views[cams["status"].to_numpy() == "online"]
    cov = coverage(communities.geometry, builds.geometry, online)
    done = time.perf_counter()
    total = done - started
    print(f"\nset-based, end to end (project, views, coverage): {total:.1f} s "
          f"(target: under 60 s)")  # fmt: skip
    print(f"  project to {crs.to_string()}:            {projected - started:6.2f} s")
    print(f"  visibility polygons, {len(cams):,} cameras: {seen - projected:6.2f} s "
          f"({len(cams) / (seen - projected):,.0f} cameras/s)")  # fmt: skip
    print(f"  coverage of {len(communities)} communities:       {done - seen:6.2f} s "
          f"({len(online):,} online cameras)")  # fmt: skip
    sector = shapely.area(_sectors(cams)).sum()
    print(
        f"  seen: {views.area.sum() / 1e6:.2f} km² of {sector / 1e6:.2f} km² of sectors "
        f"({views.area.sum() / sector:.1%}: the rest is behind or inside buildings)"
    )
    print(
        f"  public space {cov.public_m2.sum() / 1e6:.1f} km², covered by an online camera "
        f"{cov.covered_m2.sum() / 1e6:.2f} km² ({cov.covered_m2.sum() / cov.public_m2.sum():.2%})"
        f"; per community median {np.median(cov.share):.2%}, max {cov.share.max():.2%}"
    )

    pick = np.sort(np.random.default_rng(seed).choice(len(cams), subset, replace=False))
    t = time.perf_counter()
    slow = _naive(cams.iloc[pick], builds)
    per_camera = (time.perf_counter() - t) / subset
    diff = shapely.area(shapely.symmetric_difference(slow, views.values[pick]))
    print(
        f"\npeer: a shapely loop per camera, on {subset} random cameras: "
        f"{per_camera * 1e3:.2f} ms a camera, so about {per_camera * len(cams):.1f} s "
        f"for all ({per_camera * len(cams) / (seen - projected):.1f}× the set-based views)"
    )
    print(
        f"  same polygons: largest symmetric difference {diff.max():.2e} m² "
        f"(of {shapely.area(slow).mean():,.0f} m² a view on average)"
    )


def _sectors(cams: gpd.GeoDataFrame) -> np.ndarray:
    x, y = shapely.get_x(cams.geometry.values), shapely.get_y(cams.geometry.values)
    return sector_polygons(x, y, *_view_parameters(cams))


def _naive(cams: gpd.GeoDataFrame, builds: gpd.GeoDataFrame) -> np.ndarray:
    footprints = np.asarray(builds.geometry.values)
    tree = shapely.STRtree(footprints)
    sectors = _sectors(cams)
    out = []
    for sector, point, reach in zip(sectors, cams.geometry, cams["range_m"], strict=True):
        p = np.array([point.x, point.y])
        hidden = []
        for poly in footprints[tree.query(sector, predicate="intersects")]:
            hidden.append(poly)
            if poly.contains(point):
                continue
            ring = np.asarray(poly.exterior.coords)
            for a, b in itertools.pairwise(ring):
                far = [p + (v - p) * 100 * reach / max(np.hypot(*(v - p)), 1e-9) for v in (b, a)]
                quad = shapely.Polygon([a, b, *far])
                if quad.is_valid and quad.area > 0:
                    hidden.append(quad)
        out.append(sector.difference(shapely.union_all(hidden)) if hidden else sector)
    return np.array(out, dtype=object)


def database() -> None:
    """gis.cameras.refresh of every camera, as `wangge cameras views --all` runs it."""
    from sqlalchemy import text

    from api.cli.common import engine
    from gis.cameras.queries import area_coverage
    from gis.cameras.refresh import refresh

    eng = engine()
    t = time.perf_counter()
    done = refresh(eng, everything=True)
    seconds = time.perf_counter() - t
    print(f"\ndatabase: views of {done.cameras:,} cameras and coverage of {done.communities} "
          f"communities, read, computed and written, in {seconds:.1f} s")  # fmt: skip
    with eng.connect() as conn:
        streets = conn.execute(text("SELECT code FROM area WHERE level = 'street'")).scalars()
        t = time.perf_counter()
        grids = [g for s in list(streets) for g in area_coverage(conn, s, "grid")["items"]]
    if grids:  # the demo publishes a plan; a database without one has no grids to cover
        seconds_grids = time.perf_counter() - t
        public = sum(g["public_m2"] for g in grids)
        covered = public - sum(g["blind_m2"] for g in grids)
        print(f"  coverage of all {len(grids)} grids of the published plan (GET /api/v1/coverage"
              f"?by=grid, street by street): {seconds_grids:.1f} s; covered {covered / public:.2%}"
              f"; end to end {seconds + seconds_grids:.1f} s")  # fmt: skip


if __name__ == "__main__":
    main()
