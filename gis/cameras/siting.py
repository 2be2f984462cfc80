"""Where to add k cameras: the maximal covering location problem (MCLP) over candidate
sites along the roads, solved exactly with spopt and CBC, beside a greedy answer.

The exact answer is the point of the call; the greedy one is there because it is what a
planner would do by hand (each time the site that adds most), and the gap between the
two says how much the solver is worth on this area. Both answer with each chosen site's
added coverage: sites in the order that adds most first, so the additions sum to the
total. Demand is either incidents of a period (weight 1 each) or sample points along the
roads (weight: the road length each stands for), in either case only what no online
camera sees yet.

>>> import numpy as np
>>> cover = np.array([[1, 0, 0], [1, 1, 0], [0, 1, 1], [0, 0, 1]], bool)
>>> answer = choose_sites(cover, np.array([1.0, 2.0, 3.0, 4.0]), 2)
>>> answer["mclp"]["sites"], answer["mclp"]["covered"], answer["greedy"]["covered"]
([2, 0], 10.0, 10.0)
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import pulp
import shapely
from numpy.typing import NDArray
from scipy.sparse import csr_matrix
from sqlalchemy import Connection, Engine

from gis.db.api_role import act_as
from gis.db.statements import query
from gis.errors import InvalidInput
from gis.places.areas import area_by_code

MAX_SITES = 50
MAX_CANDIDATES = 3000  # CBC solves 3000 sites × 20,000 demand points in seconds
MAX_DEMAND = 20_000
MAX_MODEL_CELLS = 3_000_000  # about 60 s for spopt to build the model, here
TARGETS = ("incidents", "roads")
Progress = Callable[[int, int], None]
Visibility = Callable[[gpd.GeoDataFrame, gpd.GeoDataFrame], gpd.GeoSeries]


@dataclass(frozen=True)
class SitingRequest:
    """What to site: ``k`` cameras in ``area`` seeing ``target`` (incidents reported in
    [since, until), or road length), candidates every ``spacing_m`` along the roads,
    each a 360° camera of ``range_m``."""

    area: str
    k: int = 5
    target: str = "incidents"
    since: str | None = None
    until: str | None = None
    spacing_m: float = 50.0
    range_m: float = 60.0
    sample_m: float = 10.0

    def __post_init__(self) -> None:
        bounds = {"k": (1, MAX_SITES), "spacing_m": (10, 1000), "range_m": (5, 500),
                  "sample_m": (2, 200)}  # fmt: skip
        for name, (low, high) in bounds.items():
            value = getattr(self, name)
            if not low <= value <= high:
                raise InvalidInput(
                    f"{name} must be between {low} and {high}, not {value}",
                    problems=[{"field": name, "message": f"between {low} and {high}"}],
                )
        if self.target not in TARGETS:
            raise InvalidInput(
                f"target must be one of {', '.join(TARGETS)}, not {self.target!r}",
                problems=[{"field": "target", "message": f"one of {', '.join(TARGETS)}"}],
            )


# -- the two solvers, on a coverage matrix -------------------------------------------------


def _in_order(cover: NDArray[np.bool_], weights: NDArray[np.float64], sites: list[int]):
    """``sites`` ordered by what each adds (most first), with those additions."""
    seen = np.zeros(cover.shape[0], dtype=bool)
    left, order, added = list(sites), [], []
    while left:
        gains = [float(weights[cover[:, j] & ~seen].sum()) for j in left]
        best = int(np.argmax(gains))
        j = left.pop(best)
        order.append(j)
        added.append(gains[best])
        seen |= cover[:, j]
    return order, added


def greedy(cover: NDArray[np.bool_], weights: NDArray[np.float64], k: int) -> list[int]:
    """Each time the site that adds the most weight not yet covered (lowest index on a
    tie); stops early when no site adds anything."""
    seen = np.zeros(cover.shape[0], dtype=bool)
    chosen: list[int] = []
    for _ in range(min(k, cover.shape[1])):
        gains = weights @ (cover & ~seen[:, None])
        if chosen:
            gains[chosen] = -1
        best = int(np.argmax(gains))
        if gains[best] <= 0:
            break
        chosen.append(best)
        seen |= cover[:, best]
    return chosen


def reduce_instance(
    cover: NDArray[np.bool_], weights: NDArray[np.float64]
) -> tuple[NDArray[np.bool_], NDArray[np.float64], NDArray[np.int64]]:
    """The same problem, smaller, for the solver: demand no site covers dropped, demand
    points covered by the same sites merged (their weights summed), and each site whose
    coverage another site's holds dropped (the other is never worse). The optimum is
    unchanged; the answer is the sites kept, by their index in ``cover``."""
    rows = cover.any(axis=1) & (weights > 0)
    cover, weights = cover[rows], weights[rows]
    cols = np.flatnonzero(cover.any(axis=0))
    cover = cover[:, cols]
    if not len(cols):
        return cover, weights, cols
    packed, inverse = np.unique(np.packbits(cover, axis=1), axis=0, return_inverse=True)
    weights = np.bincount(inverse.ravel(), weights=weights)
    cover = np.unpackbits(packed, axis=1, count=len(cols)).astype(bool)
    sparse = csr_matrix(cover.astype(np.int32))
    shared = (sparse.T @ sparse).tocoo()  # demand weights two sites both cover, by count
    size = np.asarray(sparse.sum(axis=0)).ravel()
    j, other, both = shared.row, shared.col, shared.data
    inside = (j != other) & (both == size[j])  # site j's coverage within site other's
    beaten = inside & ((both < size[other]) | (other < j))  # strictly, or a twin kept first
    keep = np.ones(len(cols), dtype=bool)
    keep[j[beaten]] = False
    return cover[:, keep], weights, cols[keep]


def mclp(cover: NDArray[np.bool_], weights: NDArray[np.float64], k: int) -> list[int]:
    """The sites (at most ``k``) covering the most weight: spopt's MCLP, solved by the
    CBC that pulp ships, on the problem ``reduce_instance`` made smaller (spopt builds
    its model densely: 21 µs a cell here, so cells are bounded by ``MAX_MODEL_CELLS``)."""
    from spopt.locate import MCLP  # imported here: spopt takes seconds to import

    sub, sub_weights, cols = reduce_instance(cover, weights)
    if len(cols) <= k:
        return [int(j) for j in cols]
    if sub.size > MAX_MODEL_CELLS:
        raise InvalidInput(
            f"the siting model has {sub.shape[0]:,} demand groups × {sub.shape[1]:,} sites, "
            f"more than {MAX_MODEL_CELLS:,} cells: choose a smaller area, a larger "
            "spacing_m or a larger sample_m",
            problems=[{"field": "spacing_m", "message": f"at most {MAX_MODEL_CELLS} cells"}],
        )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # spopt warns about cost matrices it was not given
        model = MCLP.from_cost_matrix(np.where(sub, 0.0, 1.0), sub_weights, 0.5, k)
        model = model.solve(pulp.PULP_CBC_CMD(msg=False))
    if pulp.LpStatus[model.problem.status] != "Optimal":
        raise InvalidInput("the siting problem has no optimal answer; try a smaller area")
    return [int(cols[i]) for i, v in enumerate(model.fac_vars) if (v.value() or 0) > 0.5]


def choose_sites(cover: NDArray[np.bool_], weights: NDArray[np.float64], k: int) -> dict:
    """Both answers for the coverage matrix ``cover`` (demand × site) and the demand's
    ``weights``: each method's sites (most adding first), what each adds, and the total."""
    cover = np.asarray(cover, dtype=bool)
    weights = np.asarray(weights, dtype=float)
    answer = {}
    for method, solve in (("mclp", mclp), ("greedy", greedy)):
        order, added = _in_order(cover, weights, solve(cover, weights, k))
        answer[method] = {"sites": order, "added": added, "covered": float(sum(added))}
    return answer


