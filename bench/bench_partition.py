"""Benchmark of gis.partition beside PySAL spopt's max-p, then alone at scale.

    .venv/bin/python bench/bench_partition.py            # the full run (~10 min)
    .venv/bin/python bench/bench_partition.py --quick    # smaller, for a smoke run
    .venv/bin/python bench/bench_partition.py --only footprints   # one table alone

Prints four tables, each with the machine's load average beside its title (the
figures of a shared machine mean little without it):

1. the engine's graph solver and spopt ``MaxPHeuristic`` (floor = the minimum,
   dissimilarity on unit centroids) on the same units and the same graph: time,
   households per region (min, max, CV, regions above the maximum) and
   Polsby-Popper compactness; the engine also end to end on the same area;
2. the engine end to end on the Dongcheng sample city (17 streets, 205
   communities, ~300,000 households): unit polygons, partition, grid polygons
   and report, with barriers (its roads);
3. the engine end to end on about one million buildings (copies of the Luqiao
   and Haidian sample cities side by side), in a child process whose peak memory,
   with the worker processes that build the units, is reported;
4. real and old-town footprints (issue 11): OpenStreetMap buildings of Bubeneč
   (momepy's data, households by area × 5 levels) and generated old towns of
   touching courtyard houses (``gis.synth.oldtown``): the footprint units
   (morphological tessellation) beside momepy's ``morphological_tessellation``
   where it is installed, then the engine end to end (wall and CPU time: on a
   shared machine the CPU time is the closer to what an idle one would take).

The units of table 1 are the Voronoi units of Dongcheng's buildings in the
communities nearest its centre, merged into one area so that both methods
solve the same problem. Numba compiles on first use; a warm-up run comes first.
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.partition_million import TreeMemory, million
from bench.tables import table
from gis.partition import partition, solve_graph
from gis.partition.assemble import union_grids
from gis.partition.graph import unit_graph, unit_households
from gis.partition.inputs import prepare
from gis.synth import generate_city

LO, HI, TARGET = 240, 360, 300


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes for a smoke run")
    parser.add_argument("--sizes", default=None, help="units for table 1, e.g. 400,1000,2000")
    parser.add_argument("--buildings", type=int, default=None, help="buildings for table 3")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--only-footprints", action="store_true", help="table 4 alone")
    parser.add_argument(
        "--only",
        choices=("compare", "dongcheng", "million", "footprints"),
        help="one table alone (1, 2, 3 or 4)",
    )
    args = parser.parse_args()
    sizes = [int(s) for s in (args.sizes or ("400" if args.quick else "400,1000,2000")).split(",")]
    n_million = args.buildings or (150_000 if args.quick else 1_000_000)
    warnings.filterwarnings("ignore")
    only = "footprints" if args.only_footprints else args.only
    if only == "footprints":
        return footprints(args.quick, args.seed)
    if only == "million":
        return million(n_million, args.seed, quick=args.quick)
    t = time.perf_counter()
    city = generate_city("110101", seed=0, scale=1.0)
    print(f"Dongcheng sample city generated in {time.perf_counter() - t:.1f} s")
    _warm_up(city)
    if only in (None, "compare"):
        compare(city, sizes, args.seed)
    if only in (None, "dongcheng"):
        dongcheng(city, args.seed)
    if only is None:
        million(n_million, args.seed, quick=args.quick)
        footprints(args.quick, args.seed)


def _warm_up(city) -> None:
    t = time.perf_counter()
    areas = city.areas[city.areas["level"] == "community"].iloc[:3]
    partition(areas, city.buildings)
    print(f"warm-up (numba compiles on a cold cache): {time.perf_counter() - t:.1f} s\n")


def compare(city, sizes: list[int], seed: int) -> None:
    """Table 1: engine and max-p on the same units."""
    from libpysal.weights import WSP
    from spopt.region import MaxPHeuristic

    header = (
        "method",
        "units",
        "regions",
        "time s",
        "hh min",
        "hh max",
        "hh CV",
        f">{HI}",
        "PP mean",
        "PP min",
    )
    rows = []
    for size in sizes:
        region, builds = _region(city, size)
        inputs = prepare(region, builds)
        units = unit_graph(inputs, (None,))
        w = unit_households(inputs, units)
        cells = union_grids(units, np.arange(len(w)), len(w))
        graph = units.graph
        t = time.perf_counter()
        ours = solve_graph(
            w, graph, bounds=(LO, HI), target=TARGET, areas=units.unit_area, seed=seed
        )
        t_ours = time.perf_counter() - t
        t = time.perf_counter()
        plan = partition(region, builds, seed=seed)
        t_e2e = time.perf_counter() - t
        gdf = gpd.GeoDataFrame({"households": w}, geometry=cells, crs=inputs.crs[0])
        gdf["x"], gdf["y"] = gdf.centroid.x, gdf.centroid.y
        weights = WSP((graph > 0).astype(float).tocsr()).to_W(silence_warnings=True)
        np.random.seed(seed)
        model = MaxPHeuristic(gdf, weights, ["x", "y"], "households", LO, top_n=2)
        t = time.perf_counter()
        model.solve()
        t_maxp = time.perf_counter() - t
        rows.append(("engine solve", len(w), *_quality(ours, w, cells, t_ours)))
        rows.append(("engine end-to-end", len(w), *_quality(ours, w, cells, t_e2e, plan)))
        rows.append(("spopt max-p", len(w), *_quality(np.asarray(model.labels_), w, cells, t_maxp)))
        print(
            f"  {len(w)} units: solve {t_maxp / t_ours:,.0f}x faster than max-p, "
            f"end to end {t_maxp / t_e2e:,.0f}x"
        )
    table("1. engine vs spopt MaxPHeuristic, same units (floor 240; engine 240-360)", header, rows)


def _region(city, size: int) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Communities nearest the district centre holding about ``size`` buildings, as one area."""
    areas = city.areas[city.areas["level"] == "community"]
    centre = shapely.union_all(areas.geometry.to_numpy()).centroid
    order = areas.geometry.distance(centre).sort_values().index
    counts = city.buildings.groupby("community_code").size()
    codes = areas.loc[order, "code"]
    chosen = codes[np.cumsum(counts.reindex(codes).fillna(0).to_numpy()) <= size]
    merged = shapely.union_all(areas.set_index("code").loc[chosen].geometry.to_numpy())
    region = gpd.GeoDataFrame({"code": ["000000000000"]}, geometry=[merged], crs=areas.crs)
    builds = city.buildings[city.buildings["community_code"].isin(chosen)]
    return region, builds[["code", "households", "geometry"]]


