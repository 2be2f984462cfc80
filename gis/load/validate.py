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

from gis.load.kinds import Field, Kind

TIMEZONE = "Asia/Shanghai"  # naive times in files are local Chinese time
GEOMETRY_TYPES = {"polygon": ("Polygon", "MultiPolygon"), "point": ("Point",)}


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
    if kind.geometry is not None:
        geometry, geo_problems = _check_geometry(frame.geometry, kind, repair)
        problems += geo_problems
        out = gpd.GeoDataFrame(out, geometry=geometry, crs="EPSG:4326")
    return out, problems


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
    values = pd.to_datetime(present, errors="coerce", utc=False, format="mixed")
    problems += [
        Problem(r, f.name, f"{present[r]!r} is not a date-time")
        for r in present.index[values.isna()]
    ]
    if getattr(values.dt, "tz", None) is None:
        values = values.dt.tz_localize(TIMEZONE)
    return values.reindex(column.index)


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
        fixed = shapely.make_valid(geometry[invalid].to_numpy())
        fixed = _largest_part_of_type(fixed, allowed)
        geometry = geometry.copy()
        geometry[invalid] = fixed
        invalid = checked & ~geometry.is_valid
    reasons = shapely.is_valid_reason(geometry[invalid].to_numpy())
    problems += [
        Problem(r, "geometry", f"invalid geometry ({reason}); load with --repair to fix it")
        for r, reason in zip(geometry.index[invalid], reasons, strict=True)
    ]
    return geometry, problems


def _largest_part_of_type(geoms: np.ndarray, allowed: tuple[str, ...]) -> np.ndarray:
    # make_valid may return a GeometryCollection; keep the polygonal part.
    out = []
    for g in geoms:  # only the invalid rows: few
        if g.geom_type in allowed:
            out.append(g)
            continue
        parts = [p for p in getattr(g, "geoms", []) if p.geom_type in ("Polygon", "MultiPolygon")]
        out.append(shapely.union_all(parts) if parts else g)
    return np.array(out, dtype=object)