# -- the area's candidates and demand, from the database ---------------------------------


def _frame(conn: Connection, name: str, params: dict[str, Any]) -> gpd.GeoDataFrame:
    sql = query("gis.cameras", "siting", name)
    return gpd.read_postgis(sql, conn, "geom", params=params, crs=4326)  # typed when empty


def read_scene(engine: Engine, request: SitingRequest, *, as_user: int | None = None) -> dict:
    """The area's roads, buildings, online cameras and incidents (of the period), read as
    ``as_user`` would see them; everything within ``range_m`` of the area."""
    with engine.begin() as conn:
        if as_user is not None:
            act_as(conn, as_user)
        area = area_by_code(conn, request.area)
        params = {"area_id": area["id"], "reach_m": request.range_m,
                  "since": request.since, "until": request.until}  # fmt: skip
        scene = {name: _frame(conn, name, params) for name in
                 ("area", "roads", "buildings", "cameras", "incidents")}  # fmt: skip
    return scene


def candidates(roads: gpd.GeoSeries, spacing_m: float) -> gpd.GeoSeries:
    """Points every ``spacing_m`` along each road (metric CRS), half a step from each end."""
    lines = roads.explode(ignore_index=True)
    lengths = lines.length.to_numpy()
    counts = np.maximum(np.floor(lengths / spacing_m).astype(int), 1)
    which = np.repeat(np.arange(len(lines)), counts)
    first = np.repeat(np.cumsum(counts) - counts, counts)
    step = (np.arange(counts.sum()) - first + 0.5) * np.repeat(lengths / counts, counts)
    points = shapely.line_interpolate_point(lines.geometry.to_numpy()[which], step)
    return gpd.GeoSeries(points, crs=roads.crs)


