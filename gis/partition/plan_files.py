"""Reading a plan drawn elsewhere: grids (GeoJSON, GeoPackage) or building → grid (CSV).

The file comes as bytes with its name (an upload). Everything is bounded before it is
parsed further (bytes, then rows), and every problem names the file, the row (from 1,
in file order; a CSV's header is not a row) and the field, so a planner can fix the
file. What the rows mean for an area is :mod:`gis.partition.imports`' to check.
"""

from __future__ import annotations

import io
import json
import re
from dataclasses import dataclass

import geopandas as gpd
import pandas as pd
import pyogrio

from gis.crs import CRSError, to_wgs84
from gis.errors import InvalidInput

MAX_BYTES = 10 * 1024 * 1024
MAX_GRIDS = 5_000
MAX_ROWS = 100_000
MAX_LISTED = 10
# Column names accepted for each field (what wangge exports first).
GRID_NAMES = ("code", "grid_code", "grid_id", "grid")
COMMUNITY_NAMES = ("community_code", "community_id", "community")
BUILDING_NAMES = ("building_code", "building", "building_id")
GRID_CODE = re.compile(r"^[0-9]{12}[0-9]{2,3}$")


@dataclass(frozen=True)
class PlanFile:
    """A plan file read: ``grids`` (code, community_code, geometry in EPSG:4326) or
    ``assignment`` (building_code, grid_code), and the file's name for messages."""

    name: str
    grids: gpd.GeoDataFrame | None = None
    assignment: pd.DataFrame | None = None


def problem(file: str, row: int | None, field: str | None, message: str) -> dict:
    return {"file": file, "row": row, "field": field, "message": message}


def refuse(file: str, problems: list[dict]) -> None:
    """Raise :class:`InvalidInput` listing ``problems`` (the first few in the message)."""
    if not problems:
        return
    lines = []
    for p in problems[:MAX_LISTED]:
        where = [file] + [f"row {p['row']}"] * (p["row"] is not None)
        where += [f"field '{p['field']}'"] * (p["field"] is not None)
        lines.append(f"{', '.join(where)}: {p['message']}")
    if len(problems) > MAX_LISTED:
        lines.append(f"... and {len(problems) - MAX_LISTED} more")
    s = "s" if len(problems) > 1 else ""
    raise InvalidInput(f"{len(problems)} problem{s} in {file}:\n" + "\n".join(lines), problems)


def read_plan_file(name: str, data: bytes) -> PlanFile:
    """Read an uploaded plan file by its suffix: .geojson/.json, .gpkg or .csv."""
    name = name or "file"
    if len(data) > MAX_BYTES:
        refuse(name, [problem(name, None, None, f"over {MAX_BYTES:,} bytes")])
    suffix = name.lower().rsplit(".", 1)[-1] if "." in name else ""
    if suffix == "csv":
        return PlanFile(name, assignment=_read_csv(name, data))
    if suffix in ("geojson", "json", "gpkg"):
        return PlanFile(name, grids=_read_grids(name, data, suffix))
    refuse(name, [problem(name, None, None,
                          "unknown file type: send a .geojson, .gpkg or .csv file")])  # fmt: skip
    raise AssertionError  # refuse raised


def _read_csv(name: str, data: bytes) -> pd.DataFrame:
    try:
        text = data.decode("utf-8-sig")
        frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False,
                            nrows=MAX_ROWS + 1)  # fmt: skip
    except (UnicodeDecodeError, ValueError, pd.errors.ParserError) as exc:
        refuse(name, [problem(name, None, None, f"not a readable UTF-8 CSV: {exc}")])
    if len(frame) > MAX_ROWS:
        refuse(name, [problem(name, None, None, f"more than {MAX_ROWS:,} rows")])
    building = _column(name, frame, BUILDING_NAMES, "building_code")
    grid = _column(name, frame, GRID_NAMES, "grid_code")
    frame = pd.DataFrame(
        {"building_code": frame[building].str.strip(), "grid_code": frame[grid].str.strip()}
    )
    frame.index = pd.RangeIndex(1, len(frame) + 1, name="row")
    problems = [
        problem(name, int(r), field, "is empty")
        for field in ("building_code", "grid_code")
        for r in frame.index[frame[field] == ""]
    ]
    problems += _bad_codes(name, frame["grid_code"], "grid_code")
    first = frame.reset_index().drop_duplicates("building_code").set_index("building_code")["row"]
    again = frame["building_code"].duplicated()
    problems += [
        problem(name, int(r), "building_code", f"{b!r} is on row {first[b]} already")
        for r, b in frame.loc[again, "building_code"].items()
    ]
    refuse(name, sorted(problems, key=lambda p: p["row"] or 0))
    return frame


