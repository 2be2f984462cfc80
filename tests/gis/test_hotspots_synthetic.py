"""Synthetic incidents for the hotspot tests: uniform noise plus planted clusters.

The factory lives here (a test module of its own, so it is checked too) and the
other ``test_hotspots_*`` modules import it.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd

BBOX = (121.30, 28.50, 121.40, 28.58)
"""About 9.8 km x 8.9 km near Luqiao, Taizhou."""
T0 = pd.Timestamp("2026-01-05", tz="Asia/Shanghai")
M_PER_DEG_LAT = 111_320.0


@dataclass(frozen=True)
class Cluster:
    """``n`` incidents within about ``radius_m`` of (lon, lat), on days [day0, day1)."""

    lon: float
    lat: float
    n: int
    radius_m: float = 150.0
    day0: float = 0.0
    day1: float = 364.0
    category: str = "theft"


def make_incidents(
    n_uniform: int,
    clusters: tuple[Cluster, ...] = (),
    *,
    seed: int,
    days: float = 364.0,
    bbox: tuple[float, float, float, float] = BBOX,
    category: str = "theft",
) -> gpd.GeoDataFrame:
    """Uniform incidents over ``bbox`` and ``days`` plus the planted ``clusters``."""
    rng = np.random.default_rng(seed)
    lon = [rng.uniform(bbox[0], bbox[2], n_uniform)]
    lat = [rng.uniform(bbox[1], bbox[3], n_uniform)]
    day = [rng.uniform(0, days, n_uniform)]
    cat = [np.full(n_uniform, category, dtype=object)]
    for c in clusters:
        r = c.radius_m * np.sqrt(rng.uniform(0, 1, c.n))
        a = rng.uniform(0, 2 * np.pi, c.n)
        lat.append(c.lat + r * np.sin(a) / M_PER_DEG_LAT)
        lon.append(c.lon + r * np.cos(a) / (M_PER_DEG_LAT * np.cos(np.radians(c.lat))))
        day.append(rng.uniform(c.day0, c.day1, c.n))
        cat.append(np.full(c.n, c.category, dtype=object))
    times = T0 + pd.to_timedelta(np.concatenate(day), unit="D")
    frame = {"category": np.concatenate(cat), "reported_at": times}
    geometry = gpd.points_from_xy(np.concatenate(lon), np.concatenate(lat))
    return gpd.GeoDataFrame(frame, geometry=geometry, crs=4326)


def test_factory_plants_the_clusters_where_asked() -> None:
    c = Cluster(121.35, 28.54, 200, radius_m=100.0, category="burglary")
    frame = make_incidents(1000, (c,), seed=0)
    planted = frame[frame["category"] == "burglary"]
    assert len(frame) == 1200 and len(planted) == 200
    centre = gpd.GeoSeries.from_xy([c.lon], [c.lat], crs=4326).to_crs(4549).iloc[0]
    assert planted.to_crs(4549).distance(centre).max() <= 100.5
    assert str(frame["reported_at"].dt.tz) == "Asia/Shanghai"


def test_factory_is_reproducible_from_its_seed() -> None:
    a, b = make_incidents(50, seed=3), make_incidents(50, seed=3)
    assert a.geometry.equals(b.geometry) and a["reported_at"].equals(b["reported_at"])
