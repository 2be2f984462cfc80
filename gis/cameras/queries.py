"""The reads of the cameras' derived data: which cameras see an incident, coverage of an
area's grids or communities, and the ranking of blind spots. Each is one or two set-based
statements over the stored views and coverage (gis.cameras.refresh keeps them current);
row-level security limits incidents and coverage to the caller's scope.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from sqlalchemy import Connection, TextClause

from gis.db.statements import fetch_one, query
from gis.errors import InvalidInput
from gis.places.areas import area_by_code

By = Literal["grid", "community"]
# At most this many grids per answer: each is an intersection with its community's blind
# spots, a polygon with a hole per footprint (about 7-11 ms a grid in the Luqiao demo: its
# 183-grid street 1.3 s, its 700-grid district 7.7 s); a district is asked street by
# street, or by community (stored, 20 ms for all 333).
MAX_GRIDS = 250
MAX_CAMERAS = 100
MAX_PERIOD = timedelta(days=366)
DEFAULT_PERIOD = timedelta(days=90)


def _sql(name: str) -> TextClause:
    return query("gis.cameras", "queries", name)


def incident_cameras(conn: Connection, code: str) -> dict[str, Any]:
    """Cameras that see incident ``code``, nearest first, then those within range and
    facing it whose view a building blocks (``visible`` false); NotFound if the caller
    may not read the incident."""
    fetch_one(conn, _sql("incident"), {"code": code}, missing=f"there is no incident {code!r}")
    rows = conn.execute(_sql("incident_cameras"), {"code": code, "limit": MAX_CAMERAS})
    cameras = [
        {**r, "distance_m": round(float(r["distance_m"]), 1),
         "bearing_deg": round(float(r["bearing_deg"]) % 360.0, 1)}
        for r in rows.mappings()
    ]  # fmt: skip
    return {"incident": code, "cameras": cameras}


def area_coverage(conn: Connection, area: str, by: By) -> dict[str, Any]:
    """Per grid of the published plan (or per community) under ``area``: public space,
    blind spots and the covered share."""
    found = _bounded(conn, area, by)
    name = "coverage_grids" if by == "grid" else "coverage_communities"
    rows = conn.execute(_sql(name), {"path": found["path"]}).mappings()
    return {"area": area, "by": by, "items": [_with_share(r) for r in rows]}


def blind_spot_ranking(
    conn: Connection,
    area: str,
    since: datetime | None,
    until: datetime | None,
    limit: int,
    by: By = "grid",
) -> dict[str, Any]:
    """Grids (or communities; also where no plan is published) ranked by blind-spot area
    weighted by the incidents reported in those blind spots between ``since`` and
    ``until``."""
    since, until = _period(since, until)
    if by == "grid" and not _counts(conn, area_by_code(conn, area))["grids"]:
        by = "community"
    found = _bounded(conn, area, by)
    name = "rank_grids" if by == "grid" else "rank_communities"
    params = {"path": found["path"], "since": since, "until": until, "limit": limit}
    rows = conn.execute(_sql(name), params).mappings()
    items = [{**_with_share(r), "incidents": int(r["incidents"]),
              "incidents_in_blind_spots": int(r["incidents_in_blind_spots"]),
              "score": round(float(r["score"]), 1)} for r in rows]  # fmt: skip
    return {"area": area, "by": by, "from": since, "to": until, "items": items}


def _bounded(conn: Connection, area: str, by: By) -> dict[str, Any]:
    found = area_by_code(conn, area)
    if by == "grid" and _counts(conn, found)["grids"] > MAX_GRIDS:
        raise InvalidInput(
            f"area {area} has more than {MAX_GRIDS} grids; ask for its streets one at a "
            "time, or by=community",
            problems=[{"field": "area", "message": f"at most {MAX_GRIDS} grids"}],
        )
    return found


def _counts(conn: Connection, found: dict[str, Any]) -> dict[str, int]:
    return dict(conn.execute(_sql("communities_under"), {"path": found["path"]}).mappings().one())


def _period(since: datetime | None, until: datetime | None) -> tuple[datetime, datetime]:
    if until is None:
        until = datetime.now(UTC) if since is None or since.tzinfo else datetime.now()
    if since is None:
        since = until - DEFAULT_PERIOD
    if (since.tzinfo is None) != (until.tzinfo is None):
        raise InvalidInput(
            "from and to: both give a time zone or both give none",
            problems=[{"field": "from", "message": "time zone given on one end only"}],
        )
    if since >= until:
        raise InvalidInput(
            "from must be earlier than to",
            problems=[{"field": "from", "message": "not earlier than to"}],
        )
    if until - since > MAX_PERIOD:
        raise InvalidInput(
            f"a period of at most {MAX_PERIOD.days} days, please",
            problems=[{"field": "from", "message": f"at most {MAX_PERIOD.days} days before to"}],
        )
    return since, until


def _with_share(row: Any) -> dict[str, Any]:
    public, blind = float(row["public_m2"] or 0), float(row["blind_m2"] or 0)
    blind = min(blind, public)
    share = (public - blind) / public if public > 0 else 0.0
    out = {"code": row["code"], "name": row["name"], "community_code": row["community_code"],
           "public_m2": round(public, 1), "blind_m2": round(blind, 1),
           "covered_share": round(share, 4)}  # fmt: skip
    for key in ("area_m2", "computed_at", "stale"):
        if key in row:
            out[key] = round(float(row[key]), 1) if key == "area_m2" else row[key]
    return out
