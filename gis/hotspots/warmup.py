"""Compile the analyses' numba kernels before the first job needs them.

esda's kernels are compiled on first use in every process and not cached on disk:
the first local Moran's I in a fresh worker took 30.4 s, the second 0.1 s (the
Luqiao sample, 844 cells, 999 permutations). A worker runs this once at start,
on a few synthetic cells, so a user's first analysis runs at its real speed.
"""

from __future__ import annotations

import time

import geopandas as gpd
import numpy as np
import pandas as pd

from gis.hotspots.getis_ord import getis_ord
from gis.hotspots.knox import knox_test
from gis.hotspots.local_moran import local_moran


def warm_up() -> float:
    """Run each permutation kernel once on a small synthetic city; return the seconds."""
    started = time.perf_counter()
    rng = np.random.default_rng(0)
    n = 400
    lon = 121.40 + rng.normal(0, 0.01, n)
    lat = 28.50 + rng.normal(0, 0.01, n)
    times = pd.Timestamp("2026-01-01", tz="Asia/Shanghai") + pd.to_timedelta(
        rng.uniform(0, 60, n), unit="D"
    )
    points = gpd.GeoDataFrame(
        {"category": "theft", "reported_at": times},
        geometry=gpd.points_from_xy(lon, lat),
        crs=4326,
    )
    getis_ord(points, resolution=8, permutations=9, seed=0)
    local_moran(points, resolution=8, permutations=9, seed=0)
    knox_test(points, permutations=9, seed=0)
    return time.perf_counter() - started
