"""Keep the stored views and coverage current: compute what the queues hold.

Triggers (migration 0019) queue a camera when it or a footprint within its range
changes, and a community when a camera near it or a footprint in it changes. ``refresh``
takes the queued cameras a batch at a time, in Morton order so that a batch is a compact
piece of the map: it removes them from the queue, computes their views and writes them
in one transaction (a change committed meanwhile queues its camera again), then does the
same for the queued communities' coverage. The workers' housekeeping calls it every
minute with a bound; ``wangge cameras views`` and ``wangge demo`` call it to the end.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from sqlalchemy import Connection, Engine

from gis.cameras.coverage import coverage
from gis.cameras.visibility import visibility_polygons
from gis.crs import local_metric_crs
from gis.db.statements import fetch_one, query

Progress = Callable[[str, int, int], None]  # what (cameras, communities), done, total
CAMERA_BATCH = 4000
COMMUNITY_BATCH = 16


@dataclass(frozen=True)
class Refreshed:
    """What one refresh computed."""

    cameras: int
    communities: int


def refresh(
    engine: Engine,
    *,
    area: str | None = None,
    everything: bool = False,
    max_cameras: int | None = None,
    max_communities: int | None = None,
    progress: Progress | None = None,
) -> Refreshed:
    """Compute the views of the stale cameras, then the coverage of stale communities.

    ``area`` (a code) or ``everything`` recompute every camera there, stale or not;
    ``max_cameras`` and ``max_communities`` bound the work of one call (the rest stays
    queued). ``progress`` is called with ("cameras", done, total), then ("communities",
    done, total).
    """
    with engine.connect() as conn:
        ids = _cameras_to_compute(conn, area, everything)
    if max_cameras is not None:
        ids = ids[:max_cameras]
    for start in range(0, len(ids), CAMERA_BATCH):
        with engine.begin() as conn:
            _compute_views(conn, ids[start : start + CAMERA_BATCH])
        if progress:
            progress("cameras", min(start + CAMERA_BATCH, len(ids)), len(ids))
    with engine.connect() as conn:
        queued = conn.execute(query("gis.cameras", "refresh", "queued_communities"))
        communities = list(queued.scalars())[:max_communities]
    done = 0
    for start in range(0, len(communities), COMMUNITY_BATCH):
        with engine.begin() as conn:
            done += _compute_coverage(conn, communities[start : start + COMMUNITY_BATCH])
        if progress:
            total = len(communities)
            progress("communities", min(start + COMMUNITY_BATCH, total), total)
    return Refreshed(cameras=len(ids), communities=done)


def queue_sizes(conn: Connection) -> dict[str, int]:
    """How many cameras and communities wait to be computed."""
    return dict(conn.execute(query("gis.cameras", "refresh", "queue_sizes")).mappings().one())


def _cameras_to_compute(conn: Connection, area: str | None, everything: bool) -> list[int]:
    if area is not None:
        row = fetch_one(conn, query("gis.cameras", "refresh", "area_geom"), {"code": area},
                        missing=f"there is no area {area!r}")  # fmt: skip
        sql, params = query("gis.cameras", "refresh", "cameras_in_area"), {"area_id": row["id"]}
    else:
        name = "all_cameras" if everything else "stale_cameras"
        sql, params = query("gis.cameras", "refresh", name), {}
    return list(conn.execute(sql, params).scalars())


def _compute_views(conn: Connection, ids: list[int]) -> None:
    conn.execute(query("gis.cameras", "refresh", "take_cameras"), {"ids": ids})
    rows = conn.execute(query("gis.cameras", "refresh", "batch_cameras"), {"ids": ids})
    cams = pd.DataFrame(rows.mappings().all())
    if cams.empty:
        return
    frame = gpd.GeoDataFrame(cams, geometry=gpd.points_from_xy(cams["lon"], cams["lat"]), crs=4326)
    crs = local_metric_crs(tuple(frame.total_bounds))
    builds = _frame(conn, "footprints_near", ids)
    views = visibility_polygons(frame.to_crs(crs), builds.to_crs(crs))
    area = shapely.area(views.values)
    conn.execute(
        query("gis.cameras", "refresh", "store_views"),
        {"ids": [int(i) for i in cams["id"]], "wkbs": _wkb(views),
         "areas": [float(a) for a in area]},
    )  # fmt: skip
    conn.execute(query("gis.cameras", "refresh", "queue_coverage_near"), {"ids": ids})


def _compute_coverage(conn: Connection, ids: list[int]) -> int:
    took = conn.execute(query("gis.cameras", "refresh", "take_communities"), {"ids": ids})
    taken = list(took.scalars())
    if not taken:
        return 0
    areas = _frame(conn, "communities", taken)
    crs = local_metric_crs(tuple(areas.total_bounds))
    builds = _frame(conn, "footprints_in", taken).to_crs(crs)
    views = _frame(conn, "online_views_in", taken).to_crs(crs)
    cov = coverage(areas.to_crs(crs).geometry, builds.geometry, views.geometry)
    conn.execute(
        query("gis.cameras", "refresh", "store_coverage"),
        {"ids": [int(i) for i in areas["id"]],
         "public": _wkb(gpd.GeoSeries(cov.public, crs=crs)),
         "blind": _wkb(gpd.GeoSeries(cov.blind, crs=crs)), "area": _floats(cov.area_m2),
         "public_m2": _floats(cov.public_m2), "covered_m2": _floats(cov.covered_m2)},
    )  # fmt: skip
    return len(taken)


def _frame(conn: Connection, name: str, ids: list[int]) -> gpd.GeoDataFrame:
    rows = conn.execute(query("gis.cameras", "refresh", name), {"ids": ids}).all()
    wkb = np.array([bytes(r[-1]) for r in rows], dtype=object)
    return gpd.GeoDataFrame({"id": [r[0] for r in rows]}, geometry=shapely.from_wkb(wkb), crs=4326)


def _wkb(polygons: gpd.GeoSeries) -> list[bytes]:
    """Polygons in EPSG:4326 as WKB, repaired where the transform made one invalid."""
    geoms = np.asarray(polygons.to_crs(4326).values, dtype=object)
    bad = ~shapely.is_valid(geoms)
    geoms[bad] = shapely.make_valid(geoms[bad], method="structure", keep_collapsed=False)
    return list(shapely.to_wkb(_polygonal(geoms)))


def _polygonal(geoms: np.ndarray) -> np.ndarray:
    """Polygons and multipolygons as they are; of anything else (an empty collection, a
    collection an overlay left a line in), its polygons as one multipolygon."""
    kind = shapely.get_type_id(geoms)
    odd = np.flatnonzero((kind != 3) & (kind != 6))
    if len(odd) == 0:
        return geoms
    parts, owner = shapely.get_parts(geoms[odd], return_index=True)
    parts, inner = shapely.get_parts(parts, return_index=True)  # members that are multi
    owner = owner[inner]
    keep = shapely.get_type_id(parts) == 3
    geoms[odd] = shapely.MultiPolygon()
    present, index = np.unique(owner[keep], return_inverse=True)
    if len(present):
        geoms[odd[present]] = shapely.multipolygons(parts[keep], indices=index)
    return geoms


def _floats(values: np.ndarray) -> list[float]:
    return [float(v) for v in values]
