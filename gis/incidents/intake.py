"""Taking in a reported incident: checked, placed, written with its first event and its
outbox event in one transaction, and answered with the open incidents it may repeat.

A point is given in any CRS gis.crs knows (GCJ-02 and BD-09 too) and stored in
EPSG:4326. Its community, grid and building come from ``gis.links.place_of_point`` and
go into the INSERT itself: row-level security checks the community a new row carries,
so a point outside the reporter's scope is refused (``Forbidden``, naming the area)
and nothing is written. A point in no community is refused before anything is written,
naming the district it lies in or the nearest one.

With an ``Idempotency-Key`` (the IETF draft), the key, a hash of the request and the
answer are kept (``incident_intake``): the same key and request get the same answer
and no second row; the same key with another request is refused.
"""

from __future__ import annotations

import hashlib
import json
import math
from typing import Any

import geopandas as gpd
from sqlalchemy import Connection
from sqlalchemy.exc import DBAPIError

from gis.crs import to_wgs84
from gis.db.incident_tables import INCIDENT_URGENCIES
from gis.db.models import INCIDENT_SOURCES
from gis.db.statements import query
from gis.errors import Forbidden, InvalidInput, SetupError
from gis.incidents.catalogue import category as catalogue_category
from gis.incidents.outbox import announce, jsonable
from gis.incidents.queries import ENTRY, ZONE
from gis.incidents.transaction import atomic
from gis.incidents.workflow import OPEN, REPORTED
from gis.links import place_of_point

DESCRIPTION_CHARS = 2000
MAX_ATTACHMENTS = 10
DUPLICATE_M = 50.0
DUPLICATE_HOURS = 2
RLS_REFUSED = "42501"  # insufficient_privilege: a row outside the user's scope


def _sql(name: str):
    return query("gis.incidents", "intake", name)


