"""The assessment's own tables (gis.assessment; migration 0022).

``incident_feedback`` is the residents' call-back satisfaction (回访满意度) on a handled
incident, once per incident. ``worker_patrol_day`` is each worker's patrol time per day
(China Standard Time), kept by a trigger on ``worker_position``: a year of tracks is tens
of millions of positions, too many to pair up again for every assessment.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    SmallInteger,
    Text,
    func,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from gis.db.base import Base


class IncidentFeedback(Base):
    """A resident's call-back satisfaction on a handled incident, 1 (very unsatisfied) to
    5 (very satisfied); one per incident. Visible with its incident; append-only."""

    __tablename__ = "incident_feedback"
    __table_args__ = (CheckConstraint("satisfaction BETWEEN 1 AND 5", name="satisfaction_range"),)

    incident_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("incident.id", ondelete="CASCADE"), primary_key=True
    )
    satisfaction: Mapped[int] = mapped_column(SmallInteger)
    recorded_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
    recorded_by: Mapped[str] = mapped_column(Text)
    note: Mapped[str | None] = mapped_column(Text)


class WorkerPatrolDay(Base):
    """A worker's patrol seconds on a day: the gaps of at most 10 minutes between their
    consecutive positions of that day. Written only by the trigger on worker_position."""

    __tablename__ = "worker_patrol_day"

    worker_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("worker.id", ondelete="CASCADE"), primary_key=True
    )
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    seconds: Mapped[float] = mapped_column(Float, server_default=text("0"))