def road_samples(roads: gpd.GeoSeries, sample_m: float) -> tuple[gpd.GeoSeries, np.ndarray]:
    """Sample points along the roads with the length each stands for."""
    points = candidates(roads, sample_m)
    lines = roads.explode(ignore_index=True)
    lengths = lines.length.to_numpy()
    counts = np.maximum(np.floor(lengths / sample_m).astype(int), 1)
    return points, np.repeat(lengths / counts, counts)


def coverage(sites: gpd.GeoSeries, demand: gpd.GeoSeries) -> NDArray[np.bool_]:
    """Which demand point each site's visible area holds (demand × site)."""
    cover = np.zeros((len(demand), len(sites)), dtype=bool)
    if len(demand) and len(sites):
        site, point = shapely.STRtree(demand.to_numpy()).query(
            sites.to_numpy(), predicate="intersects"
        )
        cover[point, site] = True
    return cover


def site_cameras(
    engine: Engine,
    request: SitingRequest,
    visibility: Visibility,
    progress: Progress = lambda done, total: None,
    *,
    as_user: int | None = None,
) -> dict[str, Any]:
    """The whole siting of ``request``: candidates, what existing online cameras already
    see, the demand not yet seen, both answers with each site's place and addition."""
    scene = read_scene(engine, request, as_user=as_user)
    progress(1, 5)
    metric = scene["area"].estimate_utm_crs()
    area = scene["area"].to_crs(metric).geometry.iloc[0]
    roads = scene["roads"].to_crs(metric).geometry.intersection(area)
    roads = roads[~roads.is_empty & roads.geom_type.str.contains("Line")]
    buildings = scene["buildings"].to_crs(metric)
    sites = candidates(roads, request.spacing_m) if len(roads) else gpd.GeoSeries(crs=metric)
    if len(sites) > MAX_CANDIDATES:
        raise InvalidInput(
            f"{len(sites):,} candidate sites at spacing_m={request.spacing_m:g}, more than "
            f"{MAX_CANDIDATES:,}: choose a smaller area or a larger spacing_m",
            problems=[{"field": "spacing_m", "message": f"at most {MAX_CANDIDATES} candidates"}],
        )
    sites = sites[~sites.intersects(buildings.union_all())] if len(buildings) else sites
    progress(2, 5)
    cameras = scene["cameras"].to_crs(metric)
    seen = visibility(cameras, buildings).union_all() if len(cameras) else None
    n = len(sites)
    domes = gpd.GeoDataFrame(
        {"heading": np.zeros(n), "fov_deg": np.full(n, 360.0),
         "range_m": np.full(n, request.range_m)},
        geometry=sites.reset_index(drop=True), crs=metric,
    )  # fmt: skip
    views = visibility(domes, buildings) if len(domes) else gpd.GeoSeries(crs=metric)
    progress(3, 5)
    if request.target == "incidents":
        demand = scene["incidents"].to_crs(metric).geometry.reset_index(drop=True)
        weights = np.ones(len(demand))
    else:
        demand, weights = road_samples(roads, request.sample_m)
    unseen = ~demand.intersects(seen).to_numpy() if seen is not None else np.ones(len(demand), bool)
    already = float(weights[~unseen].sum())
    demand, weights = demand[unseen].reset_index(drop=True), weights[unseen]
    if len(demand) > MAX_DEMAND:
        raise InvalidInput(
            f"{len(demand):,} demand points, more than {MAX_DEMAND:,}: choose a smaller "
            "area, a shorter period or a larger sample_m",
            problems=[{"field": "area", "message": f"at most {MAX_DEMAND} demand points"}],
        )
    cover = coverage(views, demand)
    progress(4, 5)
    answer = choose_sites(cover, weights, request.k)
    lonlat = sites.reset_index(drop=True).to_crs(4326)
    for method in ("mclp", "greedy"):
        answer[method]["sites"] = [
            {"candidate": j, "lon": round(lonlat.iloc[j].x, 7), "lat": round(lonlat.iloc[j].y, 7),
             "added": round(add, 2)}
            for j, add in zip(answer[method]["sites"], answer[method].pop("added"), strict=True)
        ]  # fmt: skip
        answer[method]["covered"] = round(answer[method]["covered"], 2)
    progress(5, 5)
    unit = "incidents" if request.target == "incidents" else "metres of road"
    return {
        "area": request.area, "target": request.target, "unit": unit, "k": request.k,
        "candidates": len(sites), "demand_points": len(demand),
        "demand_total": round(float(weights.sum()), 2), "already_seen": round(already, 2),
        **answer,
    }  # fmt: skip
