"""Row-by-row validation of a frame against its kind, vectorised per field.

Every problem is collected (not only the first) with its row and field, so a
user fixes a file in one pass; the caller refuses the whole load if any exist.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from gis.idnumber import valid_id_numbers
from gis.load.kinds import Field, Kind

TIMEZONE = "Asia/Shanghai"  # naive times in files are local Chinese time
GEOMETRY_TYPES = {
    "multipolygon": ("Polygon", "MultiPolygon"),
    "polygon": ("Polygon", "MultiPolygon"),  # a one-part MultiPolygon becomes its Polygon
    "point": ("Point",),
    "line": ("LineString", "MultiLineString"),  # stored as MultiLineString
}


@dataclass(frozen=True)
class Problem:
    row: int | None  # 1-based data row; None for a problem of the whole file
    field: str | None
    message: str

    def describe(self, source: str) -> str:
        where = [source]
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.field is not None:
            where.append(f"field '{self.field}'")
        return f"{', '.join(where)}: {self.message}"


def validate_frame(
    frame: pd.DataFrame, kind: Kind, *, repair: bool = False
) -> tuple[pd.DataFrame, list[Problem]]:
    """Coerce ``frame`` to ``kind``'s types; return the clean frame and every problem found."""
    problems: list[Problem] = []
    out = pd.DataFrame(index=frame.index)
    for f in kind.fields:
        if f.name not in frame.columns:
            if f.required:
                problems.append(Problem(None, f.name, "required column is missing"))
            out[f.name] = None
            continue
        out[f.name] = _check_field(frame[f.name], f, problems)
    problems += _duplicates(out["code"], "code")
    if kind.name in RECORD_CHECKS:
        problems += RECORD_CHECKS[kind.name](out)
    if kind.geometry is not None:
        geometry, geo_problems = _check_geometry(frame.geometry, kind, repair)
        problems += geo_problems
        out = gpd.GeoDataFrame(out, geometry=geometry, crs="EPSG:4326")
    return out, problems


def _check_person_ids(frame: pd.DataFrame) -> list[Problem]:
    """An ID number must carry a valid check digit, and agree with birth year and sex."""
    ids = frame["id_number"].dropna().astype(str).str.upper()
    problems: list[Problem] = []
    if ids.empty:
        return problems
    bad = ids.index[~valid_id_numbers(ids)]
    problems += [
        Problem(r, "id_number", f"{ids[r]!r} is not a valid ID number (date or check digit)")
        for r in bad
    ]
    ok = ids.drop(bad)
    born = pd.to_numeric(ok.str[6:10])
    stated = frame.loc[ok.index, "birth_year"]
    clash = stated.notna() & (stated != born)
    problems += [
        Problem(r, "birth_year", f"{stated[r]} disagrees with the ID number's {born[r]}")
        for r in ok.index[clash.to_numpy(dtype=bool)]
    ]
    sex = np.where(pd.to_numeric(ok.str[16]) % 2 == 1, "M", "F")
    given = frame.loc[ok.index, "sex"]
    clash = given.notna().to_numpy() & (given.to_numpy() != sex)
    problems += [
        Problem(r, "sex", f"{given[r]!r} disagrees with the ID number") for r in ok.index[clash]
    ]
    return problems


RECORD_CHECKS = {"persons": _check_person_ids}


def _check_field(column: pd.Series, f: Field, problems: list[Problem]) -> pd.Series:
    missing = column.isna() | (column.astype(str).str.strip() == "")
    if f.required:
        problems += [Problem(r, f.name, "required value is empty") for r in column.index[missing]]
    present = column[~missing]
    if f.type in ("int", "float"):
        return _check_number(column, present, f, problems)
    if f.type == "datetime":
        return _check_datetime(column, present, f, problems)
    if f.type == "tags":
        return column.map(_tags)
    text = present.astype(str).str.strip()
    if f.choices is not None:
        bad = ~text.isin(f.choices)
        problems += [
            Problem(r, f.name, f"{text[r]!r} is not one of {', '.join(f.choices)}")
            for r in text.index[bad]
        ]
    if f.pattern is not None:
        bad = ~text.str.fullmatch(f.pattern)
        problems += [Problem(r, f.name, f"{text[r]!r} is malformed") for r in text.index[bad]]
    return text.reindex(column.index).astype(object).where(~missing, None)


def _check_number(
    column: pd.Series, present: pd.Series, f: Field, problems: list[Problem]
) -> pd.Series:
    values = pd.to_numeric(present, errors="coerce")
    bad = values.isna()
    what = "a number"
    if f.type == "int":
        bad |= values.notna() & (values % 1 != 0)
        what = "an integer"
    problems += [Problem(r, f.name, f"{present[r]!r} is not {what}") for r in present.index[bad]]
    ok = values[~bad]
    low = -np.inf if f.min is None else f.min
    high = np.inf if f.max is None else f.max
    outside = (ok < low) | (ok > high)
    problems += [
        Problem(r, f.name, f"{ok[r]:g} is outside {low:g}..{high:g}") for r in ok.index[outside]
    ]
    result = pd.Series(pd.NA, index=column.index, dtype="Int64" if f.type == "int" else "Float64")
    result[ok.index] = ok.to_numpy()
    return result


