"""Grid plans (``gis.partition.store`` and ``publish``): summaries, reports, diffs, edits."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import Field

from api.schemas.base import FeatureCollection, Schema

PlanStatus = Literal["draft", "published", "archived"]
# Kept as stored (key order too): old plans may lack a key, new rules may add one.
Parameters = Annotated[
    dict[str, Any],
    Field(
        description="What the plan was made with: min_households, max_households, "
        "target_households, max_area_km2, rural_one_grid, seed."
    ),
]


class PlanListItem(Schema):
    id: int
    name: str
    status: PlanStatus
    version: int
    area_code: str
    created_at: datetime
    published_at: datetime | None
    grids: int = Field(description="Number of grids.")


class PlanSummary(Schema):
    id: int
    name: str
    status: PlanStatus
    version: int = Field(description="Bumped by every change; the ETag carries it.")
    area_code: str
    area_name: str
    grids: int = Field(description="Number of grids.")
    created_by: str | None
    created_at: datetime
    published_by: str | None
    published_at: datetime | None
    parameters: Parameters


class PlanDetail(Schema):
    """A plan with its grids as GeoJSON (properties: code, community_code, households,
    area_m2, buildings)."""

    id: int
    name: str
    status: PlanStatus
    version: int
    area_code: str
    area_name: str
    created_by: str | None
    created_at: datetime
    published_by: str | None
    published_at: datetime | None
    parameters: Parameters
    grid_count: int
    grids: FeatureCollection


class Issue(Schema):
    """A rule broken (violation) or allowed to bend (exception)."""

    rule: int = Field(description="1 tiling, 2 buildings, 3 bounds, 4 connected, 5 barriers.")
    severity: Literal["violation", "exception"]
    message: str
    community: str | None
    grid: str | None
    building: str | None


class Report(Schema):
    """Counts, household balance, compactness, barrier share and issues of a plan."""

    communities: int
    grids: int
    buildings: int
    households: int
    households_min: int
    households_max: int
    households_cv: float
    polsby_popper_mean: float
    polsby_popper_min: float
    barrier_share: float | None
    issues: list[Issue]
    notes: list[str]
    ok: bool = Field(description="No rule broken (exceptions allowed).")


class Move(Schema):
    building: str
    households: int
    from_grid: str | None
    to_grid: str | None


class PlanDiff(Schema):
    """What changes from plan ``against`` to plan ``plan``."""

    plan: int
    against: int
    buildings_moved: int
    households_moved: int
    moves: list[Move]
    grids_added: list[str]
    grids_removed: list[str]


class Published(PlanSummary):
    incidents_relinked: int = Field(description="Incidents that got a grid of this plan.")


class GridNow(Schema):
    """A grid of the plan after an edit."""

    code: str
    community_code: str
    households: int
    buildings: int
    area_m2: float
    polsby_popper: float


class Edited(PlanSummary):
    """The plan after an edit, its grids and its report."""

    grids_now: list[GridNow]
    ok: bool
    broken_rules: list[int]
    report: Report
    locked: list[str] = Field(description="Codes of the locked grids.")


class Locked(PlanSummary):
    """The plan after a grid was locked or unlocked (a new version, the same grids)."""

    grid: str
    is_locked: bool
    locked: list[str] = Field(description="Codes of the locked grids.")