def _quality(labels, w, cells, seconds: float, plan=None) -> tuple:
    if plan is not None:  # the plan's own report: what a planner sees
        r = plan.report
        over = int((plan.grids["households"] > HI).sum())
        return (
            r.grids,
            seconds,
            r.households_min,
            r.households_max,
            r.households_cv,
            over,
            r.polsby_popper_mean,
            r.polsby_popper_min,
        )
    labels = np.unique(labels, return_inverse=True)[1].ravel()  # max-p numbers from 1
    hh = np.bincount(labels, weights=w)
    order = np.argsort(labels, kind="stable")
    groups = np.split(order, np.flatnonzero(np.diff(labels[order])) + 1)
    polys = np.array([shapely.union_all(cells[g]) for g in groups], dtype=object)
    pp = 4 * np.pi * shapely.area(polys) / shapely.length(polys) ** 2
    return (
        len(hh),
        seconds,
        int(hh.min()),
        int(hh.max()),
        hh.std() / hh.mean(),
        int((hh > HI).sum()),
        pp.mean(),
        pp.min(),
    )


def dongcheng(city, seed: int) -> None:
    """Table 2: Dongcheng end to end."""
    t = time.perf_counter()
    plan = partition(city.areas, city.buildings, barriers=city.roads, seed=seed)
    seconds = time.perf_counter() - t
    r = plan.report
    header = (
        "city",
        "communities",
        "buildings",
        "households",
        "grids",
        "time s",
        "hh min",
        "hh max",
        "hh CV",
        "PP mean",
        "PP min",
        "on roads",
        "violations",
    )
    row = (
        "Dongcheng 110101",
        r.communities,
        r.buildings,
        r.households,
        r.grids,
        seconds,
        r.households_min,
        r.households_max,
        r.households_cv,
        r.polsby_popper_mean,
        r.polsby_popper_min,
        f"{100 * r.barrier_share:.0f} %",
        len(r.violations),
    )
    table("2. Dongcheng at scale 1, end to end (target < 10 s)", header, [row])
    for issue in r.violations[:5]:
        print(f"  {issue.grid or issue.community}: {issue.message}")


def footprints(quick: bool, seed: int) -> None:
    """Table 4: footprint units and the engine on touching, real-looking footprints."""
    from gis.synth.oldtown import old_town

    partition(*old_town(2, 2, seed=seed))  # numba warm-up
    cases = [("Bubeneč (OSM)", *_bubenec())] if _bubenec() else []
    for n in (8, 20) if quick else (8, 20, 38):
        cases.append((f"old town {n}×{n} blocks", *old_town(n, n, seed=seed)))
    rows = []
    for name, areas, builds in cases:
        inputs = prepare(areas, builds)
        t = time.perf_counter()
        unit_graph(inputs, (None,) * len(inputs.crs))
        units_s = time.perf_counter() - t
        ref = _momepy_seconds(areas, builds) if len(builds) <= 5_000 else "-"
        watch = TreeMemory()
        t, cpu = time.perf_counter(), time.process_time()
        r = partition(areas, builds, seed=seed).report
        e2e, e2e_cpu = time.perf_counter() - t, time.process_time() - cpu + watch.stop()[1]
        low = r.households_min
        rows.append(
            (
                name,
                r.buildings,
                r.households,
                units_s,
                ref,
                e2e,
                e2e_cpu,
                r.grids,
                low,
                r.households_max,
                r.households_cv,
                len(r.violations),
                len(r.exceptions),
            )
        )
    header = (
        "footprints",
        "buildings",
        "households",
        "units s",
        "momepy s",
        "e2e s",
        "e2e CPU s",
        "grids",
        "hh min",
        "hh max",
        "hh CV",
        "violations",
        "exceptions",
    )
    table("4. Touching footprints (target: ≥60,000 old-town buildings < 10 s)", header, rows)


def _bubenec() -> tuple | None:
    try:
        import momepy
    except ImportError:
        return None
    builds = gpd.read_file(momepy.datasets.get_path("bubenec"), layer="buildings").to_crs(32633)
    builds["code"] = builds["uID"].astype(str)
    builds["households"] = np.maximum(1, np.rint(builds.area * 5 * 0.75 / 80)).astype(int)
    limit = shapely.buffer(shapely.buffer(builds.union_all().buffer(40.0), 60.0), -60.0)
    areas = gpd.GeoDataFrame({"code": ["110101001001"]}, geometry=[limit], crs=32633)
    return areas, builds[["code", "households", "geometry"]]


def _momepy_seconds(areas, builds) -> float | str:
    try:
        import momepy
    except ImportError:
        return "-"
    t = time.perf_counter()
    for geom in areas.geometry:
        mine = builds[builds.representative_point().within(geom)]
        momepy.morphological_tessellation(mine, clip=geom)
    return time.perf_counter() - t


if __name__ == "__main__":
    main()
