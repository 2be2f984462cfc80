"""The incidents' catalogue and intake records (gis.incidents; migration 0015).

``incident_category`` is the catalogue of GB/T 30428-style classes (事件 and 部件): each
with its handling deadline per urgency and its default handling unit. An incident's
``category`` names one by code. ``incident_intake`` keeps, per ``Idempotency-Key``, the
hash of the request's body and the answer given, so a retry gets the same answer.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from gis.db import columns as col
from gis.db.base import Base

INCIDENT_URGENCIES = ("low", "normal", "high", "critical")
CATEGORY_KINDS = ("事件", "部件")  # GB/T 30428: events and components (parts)


class IncidentCategory(Base):
    """A class of the catalogue: names, kind, major class, deadlines, handling unit."""

    __tablename__ = "incident_category"
    __table_args__ = (
        CheckConstraint("kind IN ('事件', '部件')", name="kind_known"),
        CheckConstraint("code ~ '^[a-z][a-z0-9_]{1,31}$'", name="code_format"),
        CheckConstraint(
            "hours_critical > 0 AND hours_high >= hours_critical "
            "AND hours_normal >= hours_high AND hours_low >= hours_normal",
            name="hours_ordered",
        ),
    )

    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    name_zh: Mapped[str] = mapped_column(Text)
    name_en: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(2))
    major: Mapped[str] = mapped_column(Text)  # the standard's major class (大类)
    hours_low: Mapped[int] = mapped_column(Integer)
    hours_normal: Mapped[int] = mapped_column(Integer)
    hours_high: Mapped[int] = mapped_column(Integer)
    hours_critical: Mapped[int] = mapped_column(Integer)
    default_urgency: Mapped[str] = mapped_column(
        col.enum_type("incident_urgency", INCIDENT_URGENCIES), server_default="normal"
    )
    default_unit: Mapped[str] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(Boolean, server_default=text("true"))


class IncidentIntake(Base):
    """An intake made with an Idempotency-Key: the body's hash and the answer given.
    Visible to the API's role with its incident (row-level security); append-only."""

    __tablename__ = "incident_intake"
    __table_args__ = (Index("ix_incident_intake_incident_id", "incident_id"),)

    idempotency_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    body_hash: Mapped[str] = mapped_column(String(64))
    incident_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("incident.id", ondelete="CASCADE")
    )
    answer: Mapped[dict[str, Any]] = mapped_column(JSONB)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