def _check_datetime(
    column: pd.Series, present: pd.Series, f: Field, problems: list[Problem]
) -> pd.Series:
    if pd.api.types.is_datetime64_any_dtype(present):
        values = present if present.dt.tz else present.dt.tz_localize(TIMEZONE)
    else:  # strings: those with an offset keep it, naive ones are local time
        text = present.astype(str).str.strip()
        aware = text.str.contains(r"(?:Z|[+-]\d\d:?\d\d)$")
        naive = pd.to_datetime(text[~aware], errors="coerce", format="mixed")
        offset = pd.to_datetime(text[aware], errors="coerce", format="mixed", utc=True)
        values = pd.concat(
            [naive.dt.tz_localize(TIMEZONE), offset.dt.tz_convert(TIMEZONE)]
        ).reindex(present.index)
    bad = present.index[values.isna()]
    problems += [Problem(r, f.name, f"{present[r]!r} is not a date-time") for r in bad]
    return values.dt.tz_convert(TIMEZONE).reindex(column.index)


def _tags(value: object) -> list[str]:
    if isinstance(value, list | tuple | np.ndarray):
        return [str(v) for v in value]
    if value is None or (isinstance(value, float) and np.isnan(value)) or value == "":
        return []
    return [t for t in re.split(r"[;,|\s]+", str(value)) if t]


def _duplicates(codes: pd.Series, name: str) -> list[Problem]:
    present = codes.dropna()
    rows = pd.Series(present.index, index=present.index)
    first = rows.groupby(present.to_numpy()).transform("first")
    dup = present.duplicated(keep="first")
    return [
        Problem(r, name, f"duplicate {name} {present[r]!r} (first at row {first[r]})")
        for r in present.index[dup]
    ]


def _check_geometry(
    geometry: gpd.GeoSeries, kind: Kind, repair: bool
) -> tuple[gpd.GeoSeries, list[Problem]]:
    problems: list[Problem] = []
    empty = geometry.isna() | geometry.is_empty
    problems += [Problem(r, "geometry", "geometry is empty") for r in geometry.index[empty]]
    allowed = GEOMETRY_TYPES[kind.geometry]
    wrong = ~empty & ~geometry.geom_type.isin(allowed)
    problems += [
        Problem(r, "geometry", f"a {geometry[r].geom_type} where {' or '.join(allowed)} is needed")
        for r in geometry.index[wrong]
    ]
    checked = ~empty & ~wrong
    invalid = checked & ~geometry.is_valid
    if repair and invalid.any():
        geometry = geometry.copy()
        geometry[invalid] = _polygonal(shapely.make_valid(geometry[invalid].to_numpy()))
        invalid = checked & ~geometry.is_valid
    reasons = shapely.is_valid_reason(geometry[invalid].to_numpy())
    problems += [
        Problem(r, "geometry", f"invalid geometry ({reason}); load with --repair to fix it")
        for r, reason in zip(geometry.index[invalid], reasons, strict=True)
    ]
    if kind.geometry == "polygon":
        geometry, single_problems = _single_polygons(geometry, checked & ~invalid, repair)
        problems += single_problems
    return geometry, problems


def _single_polygons(
    geometry: gpd.GeoSeries, checked: pd.Series, repair: bool
) -> tuple[gpd.GeoSeries, list[Problem]]:
    """Footprints are single polygons: unwrap one-part multis; with repair, keep the largest."""
    multi = checked & (geometry.geom_type == "MultiPolygon")
    if not multi.any():
        return geometry, []
    geometry = geometry.copy()
    parts = shapely.get_num_geometries(geometry[multi].to_numpy())
    one = geometry.index[multi][parts == 1]
    geometry[one] = shapely.get_geometry(geometry[one].to_numpy(), 0)
    several = geometry.index[multi][parts > 1]
    if repair:
        geometry[several] = [max(g.geoms, key=lambda p: p.area) for g in geometry[several]]
        return geometry, []
    return geometry, [
        Problem(r, "geometry", f"a footprint must be one polygon, this one has {n} parts")
        for r, n in zip(several, parts[parts > 1], strict=True)
    ]


def _polygonal(geoms: np.ndarray) -> np.ndarray:
    # make_valid may return a GeometryCollection of polygons and lines: keep the polygons.
    polygons = shapely.get_parts(geoms, return_index=True)
    parts, index = polygons
    keep = shapely.get_type_id(parts) == 3  # Polygon
    out = np.array(geoms, dtype=object)
    for i in range(len(geoms)):  # only the invalid rows: few
        mine = parts[(index == i) & keep]
        if len(mine) and shapely.get_type_id(geoms[i]) not in (3, 6):
            out[i] = shapely.multipolygons(mine)
    return out
