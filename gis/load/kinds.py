"""What each loadable kind of record looks like: fields, types, allowed values.

One table of specs drives reading, validation and storing, so adding a field
is one line here plus its column in the kind's upsert SQL.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from gis.db.models import (
    AREA_LEVELS,
    CAMERA_LEVELS,
    CAMERA_STATUSES,
    HOUSEHOLD_KINDS,
    INCIDENT_SOURCES,
    INCIDENT_STATUSES,
    INCIDENT_URGENCIES,
)

FieldType = Literal["str", "int", "float", "datetime", "tags"]
GeometryKind = Literal["multipolygon", "polygon", "point", "line"]


@dataclass(frozen=True)
class Field:
    name: str
    type: FieldType = "str"
    required: bool = False
    choices: tuple[str, ...] | None = None
    pattern: str | None = None  # a regular expression the whole value must match
    min: float | None = None
    max: float | None = None


@dataclass(frozen=True)
class Kind:
    """A loadable kind: its fields, its geometry, and the SQL that checks and stores it."""

    name: str
    fields: tuple[Field, ...]
    geometry: GeometryKind | None = None
    sql: str = ""  # file in gis/load/sql/ with the upsert


CODE12 = r"[0-9]{12}"

KINDS: dict[str, Kind] = {
    k.name: k
    for k in (
        Kind(
            "areas",
            (
                Field("code", required=True, pattern=CODE12),
                Field("name", required=True),
                Field("level", required=True, choices=AREA_LEVELS),
                Field("parent_code", pattern=CODE12),
                Field("kind", choices=("urban", "rural")),
            ),
            geometry="multipolygon",
            sql="areas",
        ),
        Kind(
            "roads",
            (
                Field("code", required=True, pattern=r".{1,32}"),
                Field("name"),
                # arterial, secondary, local (the sample's) or a file's own class name
                Field("kind", pattern=r"[A-Za-z0-9_ -]{1,16}"),
            ),
            geometry="line",
            sql="roads",
        ),
        Kind(
            "buildings",
            (
                Field("code", required=True),
                Field("address"),
                Field("levels", "int", min=1, max=200),
                Field("kind"),
                Field("households", "int", min=0, max=100_000),
            ),
            geometry="polygon",
            sql="buildings",
        ),
        Kind(
            "households",
            (
                Field("code", required=True),
                Field("building_code", required=True),
                Field("room"),
                Field("kind", required=True, choices=HOUSEHOLD_KINDS),
                Field("members", "int", min=0, max=100),
            ),
            sql="households",
        ),
        Kind(
            "persons",
            (
                Field("code", required=True),
                Field("household_code", required=True),
                Field("name", required=True),
                Field("id_number", pattern=r"[0-9]{17}[0-9Xx]"),
                Field("phone", pattern=r"\+?[0-9][0-9 -]{6,19}"),
                Field("birth_year", "int", min=1880, max=2100),
                Field("sex", choices=("M", "F")),
                Field("tags", "tags"),
            ),
            sql="persons",
        ),
        Kind(
            "cameras",
            (
                Field("code", required=True),
                Field("name"),
                Field("level", required=True, choices=CAMERA_LEVELS),
                Field("status", choices=CAMERA_STATUSES),
                Field("heading", "float", min=0, max=360),
                Field("fov_deg", "float", min=0.001, max=360),
                Field("range_m", "float", min=0.001, max=10_000),
                Field("stream_url"),
            ),
            geometry="point",
            sql="cameras",
        ),
        Kind(
            "incidents",
            (
                Field("code", required=True),
                Field("category", required=True),
                Field("source", required=True, choices=INCIDENT_SOURCES),
                Field("reported_at", "datetime", required=True),
                Field("urgency", choices=INCIDENT_URGENCIES),
                Field("status", choices=INCIDENT_STATUSES),
                Field("description"),
                Field("idempotency_key"),
            ),
            geometry="point",
            sql="incidents",
        ),
    )
}

# Parents before children: the order `load` and the demo use.
LOAD_ORDER = (
    "areas", "roads", "buildings", "households", "persons", "cameras", "incidents",
)  # fmt: skip
