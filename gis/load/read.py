"""Read a GeoJSON, GeoPackage, Shapefile or CSV into a frame in EPSG:4326."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd
import shapely

from gis.crs import CRSError, to_wgs84
from gis.errors import InvalidInput
from gis.load.kinds import Kind

LON_NAMES = ("lon", "lng", "longitude", "x")
LAT_NAMES = ("lat", "latitude", "y")
WKT_NAMES = ("wkt", "geometry", "geom")
VECTOR_SUFFIXES = {".geojson", ".json", ".gpkg", ".shp", ".fgb", ".zip"}


def read_file(path: Path, kind: Kind, crs: str | None = None) -> pd.DataFrame:
    """Read ``path`` as records of ``kind``; geometry, if any, converted to EPSG:4326.

    Rows are numbered from 1 in file order (the index), so every later message
    can say "row N". A CSV gives points from lon/lat columns or any geometry
    from a WKT column.
    """
    path = Path(path)
    if not path.exists():
        raise InvalidInput(f"{path}: no such file")
    suffix = path.suffix.lower()
    try:
        if suffix == ".csv":
            frame = _read_csv(path, kind, crs)
        elif suffix in VECTOR_SUFFIXES:
            frame = gpd.read_file(path)
        else:
            raise InvalidInput(
                f"{path}: unknown file type {suffix!r}; use GeoJSON, GeoPackage, Shapefile or CSV"
            )
    except (OSError, ValueError, UnicodeDecodeError) as exc:
        if isinstance(exc, InvalidInput):
            raise
        raise InvalidInput(f"{path}: cannot be read: {exc}") from exc
    frame.index = pd.RangeIndex(1, len(frame) + 1, name="row")
    if kind.geometry is None:
        return pd.DataFrame(frame.drop(columns="geometry", errors="ignore"))
    if not isinstance(frame, gpd.GeoDataFrame):
        raise InvalidInput(f"{path}: {kind.name} need a geometry, and the file has none")
    try:
        return to_wgs84(frame, crs)
    except CRSError as exc:
        raise InvalidInput(f"{path}: {exc}") from exc


def _read_csv(path: Path, kind: Kind, crs: str | None) -> pd.DataFrame:
    frame = pd.read_csv(
        path, dtype=str, keep_default_na=False, na_values=[""], encoding="utf-8-sig"
    )
    if kind.geometry is None:
        return frame
    lower = {c.lower(): c for c in frame.columns}
    wkt = next((lower[n] for n in WKT_NAMES if n in lower), None)
    lon = next((lower[n] for n in LON_NAMES if n in lower), None)
    lat = next((lower[n] for n in LAT_NAMES if n in lower), None)
    if wkt is not None:
        geometry = _parse(path, frame[wkt], shapely.from_wkt, wkt)
        frame = frame.drop(columns=wkt)
    elif lon is not None and lat is not None:
        x = _numbers(path, frame[lon], lon)
        y = _numbers(path, frame[lat], lat)
        geometry = shapely.points(x, y)
        frame = frame.drop(columns=[lon, lat])
    else:
        raise InvalidInput(
            f"{path}: a CSV of {kind.name} needs lon and lat columns "
            f"(or a WKT column named {' / '.join(WKT_NAMES)})"
        )
    # The CRS comes from --crs in to_wgs84; a CSV carries none of its own.
    return gpd.GeoDataFrame(frame, geometry=geometry, crs=None)


def _numbers(path: Path, column: pd.Series, name: str) -> pd.Series:
    values = pd.to_numeric(column, errors="coerce")
    bad = values.isna()
    if bad.any():
        row = int(bad.to_numpy().nonzero()[0][0]) + 1
        raise InvalidInput(
            f"{path}: row {row}, field '{name}': {column.iloc[row - 1]!r} is not a number",
            [{"row": row, "field": name, "message": "not a number"}],
        )
    return values


def _parse(path: Path, column: pd.Series, parse, name: str):
    try:
        return parse(column.to_numpy(), on_invalid="raise")
    except shapely.errors.ShapelyError:
        geoms = parse(column.to_numpy(), on_invalid="ignore")
        row = int(pd.isna(geoms).nonzero()[0][0]) + 1
        raise InvalidInput(
            f"{path}: row {row}, field '{name}': not valid WKT",
            [{"row": row, "field": name, "message": "not valid WKT"}],
        ) from None
