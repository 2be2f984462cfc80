"""The workers nearest an incident: by travel along the roads where the network is
loaded, by straight line otherwise.

Straight-line distance is a lower bound of the road distance, so the search takes the
``k`` nearest workers by straight line, routes to each, and widens ``k`` until the
``limit``-th road distance is no further than the straight distance of the last worker
taken (or every worker is in): then no worker left out could be nearer by road. Each
answer says how its distance was measured: ``road`` when both the incident and the
worker are within ``MAX_SNAP`` of a road that joins them, ``straight`` otherwise.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyproj
import shapely
from sqlalchemy import Connection

from gis.crs import local_metric_crs
from gis.db.statements import fetch_one, query
from gis.workers.live import list_workers
from gis.workers.routing import MAX_SNAP, RoadGraph

MAX_LIMIT = 20
_WIDEN = (20, 80, 320, 2000)  # workers routed to, round by round
_GEOD = pyproj.Geod(ellps="WGS84")


def _sql(name: str):
    return query("gis.workers", "nearest", name)


def nearest_workers(
    conn: Connection, code: str, *, limit: int = 5, include_offline: bool = False
) -> dict[str, Any]:
    """The ``limit`` workers (of the user's scope) nearest incident ``code``, nearest
    first, each with ``distance_m``, ``straight_m``, ``method`` and status: those on duty
    (available, or busy with another case: the operator weighs it), and the offline too
    with ``include_offline``."""
    incident = fetch_one(
        conn, _sql("incident"), {"code": code},
        missing=f"there is no incident with code {code!r} (in your scope)",
    )  # fmt: skip
    statuses = () if include_offline else ("available", "busy")
    workers = [w for w in list_workers(conn, statuses=statuses) if w["lon"] is not None]
    origin = (incident["lon"], incident["lat"])
    straight = _straight_m(origin, workers)
    order = np.lexsort(([w["code"] for w in workers], straight))
    ranked: list[dict[str, Any]] = []
    for k in _WIDEN:
        taken = order[:k]
        ranked = _by_road(conn, origin, [(workers[i], float(straight[i])) for i in taken])
        enough = len(ranked) >= limit and ranked[limit - 1]["distance_m"] <= straight[taken[-1]]
        if len(taken) < k or enough:
            break
    return {"incident": incident["code"], "status": incident["status"],
            "workers": ranked[:limit]}  # fmt: skip


def _straight_m(origin: tuple[float, float], workers: list[dict]) -> np.ndarray:
    """Distance on the ellipsoid from ``origin`` to each worker's last position."""
    if not workers:
        return np.empty(0)
    lon = np.array([w["lon"] for w in workers])
    lat = np.array([w["lat"] for w in workers])
    _, _, metres = _GEOD.inv(np.full_like(lon, origin[0]), np.full_like(lat, origin[1]), lon, lat)
    return np.asarray(metres)


def _by_road(
    conn: Connection, origin: tuple[float, float], found: list[tuple[dict, float]]
) -> list[dict[str, Any]]:
    """The workers with their distances, nearest first (road where it joins, else straight)."""
    if not found:
        return []
    lonlat = np.array([origin] + [(w["lon"], w["lat"]) for w, _ in found])
    road_m = _road_distances(conn, lonlat)
    answers = []
    for (w, straight), by_road in zip(found, road_m, strict=True):
        method = "road" if np.isfinite(by_road) else "straight"
        distance = float(by_road) if method == "road" else float(straight)
        answers.append({**w, "distance_m": round(distance, 1), "straight_m": round(straight, 1),
                        "method": method})  # fmt: skip
    return sorted(answers, key=lambda a: (a["distance_m"], a["code"]))


def _road_distances(conn: Connection, lonlat: np.ndarray) -> np.ndarray:
    """Road distance (m) from the first point to each other one; inf where none."""
    network = _network(conn)
    if network is None:
        return np.full(len(lonlat) - 1, np.inf)
    x, y = network.there.transform(lonlat[:, 0], lonlat[:, 1])
    return network.graph.distances((x[0], y[0]), np.column_stack([x[1:], y[1:]]))


@dataclass(frozen=True)
class _Network:
    """A database's road graph in its metric CRS, and the way into that CRS."""

    graph: RoadGraph
    there: pyproj.Transformer


# Per database: the version of its roads and their graph (None: no roads). Noding the
# network is most of a search's cost (about 0.3 s for the sample's thousand roads,
# against milliseconds for Dijkstra), and roads change only when they are loaded.
_NETWORKS: dict[str, tuple[tuple[int, int], _Network | None]] = {}
_LOCK = threading.Lock()


def _network(conn: Connection) -> _Network | None:
    """The graph of every road, built again only after the roads changed."""
    db, changes, roads = conn.execute(_sql("roads_version")).one()
    version = (changes, roads)
    with _LOCK:
        known = _NETWORKS.get(db)
    if known is not None and known[0] == version:
        return known[1]
    lines = shapely.from_wkb(conn.execute(_sql("roads")).scalars().all())
    network = None
    if len(lines):
        crs = local_metric_crs(tuple(shapely.total_bounds(lines)))
        there = pyproj.Transformer.from_crs(4326, crs, always_xy=True)
        project = lambda xy: np.column_stack(there.transform(xy[:, 0], xy[:, 1]))  # noqa: E731
        network = _Network(RoadGraph.from_lines(shapely.transform(lines, project)), there)
    with _LOCK:
        _NETWORKS[db] = (version, network)
    return network


__all__ = ["MAX_LIMIT", "MAX_SNAP", "nearest_workers"]
