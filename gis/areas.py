"""The area hierarchy (district > street > community): the tree, one area, statistics.

Statistics sum over every community under an area through its materialised
path, in one set-based query for any number of areas.
"""

from __future__ import annotations

import json
from functools import cache
from importlib.resources import files
from typing import Any

from sqlalchemy import Connection, text

from gis.errors import InvalidInput, NotFound

STAT_FIELDS = (
    "communities",
    "buildings",
    "households",
    "floating_households",
    "persons",
    "floating_persons",
    "cameras",
    "open_incidents",
    "grids",
    "grid_workers",
)


@cache
def _sql(name: str) -> str:
    return files("gis").joinpath("sql", name).read_text()


def area_stats(conn: Connection, codes: list[str]) -> dict[str, dict[str, int]]:
    """Statistics of each area in ``codes``, summed over the communities under it."""
    if not codes:
        return {}
    rows = conn.execute(text(_sql("area_stats.sql")), {"codes": list(codes)}).mappings()
    return {r["code"]: {f: int(r[f]) for f in STAT_FIELDS} for r in rows}


def area_tree(conn: Connection) -> list[dict[str, Any]]:
    """Every area as a nested tree (code, name, level, kind, children), roots first."""
    rows = conn.execute(
        text(
            "SELECT code, name, level::text AS level, kind, path::text AS path "
            "FROM area ORDER BY path"
        )
    ).mappings()
    nodes: dict[str, dict[str, Any]] = {}
    roots: list[dict[str, Any]] = []
    for r in rows:  # ordered by path: a parent always comes before its children
        node = {"code": r["code"], "name": r["name"], "level": r["level"], "kind": r["kind"]}
        node["children"] = []
        nodes[r["code"]] = node
        labels = r["path"].split(".")
        (nodes[labels[-2]]["children"] if len(labels) > 1 else roots).append(node)
    return roots


def area_detail(conn: Connection, code: str, *, geometry: bool = False) -> dict[str, Any]:
    """One area with its breadcrumb, statistics and children (each with statistics)."""
    if not (len(code) == 12 and code.isdigit()):
        raise InvalidInput(f"area code {code!r} is not 12 digits (e.g. 331004001001)")
    row = (
        conn.execute(
            text(
                """
            SELECT a.id, a.code, a.name, a.level::text AS level, a.kind, a.area_m2,
                   ST_XMin(a.geom) AS xmin, ST_YMin(a.geom) AS ymin,
                   ST_XMax(a.geom) AS xmax, ST_YMax(a.geom) AS ymax,
                   CASE WHEN :geometry THEN ST_AsGeoJSON(a.geom, 7) END AS geojson,
                   (SELECT json_agg(json_build_object('code', p.code, 'name', p.name,
                                                      'level', p.level) ORDER BY nlevel(p.path))
                    FROM area p WHERE a.path <@ p.path AND p.id <> a.id) AS ancestors
            FROM area a WHERE a.code = :code
            """
            ),
            {"code": code, "geometry": geometry},
        )
        .mappings()
        .first()
    )
    if row is None:
        raise NotFound(f"there is no area with code {code}")
    children = (
        conn.execute(
            text(
                "SELECT code, name, level::text AS level, kind FROM area "
                "WHERE parent_id = :id ORDER BY code"
            ),
            {"id": row["id"]},
        )
        .mappings()
        .all()
    )
    stats = area_stats(conn, [code, *(c["code"] for c in children)])
    result: dict[str, Any] = {
        "code": row["code"],
        "name": row["name"],
        "level": row["level"],
        "kind": row["kind"],
        "area_km2": round((row["area_m2"] or 0) / 1e6, 4),
        "bbox": [row["xmin"], row["ymin"], row["xmax"], row["ymax"]],
        "ancestors": row["ancestors"] or [],
        "stats": stats.get(code, dict.fromkeys(STAT_FIELDS, 0)),
        "children": [{**dict(c), "stats": stats[c["code"]]} for c in children],
    }
    if row["level"] == "community":
        result["grids"] = _published_grids(conn, row["id"])
    if geometry:
        result["geometry"] = json.loads(row["geojson"])
    return result


def _published_grids(conn: Connection, community_id: int) -> list[dict[str, Any]]:
    """The community's grids under the published plan, the level below it in the drill-down."""
    rows = conn.execute(
        text(
            """
            SELECT g.code, g.name, g.households, round(g.area_m2) AS area_m2,
                   (SELECT count(*) FROM building_grid bg WHERE bg.grid_id = g.id) AS buildings
            FROM grid g JOIN grid_plan p ON p.id = g.plan_id AND p.status = 'published'
            WHERE g.community_id = :id ORDER BY g.code
            """
        ),
        {"id": community_id},
    ).mappings()
    return [{**r, "area_m2": float(r["area_m2"] or 0)} for r in rows]
