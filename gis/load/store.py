"""Store validated records in one transaction: stage with COPY, check, upsert, link.

The kind's SQL file holds named statements: ``check_*`` queries return
(row, field, message) problems that need the database (parents, containment);
the rest run in order, then the kind's links (``gis.links``), then the
``refresh_*`` statements. Any problem rolls the whole load back.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import shapely
from sqlalchemy import Connection, text

from gis.db.statements import statements
from gis.links import link_buildings, link_cameras, link_incidents
from gis.load.kinds import Field, Kind
from gis.load.validate import Problem

SQL_TYPES = {
    "str": "text",
    "int": "bigint",
    "float": "double precision",
    "datetime": "timestamptz",
    "tags": "text[]",
}
# Areas go in parents first, so the path trigger finds each parent.
PASSES: dict[str, tuple[dict, ...]] = {
    "areas": ({"level": "district"}, {"level": "street"}, {"level": "community"}),
}


# The links a kind's rows need, derived in the same transaction (gis.links).
LINKS = {"buildings": link_buildings, "cameras": link_cameras, "incidents": link_incidents}


def store(conn: Connection, frame: pd.DataFrame, kind: Kind, params: dict) -> list[Problem]:
    """Stage ``frame`` and run ``kind``'s SQL on ``conn``; return database-side problems.

    The caller owns the transaction: it commits only when the list is empty.
    """
    _stage(conn, frame, kind)
    problems: list[Problem] = []
    named = statements("gis.load", kind.sql)
    for name, sql in named.items():
        if name.startswith("check_"):
            rows = conn.execute(text(sql)).all()
            problems += [Problem(int(r.row), r.field, r.message) for r in rows]
    if problems:
        return sorted(problems, key=lambda p: (p.row or 0, p.field or ""))
    steps = [sql for name, sql in named.items() if not name.startswith(("check_", "refresh_"))]
    for sql in steps:
        for extra in PASSES.get(kind.name, ({},)):
            conn.execute(text(sql), {**params, **extra})
    if kind.name in LINKS:
        LINKS[kind.name](conn, conn.execute(text("SELECT code FROM stage")).scalars().all())
    for name, sql in named.items():
        if name.startswith("refresh_"):
            conn.execute(text(sql))
    return []


def _stage(conn: Connection, frame: pd.DataFrame, kind: Kind) -> None:
    columns = [("row", "integer")] + [(f.name, SQL_TYPES[f.type]) for f in kind.fields]
    if kind.geometry is not None:
        columns.append(("geom", "geometry(Geometry, 4326)"))
    conn.execute(text("DROP TABLE IF EXISTS stage"))
    ddl = ", ".join(f'"{name}" {sqltype}' for name, sqltype in columns)
    conn.execute(text(f"CREATE TEMP TABLE stage ({ddl}) ON COMMIT DROP"))
    names = ", ".join(f'"{name}"' for name, _ in columns)
    raw = conn.connection.driver_connection
    with raw.cursor() as cur, cur.copy(f"COPY stage ({names}) FROM STDIN") as copy:
        for row in _rows(frame, kind):
            copy.write_row(row)
    conn.execute(text("CREATE INDEX ON stage (code)"))
    if kind.geometry is not None:
        conn.execute(text("CREATE INDEX ON stage USING gist (geom)"))
    conn.execute(text("ANALYZE stage"))


def _rows(frame: pd.DataFrame, kind: Kind):
    cols = [frame.index.to_numpy()] + [_column(frame[f.name], f) for f in kind.fields]
    if kind.geometry is not None:
        geoms = shapely.set_srid(np.asarray(frame.geometry.array, dtype=object), 4326)
        cols.append(shapely.to_wkb(geoms, hex=True, include_srid=True))
    return zip(*cols, strict=True)


def _column(series: pd.Series, f: Field) -> list:
    if f.type == "datetime":
        return [None if pd.isna(v) else v.to_pydatetime() for v in series]
    if f.type in ("int", "float"):
        return [None if pd.isna(v) else v for v in series.astype(object)]
    if f.type == "tags":
        return [list(v) if isinstance(v, list | tuple | np.ndarray) else [] for v in series]
    return [None if v is None or (isinstance(v, float) and np.isnan(v)) else str(v) for v in series]