def body_hash(request: dict[str, Any]) -> str:
    """SHA-256 of the request as canonical JSON: what an Idempotency-Key is bound to.

    >>> body_hash({"b": 1, "a": "x"}) == body_hash({"a": "x", "b": 1})
    True
    """
    canonical = json.dumps(request, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def report_incident(
    conn: Connection,
    *,
    category: str,
    lon: float,
    lat: float,
    crs: str = "EPSG:4326",
    description: str,
    source: str,
    urgency: str | None = None,
    reporter_contact: str | None = None,
    attachments: list[str] | None = None,
    reported_by: str,
    key: str | None = None,
    secret_key: str | None = None,
) -> tuple[dict[str, Any], bool]:
    """Take in an incident; its IncidentSummary with ``possible_duplicates``, and whether
    the answer is a replay of an earlier request with the same ``key``."""
    request = {"category": category, "lon": lon, "lat": lat, "crs": crs,
               "description": description, "source": source, "urgency": urgency,
               "reporter_contact": reporter_contact,
               "attachments": list(attachments or [])}  # fmt: skip
    _check(request, secret_key)
    digest = body_hash(request)
    with atomic(conn):
        if key is not None and (earlier := _earlier(conn, key, digest)) is not None:
            return earlier, True
        kind = catalogue_category(conn, category)
        x, y = _to_wgs84(lon, lat, crs)
        place = place_of_point(conn, x, y)
        if place["community_id"] is None:
            _outside(conn, x, y, lon, lat, crs)
        params = {**request, **place, "lon": x, "lat": y, "key": key, "zone": ZONE,
                  "urgency": urgency or kind["default_urgency"], "reported_by": reported_by,
                  "contact": reporter_contact, "secret": secret_key}  # fmt: skip
        row = _insert(conn, params, place)
        if row is None:  # the key was taken meanwhile: answer as that request was answered
            earlier = _earlier(conn, key or "", digest)
            if earlier is None:
                raise _key_taken(key or "")
            return earlier, True
        event = _first_event(conn, row["id"], reported_by)
        incident = announce(conn, "incident.created", row["id"], event)
        duplicates = _duplicates(conn, row["id"], category, x, y)
        answer = {**incident, "possible_duplicates": jsonable(duplicates)}
        if key is not None:
            record = {"key": key, "body_hash": digest, "id": row["id"],
                      "answer": json.dumps(answer, ensure_ascii=False)}  # fmt: skip
            conn.execute(_sql("record"), record)
    return answer, False


def _check(request: dict[str, Any], secret_key: str | None) -> None:
    """The bounds the API's request model states, again for callers that skip it."""
    problems = []
    if not request["description"].strip():
        problems.append(("description", "say what happened: the description is empty"))
    if len(request["description"]) > DESCRIPTION_CHARS:
        size = len(request["description"])
        problems.append(("description", f"at most {DESCRIPTION_CHARS} characters, not {size}"))
    if request["source"] not in INCIDENT_SOURCES:
        problems.append(("source", f"one of {', '.join(INCIDENT_SOURCES)}"))
    if request["urgency"] is not None and request["urgency"] not in INCIDENT_URGENCIES:
        problems.append(("urgency", f"one of {', '.join(INCIDENT_URGENCIES)}"))
    if len(request["attachments"]) > MAX_ATTACHMENTS:
        problems.append(("attachments", f"at most {MAX_ATTACHMENTS} references"))
    if not all(math.isfinite(v) for v in (request["lon"], request["lat"])):
        problems.append(("lon", "lon and lat must be finite numbers"))
    if problems:
        detail = "; ".join(f"{field}: {message}" for field, message in problems)
        raise InvalidInput(detail, [{"field": f, "message": m} for f, m in problems])
    if request["reporter_contact"] and not secret_key:
        raise SetupError("storing a reporter's contact needs the key that protects personal data")


def _to_wgs84(lon: float, lat: float, crs: str) -> tuple[float, float]:
    """The point in EPSG:4326 (CRSError, a 422, for an unknown CRS or a point it cannot
    hold)."""
    point = to_wgs84(gpd.GeoSeries.from_xy([lon], [lat]), crs).iloc[0]
    return float(point.x), float(point.y)


def _outside(conn: Connection, x: float, y: float, lon: float, lat: float, crs: str) -> None:
    """Refuse a point in no community, saying where it is."""
    given = f"({lon}, {lat}) in {crs}"
    if (x, y) != (lon, lat):
        given += f" (= ({x:.6f}, {y:.6f}) in EPSG:4326)"
    near = conn.execute(_sql("nearest_district"), {"lon": x, "lat": y}).mappings().first()
    if near is None:
        where = "no district is loaded yet (wangge load areas ...)"
    elif near["inside"]:
        where = f"it lies in {near['name']} ({near['code']}) but in none of its communities"
    else:
        km = near["distance_m"] / 1000
        where = (
            f"it lies outside every district served; the nearest is {near['name']} "
            f"({near['code']}), {km:,.1f} km away (are lon and lat, or crs, right?)"
        )
    message = f"the point {given}: {where}"
    raise InvalidInput(message, [{"field": "lon", "message": message}])


def _insert(conn: Connection, params: dict[str, Any], place: dict[str, Any]) -> Any:
    """The new row (id, code), or None when its key was already used; Forbidden when row-
    level security refuses it (the point lies outside the reporter's scope)."""
    params = {**params, "attachments": list(params["attachments"])}
    try:
        return conn.execute(_sql("insert"), params).mappings().first()
    except DBAPIError as exc:
        if getattr(exc.orig, "sqlstate", None) != RLS_REFUSED:
            raise
        raise Forbidden(
            f"the point lies in {place['community_name']} ({place['community_code']}), "
            "outside your scope: you may report incidents only in your own area"
        ) from None


def _first_event(conn: Connection, incident_id: int, actor: str) -> dict[str, Any]:
    params = {"id": incident_id, "from_status": None, "to_status": "reported", "actor": actor,
              "note": None, "action": REPORTED, "assignee": None, "level": "community"}  # fmt: skip
    event = conn.execute(query("gis.incidents", "changes", "event"), params).mappings().one()
    return {k: event[k] for k in ENTRY}


def _duplicates(
    conn: Connection, incident_id: int, category: str, x: float, y: float
) -> list[dict[str, Any]]:
    """Open incidents of ``category`` within 50 m and 2 hours of the new one."""
    # The box the index narrows to: 50 m as degrees of longitude here (wider than of
    # latitude), with a margin.
    deg = DUPLICATE_M / (111_320 * max(math.cos(math.radians(y)), 0.01)) * 1.1
    params = {"id": incident_id, "category": category, "lon": x, "lat": y, "deg": deg,
              "within_m": DUPLICATE_M, "hours": DUPLICATE_HOURS, "open": list(OPEN)}  # fmt: skip
    return [dict(r) for r in conn.execute(_sql("duplicates"), params).mappings()]


def _earlier(conn: Connection, key: str, digest: str) -> dict[str, Any] | None:
    """The answer an earlier request with ``key`` got (None: the key is new); a 422 when
    that request was another."""
    row = conn.execute(_sql("earlier"), {"key": key}).mappings().first()
    if row is None:
        return None
    if row["body_hash"] != digest:
        raise _key_taken(key)
    return row["answer"]


def _key_taken(key: str) -> InvalidInput:
    message = (
        f"the Idempotency-Key {key!r} was already used with another request; "
        "send a new key for a new incident (retry only with the same body)"
    )
    return InvalidInput(message, [{"field": "Idempotency-Key", "message": message}])
