"""Benchmark of gis.hotspots beside esda, on the same data in one run.

    .venv/bin/python bench/bench_hotspots.py            # all four figures
    .venv/bin/python bench/bench_hotspots.py --quick    # 10x smaller, for a smoke run

Prints, each with its target:

1. Gi* with 999 permutations end to end (H3 indexing included) on one million
   incidents at H3 resolution 9, and esda's G_Local on the same counts and weights;
2. Gi* with 999 permutations on 100,000 H3 cells beside esda's G_Local;
3. kernel density of one million points on a 20 m raster over 400 km², GeoTIFF written;
4. emerging hot spots over one million incidents x 52 weekly steps.

Numba and esda compile on first use; both are warmed up on a small problem first so
the figures are steady-state. The synthetic city: 400 km² near Taizhou, half the
incidents uniform, half in 150 Gaussian clusters, some of them growing over the year.
"""

from __future__ import annotations

import argparse
import tempfile
import time
import warnings
from pathlib import Path

import geopandas as gpd
import h3.api.numpy_int as h3i
import numpy as np
import pandas as pd

from gis.hotspots import (
    Aggregation,
    DataWindow,
    aggregate_h3,
    contiguity,
    emerging_hotspots,
    getis_ord,
    kernel_density,
)

WEST, SOUTH = 121.30, 28.50
SIDE_KM = 20.0
T0 = pd.Timestamp("2025-01-06", tz="Asia/Shanghai")


def synthetic_incidents(n: int, seed: int = 0) -> gpd.GeoDataFrame:
    """``n`` incidents over a 20 km x 20 km square over 364 days."""
    rng = np.random.default_rng(seed)
    dlon = SIDE_KM / (111.32 * np.cos(np.radians(SOUTH + 0.09)))
    dlat = SIDE_KM / 111.32
    n_uniform = n // 2
    x = [rng.uniform(0, 1, n_uniform)]
    y = [rng.uniform(0, 1, n_uniform)]
    days = [rng.uniform(0, 364, n_uniform)]
    centres = rng.uniform(0.05, 0.95, (150, 2))
    sizes = rng.multinomial(n - n_uniform, rng.dirichlet(np.ones(150)))
    for (cx, cy), size in zip(centres, sizes, strict=True):
        sigma = rng.uniform(100, 500) / (SIDE_KM * 1000)
        x.append(cx + rng.normal(0, sigma, size))
        y.append(cy + rng.normal(0, sigma, size))
        growth = rng.choice([0.0, 1.0, 2.0])
        days.append(364 * rng.uniform(0, 1, size) ** (1.0 / (1.0 + growth)))
    lon = WEST + np.clip(np.concatenate(x), 0, 1) * dlon
    lat = SOUTH + np.clip(np.concatenate(y), 0, 1) * dlat
    times = T0 + pd.to_timedelta(np.concatenate(days), unit="D")
    frame = {"category": "theft", "reported_at": times}
    return gpd.GeoDataFrame(frame, geometry=gpd.points_from_xy(lon, lat), crs=4326)


def esda_g_local(y: np.ndarray, w, permutations: int, seed: int):
    import esda

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return esda.G_Local(y, w, transform="B", star=True, permutations=permutations,
                            seed=seed, n_jobs=1)  # fmt: skip


def timed(label: str, fn, *args, **kwargs):
    start = time.perf_counter()
    out = fn(*args, **kwargs)
    seconds = time.perf_counter() - start
    print(f"  {label:<58} {seconds:8.2f} s", flush=True)
    return out, seconds


def warm_up() -> None:
    small = synthetic_incidents(5_000, seed=99)
    agg = aggregate_h3(small, 8)
    getis_ord(agg, permutations=9, max_draws=100)
    esda_g_local(agg.counts.astype(float), contiguity(agg).to_libpysal(), 9, 0)
    emerging_hotspots(small, resolution=8)
    kernel_density(small, cell_size=100)


def bench_gi_incidents(incidents: gpd.GeoDataFrame) -> None:
    print(f"1. Gi* end to end, {len(incidents):,} incidents, H3 res 9 (target < 5 s)")
    result, ours = timed("wangge: aggregate_h3 + getis_ord (999 permutations)",
                         lambda: getis_ord(incidents, resolution=9, seed=0))  # fmt: skip
    _, seq = timed("wangge: the same with p_source='sequential'",
                   lambda: getis_ord(incidents, resolution=9, seed=0, p_source="sequential"))  # fmt: skip
    agg = result.aggregation
    print(f"     {len(agg.ids):,} cells, {int((result.gi_bin > 0).sum()):,} hot, "
          f"{int((result.gi_bin < 0).sum()):,} cold (analytic classes, FDR)")  # fmt: skip

    def esda_path():
        counted = aggregate_h3(incidents, 9)
        return esda_g_local(counted.counts.astype(float), contiguity(counted).to_libpysal(), 999, 0)

    g, theirs = timed("esda: same aggregation + G_Local(999)", esda_path)
    same = np.allclose(result.p_sim, g.p_sim, rtol=1e-6) and np.allclose(result.z, g.Zs)
    print(f"     p_sim and z equal to esda's: {same}; speed-up {theirs / ours:.1f}x "
          f"(sequential p-values: {theirs / seq:.1f}x)")  # fmt: skip


