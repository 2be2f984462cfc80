"""The area hierarchy (district > street > community): the tree, one area, statistics.

Statistics sum over every community under an area through its materialised
path, in one set-based query for any number of areas.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import Connection, TextClause

from gis.db.statements import fetch_one, query
from gis.errors import InvalidInput
from gis.places import disclosure

COUNT_FIELDS = (
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
# Each statistics object also names the counts withheld from its reader (gis.places.disclosure).
STAT_FIELDS = (*COUNT_FIELDS, "suppressed")


def _sql(name: str) -> TextClause:
    return query("gis.places", "areas", name)


def area_by_code(conn: Connection, code: str) -> dict[str, Any]:
    """The area ``code`` (id, code, name, level, path), or NotFound."""
    return fetch_one(
        conn, _sql("by_code"), {"code": code}, missing=f"there is no area with code {code}"
    )


def area_stats(conn: Connection, codes: list[str]) -> dict[str, dict[str, int]]:
    """Statistics of each area in ``codes``, summed over the communities under it."""
    if not codes:
        return {}
    rows = conn.execute(_sql("stats"), {"codes": list(codes)}).mappings()
    return {r["code"]: {f: int(r[f]) for f in COUNT_FIELDS} for r in rows}


def area_tree(conn: Connection) -> list[dict[str, Any]]:
    """Every area as a nested tree (code, name, level, kind, children), roots first."""
    rows = conn.execute(_sql("tree")).mappings()
    nodes: dict[str, dict[str, Any]] = {}
    roots: list[dict[str, Any]] = []
    for r in rows:  # ordered by path: a parent always comes before its children
        node = {"code": r["code"], "name": r["name"], "level": r["level"], "kind": r["kind"]}
        node["children"] = []
        nodes[r["code"]] = node
        labels = r["path"].split(".")
        (nodes[labels[-2]]["children"] if len(labels) > 1 else roots).append(node)
    return roots


def area_detail(
    conn: Connection, code: str, *, geometry: bool = False, suppress: bool = False
) -> dict[str, Any]:
    """One area with its breadcrumb, statistics and children (each with statistics).

    ``suppress`` for a reader who may not see households: counts of persons and
    households under 5 are withheld, the children's and grids' with complementary
    suppression (``gis.places.disclosure``).
    """
    if not (len(code) == 12 and code.isdigit()):
        raise InvalidInput(f"area code {code!r} is not 12 digits (e.g. 331004001001)")
    params = {"code": code, "geometry": geometry}
    row = fetch_one(conn, _sql("detail"), params, missing=f"there is no area with code {code}")
    children = conn.execute(_sql("children"), {"id": row["id"]}).mappings().all()
    stats = area_stats(conn, [code, *(c["code"] for c in children)])
    own = stats.get(code, dict.fromkeys(COUNT_FIELDS, 0))
    [own] = disclosure.for_reader([own], suppress=suppress)
    below = disclosure.for_reader([stats[c["code"]] for c in children], suppress=suppress)
    result: dict[str, Any] = {
        "code": row["code"],
        "name": row["name"],
        "level": row["level"],
        "kind": row["kind"],
        "area_km2": round((row["area_m2"] or 0) / 1e6, 4),
        "bbox": [row["xmin"], row["ymin"], row["xmax"], row["ymax"]],
        "ancestors": row["ancestors"] or [],
        "stats": own,
        "children": [{**dict(c), "stats": s} for c, s in zip(children, below, strict=True)],
    }
    if row["level"] == "community":
        grids = _published_grids(conn, row["id"])
        result["grids"] = disclosure.for_reader(grids, suppress=suppress, fields=("households",))
    if geometry:
        result["geometry"] = json.loads(row["geojson"])
    return result


def _published_grids(conn: Connection, community_id: int) -> list[dict[str, Any]]:
    """The community's grids under the published plan, the level below it in the drill-down."""
    rows = conn.execute(_sql("published_grids"), {"id": community_id}).mappings()
    return [{**r, "area_m2": float(r["area_m2"] or 0)} for r in rows]
