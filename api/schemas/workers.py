"""Grid workers (``gis.workers``): positions in, where they are, tracks, patrol time, and
the nearest to an incident.

``WorkerState`` is also what the live stream sends for ``worker.position``
(``{"worker": WorkerState, "new": int}``, gis.workers.positions).
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from api.schemas.base import FeatureCollection, Schema
from gis.workers.positions import MAX_ACCURACY_M, MAX_BATCH

WorkerStatus = Literal["available", "busy", "offline"]


class PositionIn(BaseModel):
    """One fix of the worker's phone."""

    model_config = ConfigDict(extra="forbid")

    at: AwareDatetime = Field(description="When, with its offset (ISO 8601).")
    lon: float = Field(ge=-180, le=180, description="Longitude, WGS 84.")
    lat: float = Field(ge=-90, le=90, description="Latitude, WGS 84.")
    accuracy_m: float | None = Field(None, ge=0, le=MAX_ACCURACY_M, description="Metres.")


class PositionBatch(BaseModel):
    """Positions gathered by a phone, oldest or newest first: any order."""

    model_config = ConfigDict(extra="forbid")

    positions: list[PositionIn] = Field(min_length=1, max_length=MAX_BATCH)


class WorkerState(Schema):
    """A worker now: last position and when, status, open cases."""

    code: str
    name: str
    role: str
    phone_masked: str | None
    grid: str | None = Field(description="The grid the worker is assigned to.")
    community: str | None
    lon: float | None
    lat: float | None
    last_seen_at: datetime | None
    open_cases: int = Field(description="Incidents dispatched to the worker, still open.")
    status: WorkerStatus = Field(
        description="offline: no position for 15 minutes; busy: an open incident is "
        "dispatched to them; else available."
    )


class PositionsAnswer(Schema):
    worker: WorkerState
    received: int
    new: int = Field(description="Positions not stored before (a resent batch adds none).")


class WorkerList(Schema):
    workers: list[WorkerState]


class WorkerTrack(FeatureCollection):
    """The day's track: a LineString (kind ``track``, two positions or more) and a Point
    per position (kind ``position``: at, accuracy_m, grid)."""

    worker: str
    date: str
    positions: int
    truncated: bool


class NearWorker(WorkerState):
    distance_m: float = Field(description="By road where `method` is road, else straight.")
    straight_m: float
    method: Literal["road", "straight"]


class NearestWorkers(Schema):
    incident: str
    status: str = Field(description="The incident's status.")
    workers: list[NearWorker]


class GridTime(Schema):
    grid: str | None = Field(description="Null: outside every published grid.")
    minutes: float
    positions: int


class WorkerPatrol(Schema):
    code: str
    name: str
    home_grid: str | None
    minutes: float
    positions: int
    first_at: datetime
    last_at: datetime
    grids: list[GridTime]


class WorkerPatrolList(Schema):
    date: str
    workers: list[WorkerPatrol]


class GridPatrol(Schema):
    code: str
    name: str | None
    community: str
    minutes: float
    workers: int
    last_visit_at: datetime | None
    visited: bool


class GridPatrolList(Schema):
    since: str
    until: str
    grids: list[GridPatrol]