def hex_disk(n_cells: int, seed: int = 0) -> Aggregation:
    """About ``n_cells`` H3 res-10 cells in a disk, clustered Poisson counts."""
    k = int(np.ceil((-3 + np.sqrt(9 + 12 * (n_cells - 1))) / 6))
    cells = np.sort(h3i.grid_disk(h3i.latlng_to_cell(28.6, 121.4, 10), k).astype(np.int64))
    rng = np.random.default_rng(seed)
    lat, lon = np.array([h3i.cell_to_latlng(int(c)) for c in cells.view(np.uint64)]).T
    rate = np.full(len(cells), 2.0)
    for clat, clon in zip(rng.choice(lat, 60), rng.choice(lon, 60), strict=True):
        rate += 15 * np.exp(-((lat - clat) ** 2 + (lon - clon) ** 2) / (2 * 0.004**2))
    window = DataWindow(None, None, None, None, None, 0, (0.0, 0.0, 0.0, 0.0))
    return Aggregation("h3", cells, rng.poisson(rate).astype(np.int64), {"resolution": 10}, window)


def bench_gi_cells(n_cells: int) -> None:
    agg = hex_disk(n_cells)
    print(f"2. Gi* on {len(agg.ids):,} H3 cells, 999 permutations (target >= 5x esda)")
    w, _ = timed("weights (h3 ring k=1), shared by both", contiguity, agg)
    w_pysal, _ = timed("the same weights as a libpysal W, for esda", w.to_libpysal)
    gp, ours = timed("wangge getis_ord (default: 999 permutations, analytic classes)",
                     getis_ord, agg, weights=w, seed=1)  # fmt: skip
    _, seq = timed("wangge getis_ord, p_source='sequential'",
                   getis_ord, agg, weights=w, seed=1, p_source="sequential")  # fmt: skip
    g, theirs = timed("esda G_Local(999), n_jobs=1", esda_g_local,
                      agg.counts.astype(float), w_pysal, 999, 1)  # fmt: skip
    same = np.allclose(gp.p_sim, g.p_sim, rtol=1e-6) and np.allclose(gp.z, g.Zs)
    print(f"     p_sim and z equal to esda's: {same}; speed-up {theirs / ours:.1f}x "
          f"(with sequential p-values {theirs / seq:.1f}x)")  # fmt: skip


def bench_kde(incidents: gpd.GeoDataFrame) -> None:
    print(f"3. KDE of {len(incidents):,} points, 20 m cells over 400 km², COG (target < 3 s)")
    out = Path(tempfile.mkdtemp(prefix="wangge-bench-")) / "kde.tif"

    def run():
        surface = kernel_density(incidents, cell_size=20.0)
        surface.to_cog(str(out))
        return surface

    surface, _ = timed("kernel_density (quartic, rule bandwidth) + to_cog", run)
    print(f"     raster {surface.values.shape[0]} x {surface.values.shape[1]}, "
          f"bandwidth {surface.bandwidth:.0f} m, {out.stat().st_size / 1e6:.1f} MB")  # fmt: skip


def bench_emerging(incidents: gpd.GeoDataFrame) -> None:
    print(f"4. Emerging hot spots, {len(incidents):,} incidents x 52 weeks (target < 20 s)")
    result, _ = timed("emerging_hotspots (res 9, weekly, lag 1)",
                      emerging_hotspots, incidents, resolution=9, step="7D")  # fmt: skip
    cats = pd.Series(result.category).value_counts()
    print(
        f"     {result.cube.counts.shape[0]:,} cells x {result.cube.n_steps} steps; "
        + ", ".join(f"{k}: {v}" for k, v in cats.head(5).items())
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10x smaller inputs")
    args = parser.parse_args()
    scale = 10 if args.quick else 1
    print("warming up numba and esda ...", flush=True)
    warm_up()
    incidents = synthetic_incidents(1_000_000 // scale)
    bench_gi_incidents(incidents)
    bench_gi_cells(100_000 // scale)
    bench_kde(incidents)
    bench_emerging(incidents)


if __name__ == "__main__":
    main()
