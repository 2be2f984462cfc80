"""What the cameras' reads answer: the cameras of an incident, coverage, blind spots."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field

from api.schemas.base import Schema


class IncidentCamera(Schema):
    code: str
    name: str | None
    level: Literal["district", "street", "community", "private"]
    status: Literal["online", "offline", "maintenance"]
    distance_m: float = Field(description="From the camera to the incident, metres.")
    bearing_deg: float = Field(description="From the camera to the incident, clockwise from north.")
    visible: bool = Field(
        description="The incident lies in the camera's visibility polygon; false: within "
        "its range and field of view, but a building is in the way."
    )
    stream_url: str | None
    last_heartbeat_at: datetime | None


class IncidentCameras(Schema):
    """Cameras that see the incident, nearest first, then those a building blocks."""

    incident: str
    cameras: list[IncidentCamera]


class CoverageItem(Schema):
    code: str
    name: str | None
    community_code: str
    area_m2: float
    public_m2: float = Field(description="The area minus building footprints, m².")
    blind_m2: float = Field(description="Public space no online camera sees, m².")
    covered_share: float = Field(description="Share of the public space some online camera sees.")
    computed_at: datetime
    stale: bool = Field(description="A change since waits to be computed (within a minute or so).")


class Coverage(Schema):
    area: str
    by: Literal["grid", "community"]
    items: list[CoverageItem]


class BlindSpotItem(Schema):
    code: str
    name: str | None
    community_code: str
    public_m2: float
    blind_m2: float
    covered_share: float
    incidents: int = Field(description="Incidents reported in the period.")
    incidents_in_blind_spots: int = Field(description="Of those, the ones in blind spots.")
    score: float = Field(description="blind_m2 × (1 + incidents_in_blind_spots).")


class BlindSpots(Schema):
    """Grids (or communities, where no plan is published) ranked by ``score``."""

    area: str
    by: Literal["grid", "community"]
    from_: datetime = Field(alias="from", serialization_alias="from")
    to: datetime
    items: list[BlindSpotItem]