def _read_grids(name: str, data: bytes, suffix: str) -> gpd.GeoDataFrame:
    frame = _read_gpkg(name, data) if suffix == "gpkg" else _read_geojson(name, data)
    try:
        frame = to_wgs84(frame)
    except CRSError as exc:
        refuse(name, [problem(name, None, None, str(exc))])
    frame.index = pd.RangeIndex(1, len(frame) + 1, name="row")
    code = _column(name, frame, GRID_NAMES, "code")
    codes = frame[code].astype("string").fillna("").str.strip()
    community = next((c for c in COMMUNITY_NAMES if c in frame.columns), None)
    comm = codes.str[:12] if community is None else frame[community].astype("string").fillna("")
    problems = [problem(name, int(r), code, "is empty") for r in codes.index[codes == ""]]
    problems += _bad_codes(name, codes, code)
    problems += [
        problem(name, int(r), code, f"{c!r} is on row {codes.index[codes == c][0]} already")
        for r, c in codes[codes.duplicated() & (codes != "")].items()
    ]
    geoms = frame.geometry
    kinds = geoms.geom_type.fillna("none")
    problems += [
        problem(name, int(r), "geometry", f"is {k}, not a polygon")
        for r, k in kinds[~kinds.isin(["Polygon", "MultiPolygon"])].items()
    ]
    invalid = kinds.isin(["Polygon", "MultiPolygon"]) & ~geoms.is_valid
    problems += [
        problem(name, int(r), "geometry", "is not a valid polygon") for r in geoms.index[invalid]
    ]
    refuse(name, sorted(problems, key=lambda p: p["row"] or 0))
    return gpd.GeoDataFrame(
        {"code": codes.to_numpy(dtype=object), "community_code": comm.to_numpy(dtype=object)},
        geometry=geoms.to_numpy(),
        crs=4326,
        index=frame.index,
    )


def _column(name: str, frame: pd.DataFrame, names: tuple[str, ...], field: str) -> str:
    lower = {str(c).lower(): c for c in frame.columns}
    found = next((lower[n] for n in names if n in lower), None)
    if found is None:
        needed = f"no such column (one of {', '.join(names)} is needed)"
        refuse(name, [problem(name, None, field, needed)])
    return found


def _bad_codes(name: str, codes: pd.Series, field: str) -> list[dict]:
    bad = (codes != "") & ~codes.str.fullmatch(GRID_CODE).fillna(False).astype(bool)
    return [
        problem(name, int(r), field, f"{c!r} is not a grid code (community code + 2-3 digits)")
        for r, c in codes[bad].items()
    ]


# A GeoPackage is an SQLite file whose application id (offset 68) says so; anything else
# sent as one is refused before GDAL sees it: GDAL picks a driver by content, and a
# virtual-dataset XML or a zip named .gpkg would read server files or unpack a bomb.
_SQLITE = b"SQLite format 3\x00"
_GPKG_IDS = (b"GPKG", b"GP10", b"GP11")


def _read_gpkg(name: str, data: bytes) -> gpd.GeoDataFrame:
    if not data.startswith(_SQLITE) or data[68:72] not in _GPKG_IDS:
        refuse(name, [problem(name, None, None, "not a GeoPackage (an SQLite file with "
                                                "the GeoPackage application id)")])  # fmt: skip
    try:
        layers = [str(n) for n in pyogrio.list_layers(io.BytesIO(data))[:, 0]]
        layer = "grids" if "grids" in layers else (layers[0] if layers else None)
        if pyogrio.read_info(io.BytesIO(data), layer=layer)["features"] > MAX_GRIDS:
            refuse(name, [problem(name, None, None, f"more than {MAX_GRIDS:,} grids")])
        return gpd.read_file(io.BytesIO(data), layer=layer)
    except InvalidInput:
        raise
    except Exception:  # GDAL's errors come in many classes; its text may quote the file
        refuse(name, [problem(name, None, None, "not a readable GeoPackage")])
    raise AssertionError  # refuse raised


def _read_geojson(name: str, data: bytes) -> gpd.GeoDataFrame:
    """GeoJSON parsed here, not by GDAL (see ``_read_gpkg``): a FeatureCollection, in
    WGS 84 unless a legacy ``crs`` member names another."""
    try:
        doc = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError) as exc:
        refuse(name, [problem(name, None, None, f"not a readable GeoJSON file: {exc}")])
    if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection":
        refuse(name, [problem(name, None, None, "not a GeoJSON FeatureCollection")])
    features = doc.get("features")
    if not isinstance(features, list):
        refuse(name, [problem(name, None, "features", "is not a list")])
    if len(features) > MAX_GRIDS:
        refuse(name, [problem(name, None, None, f"more than {MAX_GRIDS:,} grids")])
    legacy = doc.get("crs")
    named = legacy.get("properties") if isinstance(legacy, dict) else None
    crs = (named.get("name") if isinstance(named, dict) else None) or 4326
    try:
        return gpd.GeoDataFrame.from_features(features, crs=crs)
    except Exception as exc:  # shapely's and pyproj's errors name what is wrong
        refuse(name, [problem(name, None, None, f"not readable GeoJSON features: {exc}")])
    raise AssertionError  # refuse raised
