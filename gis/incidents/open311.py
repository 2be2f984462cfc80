"""Open311 GeoReport v2 over the same incidents: the catalogue as services, an incident as
a service request.

GeoReport knows two statuses; the richer workflow maps onto them (``open``: reported,
accepted, dispatched, in progress; ``closed``: resolved, verified, closed, rejected)
and ``status_notes`` says where the request really is and the last note on it. A
request reported through Open311 is an incident of source ``citizen``; its phone or
e-mail is kept as the reporter's contact (encrypted), names are not kept.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection

from gis.errors import InvalidInput
from gis.incidents.catalogue import categories
from gis.incidents.queries import incident_rows, rows
from gis.incidents.workflow import DONE, OPEN, STATE_NAMES

DEFAULT_DAYS = 90  # the spec's default window when no date is given
MAX_REQUESTS = 1000  # the spec lets a server answer at most this many
MAX_IDS = 100
STATUSES = {"open": OPEN, "closed": DONE}


def services(conn: Connection) -> list[dict[str, Any]]:
    """GET services.json: each active class of the catalogue as a service."""
    return [
        {
            "service_code": c["code"],
            "service_name": c["name_zh"],
            "description": f"{c['name_en']} ({c['kind']}, {c['major']}); "
            f"handled by {c['default_unit']} within {c['hours_normal']} h",
            "metadata": False,
            "type": "realtime",
            "keywords": ", ".join((c["code"], c["name_en"], c["kind"])),
            "group": c["major"],
        }
        for c in categories(conn)
    ]


def as_request(row: dict[str, Any]) -> dict[str, Any]:
    """An incident (a row of ``gis.incidents.queries.rows``) as a GeoReport service request."""
    notes = f"{row['status']} ({STATE_NAMES[row['status']]})"
    if row["overdue"]:
        notes += ", overdue"
    if row["last_note"]:
        notes += f": {row['last_note']}"
    media = next((a for a in row["attachments"] if a.startswith(("http://", "https://"))), None)
    return {
        "service_request_id": row["code"],
        "status": "open" if row["status"] in OPEN else "closed",
        "status_notes": notes,
        "service_name": row["category_name"],
        "service_code": row["category"],
        "description": row["description"],
        "agency_responsible": row["assigned_unit"] or row["assignee"],
        "service_notice": None,
        "requested_datetime": row["reported_at"],
        "updated_datetime": row["updated_at"],
        "expected_datetime": row["deadline_at"],
        "address": row["address"],
        "address_id": row["building_code"],
        "zipcode": None,
        "lat": row["lat"],
        "long": row["lon"],
        "media_url": media,
    }


def service_requests(
    conn: Connection,
    *,
    ids: str | None = None,
    service_codes: str | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
    status: str | None = None,
) -> list[dict[str, Any]]:
    """GET requests.json: by ids (comma-separated, which overrides the other filters, as
    the spec says), else by services, window (default: the last 90 days) and status."""
    if ids:
        codes = _listed(ids, "service_request_id")
        return [as_request(r) for r in rows(conn, {"codes": codes}, MAX_IDS)]
    filters: dict[str, Any] = {}
    if service_codes:
        filters["categories"] = _listed(service_codes, "service_code")
    if status:
        if status not in STATUSES:
            raise InvalidInput(f"status must be open or closed, not {status!r}")
        filters["statuses"] = list(STATUSES[status])
    if start is None and end is None:
        start = datetime.now(UTC) - timedelta(days=DEFAULT_DAYS)
    filters |= {k: v for k, v in (("since", start), ("until", end)) if v is not None}
    return [as_request(r) for r in rows(conn, filters, MAX_REQUESTS)]


def service_request(conn: Connection, code: str) -> list[dict[str, Any]]:
    """GET requests/{id}.json: the one request, in a list as the spec answers it."""
    return [as_request(incident_rows(conn, code))]


def report_fields(fields: dict[str, Any]) -> dict[str, Any]:
    """The arguments of ``gis.incidents.intake.report_incident`` for a POST requests.json
    (``service_code``, ``lat``, ``long``, ``description``, ``email`` or ``phone``,
    ``media_url``; names and device ids are not kept)."""
    if fields.get("lat") is None or fields.get("long") is None:
        message = (
            "give lat and long (WGS 84): this server does not geocode address_string or address_id"
        )
        raise InvalidInput(message, [{"field": "lat", "message": message}])
    contact = fields.get("phone") or fields.get("email")
    media = fields.get("media_url")
    return {
        "category": fields["service_code"],
        "lon": float(fields["long"]),
        "lat": float(fields["lat"]),
        "crs": "EPSG:4326",
        "description": fields.get("description") or "(无描述 no description given)",
        "source": "citizen",
        "urgency": None,
        "reporter_contact": contact,
        "attachments": [media] if media else [],
    }


def _listed(text: str, field: str) -> list[str]:
    values = [v.strip() for v in text.split(",") if v.strip()]
    if len(values) > MAX_IDS:
        raise InvalidInput(f"{field}: at most {MAX_IDS} values, not {len(values)}")
    return values
