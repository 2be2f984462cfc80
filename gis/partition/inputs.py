"""Checking and preparing partition inputs: columns, rows, CRS, building ownership.

Every problem is collected with its source, row and field before anything is
refused, as the loader does, so a planner fixes a file in one pass. Buildings
are given to the community holding most of their footprint; each community
gets its own metric CRS chosen from its own bounds, so re-partitioning one
community alone reproduces exactly what it got with all the others.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely
from numpy.typing import NDArray

from gis.crs import local_metric_crs, to_wgs84
from gis.errors import InvalidInput

MAX_LISTED = 10
_POLYGONAL = ("Polygon", "MultiPolygon")
_KINDS = {"urban": "urban", "rural": "rural", "城市": "urban", "农村": "rural"}


@dataclass(frozen=True)
class Columns:
    """Names of the input columns (the data model's by default; file mode passes its own)."""

    community_id: str = "code"
    building_id: str = "code"
    households: str = "households"
    kind: str = "kind"


@dataclass(frozen=True)
class Inputs:
    """Checked inputs, communities sorted by code and buildings by (community, id).

    Geometry is metric, each community and its buildings in ``crs[crs_of[c]]``;
    ``building_comm`` is -1 for buildings outside every community (ignored).
    """

    codes: NDArray[np.object_]
    rural: NDArray[np.bool_]
    crs: tuple[pyproj.CRS, ...]
    crs_of: NDArray[np.int64]
    polygons: NDArray[np.object_]
    ids: NDArray[np.object_]
    households: NDArray[np.int64]
    building_comm: NDArray[np.int64]
    footprints: NDArray[np.object_]
    anchors: NDArray[np.float64]
    clipped: NDArray[np.object_]


def problem(source: str, row: object, field: str | None, message: str) -> dict:
    """One problem as the API and CLI report it: where (source, row, field) and what."""
    return {"source": source, "row": row, "field": field, "message": message}


def refuse(problems: list[dict]) -> None:
    """Raise :class:`InvalidInput` listing ``problems`` (the first few in the message)."""
    if not problems:
        return
    lines = [_describe(p) for p in problems[:MAX_LISTED]]
    if len(problems) > MAX_LISTED:
        lines.append(f"... and {len(problems) - MAX_LISTED} more")
    s = "s" if len(problems) > 1 else ""
    raise InvalidInput(f"{len(problems)} problem{s} in the input:\n" + "\n".join(lines), problems)


def _describe(p: dict) -> str:
    where = [str(p["source"])]
    if p["row"] is not None:
        where.append(f"row {p['row']}")
    if p["field"] is not None:
        where.append(f"field '{p['field']}'")
    return f"{', '.join(where)}: {p['message']}"


def prepare(
    communities: gpd.GeoDataFrame,
    buildings: gpd.GeoDataFrame,
    columns: Columns = Columns(),
    sources: tuple[str, str] = ("communities", "buildings"),
) -> Inputs:
    """Check both frames (raising :class:`InvalidInput`) and project them per community."""
    communities, buildings = _wgs84(communities, sources[0]), _wgs84(buildings, sources[1])
    if "level" in communities.columns:  # an area table: keep its communities
        communities = communities[communities["level"] == "community"]
    problems = _check_communities(communities, columns, sources[0])
    problems += _check_buildings(buildings, columns, sources[1])
    refuse(problems)
    communities = communities.assign(_code=communities[columns.community_id].astype(str))
    communities = communities.sort_values("_code", kind="stable")
    codes = communities["_code"].to_numpy(dtype=object)
    kinds = communities.get(columns.kind, pd.Series("urban", index=communities.index))
    rural = kinds.map(lambda v: _KINDS.get(str(v).strip().lower()) == "rural").to_numpy(bool)
    comm4326 = communities.geometry.to_numpy()
    owner = _owners(comm4326, buildings.geometry.to_numpy())
    ids = buildings[columns.building_id].to_numpy(dtype=object)
    order = np.lexsort((ids.astype(str), owner))
    crs, crs_of = _choose_crs(comm4326)
    polygons = _project(comm4326, crs, crs_of)
    foot = _project(buildings.geometry.to_numpy()[order], crs, crs_of[owner[order]], owner[order])
    clipped, anchors = _anchors(foot, polygons, owner[order])
    return Inputs(
        codes,
        rural,
        crs,
        crs_of,
        polygons,
        ids[order],
        buildings[columns.households].to_numpy()[order].astype(np.int64),
        owner[order],
        foot,
        anchors,
        clipped,
    )


def _wgs84(frame: gpd.GeoDataFrame, source: str) -> gpd.GeoDataFrame:
    if not isinstance(frame, gpd.GeoDataFrame):
        raise InvalidInput(f"{source}: a GeoDataFrame with a geometry column is needed")
    try:
        return to_wgs84(frame)
    except InvalidInput as exc:
        raise InvalidInput(f"{source}: {exc}") from exc


def _check_ids(frame: pd.DataFrame, col: str, source: str) -> list[dict]:
    if col not in frame.columns:
        return [problem(source, None, col, _missing(frame, col))]
    values = frame[col]
    out = [problem(source, r, col, "empty id") for r in frame.index[values.isna()]]
    text = values.dropna().astype(str)
    dup = text.duplicated(keep="first")
    first = pd.Series(text.index, index=text.index).groupby(text.to_numpy()).transform("first")
    out += [
        problem(source, r, col, f"duplicate id {text[r]!r} (first at row {first[r]})")
        for r in text.index[dup]
    ]
    return out


def repair_footprints(buildings: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Buildings with invalid footprints made valid (their polygonal part kept).

    Only on request (``repair=True``, ``--repair``), as the loader does: a
    repaired footprint may differ from what the source meant, so by default an
    invalid one is refused with its row. Empty footprints stay refused.
    """
    geometry = buildings.geometry
    bad = ~(geometry.isna() | geometry.is_empty) & ~geometry.is_valid
    if not bad.any():
        return buildings
    # "structure" keeps a polygon's area (a bow-tie becomes two triangles), never lines.
    fixed = shapely.make_valid(geometry[bad].to_numpy(), method="structure", keep_collapsed=False)
    repaired = buildings.copy()
    repaired.loc[bad, repaired.geometry.name] = fixed
    return repaired


def _missing(frame: pd.DataFrame, col: str) -> str:
    columns = [str(c) for c in frame.columns if c != frame.geometry.name]
    hint = ""
    if col[:10] in columns:  # Shapefiles cut column names to 10 characters
        hint = f"; the file has {col[:10]!r}: a Shapefile shortens names, name that one instead"
    return f"required column is missing (columns: {', '.join(columns)}){hint}"


def _check_geometry(geometry: gpd.GeoSeries, allowed: tuple[str, ...], source: str) -> list[dict]:
    empty = geometry.isna() | geometry.is_empty
    out = [problem(source, r, "geometry", "geometry is empty") for r in geometry.index[empty]]
    wrong = ~empty & ~geometry.geom_type.isin(allowed)
    out += [
        problem(source, r, "geometry", f"a {t} where {' or '.join(allowed)} is needed")
        for r, t in zip(geometry.index[wrong], geometry.geom_type[wrong], strict=True)
    ]
    invalid = ~empty & ~wrong & ~geometry.is_valid
    reasons = shapely.is_valid_reason(geometry[invalid].to_numpy())
    out += [
        problem(
            source,
            r,
            "geometry",
            f"invalid geometry ({reason}); repair it first, or pass repair=True (--repair)",
        )
        for r, reason in zip(geometry.index[invalid], reasons, strict=True)
    ]
    return out


def _check_communities(frame: gpd.GeoDataFrame, cols: Columns, source: str) -> list[dict]:
    out = _check_ids(frame, cols.community_id, source)
    out += _check_geometry(frame.geometry, _POLYGONAL, source)
    if cols.kind in frame.columns:
        kinds = frame[cols.kind].astype(str).str.strip().str.lower()
        bad = ~kinds.isin(list(_KINDS)) & frame[cols.kind].notna()
        out += [
            problem(source, r, cols.kind, f"unknown kind {frame[cols.kind][r]!r}: urban or rural")
            for r in frame.index[bad]
        ]
    return out


def _check_buildings(frame: gpd.GeoDataFrame, cols: Columns, source: str) -> list[dict]:
    out = _check_ids(frame, cols.building_id, source)
    out += _check_geometry(frame.geometry, (*_POLYGONAL, "Point"), source)
    col = cols.households
    if col not in frame.columns:
        return [*out, problem(source, None, col, _missing(frame, col))]
    raw = frame[col]
    values = pd.to_numeric(raw, errors="coerce")
    bad = values.isna() | (values < 0) | (values != np.floor(values))
    out += [
        problem(source, r, col, f"households must be a whole number >= 0, not {raw[r]!r}")
        for r in frame.index[bad.to_numpy()]
    ]
    return out


def _owners(communities: NDArray[np.object_], buildings: NDArray[np.object_]) -> NDArray[np.int64]:
    """Each building's community: the one holding most of it (lowest code on a tie)."""
    owner = np.full(len(buildings), -1, dtype=np.int64)
    b, c = shapely.STRtree(communities).query(buildings, predicate="intersects")
    if b.size == 0:
        return owner
    share = np.ones(b.size)
    counts = np.bincount(b, minlength=len(buildings))
    several = counts[b] > 1
    # Degrees squared are fine for comparing shares of one small footprint.
    share[several] = shapely.area(
        shapely.intersection(buildings[b[several]], communities[c[several]])
    )
    order = np.lexsort((c, -share, b))
    first = np.r_[True, b[order][1:] != b[order][:-1]]
    owner[b[order][first]] = c[order][first]
    return owner


def _choose_crs(communities: NDArray[np.object_]) -> tuple[tuple[pyproj.CRS, ...], NDArray]:
    epsg = np.array([local_metric_crs(tuple(b)).to_epsg() for b in shapely.bounds(communities)])
    codes, crs_of = np.unique(epsg, return_inverse=True)
    return tuple(pyproj.CRS.from_epsg(int(e)) for e in codes), crs_of.astype(np.int64)


def _project(geoms: NDArray, crs: tuple, crs_of: NDArray, keep: NDArray | None = None) -> NDArray:
    """Project lon/lat ``geoms`` to ``crs[crs_of[i]]``; rows with ``keep < 0`` stay as they are."""
    out = np.array(geoms, dtype=object)
    for i, target in enumerate(crs):
        rows = crs_of == i if keep is None else (crs_of == i) & (keep >= 0)
        if rows.any():
            out[rows] = gpd.GeoSeries(geoms[rows], crs=4326).to_crs(target).to_numpy()
    return out


def _anchors(foot: NDArray, polygons: NDArray, owner: NDArray) -> tuple[NDArray, NDArray]:
    """Footprints clipped to their community, and a point inside that part for the Voronoi."""
    clipped = foot.copy()
    inside = owner >= 0
    shapely.prepare(polygons)
    home = polygons[np.maximum(owner, 0)]
    cross = inside & ~shapely.covers(home, foot)
    clipped[cross] = shapely.intersection(foot[cross], home[cross])
    anchors = np.full((len(foot), 2), np.nan)
    anchors[inside] = shapely.get_coordinates(shapely.point_on_surface(clipped[inside]))
    return clipped, anchors


def prepare_barriers(barriers, inputs: Inputs) -> tuple[NDArray[np.object_] | None, ...]:
    """Barrier lines in each community CRS (polygons count by their outline)."""
    if barriers is None:
        return tuple(None for _ in inputs.crs)
    if isinstance(barriers, gpd.GeoDataFrame):
        barriers = barriers.geometry
    if not isinstance(barriers, gpd.GeoSeries):
        raise InvalidInput("barriers must be a GeoSeries or GeoDataFrame of lines")
    series = to_wgs84(barriers[~(barriers.isna() | barriers.is_empty)])
    geoms = series.to_numpy()
    polygonal = np.isin(shapely.get_type_id(geoms), (3, 6))
    geoms[polygonal] = shapely.boundary(geoms[polygonal])
    series = gpd.GeoSeries(geoms, crs=4326)
    return tuple(series.to_crs(crs).to_numpy() if len(series) else None for crs in inputs.crs)


def lookup(keys: NDArray, values: NDArray) -> NDArray[np.int64]:
    """Position of each value in ``keys`` (-1 if absent)."""
    if len(keys) == 0:
        return np.full(len(values), -1, dtype=np.int64)
    order = np.argsort(keys, kind="stable")
    pos = np.minimum(np.searchsorted(keys[order], values), len(keys) - 1)
    return np.where(keys[order][pos] == values, order[pos], -1).astype(np.int64)
