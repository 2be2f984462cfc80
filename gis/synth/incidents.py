"""Incidents clustered in space and time, for hotspot analysis to find.

Three components: persistent hotspots around markets and urban cores all year,
emerging hotspots that start in the last months and grow, and background noise
at buildings in proportion to their households. Times follow a summer-peaking
season, a weekday/weekend rhythm and an hour-of-day profile per report source.
"""

from __future__ import annotations

from datetime import date, timedelta

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from numpy.typing import NDArray
from shapely.geometry.base import BaseGeometry

from gis.synth.identity import zero_pad
from gis.synth.profiles import Profile

CATEGORIES = (
    "dispute",
    "public_security",
    "fire_hazard",
    "sanitation",
    "illegal_construction",
    "traffic",
    "facility_damage",
    "environment",
    "petition",
    "other",
)
SOURCES = ("grid_worker", "hotline", "video", "110")
URGENCIES = ("low", "normal", "high", "critical")
STATUSES = ("reported", "accepted", "dispatched", "resolved", "closed")
_BACKGROUND = np.array([0.18, 0.10, 0.08, 0.16, 0.08, 0.10, 0.12, 0.08, 0.04, 0.06])
_MARKET = np.array([0.28, 0.18, 0.06, 0.22, 0.03, 0.13, 0.04, 0.02, 0.01, 0.03])
_SOURCE = {c: [0.55, 0.22, 0.10, 0.13] for c in CATEGORIES} | {
    "public_security": [0.25, 0.15, 0.15, 0.45],
    "traffic": [0.30, 0.15, 0.40, 0.15],
    "dispute": [0.45, 0.20, 0.05, 0.30],
    "petition": [0.30, 0.60, 0.00, 0.10],
}
_URGENCY = {c: [0.35, 0.45, 0.15, 0.05] for c in CATEGORIES} | {
    "fire_hazard": [0.10, 0.40, 0.35, 0.15],
    "public_security": [0.15, 0.40, 0.30, 0.15],
    "petition": [0.20, 0.50, 0.25, 0.05],
}
# Hour-of-day weights per source: grid workers patrol by day, 110 calls peak at night.
_HOURS = {
    "grid_worker": np.r_[[0.1] * 7, [1.0] * 11, [0.3] * 6],
    "hotline": np.r_[[0.2] * 7, [1.0] * 15, [0.4] * 2],
    "video": np.r_[[0.6] * 6, [1.0] * 18],
    "110": np.r_[[0.8] * 3, [0.4] * 5, [0.6] * 9, [1.0] * 7],
}
_TEXT = {
    "dispute": ("邻里因噪音发生纠纷", "商户与顾客发生口角", "因停车位引发争执"),
    "public_security": ("发现可疑人员徘徊", "群众反映有人聚众赌博", "电动车被盗"),
    "fire_hazard": ("楼道堆放杂物存在火灾隐患", "电动车在楼道内充电", "消防通道被占用"),
    "sanitation": ("垃圾未及时清运", "占道经营污染路面", "绿化带内垃圾堆积"),
    "illegal_construction": ("违章搭建彩钢棚", "私自扩建院墙", "屋顶违规加层"),
    "traffic": ("路口车辆违停", "非机动车逆行严重", "道路积水影响通行"),
    "facility_damage": ("井盖破损", "路灯不亮", "公共座椅损坏"),
    "environment": ("河道漂浮垃圾", "工地扬尘严重", "作坊排放异味"),
    "petition": ("群众反映拖欠工资问题", "居民对拆迁补偿有异议", "反映物业服务问题"),
    "other": ("群众咨询办事流程", "走失老人求助", "流浪动物伤人隐患"),
}


