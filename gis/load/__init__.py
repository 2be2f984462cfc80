"""Load areas, roads, buildings, households, persons, cameras and incidents into PostGIS.

``load_file`` reads any supported file; ``load_frame`` takes a frame already in
memory (the sample-city builder uses it). Both validate every row, report each
problem with its file, row and field, and load nothing unless all rows pass.
Loading the same records twice is idempotent: rows are upserted by code.

Examples
--------
A frame with a bad row is refused before the database is touched:

>>> import geopandas as gpd
>>> from shapely.geometry import box
>>> rows = {"code": ["B1", "B2"], "households": [12, -3]}
>>> frame = gpd.GeoDataFrame(rows, geometry=[box(120.0, 28.5, 120.0001, 28.5001)] * 2, crs=4326)
>>> load_frame(None, "buildings", frame)
Traceback (most recent call last):
gis.errors.InvalidInput: 1 problem in <frame>; no buildings were loaded:
<frame>, row 2, field 'households': -3 is outside 0..100000
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from sqlalchemy import Connection, Engine
from sqlalchemy.exc import DataError, IntegrityError

from gis.db.keys import key_fits
from gis.errors import InvalidInput
from gis.load.kinds import KINDS, LOAD_ORDER, Kind
from gis.load.read import read_file
from gis.load.store import store
from gis.load.validate import Problem, validate_frame

__all__ = ["KINDS", "LOAD_ORDER", "LoadReport", "load_file", "load_frame"]

MAX_LISTED = 20  # problems quoted in the message; all of them are on the exception


@dataclass(frozen=True)
class LoadReport:
    kind: str
    source: str
    rows: int


def load_file(
    engine: Engine,
    kind: str,
    path: str | Path,
    *,
    crs: str | int | None = None,
    key: str | None = None,
    repair: bool = False,
    progress: Callable[[str], None] | None = None,
) -> LoadReport:
    """Read ``path`` (GeoJSON, GeoPackage, Shapefile, CSV) in ``crs`` and load it as ``kind``."""
    spec = _kind(kind)
    _say(progress, f"reading {path}")
    frame = read_file(Path(path), spec, crs)
    return load_frame(
        engine, kind, frame, source=str(path), key=key, repair=repair, progress=progress
    )


def load_frame(
    engine: Engine,
    kind: str,
    frame: pd.DataFrame,
    *,
    source: str = "<frame>",
    key: str | None = None,
    repair: bool = False,
    progress: Callable[[str], None] | None = None,
) -> LoadReport:
    """Validate ``frame`` (geometry in EPSG:4326) and upsert it as ``kind`` in one transaction."""
    spec = _kind(kind)
    if frame.index.name != "row":
        frame = frame.set_axis(pd.RangeIndex(1, len(frame) + 1, name="row"))
    _say(progress, f"validating {len(frame):,} {kind}")
    clean, problems = validate_frame(frame, spec, repair=repair)
    _refuse(problems, source, spec)
    if kind == "persons" and not key:
        raise InvalidInput("loading persons needs the key that protects their personal data")
    _say(progress, f"storing {len(frame):,} {kind}")
    try:
        with engine.begin() as conn:
            if kind == "persons":
                _check_key(conn, key)
            problems = store(conn, clean, spec, {"key": key})
            if problems:
                conn.rollback()
    except (IntegrityError, DataError) as exc:
        detail = str(exc.orig).strip().splitlines()[0]
        raise InvalidInput(f"{source}: the database refused the {kind}: {detail}") from exc
    _refuse(problems, source, spec)
    return LoadReport(kind=kind, source=source, rows=len(frame))


def _check_key(conn: Connection, key: str) -> None:
    """Refuse a key other than the one the stored persons are under: rows written with
    it could never be read with the other. This waits for a key rotation running
    meanwhile (gis.db.keys), so a load racing one is refused, not mixed in."""
    if not key_fits(conn, key):
        raise InvalidInput(
            "the secret key does not decrypt the persons already stored, so no persons were "
            "loaded: was the key rotated (`wangge keys rotate`)? Give this process the "
            "current WANGGE_SECRET_KEY; `wangge keys check` tests it"
        )


def _kind(name: str) -> Kind:
    if name not in KINDS:
        raise InvalidInput(f"unknown kind {name!r}; choose one of {', '.join(LOAD_ORDER)}")
    return KINDS[name]


def _refuse(problems: list[Problem], source: str, kind: Kind) -> None:
    if not problems:
        return
    lines = [p.describe(source) for p in problems[:MAX_LISTED]]
    more = len(problems) - MAX_LISTED
    if more > 0:
        lines.append(f"... and {more} more")
    raise InvalidInput(
        f"{len(problems)} problem{'s' if len(problems) > 1 else ''} in {source}; "
        f"no {kind.name} were loaded:\n" + "\n".join(lines),
        [{"row": p.row, "field": p.field, "message": p.message} for p in problems],
    )


def _say(progress: Callable[[str], None] | None, message: str) -> None:
    if progress is not None:
        progress(message)
