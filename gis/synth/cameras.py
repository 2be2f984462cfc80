"""Video cameras: public ones at road junctions and key places, private ones on
shops, offices, workshops and apartment blocks.

Codes are laid out like GB/T 28181 device IDs (20 digits): the 8-digit centre
code (adcode + "00"), a 2-digit industry code (00 road, 01 community, 40
private; illustrative), type 132 (network camera), a network digit (0 the
video private network, 8 social resources) and a 6-digit serial.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from numpy.typing import NDArray
from shapely.geometry.base import BaseGeometry

from gis.synth.profiles import Profile

_RANK = {"local": 0, "secondary": 1, "arterial": 2}
_STATUS = np.array(["online", "offline", "maintenance"])
_EMPTY = pd.DataFrame(
    {c: pd.Series(dtype=float) for c in ("x", "y", "tx", "ty", "heading", "fov_deg", "range_m")}
    | {c: pd.Series(dtype=object) for c in ("level", "name", "industry", "network")}
)


def place_cameras(
    roads: gpd.GeoDataFrame,
    buildings: gpd.GeoDataFrame,
    communities: gpd.GeoDataFrame,
    district: BaseGeometry,
    profile: Profile,
    scale: float,
    rng: np.random.Generator,
) -> gpd.GeoDataFrame:
    """Public and private cameras (metric CRS, sorted by code)."""
    n_public = round(profile.public_cameras * scale)
    n_private = round(profile.private_cameras * scale)
    junctions = _junctions(roads)
    places = _key_places(buildings, communities)
    n_junction = round(0.45 * n_public) if len(junctions["x"]) else 0
    parts = [
        _at_junctions(junctions, n_junction, rng),
        _at_places(places, n_public - n_junction, rng),
        _private(buildings, n_private, rng),
    ]
    cams = pd.concat([_EMPTY, *(pd.DataFrame(p) for p in parts if p)], ignore_index=True)
    inside = shapely.contains_xy(shapely.buffer(district, -1.0), cams["x"], cams["y"])
    cams.loc[~inside, "x"] = cams.loc[~inside, "tx"]
    cams.loc[~inside, "y"] = cams.loc[~inside, "ty"]
    return _frame(cams, profile.adcode, roads.crs, rng)


def _junctions(roads: gpd.GeoDataFrame) -> dict[str, NDArray]:
    """Road junctions (three or more road ends meet), their top road class and names."""
    if len(roads) < 2:
        return {"x": np.empty(0), "y": np.empty(0), "rank": np.empty(0), "name": np.empty(0)}
    segs = shapely.get_parts(shapely.node(shapely.multilinestrings(roads.geometry.values)))
    ends = np.vstack([shapely.get_coordinates(shapely.get_point(segs, i)) for i in (0, -1)])
    nodes, count = np.unique(np.round(ends, 2), axis=0, return_counts=True)
    nodes = nodes[count >= 3]
    tree = shapely.STRtree(roads.geometry.values)
    node_i, road_i = tree.query(shapely.points(nodes), predicate="dwithin", distance=1.0)
    rank = roads["kind"].map(_RANK).to_numpy()[road_i]
    names = roads["name"].to_numpy()[road_i]
    order = np.lexsort((-rank, node_i))
    node_i, rank, names = node_i[order], rank[order], names[order]
    first = np.r_[True, node_i[1:] != node_i[:-1]]
    top = pd.Series(names[first], index=node_i[first])
    other = names != top.reindex(node_i).to_numpy()
    second = pd.Series(names[other], index=node_i[other]).groupby(level=0).first()
    label = (top + "与" + second.reindex(top.index) + "路口").fillna(top + "路口")
    idx = top.index.to_numpy()
    return {
        "x": nodes[idx, 0],
        "y": nodes[idx, 1],
        "rank": rank[first],
        "name": label.to_numpy(),
    }


def _key_places(buildings: gpd.GeoDataFrame, communities: gpd.GeoDataFrame) -> dict[str, NDArray]:
    """Markets (a community's first shop), schools and community centres."""
    com_name = communities.set_index("code")["name"]
    shops = buildings[buildings["kind"] == "shop"].drop_duplicates("community_code")
    schools = buildings[buildings["kind"] == "school"]
    xs, ys, names, weight, level, size = [], [], [], [], [], []
    for frame, label, w, lv in (
        (shops, "农贸市场", 3.0, "street"),
        (schools, "学校门口", 3.0, "community"),
    ):
        c = shapely.centroid(frame.geometry.values)
        xs.append(shapely.get_x(c))
        ys.append(shapely.get_y(c))
        names.append(com_name.reindex(frame["community_code"]).to_numpy() + label)
        weight.append(np.full(len(frame), w))
        level.append(np.full(len(frame), lv))
        size.append(np.sqrt(shapely.area(frame.geometry.values)) / 2)
    centre = np.where(communities["kind"] == "urban", "社区服务中心", "村委会")
    xs.append(communities["seed_x"].to_numpy())
    ys.append(communities["seed_y"].to_numpy())
    names.append(communities["name"].to_numpy() + centre)
    weight.append(np.full(len(communities), 2.0))
    level.append(np.full(len(communities), "community"))
    size.append(np.full(len(communities), 10.0))
    return {
        k: np.concatenate(v)
        for k, v in dict(x=xs, y=ys, name=names, weight=weight, level=level, size=size).items()
    }


def _at_junctions(junctions: dict[str, NDArray], n: int, rng: np.random.Generator) -> dict:
    if n == 0:
        return {}
    weight = np.array([1.0, 2.0, 4.0])[junctions["rank"].astype(int)]
    pick = rng.choice(len(weight), n, p=weight / weight.sum())
    tx, ty = junctions["x"][pick], junctions["y"][pick]
    x, y = _around(tx, ty, rng.uniform(6, 15, n), rng)
    dome = rng.random(n) < 0.15
    return {
        "x": x,
        "y": y,
        "tx": tx,
        "ty": ty,
        "heading": _azimuth(x, y, tx, ty) + rng.uniform(-30, 30, n),
        "fov_deg": np.where(dome, 360.0, rng.uniform(50, 95, n)),
        "range_m": np.where(dome, rng.uniform(80, 150, n), rng.uniform(40, 120, n)),
        "level": np.where(junctions["rank"][pick] == 2, "district", "street"),
        "name": junctions["name"][pick],
        "industry": "00",
        "network": "0",
    }


def _at_places(places: dict[str, NDArray], n: int, rng: np.random.Generator) -> dict:
    if n == 0:
        return {}
    pick = rng.choice(len(places["x"]), n, p=places["weight"] / places["weight"].sum())
    tx, ty = places["x"][pick], places["y"][pick]
    x, y = _around(tx, ty, places["size"][pick] + rng.uniform(8, 20, n), rng)
    return {
        "x": x,
        "y": y,
        "tx": tx,
        "ty": ty,
        "heading": _azimuth(x, y, tx, ty) + rng.uniform(-15, 15, n),
        "fov_deg": rng.uniform(50, 95, n),
        "range_m": rng.uniform(30, 90, n),
        "level": places["level"][pick],
        "name": places["name"][pick],
        "industry": "01",
        "network": "0",
    }


def _private(buildings: gpd.GeoDataFrame, n: int, rng: np.random.Generator) -> dict:
    weights = {"shop": 6.0, "office": 3.0, "factory": 3.0, "apartment": 2.0, "house": 0.3}
    w = buildings["kind"].map(weights).fillna(0.0).to_numpy()
    if n == 0 or w.sum() == 0:
        return {}
    pick = rng.choice(len(w), n, p=w / w.sum())
    geoms = buildings.geometry.values[pick]
    ring = shapely.get_exterior_ring(geoms)
    edge = shapely.line_interpolate_point(ring, rng.random(n), normalized=True)
    c = shapely.centroid(geoms)
    tx, ty = shapely.get_x(c), shapely.get_y(c)
    ex, ey = shapely.get_x(edge), shapely.get_y(edge)
    dist = np.hypot(ex - tx, ey - ty) + 1e-9
    x, y = ex + 1.5 * (ex - tx) / dist, ey + 1.5 * (ey - ty) / dist
    return {
        "x": x,
        "y": y,
        "tx": tx,
        "ty": ty,
        "heading": _azimuth(tx, ty, x, y) + rng.uniform(-40, 40, n),  # looking outwards
        "fov_deg": rng.uniform(70, 110, n),
        "range_m": rng.uniform(10, 40, n),
        "level": "private",
        "name": buildings["address"].to_numpy()[pick] + "门口",
        "industry": "40",
        "network": "8",
    }


def _around(
    x: NDArray[np.float64], y: NDArray[np.float64], r: NDArray[np.float64], rng: np.random.Generator
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    a = rng.uniform(0, 2 * np.pi, len(x))
    return x + r * np.cos(a), y + r * np.sin(a)


def _azimuth(x0: NDArray, y0: NDArray, x1: NDArray, y1: NDArray) -> NDArray[np.float64]:
    # Clockwise from grid north; grid and true north differ by at most ~1.5° in a 3° zone.
    return np.degrees(np.arctan2(x1 - x0, y1 - y0))


def _frame(cams: pd.DataFrame, adcode: str, crs, rng: np.random.Generator) -> gpd.GeoDataFrame:
    n = len(cams)
    private = cams["level"].to_numpy() == "private"
    status = np.where(
        private,
        _STATUS[rng.choice(3, n, p=[0.85, 0.12, 0.03])],
        _STATUS[rng.choice(3, n, p=[0.92, 0.05, 0.03])],
    )
    serial = pd.Series(np.arange(1, n + 1)).map("{:06d}".format).to_numpy()
    code = f"{adcode}00" + cams["industry"].to_numpy() + "132" + cams["network"].to_numpy() + serial
    count = cams.groupby("name").cumcount().to_numpy() + 1
    frame = gpd.GeoDataFrame(
        {
            "code": code,
            "name": cams["name"].to_numpy()
            + "-"
            + pd.Series(count).map("{:02d}".format).to_numpy(),
            "heading": np.round(np.mod(cams["heading"].to_numpy(), 360.0), 1),
            "fov_deg": np.round(cams["fov_deg"].to_numpy(), 1),
            "range_m": np.round(cams["range_m"].to_numpy(), 1),
            "stream_url": "rtsp://127.0.0.1:8554/" + pd.Series(code).to_numpy(),
            "status": status,
            "level": cams["level"].to_numpy(),
        },
        geometry=shapely.points(cams["x"].to_numpy(), cams["y"].to_numpy()),
        crs=crs,
    )
    return frame.sort_values("code", ignore_index=True)
