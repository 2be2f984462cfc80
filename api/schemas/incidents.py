"""Incidents (``gis.incidents``): the catalogue, intake, summaries, timelines, transitions,
the command page's counters, and Open311 GeoReport v2.

``IncidentSummary`` and ``TimelineEntry`` are also what the live stream sends
(``{"incident": IncidentSummary, "event": TimelineEntry}``, gis.incidents.outbox).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from api.guards import NO_NUL, PLAIN_TEXT
from api.schemas.base import Schema
from gis.incidents.intake import DESCRIPTION_CHARS, MAX_ATTACHMENTS

Urgency = Literal["low", "normal", "high", "critical"]
Status = Literal[
    "reported", "accepted", "dispatched", "in_progress", "resolved", "verified", "closed",
    "rejected",
]  # fmt: skip
Source = Literal["grid_worker", "hotline", "video", "110", "citizen"]
Level = Literal["community", "street", "district"]
Action = Literal[
    "accepted", "rejected", "dispatched", "in_progress", "resolved", "verified", "closed",
    "returned", "reopened", "escalated", "supervised", "reassigned",
]  # fmt: skip
EMAIL = r"^[^@\s\x00-\x1f\x7f]+@[^@\s\x00-\x1f\x7f]+$"
Text = Annotated[str, StringConstraints(pattern=NO_NUL)]
Reference = Annotated[str, StringConstraints(min_length=1, max_length=500, pattern=NO_NUL)]


class DeadlineHours(Schema):
    low: int
    normal: int
    high: int
    critical: int


class Category(Schema):
    """A class of the catalogue (GB/T 30428 事件 or 部件)."""

    code: str
    name_zh: str
    name_en: str
    kind: Literal["事件", "部件"]
    major: str = Field(description="The standard's major class (大类).")
    deadline_hours: DeadlineHours = Field(description="Hours to handle it, per urgency.")
    default_urgency: Urgency
    default_unit: str = Field(description="Who handles it when its grid has no worker.")


class IncidentRequest(BaseModel):
    """An incident to report. ``lon``/``lat`` are in ``crs`` (EPSG code, gcj02 or bd09)."""

    model_config = ConfigDict(extra="forbid")

    category: str = Field(
        min_length=1, max_length=32, pattern=PLAIN_TEXT, description="A code of the catalogue."
    )
    lon: float = Field(allow_inf_nan=False, examples=[121.37])
    lat: float = Field(allow_inf_nan=False, examples=[28.58])
    crs: str = Field("EPSG:4326", min_length=1, max_length=32, pattern=NO_NUL)
    description: str = Field(min_length=1, max_length=DESCRIPTION_CHARS, pattern=NO_NUL)
    source: Source
    urgency: Urgency | None = Field(None, description="Default: the category's.")
    reporter_contact: str | None = Field(
        None,
        min_length=3,
        max_length=64,
        pattern=PLAIN_TEXT,
        description="The reporter's phone or e-mail: stored encrypted, never answered.",
    )
    attachments: list[Reference] = Field(
        default_factory=list, max_length=MAX_ATTACHMENTS, description="References (URLs, ids)."
    )


class IncidentSummary(Schema):
    """An incident as lists, answers and the live stream show it."""

    code: str
    category: str
    category_name: str
    urgency: Urgency
    status: Status
    source: Source
    level: Level = Field(description="Who holds it: 上报 and 督办 raise it.")
    reported_at: datetime
    deadline_at: datetime | None
    overdue: bool = Field(description="Open and past its deadline.")
    lon: float
    lat: float
    community_code: str | None
    community_name: str | None
    grid_code: str | None
    building_code: str | None
    assignee: str | None = Field(description="Who handles it: a worker's code or a name.")
    assigned_unit: str | None = Field(description="The unit it went to (no grid worker).")
    description: str | None


class Duplicate(Schema):
    """An open incident of the same category within 50 m and 2 hours."""

    code: str
    distance_m: float
    reported_at: datetime
    status: Status


class IntakeAnswer(IncidentSummary):
    possible_duplicates: list[Duplicate]


class TimelineEntry(Schema):
    """One change: the intake (action ``reported``) or a workflow action."""

    id: int
    action: str
    from_status: Status | None
    to_status: Status
    actor: str
    at: datetime
    note: str | None
    assignee: str | None


class AllowedAction(Schema):
    to: Action
    needs_note: bool
    needs_assignee: bool


class IncidentDetail(IncidentSummary):
    timeline: list[TimelineEntry]
    allowed: list[AllowedAction] = Field(description="What the reader may do now.")


class IncidentPage(Schema):
    items: list[IncidentSummary]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page.")


class IncidentStats(Schema):
    """The command page's counters."""

    new_today: int = Field(description="Reported since midnight (China Standard Time).")
    open: int
    overdue: int
    closure_rate_week: float | None = Field(
        description="Of the incidents reported in the last 7 days (rejected ones aside), "
        "the share resolved, verified or closed; null when none."
    )


class TransitionRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    to: Action
    note: Text | None = Field(None, max_length=2000)
    assignee: Text | None = Field(None, max_length=64)


class Service(Schema):
    """Open311: a service (a class of the catalogue)."""

    service_code: str
    service_name: str
    description: str
    metadata: bool
    type: Literal["realtime", "batch", "blackbox"]
    keywords: str
    group: str


class ServiceRequest(Schema):
    """Open311: a service request (an incident)."""

    service_request_id: str
    status: Literal["open", "closed"]
    status_notes: str | None
    service_name: str | None
    service_code: str
    description: str | None
    agency_responsible: str | None
    service_notice: str | None
    requested_datetime: datetime
    updated_datetime: datetime | None
    expected_datetime: datetime | None
    address: str | None
    address_id: str | None
    zipcode: str | None
    lat: float
    long: float
    media_url: str | None


class ServiceRequestCreated(Schema):
    service_request_id: str
    service_notice: str | None
    account_id: str | None


class ServiceRequestForm(BaseModel):
    """Open311: POST requests.json, as a form (the spec) or JSON. Fields the spec lists
    that this server does not keep (names, device ids, attributes) are accepted and
    dropped."""

    model_config = ConfigDict(extra="ignore")

    service_code: str = Field(min_length=1, max_length=32, pattern=PLAIN_TEXT)
    lat: float | None = Field(None, ge=-90, le=90, allow_inf_nan=False)
    long: float | None = Field(None, ge=-180, le=180, allow_inf_nan=False)
    address_string: Text | None = Field(None, max_length=500)
    description: Text | None = Field(None, max_length=DESCRIPTION_CHARS)
    email: str | None = Field(None, max_length=64, pattern=EMAIL)
    phone: str | None = Field(None, max_length=32, pattern=r"^\+?[0-9][0-9 -]{4,30}$")
    media_url: Reference | None = None
    account_id: Text | None = Field(None, max_length=64)
    jurisdiction_id: Text | None = Field(None, max_length=64)
