"""The grid assessment (``gis.assessment``): each unit's figures, the whole area's, the
trend per day or week, and a call-back's satisfaction. docs/assessment.md defines each."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from api.guards import NO_NUL
from api.schemas.base import Schema
from gis.assessment.feedback import NOTE_CHARS

By = Literal["grid", "community", "street", "worker"]
Rate = Annotated[float | None, Field(ge=0, le=1)]
Hours = float | None  # an event stamped before its report (a loaded timeline) is shown, not refused


class Figures(Schema):
    """What is counted of a unit (or the whole area) over the period."""

    reported: int = Field(description="Incidents reported in the period.")
    by_source: dict[str, int] = Field(description="Of which, per source (who reported it).")
    rejected: int
    handled: int = Field(description="Resolved, verified or closed now.")
    closure_rate: Rate = Field(description="handled / (reported - rejected)")
    overdue: int = Field(description="Resolved after the deadline, or open past it.")
    overdue_rate: Rate = Field(description="overdue / (reported - rejected)")
    resolved_ever: int = Field(description="Resolved at least once.")
    reopened: int
    reopened_rate: Rate = Field(description="reopened / resolved_ever")
    accept_median_h: Hours = Field(description="Median hours, report to first acceptance.")
    accept_p90_h: Hours
    resolve_median_h: Hours = Field(description="Median hours, report to last resolution.")
    resolve_p90_h: Hours
    feedback: int = Field(description="Call-backs recorded.")
    satisfaction_mean: Annotated[float | None, Field(ge=1, le=5)]
    satisfied: int = Field(description="Call-backs of 4 or 5.")
    satisfied_share: Rate
    workers: int = Field(description="Workers assigned to the unit.")
    patrol_hours: float = Field(ge=0, description="Hours patrolled by those workers.")


class Unit(Figures):
    code: str
    name: str
    parent_code: str | None
    parent_name: str | None


class Assessment(Schema):
    area: str | None = Field(description="The area assessed; null: everywhere.")
    from_: datetime = Field(alias="from")
    to: datetime
    by: By
    units: list[Unit] = Field(description="Every unit of the area, by code.")
    total: Figures = Field(description="The whole area, its unplaced incidents included.")
    unplaced: int = Field(description="Incidents of the period in no unit (no grid, no worker).")

    model_config = ConfigDict(extra="forbid", populate_by_name=True, serialize_by_alias=True)


class Series(Schema):
    code: str
    reported: list[int]
    closure_rate: list[float | None]
    overdue_rate: list[float | None]


class Trend(Schema):
    area: str | None
    from_: datetime = Field(alias="from")
    to: datetime
    by: By
    step: Literal["day", "week"]
    starts: list[datetime] = Field(description="Where each bucket starts.")
    units: list[Series] = Field(description="Units with incidents in the period, by code.")

    model_config = ConfigDict(extra="forbid", populate_by_name=True, serialize_by_alias=True)


class FeedbackRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    satisfaction: int = Field(
        ge=1, le=5, description="1 very unsatisfied … 3 basically satisfied … 5 very satisfied."
    )
    note: Annotated[str, StringConstraints(pattern=NO_NUL, max_length=NOTE_CHARS)] | None = None


class Feedback(Schema):
    satisfaction: int
    recorded_at: datetime
    recorded_by: str
    note: str | None
