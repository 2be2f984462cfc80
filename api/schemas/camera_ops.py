"""Camera operations: heartbeats from the video gateway, and siting new cameras."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from api.schemas.base import AREA_CODE, Schema
from gis.cameras.health import MAX_CODES
from gis.cameras.siting import MAX_SITES

CAMERA_CODE = r"^[A-Za-z0-9_.:-]{1,32}$"
CameraCode = Annotated[str, StringConstraints(pattern=CAMERA_CODE)]


class HeartbeatBody(Schema):
    """The cameras whose streams the gateway sees alive now."""

    cameras: list[CameraCode] = Field(
        min_length=1, max_length=MAX_CODES, description="Camera codes (at most 1000 a post)."
    )


class CameraHealth(Schema):
    code: str
    status: Literal["online", "offline", "maintenance"]
    last_heartbeat_at: datetime


class Heartbeats(Schema):
    """What a batch of heartbeats did: the cameras marked seen, and codes unknown to the
    caller's scope (no such camera, or none the caller may report)."""

    at: datetime | None
    cameras: list[CameraHealth]
    unknown: list[str]


class SitingBody(Schema):
    """Where to add ``k`` cameras in ``area`` to see the most incidents of a period, or
    the most road length that no online camera sees yet."""

    area: str = Field(pattern=AREA_CODE, description="A community or street code.")
    k: int = Field(5, ge=1, le=MAX_SITES, description="Cameras to add.")
    target: Literal["incidents", "roads"] = "incidents"
    since: datetime | None = Field(None, description="Incidents reported at or after this.")
    until: datetime | None = Field(None, description="Incidents reported before this.")
    spacing_m: float = Field(50, ge=10, le=1000, description="Candidates along roads, metres.")
    range_m: float = Field(60, ge=5, le=500, description="A new camera's range (360°), metres.")
    sample_m: float = Field(10, ge=2, le=200, description="Road demand sampled every, metres.")


class Site(Schema):
    candidate: int
    lon: float
    lat: float
    added: float = Field(description="What this site adds to the sites listed before it.")


class Choice(Schema):
    sites: list[Site] = Field(description="The chosen sites, the one adding most first.")
    covered: float = Field(description="Demand the sites see together (the additions' sum).")


class SitingResult(Schema):
    """The result of a done siting job: the exact (MCLP) and the greedy answer."""

    area: str
    target: Literal["incidents", "roads"]
    unit: str = Field(description="What demand counts: incidents, or metres of road.")
    k: int
    candidates: int
    demand_points: int = Field(description="Demand not seen by any online camera yet.")
    demand_total: float
    already_seen: float = Field(description="Demand online cameras see already.")
    mclp: Choice
    greedy: Choice
