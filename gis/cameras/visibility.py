"""What each camera sees: its view sector cut by the footprints in front of it.

A camera's sector (heading, field of view, range; a field of view of 360° is a dome)
minus the shadow every nearby footprint casts as seen from the camera, and minus the
footprints themselves (a camera sees a wall, not what is inside). The shadow of a
convex polygon seen from a point outside it is the convex hull of its vertices and of
the same vertices pushed far out along their rays from the camera, so every footprint
is first cut into convex parts (a convex footprint is its own part; any other is
triangulated), and each (camera, part) pair is one hull. Everything runs as shapely 2
array operations over all pairs at once; only the union of each camera's shadows is
grouped, by buckets of similar size, never a Python loop per camera.

A camera whose point lies inside a footprint is taken as mounted on that building (on
a roof or its façade, placed a little inside by geocoding): that footprint casts no
shadow for it, but is still not part of what it sees.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely
from numpy.typing import NDArray

from gis.cameras.grouping import grouped_union
from gis.crs import metric_crs_for
from gis.errors import CRSError

# A camera without a range is taken to see this far; one without a heading or field of
# view is taken as a dome (it can be turned to look anywhere).
DEFAULT_RANGE_M = 50.0
# The arc of a sector is drawn with a vertex at least every ARC_STEP_DEG degrees: the
# chords then lose at most 0.015 % of a sector's area.
ARC_STEP_DEG = 2.0
# Shadows reach this many ranges out: enough to leave the sector for any footprint that
# does not touch the camera (the far edge of a hull lies at FAR × range × cos(θ/2) for a
# part subtending θ, beyond the range for θ up to 177.7°).
FAR = 50.0


def visibility_polygons(
    cameras: gpd.GeoDataFrame,
    buildings: gpd.GeoDataFrame,
    *,
    crs: pyproj.CRS | None = None,
) -> gpd.GeoSeries:
    """The visibility polygon of each camera, in a metric CRS.

    Parameters
    ----------
    cameras : GeoDataFrame
        Points with ``heading`` (degrees clockwise from north), ``fov_deg`` and
        ``range_m`` columns; missing values mean a dome and ``DEFAULT_RANGE_M``.
    buildings : GeoDataFrame
        Footprint polygons, in the same CRS as ``cameras``.
    crs : pyproj.CRS, optional
        The metric CRS to work and answer in; by default the cameras' own when it is
        projected, else the local one ``gis.crs.metric_crs_for`` chooses.

    Returns
    -------
    GeoSeries
        Polygons (possibly empty or in several parts), indexed like ``cameras``.

    Examples
    --------
    >>> cams = gpd.GeoDataFrame({"heading": [90.0], "fov_deg": [90.0], "range_m": [10.0]},
    ...                         geometry=[shapely.Point(0, 0)], crs=3857)
    >>> wall = gpd.GeoDataFrame(geometry=[shapely.box(4, -20, 5, 20)], crs=3857)
    >>> float(round(visibility_polygons(cams, wall).area.iloc[0], 1))  # 4 m deep of 10
    16.0
    """
    target = _target_crs(cameras, crs)
    cams = cameras.to_crs(target) if cameras.crs != target else cameras
    builds = _same_crs(buildings, cameras).to_crs(target)
    x, y = shapely.get_x(cams.geometry.values), shapely.get_y(cams.geometry.values)
    heading, fov, reach = _view_parameters(cams)
    sectors = sector_polygons(x, y, heading, fov, reach)
    footprints = shapely.get_parts(np.asarray(builds.geometry.values, dtype=object))
    footprints = footprints[shapely.is_valid(footprints) & ~shapely.is_empty(footprints)]
    blocked = _blocked(x, y, reach, sectors, footprints)
    seen = np.where(shapely.is_missing(blocked), sectors, shapely.difference(sectors, blocked))
    return gpd.GeoSeries(seen, index=cameras.index, crs=target)


def sector_polygons(
    x: NDArray[np.float64],
    y: NDArray[np.float64],
    heading: NDArray[np.float64],
    fov: NDArray[np.float64],
    reach: NDArray[np.float64],
) -> NDArray[np.object_]:
    """Sector polygons (apex at the camera; a disc for ``fov >= 360``), all at once."""
    n = len(x)
    dome = fov >= 360.0
    steps = np.maximum(np.ceil(np.where(dome, 360.0, fov) / ARC_STEP_DEG), 2).astype(np.int64)
    arc_points = steps + 1  # the arc's vertices, both ends included
    count = arc_points + np.where(dome, 0, 1)  # a sector adds its apex
    owner = np.repeat(np.arange(n), count)
    first = np.cumsum(count) - count
    k = np.arange(owner.size) - np.repeat(first, count)
    start = np.where(dome, 0.0, heading - fov / 2.0)
    span = np.where(dome, 360.0, fov)
    on_arc = k < arc_points[owner]
    angle = np.radians(start[owner] + span[owner] * k / steps[owner])
    radius = np.where(on_arc, reach[owner], 0.0)
    px = x[owner] + radius * np.sin(angle)
    py = y[owner] + radius * np.cos(angle)
    rings = shapely.linearrings(np.column_stack([px, py]), indices=owner)
    return shapely.polygons(rings)


def _target_crs(cameras: gpd.GeoDataFrame, crs: pyproj.CRS | None) -> pyproj.CRS:
    if crs is not None:
        return pyproj.CRS.from_user_input(crs)
    if cameras.crs is not None and cameras.crs.is_projected:
        return cameras.crs
    return metric_crs_for(cameras)


def _same_crs(buildings: gpd.GeoDataFrame, cameras: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    if buildings.crs != cameras.crs:
        raise CRSError(
            f"cameras are in {cameras.crs and cameras.crs.to_string()} but buildings in "
            f"{buildings.crs and buildings.crs.to_string()}: give both in one CRS"
        )
    return buildings


def _view_parameters(cams: pd.DataFrame) -> tuple[NDArray, NDArray, NDArray]:
    def column(name: str) -> NDArray[np.float64]:
        if name not in cams:
            return np.full(len(cams), np.nan)
        return pd.to_numeric(cams[name], errors="coerce").to_numpy(dtype=np.float64)

    heading, fov, reach = column("heading"), column("fov_deg"), column("range_m")
    fov = np.where(np.isnan(heading) | np.isnan(fov), 360.0, np.clip(fov, 0.1, 360.0))
    reach = np.where(np.isnan(reach) | (reach <= 0), DEFAULT_RANGE_M, reach)
    return np.nan_to_num(heading), fov, reach


def _blocked(
    x: NDArray, y: NDArray, reach: NDArray, sectors: NDArray, footprints: NDArray
) -> NDArray[np.object_]:
    """Per camera, the union of what the footprints near it hide or occupy (None: nothing)."""
    parts, owner = convex_parts(footprints)
    cam, part = shapely.STRtree(parts).query(sectors, predicate="intersects")
    host = _host(x, y, footprints)
    mounted = host[cam] == owner[part]
    shadows = np.empty(len(cam), dtype=object)
    shadows[mounted] = parts[part[mounted]]
    cast = ~mounted
    shadows[cast] = _shadows(x[cam[cast]], y[cam[cast]], FAR * reach[cam[cast]], parts[part[cast]])
    return grouped_union(shadows, cam, len(x))


def convex_parts(footprints: NDArray[np.object_]) -> tuple[NDArray[np.object_], NDArray[np.int64]]:
    """Convex pieces covering each footprint, and the footprint each piece comes from."""
    index = np.arange(len(footprints))
    hull_area = shapely.area(shapely.convex_hull(footprints))
    convex = np.isclose(shapely.area(footprints), hull_area, rtol=1e-9, atol=1e-6)
    convex &= shapely.get_num_interior_rings(footprints) == 0
    triangles, tri_owner = shapely.get_parts(
        shapely.constrained_delaunay_triangles(footprints[~convex]), return_index=True
    )
    parts = np.concatenate([footprints[convex], triangles])
    owner = np.concatenate([index[convex], index[~convex][tri_owner]])
    return parts, owner


def _host(x: NDArray, y: NDArray, footprints: NDArray) -> NDArray[np.int64]:
    """The footprint each camera stands inside, or -1."""
    host = np.full(len(x), -1, dtype=np.int64)
    cam, foot = shapely.STRtree(footprints).query(shapely.points(x, y), predicate="within")
    host[cam] = foot
    return host


def _shadows(
    x: NDArray, y: NDArray, far: NDArray, parts: NDArray[np.object_]
) -> NDArray[np.object_]:
    """Each convex part with everything behind it as seen from (x, y), out to ``far``."""
    coords, pair = shapely.get_coordinates(shapely.get_exterior_ring(parts), return_index=True)
    dx, dy = coords[:, 0] - x[pair], coords[:, 1] - y[pair]
    length = np.hypot(dx, dy)
    # A vertex at the camera itself has no ray; it stays where it is.
    scale = np.divide(far[pair], length, out=np.zeros_like(length), where=length > 1e-9)
    pushed = np.column_stack([x[pair] + dx * scale, y[pair] + dy * scale])
    points = np.concatenate([coords, np.where(scale[:, None] > 0, pushed, coords)])
    owner = np.concatenate([pair, pair])
    order = np.argsort(owner, kind="stable")  # multipoints wants its indices ascending
    return shapely.convex_hull(shapely.multipoints(points[order], indices=owner[order]))