def make_incidents(
    district: BaseGeometry,
    buildings: gpd.GeoDataFrame,
    cores: NDArray[np.float64],
    profile: Profile,
    scale: float,
    end: date,
    rng: np.random.Generator,
) -> gpd.GeoDataFrame:
    """About ``profile.incidents_per_year * scale`` incidents in the 365 days ending ``end``."""
    n = round(profile.incidents_per_year * scale)
    n_persist, n_emerge, n_noise = rng.multinomial(n, [0.30, 0.08, 0.62])
    start = end + timedelta(days=1) - timedelta(days=365)
    places, weight = _places(buildings, cores)
    shops = places[(buildings["kind"] == "shop").to_numpy()] if len(buildings) else places[:0]
    area = shapely.buffer(district, -2.0)  # stay clear of the boundary after reprojection
    shapely.prepare(area)
    parts = [
        _persistent(cores, shops, n_persist, start.weekday(), area, rng),
        _emerging(places, weight, n_emerge, area, rng),
        _background(places, weight, n_noise, start.weekday(), area, rng),
    ]
    data = {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}
    return _frame(data, buildings, start, rng)


def _places(
    buildings: gpd.GeoDataFrame, cores: NDArray[np.float64]
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Building centroids weighted by activity (households, or a little for others)."""
    if len(buildings) == 0:
        return cores, np.ones(len(cores))
    c = shapely.centroid(buildings.geometry.values)
    xy = np.column_stack([shapely.get_x(c), shapely.get_y(c)])
    held = buildings["households"].to_numpy(dtype=float)
    return xy, np.where(held > 0, held, 2.0)


def _scatter(
    centres: NDArray[np.float64],
    sigma: NDArray[np.float64],
    area: BaseGeometry,
    rng: np.random.Generator,
) -> NDArray[np.float64]:
    """Gaussian points around ``centres``, redrawn while outside ``area``."""
    pts = centres + rng.normal(size=centres.shape) * sigma[:, None]
    for _ in range(10):
        out = ~shapely.contains_xy(area, pts[:, 0], pts[:, 1])
        if not out.any():
            break
        pts[out] = centres[out] + rng.normal(size=(int(out.sum()), 2)) * sigma[out, None]
    out = ~shapely.contains_xy(area, pts[:, 0], pts[:, 1])
    pts[out] = centres[out]
    return pts


def _persistent(
    cores: NDArray[np.float64],
    shops: NDArray[np.float64],
    n: int,
    dow0: int,
    area: BaseGeometry,
    rng: np.random.Generator,
) -> dict[str, NDArray]:
    """Three to eight hotspots, all year round: every urban core plus some markets (shops)."""
    k = int(np.clip(round(np.sqrt(len(shops)) / 5), 3, 8))
    markets = rng.choice(len(shops), size=min(max(k - len(cores), 0), len(shops)), replace=False)
    centres = np.vstack([cores, shops[markets]])
    share = rng.dirichlet(np.full(len(centres), 2.0))
    which = rng.choice(len(centres), n, p=share)
    sigma = rng.uniform(120, 300, len(centres))[which]
    return {
        "xy": _scatter(centres[which], sigma, area, rng),
        "category": rng.choice(len(CATEGORIES), n, p=_MARKET),
        "day": _days(n, dow0, rng),
    }


def _emerging(
    places: NDArray[np.float64],
    weight: NDArray[np.float64],
    n: int,
    area: BaseGeometry,
    rng: np.random.Generator,
) -> dict[str, NDArray]:
    """Two or three hotspots that start 30–90 days before the end and grow."""
    k = int(rng.integers(2, 4))
    centres = places[rng.choice(len(places), k, p=weight / weight.sum())]
    which = rng.choice(k, n)
    theme = rng.choice([4, 7, 8, 1, 0], k)  # construction, environment, petition, security...
    cats = np.where(rng.random(n) < 0.6, theme[which], rng.choice(10, n, p=_BACKGROUND))
    first = rng.integers(365 - 90, 365 - 30, k)[which]
    sigma = rng.uniform(150, 250, k)[which]
    # Density rising linearly from each hotspot's first day to the end of the window.
    day = first + np.floor((365 - first) * np.sqrt(rng.random(n))).astype(np.int64)
    return {
        "xy": _scatter(centres[which], sigma, area, rng),
        "category": cats,
        "day": np.minimum(day, 364),
    }


def _background(
    places: NDArray[np.float64],
    weight: NDArray[np.float64],
    n: int,
    dow0: int,
    area: BaseGeometry,
    rng: np.random.Generator,
) -> dict[str, NDArray]:
    """Noise at buildings in proportion to their households."""
    pick = rng.choice(len(places), n, p=weight / weight.sum())
    return {
        "xy": _scatter(places[pick], np.full(n, 25.0), area, rng),
        "category": rng.choice(10, n, p=_BACKGROUND),
        "day": _days(n, dow0, rng),
    }


def _days(n: int, dow0: int, rng: np.random.Generator) -> NDArray[np.int64]:
    """Day offsets in [0, 365) weighted by season (summer peak) and weekday.

    ``dow0`` is the weekday (Monday = 0) of day 0.
    """
    d = np.arange(365)
    w = 1.0 + 0.2 * np.cos(2 * np.pi * (d - 250) / 365)
    w *= np.array([1.1, 1.1, 1.1, 1.1, 1.1, 0.85, 0.75])[(d + dow0) % 7]
    return rng.choice(d, n, p=w / w.sum())


def _pick_rows(
    probs: NDArray[np.float64], rows: NDArray[np.intp], rng: np.random.Generator
) -> NDArray[np.intp]:
    """Draw one column per entry of ``rows`` from that row of the probability table."""
    cum = np.cumsum(probs, axis=1)[rows]
    return (cum < rng.random(len(rows))[:, None] * cum[:, -1:]).sum(axis=1)


def _table(by_category: dict[str, list[float]]) -> NDArray[np.float64]:
    return np.array([by_category[c] for c in CATEGORIES])


def _frame(
    data: dict[str, NDArray], buildings: gpd.GeoDataFrame, start: date, rng: np.random.Generator
) -> gpd.GeoDataFrame:
    n = len(data["day"])
    cat = np.asarray(CATEGORIES)[data["category"]]
    source = np.asarray(SOURCES)[_pick_rows(_table(_SOURCE), data["category"], rng)]
    hour = np.zeros(n, dtype=np.int64)
    for s, w in _HOURS.items():
        m = source == s
        hour[m] = rng.choice(24, int(m.sum()), p=w / w.sum())
    seconds = data["day"] * 86400 + hour * 3600 + rng.integers(0, 3600, n)
    local = pd.Timestamp(start) + pd.to_timedelta(seconds, unit="s")
    reported = local.tz_localize("Asia/Shanghai")  # China has no DST: no gaps or folds
    # Older incidents are further along their workflow.
    bucket = np.digitize(364 - data["day"], [1, 7, 30])
    status_p = np.array(
        [
            [0.5, 0.3, 0.2, 0, 0],
            [0.05, 0.15, 0.35, 0.35, 0.1],
            [0.01, 0.03, 0.1, 0.36, 0.5],
            [0, 0, 0.02, 0.1, 0.88],
        ]
    )
    status = np.asarray(STATUSES)[_pick_rows(status_p, bucket, rng)]
    urgency = np.asarray(URGENCIES)[_pick_rows(_table(_URGENCY), data["category"], rng)]
    pts = shapely.points(data["xy"])
    phrase = np.array([_TEXT[c] for c in CATEGORIES])[data["category"], rng.integers(0, 3, n)]
    if len(buildings):
        near = shapely.STRtree(buildings.geometry.values).query_nearest(pts, all_matches=False)[1]
        where = buildings["address"].to_numpy()[near] + "附近"
    else:
        where = np.full(n, "")
    frame = gpd.GeoDataFrame(
        {
            "reported_at": reported,
            "category": cat,
            "urgency": urgency,
            "status": status,
            "source": source,
            "description": where + phrase,
        },
        geometry=pts,
        crs=buildings.crs,
    ).sort_values("reported_at", kind="stable", ignore_index=True)
    year = frame["reported_at"].dt.year.to_numpy()
    seq = frame.groupby(year).cumcount().to_numpy() + 1
    frame.insert(0, "code", np.char.add(np.char.add("INC", year.astype(str)), zero_pad(seq, 6)))
    return frame.sort_values("code", ignore_index=True)
